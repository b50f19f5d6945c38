/// StateDirectoryQuota=, CacheDirectoryQuota=, LogsDirectoryQuota= (systemd 258): a hard limit
/// on what the directories of that kind hold, kept by the file system's project quota.
public enum DirectoryQuota: Hashable, Sendable, CustomStringConvertible {
    /// A block limit in bytes (rounded up to 1K quota blocks); inodes unlimited.
    case bytes(UInt64)
    /// The same share of the file system's blocks and of its inodes, scaled so that
    /// UInt32.max is 100% (as systemd keeps it).
    case share(UInt32)

    /// Parses a value; nil for "off" (and for the empty value, which resets to it).
    public static func parse(_ value: String) throws(ValueError) -> DirectoryQuota? {
        if value.isEmpty || value == "off" { return nil }
        // A percentage first, as systemd tries it; anything else must be a size.
        if let share = try? Permyriad.parse(value), share.value <= 10_000 {
            return .share(UInt32((UInt64(share.value) * UInt64(UInt32.max) + 5_000) / 10_000))
        }
        do throws(ValueError) {
            return .bytes(try ByteSize.parse(value))
        } catch {
            throw ValueError("'\(value)' is not a disk quota (a size such as 512M, a percentage, or off)")
        }
    }

    public var description: String {
        switch self {
        case .bytes(let b): return ByteSize.describe(b)
        case .share(let s):
            // Back to hundredths of a percent, as it was written.
            let permyriad = (UInt64(s) * 10_000 + UInt64(UInt32.max) / 2) / UInt64(UInt32.max)
            return Permyriad(Int(permyriad)).description
        }
    }
}

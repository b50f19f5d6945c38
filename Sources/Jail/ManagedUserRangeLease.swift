#if canImport(Glibc)
import Glibc
#endif

/// PrivateUsers=managed (260): a block of 65536 uids and gids for one run, where systemd's
/// nsresourced would lease one: a 64K-aligned start from systemd's container range (0x80000 to
/// 0x6FFF0000), whose first id is free in the user and group databases, that no user namespace
/// alive maps already, and that no other run holds (an `IDLease` of its start in
/// /run/brig/managed-uid-range).
public final class ManagedUserRangeLease: @unchecked Sendable {
    /// The ids one lease covers, as nsresourced leases them for a unit.
    public static let size: UInt32 = 65536
    /// The starts nsresourced draws from (systemd's default container-uid-base-min/max).
    public static let starts: ClosedRange<UInt32> = 0x0008_0000...0x6FFF_0000
    static let lockDirectory = "/run/brig/managed-uid-range"
    /// Candidates tried before giving up, as many as nsresourced tries.
    static let tries = 100

    public var start: UInt32 { lease.id }
    private let lease: IDLease

    private init(_ lease: IDLease) { self.lease = lease }

    /// The line of /proc/PID/uid_map (and gid_map) that maps root inside to the block.
    public static func map(start: UInt32) -> String { "0 \(start) \(size)\n" }

    /// Leases a block for a run in `cgroup`; the lease lasts until `release()`.
    public static func acquire(cgroup: String) throws(JailError) -> ManagedUserRangeLease {
        let slots = (starts.upperBound - starts.lowerBound) / size + 1
        var generator = SystemRandomNumberGenerator()
        return try acquire(cgroup: cgroup) { starts.lowerBound + UInt32.random(in: 0..<slots, using: &generator) * size }
    }

    /// Leases the first free block of up to `tries` starts drawn by `draw` (random but in tests).
    static func acquire(cgroup: String, draw: () -> UInt32) throws(JailError) -> ManagedUserRangeLease {
        try IDLease.prepare(lockDirectory, for: "PrivateUsers=managed")
        let mapped = mappedElsewhere()
        for _ in 0..<tries {
            let start = draw()
            if mapped.contains(where: { $0.overlaps(start...(start + (size - 1))) }) { continue }
            if let lease = try IDLease.takeUnused(start, in: lockDirectory, cgroup: cgroup, for: "PrivateUsers=managed") {
                return ManagedUserRangeLease(lease)
            }
        }
        throw .refused(directive: "PrivateUsers=managed", reason: "no free block of \(size) ids found in \(tries) tries (EBUSY)", status: .user)
    }

    /// The outside ids every user namespace alive maps (from each process's uid_map and gid_map),
    /// the identity maps of the initial namespace aside: a block in use by a container or
    /// another manager's lease is not taken, even where no lock file names it.
    static func mappedElsewhere() -> [ClosedRange<UInt32>] {
        guard let proc = try? OpenDirectory(trusted: "/proc"), let names = try? proc.names() else { return [] }
        var seen: Set<String> = []
        var ranges: [ClosedRange<UInt32>] = []
        for name in names where name.first?.isNumber == true {
            for file in ["uid_map", "gid_map"] {
                guard let text = SystemFiles.read("/proc/\(name)/\(file)"), seen.insert(text).inserted else { continue }
                for line in text.split(separator: "\n") {
                    let fields = line.split(separator: " ").compactMap { UInt32($0) }
                    guard fields.count == 3, fields[2] > 0, !(fields[0] == 0 && fields[1] == 0) else { continue }
                    let (outside, count) = (UInt64(fields[1]), UInt64(fields[2]))
                    ranges.append(fields[1]...UInt32(min(outside + count - 1, UInt64(UInt32.max))))
                }
            }
        }
        return ranges
    }

    /// Ends the lease (see `IDLease.release`).
    public func release() { lease.release() }

    /// Removes the lease files of runs whose brig was killed.
    static func sweep() { IDLease.sweep(lockDirectory, isLeased: starts.contains) }
}

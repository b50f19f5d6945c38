/// DeviceAllow= entry: a device node or class and the access granted (r, w, m; all when omitted).
public struct DeviceRule: Hashable, Sendable {
    /// `/dev/null`, `char-pts`, `block-loop`, `/dev/char/1:3`, ...
    public var device: String
    public var read: Bool, write: Bool, mknod: Bool

    public init(device: String, read: Bool, write: Bool, mknod: Bool) {
        self.device = device; self.read = read; self.write = write; self.mknod = mknod
    }

    public init(parsing value: String) throws(ValueError) {
        let parts = value.split(whereSeparator: \.isBlank)
        guard let first = parts.first, parts.count <= 2 else { throw ValueError("'\(value)' is not DEVICE [rwm]") }
        let spec = String(first)
        // systemd takes device nodes under /dev (and its own inaccessible nodes), or a char-/block-
        // class of /proc/devices (valid_device_allow_pattern).
        let isNode = (spec.hasPrefix("/dev/") || spec.hasPrefix("/run/systemd/inaccessible/")) && !spec.hasSuffix("/")
        guard isNode || spec.hasPrefix("char-") || spec.hasPrefix("block-") else {
            throw ValueError("'\(spec)' is not a device node path (/dev/...) or char-/block- class")
        }
        let access = parts.count == 2 ? String(parts[1]) : "rwm"
        guard !access.isEmpty, access.allSatisfy({ "rwm".contains($0) }) else {
            throw ValueError("'\(access)' is not a device access mode (letters r, w, m)")
        }
        self.init(device: spec, read: access.contains("r"), write: access.contains("w"), mknod: access.contains("m"))
    }

    public var access: String { (read ? "r" : "") + (write ? "w" : "") + (mknod ? "m" : "") }
}

import Directives
#if canImport(Glibc)
import Glibc
#endif

/// DevicePolicy= and DeviceAllow= as systemd.resource-control(5) defines them,
/// turned into the rules of the run's cgroup device program.
extension DeviceFilter {
    /// The directives this filter applies (others of the cgroup family stay refused).
    static let directives: Set<String> = ["DevicePolicy", "DeviceAllow"]

    /// nil when nothing is filtered: policy auto with an empty list. A list
    /// under auto, or closed, adds systemd's always-allowed devices; strict
    /// allows exactly the list. Entries that name no device on this machine
    /// allow nothing, as in systemd.
    public init?(policy: DevicePolicy, allow: [DeviceRule]) {
        switch policy {
        case .auto where allow.isEmpty: return nil
        case .auto, .closed: self = .closed(adding: allow.map { ($0.device, $0.access) })
        case .strict: self.init(rules: allow.flatMap { Self.rules(for: $0.device, access: Self.bits($0.access)) })
        }
    }

    /// The rules one DeviceAllow= entry stands for: a node path (or
    /// /dev/char/M:N, /dev/block/M:N), or char-NAME / block-NAME where NAME is
    /// a glob over the drivers in /proc/devices, a major number, or "*".
    static func rules(for device: String, access: Int32) -> [Rule] {
        guard access != 0 else { return [] }
        if device.hasPrefix("/") {
            if let (kind, major, minor) = numberedNode(device) { return [Rule(kind: kind, major: major, minor: minor, access: access)] }
            return rule(forNode: device, access: access).map { [$0] } ?? []
        }
        let kind: Kind
        let name: String
        if device.hasPrefix("char-") { kind = .char; name = String(device.dropFirst(5)) }
        else if device.hasPrefix("block-") { kind = .block; name = String(device.dropFirst(6)) }
        else { return [] }
        if name == "*" { return [Rule(kind: kind, major: nil, minor: nil, access: access)] }
        if let major = UInt32(name), major < 4096 { return [Rule(kind: kind, major: major, minor: nil, access: access)] }
        var rules: [Rule] = []
        name.withCString { pattern in
            forEachDriver(kind) { major, driver in
                if fnmatch(pattern, driver, 0) == 0 { rules.append(Rule(kind: kind, major: major, minor: nil, access: access)) }
            }
        }
        return rules
    }

    /// Paths that carry their numbers in the name, so no node needs to exist
    /// (systemd's own placeholders for inaccessible devices are 0:0).
    private static func numberedNode(_ path: String) -> (Kind, UInt32, UInt32)? {
        switch path {
        case "/run/systemd/inaccessible/chr": return (.char, 0, 0)
        case "/run/systemd/inaccessible/blk": return (.block, 0, 0)
        default: break
        }
        let kind: Kind
        let numbers: Substring
        if path.hasPrefix("/dev/char/") { kind = .char; numbers = path.dropFirst(10) }
        else if path.hasPrefix("/dev/block/") { kind = .block; numbers = path.dropFirst(11) }
        else { return nil }
        let parts = numbers.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = UInt32(parts[0]), let minor = UInt32(parts[1]) else { return nil }
        return (kind, major, minor)
    }

    /// The drivers of one kind listed in /proc/devices ("136 pts").
    static func drivers(_ kind: Kind) -> [(major: UInt32, name: String)] {
        var found: [(major: UInt32, name: String)] = []
        forEachDriver(kind) { major, name in found.append((major, String(cString: name))) }
        return found
    }

    /// Calls `body` with the major number and NUL-terminated name of each driver of one
    /// kind in /proc/devices, straight from the file's bytes: this runs on every start
    /// with PrivateDevices= (for char-pts), where Strings per line cost more than the rest.
    private static func forEachDriver(_ kind: Kind, _ body: (UInt32, UnsafePointer<CChar>) -> Void) {
        let header = kind == .char ? "Character devices:" : "Block devices:"
        let otherHeader = kind == .char ? "Block devices:" : "Character devices:"
        var bytes = procDevices()
        bytes.withUnsafeMutableBufferPointer { text in
            let length = text.count - 1  // without the spare byte
            var inSection = false
            var start = 0
            while start < length {
                var end = start
                while end < length && text[end] != UInt8(ascii: "\n") { end += 1 }
                let line = UnsafeMutableBufferPointer(rebasing: text[start..<end])
                start = end + 1
                if line.elementsEqual(header.utf8) { inSection = true; continue }
                if line.elementsEqual(otherHeader.utf8) { inSection = false; continue }
                guard inSection else { continue }
                // "%3d %s": spaces, the major, one or more spaces, the name.
                var at = 0
                while at < line.count && line[at] == UInt8(ascii: " ") { at += 1 }
                var major: UInt32 = 0
                var digits = 0
                while at < line.count, let digit = Self.digit(line[at]) {
                    let (product, overflow) = major.multipliedReportingOverflow(by: 10)
                    guard !overflow, product <= UInt32.max - digit else { digits = 0; break }
                    major = product + digit
                    digits += 1
                    at += 1
                }
                guard digits > 0, major > 0, at < line.count, line[at] == UInt8(ascii: " ") else { continue }
                while at < line.count && line[at] == UInt8(ascii: " ") { at += 1 }
                // The newline (or the spare byte after the text) becomes the name's NUL.
                text[end] = 0
                line.baseAddress!.withMemoryRebound(to: CChar.self, capacity: line.count + 1) { body(major, $0 + at) }
            }
        }
    }

    private static func digit(_ byte: UInt8) -> UInt32? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? UInt32(byte - UInt8(ascii: "0")) : nil
    }

    /// The bytes of /proc/devices and a zero byte (nothing if it cannot be read).
    private static func procDevices() -> [UInt8] {
        let fd = open("/proc/devices", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        var size = 0
        while true {
            if size == bytes.count { bytes += [UInt8](repeating: 0, count: bytes.count) }
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + size, $0.count - size) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return [] }
            if n == 0 { break }
            size += n
        }
        // One spare zero byte after the text, for the last line's NUL.
        bytes.removeLast(bytes.count - size)
        bytes.append(0)
        return bytes
    }
}

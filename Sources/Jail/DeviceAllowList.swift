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
        case .strict:
            var drivers = DriverList()
            self.init(rules: allow.flatMap { Self.rules(for: $0.device, access: Self.bits($0.access), drivers: &drivers) })
        }
    }

    /// The rules one DeviceAllow= entry stands for: a node path (or
    /// /dev/char/M:N, /dev/block/M:N), or char-NAME / block-NAME where NAME is
    /// a glob over the drivers in /proc/devices, a major number, or "*".
    static func rules(for device: String, access: Int32) -> [Rule] {
        var drivers = DriverList()
        return rules(for: device, access: access, drivers: &drivers)
    }

    /// The same, with /proc/devices read through `drivers`, at most once for all entries.
    static func rules(for device: String, access: Int32, drivers: inout DriverList) -> [Rule] {
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
            drivers.forEach(kind) { major, driver in
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
        var drivers = DriverList()
        drivers.forEach(kind) { major, name in found.append((major, String(cString: name))) }
        return found
    }
}

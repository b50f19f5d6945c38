/// RestrictNetworkInterfaces=: interface names allowed (or, as `~LIST`, denied).
public enum InterfaceRestriction: Hashable, Sendable {
    case allowOnly(Set<String>)
    case deny(Set<String>)

    /// Applies one line as systemd merges them; nil for an empty line (reset). A quoting error ends
    /// the list there and an invalid name is left out, each noted in `skipped`; the rest apply.
    public static func merge(_ current: InterfaceRestriction?, _ line: String,
                             skipped: inout [ValueError]) -> InterfaceRestriction? {
        if line.isEmpty { return nil }
        let invert = line.hasPrefix("~")
        var names: [String] = []
        for name in listWords(String(invert ? line.dropFirst() : Substring(line)), skipped: &skipped) {
            if isValidName(name) { names.append(name) } else { skipped.append(ValueError("'\(name)' is not a network interface name")) }
        }
        switch current ?? (invert ? .deny([]) : .allowOnly([])) {
        case .allowOnly(let s): return .allowOnly(invert ? s.subtracting(names) : s.union(names))
        case .deny(let s): return .deny(invert ? s.union(names) : s.subtracting(names))
        }
    }

    /// A name systemd 252 takes in a unit file: at most 15 bytes of printable ASCII without ':',
    /// '/' or '%', not "." or "..", not "all" or "default" (the sysctl directories), not a number.
    /// An alternative name (`ip link property add altname`) may have up to 127 bytes.
    static func isValidName(_ name: String, alternative: Bool = false) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count < (alternative ? 128 : 16), ![".", "..", "all", "default"].contains(name) else { return false }
        let forbidden: [UInt8] = [UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "%")]
        guard bytes.allSatisfy({ $0 > 32 && $0 < 127 && !forbidden.contains($0) }) else { return false }
        return !bytes.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}

/// BPFProgram=: a program pinned in the BPF file system, attached to the unit's cgroup at one
/// hook (`TYPE:PATH`, TYPE one of systemd's attach-type names).
public struct ForeignBPFProgram: Hashable, Sendable {
    /// systemd's names of the cgroup attach types, with their numbers in linux/bpf.h.
    public static let attachTypes: [String: UInt32] = [
        "ingress": 0, "egress": 1, "sock_create": 2, "sock_ops": 3, "device": 6, "bind4": 8, "bind6": 9,
        "connect4": 10, "connect6": 11, "post_bind4": 12, "post_bind6": 13, "sendmsg4": 14, "sendmsg6": 15,
        "sysctl": 18, "recvmsg4": 19, "recvmsg6": 20, "getsockopt": 21, "setsockopt": 22,
    ]

    public var attachType: String
    public var path: String
    public var attachTypeNumber: UInt32 { Self.attachTypes[attachType]! }

    public init(attachType: String, path: String) { self.attachType = attachType; self.path = path }

    /// Splits at the first ':'; the type must be one systemd knows and the path absolute.
    init(parsing value: String) throws(ValueError) {
        guard let colon = value.firstIndex(of: ":"), colon != value.startIndex, value.index(after: colon) != value.endIndex else {
            throw ValueError("'\(value)' is not TYPE:PATH")
        }
        let type = String(value[..<colon])
        guard Self.attachTypes[type] != nil else {
            throw ValueError("unknown BPF attach type '\(type)' (one of \(Self.attachTypes.keys.sorted().joined(separator: ", ")))")
        }
        self.init(attachType: type, path: try absolute(String(value[value.index(after: colon)...])))
    }
}

/// Delegate=: no, yes (all controllers), or a list of controllers.
public enum Delegation: Hashable, Sendable {
    case no
    case controllers(Set<String>?)   // nil: every controller
}

/// The resource-control directives of systemd.resource-control(5) that brig applies or scores.
public struct ResourceControl: Sendable {
    public var memoryMax: MemoryLimit?
    public var memoryHigh: MemoryLimit?
    public var memoryLow: MemoryLimit?
    public var memoryMin: MemoryLimit?
    public var memorySwapMax: MemoryLimit?
    public var tasksMax: TasksLimit?
    /// CPUQuota= as a share of one CPU (may exceed 100%).
    public var cpuQuota: Permyriad?
    /// CPUWeight=: 1…10000, or 0 for `idle`.
    public var cpuWeight: UInt64?
    public var ioWeight: UInt64?
    /// MemoryLimit=, the cgroup v1 name of MemoryMax= (used only when no MemoryMax=-like setting is made).
    public var memoryLimit: MemoryLimit?
    /// CPUQuotaPeriodSec=: nil for the default (100 ms).
    public var cpuQuotaPeriod: TimeSpan?
    public var startupCPUWeight: UInt64?
    /// CPUShares=, StartupCPUShares=: 2…262144.
    public var cpuShares: UInt64?
    public var startupCPUShares: UInt64?
    /// AllowedCPUs=, AllowedMemoryNodes= (and their Startup variants): nil when never set.
    public var allowedCPUs: Set<Int>?
    public var allowedMemoryNodes: Set<Int>?
    public var startupAllowedCPUs: Set<Int>?
    public var startupAllowedMemoryNodes: Set<Int>?
    public var startupIOWeight: UInt64?
    public var ioDeviceWeights: [IODeviceSetting<UInt64>] = []
    /// IORead/WriteBandwidthMax=, IORead/WriteIOPSMax=: per device, the limits set (UInt64.max for infinity).
    public var ioDeviceLimits: [IODeviceSetting<[IOLimitKind: UInt64]>] = []
    public var ioDeviceLatencies: [IODeviceSetting<TimeSpan>] = []
    /// BlockIOWeight=, StartupBlockIOWeight=, BlockIODeviceWeight=: 10…1000 (cgroup v1's blkio names).
    public var blockIOWeight: UInt64?
    public var startupBlockIOWeight: UInt64?
    public var blockIODeviceWeights: [IODeviceSetting<UInt64>] = []
    /// BlockIOReadBandwidth=, BlockIOWriteBandwidth=: per device, (read, write) bytes per second.
    public var blockIOBandwidths: [IODeviceSetting<(read: UInt64, write: UInt64)>] = []
    /// IPAddressAllow=/IPAddressDeny=: nil when never set.
    public var ipAddressAllow: [IPPrefix]?
    public var ipAddressDeny: [IPPrefix]?
    /// IPIngressFilterPath=/IPEgressFilterPath=: pinned BPF programs that filter the unit's IP traffic.
    public var ipIngressFilterPaths: [String] = []
    public var ipEgressFilterPaths: [String] = []
    public var deviceAllow: [DeviceRule] = []
    public var devicePolicy: DevicePolicy?
    public var socketBindAllow: [SocketBindRule] = []
    public var socketBindDeny: [SocketBindRule] = []
    public var restrictNetworkInterfaces: InterfaceRestriction?
    /// BindNetworkInterface= (260): the interface every IP socket of the unit is bound to.
    public var bindNetworkInterface: String?
    /// IPAccounting=: count the unit's IP bytes and packets in each direction.
    public var ipAccounting: Bool?
    /// BPFProgram=: pinned programs attached to the unit's cgroup, in order.
    public var bpfPrograms: [ForeignBPFProgram] = []
    public var delegate: Delegation?
    public var origins: [String: SourceLocation] = [:]

    public init() {}

    static let controllers: Set<String> = ["cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices", "pids", "bpf-firewall", "bpf-devices", "bpf-foreign", "bpf-socket-bind", "bpf-restrict-network-interfaces"]

    /// CPUShares=: cgroup v1's cpu.shares range.
    private static func shares(_ v: String) throws(ValueError) -> UInt64 {
        UInt64(try Numbers.integer(v, in: 2...262_144, "CPU shares value"))
    }

    private static func blockIOWeightValue(_ v: String) throws(ValueError) -> UInt64 {
        UInt64(try Numbers.integer(v, in: 10...1000, "block I/O weight"))
    }

    /// AllowedCPUs= and friends: lines add up; an empty one empties the set (set, but empty).
    private static func cpuSet(_ d: DirectiveInput, adding current: Set<Int>?) throws(ValueError) -> Set<Int> {
        if d.value.isEmpty { return [] }
        return (current ?? []).union(try CPUList.parse(d.expanded()))
    }

    /// One path per line (the whole value), each added once; an empty value empties the list.
    private static func addPath(_ d: DirectiveInput, to paths: inout [String]) throws(ValueError) {
        if d.value.isEmpty { paths = []; return }
        let path = try absolute(d.expanded())
        if !paths.contains(path) { paths.append(path) }
    }

    public mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        switch d.key {
        case "MemoryMax": memoryMax = try d.optional { v throws(ValueError) in try MemoryLimit(parsing: v) }
        case "MemoryHigh": memoryHigh = try d.optional { v throws(ValueError) in try MemoryLimit(parsing: v) }
        case "MemoryLow": memoryLow = try d.optional { v throws(ValueError) in try MemoryLimit(parsing: v, zeroAllowed: true) }
        case "MemoryMin": memoryMin = try d.optional { v throws(ValueError) in try MemoryLimit(parsing: v, zeroAllowed: true) }
        case "MemorySwapMax": memorySwapMax = try d.optional { v throws(ValueError) in try MemoryLimit(parsing: v, zeroAllowed: true) }
        case "TasksMax": tasksMax = try d.optional(TasksLimit.init(parsing:))
        case "CPUQuota":
            cpuQuota = try d.optional { v throws(ValueError) in
                guard let p = try Permyriad.parse(v), p.value > 0 else { throw ValueError("'\(v)' is not a CPU quota (a percentage above 0%)") }
                return p
            }
        case "CPUWeight":
            cpuWeight = try d.optional { v throws(ValueError) in v == "idle" ? 0 : UInt64(try Numbers.integer(v, in: 1...10_000, "CPU weight")) }
        case "IOWeight": ioWeight = try d.optional { v throws(ValueError) in UInt64(try Numbers.integer(v, in: 1...10_000, "I/O weight")) }
        case "StartupIOWeight": startupIOWeight = try d.optional { v throws(ValueError) in UInt64(try Numbers.integer(v, in: 1...10_000, "I/O weight")) }
        case "StartupCPUWeight":
            startupCPUWeight = try d.optional { v throws(ValueError) in v == "idle" ? 0 : UInt64(try Numbers.integer(v, in: 1...10_000, "CPU weight")) }
        case "MemoryLimit": memoryLimit = try d.optional { v throws(ValueError) in try MemoryLimit(parsing: v) }
        case "CPUQuotaPeriodSec": cpuQuotaPeriod = try d.optional { v throws(ValueError) in try TimeSpan(parsing: v) }
        case "CPUShares": cpuShares = try d.optional(Self.shares)
        case "StartupCPUShares": startupCPUShares = try d.optional(Self.shares)
        case "AllowedCPUs": allowedCPUs = try Self.cpuSet(d, adding: allowedCPUs)
        case "AllowedMemoryNodes": allowedMemoryNodes = try Self.cpuSet(d, adding: allowedMemoryNodes)
        case "StartupAllowedCPUs": startupAllowedCPUs = try Self.cpuSet(d, adding: startupAllowedCPUs)
        case "StartupAllowedMemoryNodes": startupAllowedMemoryNodes = try Self.cpuSet(d, adding: startupAllowedMemoryNodes)
        case "IODeviceWeight":
            if d.value.isEmpty { ioDeviceWeights = []; break }
            ioDeviceWeights.append(try IODeviceSetting.parse(d.value) { v throws(ValueError) in UInt64(try Numbers.integer(v, in: 1...10_000, "I/O weight")) })
        case "IOReadBandwidthMax", "IOWriteBandwidthMax", "IOReadIOPSMax", "IOWriteIOPSMax":
            let kind = IOLimitKind.allCases.first { $0.directive == d.key }!
            if d.value.isEmpty { ioDeviceLimits = []; break }
            let setting = try IODeviceSetting.parse(d.value, IOLimitValue.parse)
            // One entry per device; each directive sets its own limit of it, as systemd merges them.
            if let i = ioDeviceLimits.firstIndex(where: { $0.path == setting.path }) {
                ioDeviceLimits[i].value[kind] = setting.value
            } else {
                ioDeviceLimits.append(IODeviceSetting(path: setting.path, value: [kind: setting.value]))
            }
        case "IODeviceLatencyTargetSec":
            if d.value.isEmpty { ioDeviceLatencies = []; break }
            ioDeviceLatencies.append(try IODeviceSetting.parse(d.value) { v throws(ValueError) in try TimeSpan(parsing: v) })
        case "BlockIOWeight": blockIOWeight = try d.optional(Self.blockIOWeightValue)
        case "StartupBlockIOWeight": startupBlockIOWeight = try d.optional(Self.blockIOWeightValue)
        case "BlockIODeviceWeight":
            if d.value.isEmpty { blockIODeviceWeights = []; break }
            blockIODeviceWeights.append(try IODeviceSetting.parse(d.value, Self.blockIOWeightValue))
        case "BlockIOReadBandwidth", "BlockIOWriteBandwidth":
            if d.value.isEmpty { blockIOBandwidths = []; break }
            let setting = try IODeviceSetting.parse(d.value) { v throws(ValueError) in
                let n = try ByteSize.parse(v, base: 1000)
                guard n > 0 else { throw ValueError("'\(v)' is out of range (must be above 0)") }
                return n
            }
            let read = d.key == "BlockIOReadBandwidth"
            if let i = blockIOBandwidths.firstIndex(where: { $0.path == setting.path }) {
                if read { blockIOBandwidths[i].value.read = setting.value } else { blockIOBandwidths[i].value.write = setting.value }
            } else {
                blockIOBandwidths.append(IODeviceSetting(path: setting.path, value: (read ? setting.value : .max, read ? .max : setting.value)))
            }
        case "IPAddressAllow":
            ipAddressAllow = d.value.isEmpty ? nil : (ipAddressAllow ?? []) + IPPrefix.parseList(d.value, skipped: &d.skipped.problems)
        case "IPAddressDeny":
            ipAddressDeny = d.value.isEmpty ? nil : (ipAddressDeny ?? []) + IPPrefix.parseList(d.value, skipped: &d.skipped.problems)
        case "DeviceAllow":
            if d.value.isEmpty { deviceAllow = [] } else { deviceAllow.append(try DeviceRule(parsing: d.expanded())) }
        case "DevicePolicy": devicePolicy = try DevicePolicy(parsing: d.value)
        // One rule per line, read as written (no word splitting, no quotes), as systemd reads it.
        case "SocketBindAllow": socketBindAllow = d.value.isEmpty ? [] : socketBindAllow + [try SocketBindRule(parsing: d.value)]
        case "SocketBindDeny": socketBindDeny = d.value.isEmpty ? [] : socketBindDeny + [try SocketBindRule(parsing: d.value)]
        case "RestrictNetworkInterfaces": restrictNetworkInterfaces = InterfaceRestriction.merge(restrictNetworkInterfaces, d.value, skipped: &d.skipped.problems)
        case "BindNetworkInterface":
            // An invalid name leaves the setting as it was, as systemd does (with a warning).
            let name = try d.expanded()
            guard name.isEmpty || InterfaceRestriction.isValidName(name, alternative: true) else {
                throw ValueError("'\(name)' is not a network interface name")
            }
            bindNetworkInterface = name.isEmpty ? nil : name
        case "IPIngressFilterPath": try Self.addPath(d, to: &ipIngressFilterPaths)
        case "IPEgressFilterPath": try Self.addPath(d, to: &ipEgressFilterPaths)
        case "IPAccounting": ipAccounting = try d.optional { v throws(ValueError) in try parseBoolean(v) }
        case "BPFProgram":
            if d.value.isEmpty { bpfPrograms = []; break }
            let program = try ForeignBPFProgram(parsing: d.expanded())
            if !bpfPrograms.contains(program) { bpfPrograms.append(program) }
        case "Delegate":
            // An empty value turns delegation on with no controllers; a list adds controllers
            // (leaving out unknown ones) and turns it on, as systemd does.
            if let b = try? parseBoolean(d.value) { delegate = b ? .controllers(nil) : .no; break }
            var set: Set<String>? = []
            if case .controllers(let s)? = delegate, !d.value.isEmpty { set = s }
            for w in try words(d.value) {
                guard Self.controllers.contains(w) else { d.skipped.problems.append(ValueError("unknown cgroup controller '\(w)'")); continue }
                set?.insert(w)
            }
            delegate = .controllers(set)
        default: return false
        }
        origins[d.key] = d.location
        return true
    }
}

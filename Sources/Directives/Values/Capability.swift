/// A Linux capability, numbered as the kernel numbers it (linux/capability.h).
public struct Capability: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var number: Int
    public init(number: Int) { self.number = number }

    /// Kernel names in number order: CAP_CHOWN is 0, CAP_CHECKPOINT_RESTORE is 40.
    public static let names: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ]

    /// Looks up a name case-insensitively, or a number 0…63, as systemd's capability_from_name does.
    public init(name: String) throws(ValueError) {
        if let n = Int(name) {
            guard (0..<64).contains(n) else { throw ValueError("capability number \(n) is out of range 0…63") }
            self.number = n
            return
        }
        let upper = name.uppercased()
        guard let n = Self.names.firstIndex(of: upper) else { throw ValueError("unknown capability '\(name)'") }
        self.number = n
    }

    public var name: String { number < Self.names.count ? Self.names[number] : "\(number)" }
    public var description: String { name }
    public static func < (a: Capability, b: Capability) -> Bool { a.number < b.number }

    public static let chown = Capability(number: 0), dacOverride = Capability(number: 1)
    public static let dacReadSearch = Capability(number: 2), fowner = Capability(number: 3)
    public static let fsetid = Capability(number: 4), kill = Capability(number: 5)
    public static let setgid = Capability(number: 6), setuid = Capability(number: 7)
    public static let setpcap = Capability(number: 8), linuxImmutable = Capability(number: 9)
    public static let netBindService = Capability(number: 10), netBroadcast = Capability(number: 11)
    public static let netAdmin = Capability(number: 12), netRaw = Capability(number: 13)
    public static let ipcLock = Capability(number: 14), ipcOwner = Capability(number: 15)
    public static let sysModule = Capability(number: 16), sysRawio = Capability(number: 17)
    public static let sysChroot = Capability(number: 18), sysPtrace = Capability(number: 19)
    public static let sysPacct = Capability(number: 20), sysAdmin = Capability(number: 21)
    public static let sysBoot = Capability(number: 22), sysNice = Capability(number: 23)
    public static let sysResource = Capability(number: 24), sysTime = Capability(number: 25)
    public static let sysTtyConfig = Capability(number: 26), mknod = Capability(number: 27)
    public static let lease = Capability(number: 28), auditWrite = Capability(number: 29)
    public static let auditControl = Capability(number: 30), setfcap = Capability(number: 31)
    public static let macOverride = Capability(number: 32), macAdmin = Capability(number: 33)
    public static let syslog = Capability(number: 34), wakeAlarm = Capability(number: 35)
    public static let blockSuspend = Capability(number: 36), auditRead = Capability(number: 37)
    public static let perfmon = Capability(number: 38), bpf = Capability(number: 39)
    public static let checkpointRestore = Capability(number: 40)
}

/// A set of capabilities as systemd keeps it: a 64-bit mask, bit N for capability N.
public struct CapabilitySet: Hashable, Sendable, CustomStringConvertible {
    public var mask: UInt64
    public init(mask: UInt64) { self.mask = mask }
    public init(_ caps: [Capability]) { mask = caps.reduce(0) { $0 | (1 << UInt64($1.number)) } }

    /// Every bit set: systemd's initial bounding set (CAP_ALL).
    public static let all = CapabilitySet(mask: .max)
    public static let empty = CapabilitySet(mask: 0)
    /// Every capability the kernel names (CAP_CHOWN to CAP_CHECKPOINT_RESTORE): what systemd 259
    /// and later mean by all (`all_capabilities()`, from the kernel's cap_last_cap).
    public static let known = CapabilitySet(mask: (1 << UInt64(Capability.names.count)) - 1)

    public func contains(_ c: Capability) -> Bool { mask & (1 << UInt64(c.number)) != 0 }
    public mutating func insert(_ c: Capability) { mask |= 1 << UInt64(c.number) }
    public mutating func remove(_ c: Capability) { mask &= ~(1 << UInt64(c.number)) }
    public var isEmpty: Bool { mask == 0 }
    /// The capabilities in the set that the kernel names (numbers above 40 are left out).
    public var members: [Capability] { (0..<Capability.names.count).map(Capability.init(number:)).filter(contains) }
    public var description: String { members.map(\.name).joined(separator: " ") }

    /// Parses a whitespace-separated list of capability names (no `~`); unknown names are left
    /// out and noted in `skipped`, as systemd leaves them out. A quoting error ends the list there
    /// (noted too): systemd keeps the names before it, and says nothing.
    public init(parsingList value: String, skipped: inout [ValueError]) {
        mask = 0
        for word in listWords(value, skipped: &skipped) {
            do throws(ValueError) { insert(try Capability(name: word)) } catch { skipped.append(error) }
        }
    }
}

extension CapabilitySet {
    /// Applies one CapabilityBoundingSet=/AmbientCapabilities= line with systemd's rules:
    /// `LIST` adds and `~LIST` removes, but the first line (while the set still equals `initial`,
    /// all capabilities for the bounding set, none for ambient) and an empty line replace it.
    /// A replacing `~LIST` leaves `invertingFrom` without the list: every bit in 252 (which is
    /// `initial` again, so the next line replaces too); the capabilities the kernel knows since
    /// 259 (`ReleaseFacts.invertedCapabilitiesFromKnown`), which is not, so the next line merges.
    public static func merge(_ current: CapabilitySet, initial: CapabilitySet, _ line: String,
                             invertingFrom: CapabilitySet = .all, skipped: inout [ValueError]) -> CapabilitySet {
        var text = Substring(line)
        let invert = text.first == "~"
        if invert { text = text.dropFirst() }
        let sum = CapabilitySet(parsingList: String(text), skipped: &skipped)
        if sum.isEmpty || current == initial { return invert ? CapabilitySet(mask: invertingFrom.mask & ~sum.mask) : sum }
        return CapabilitySet(mask: invert ? current.mask & ~sum.mask : current.mask | sum.mask)
    }
}

import Directives
import UnitFile

/// Why a unit cannot be assessed; systemd refuses to load it for the same reason.
public struct UnitLoadError: Error, CustomStringConvertible {
    public let description: String
}

extension SecurityFacts {
    /// Reads the facts from a loaded unit the way systemd's manager fills its ExecContext and
    /// CGroupContext: assignments in order, each directive with its own merge rules, invalid values
    /// ignored, then the implied settings. `extra` assignments apply last (a proposed drop-in).
    public init(_ unit: LoadedUnit, rules: RuleSet, extra: [Assignment] = []) throws(UnitLoadError) {
        self.init()
        if unit.isMasked { throw UnitLoadError(description: "\(unit.name.name): unit is masked") }
        unitName = unit.name.name
        fragmentPath = unit.fragmentPath
        var b = Builder(rules: rules, specifiers: unit.specifiers)
        var abandonedFile: String?
        for a in unit.assignments + extra where a.location.file != abandonedFile {
            do { try b.apply(a, to: &self) } catch {
                // A fatal setting fails the whole unit in its main file; in a drop-in, systemd
                // stops reading that drop-in and keeps what came before.
                if a.location.file == unit.fragmentPath { throw error }
                abandonedFile = a.location.file
            }
        }
        b.finish(&self, unitPrefix: unit.name.prefix)
    }
}

/// The running state of one unit's load: the parts of systemd's contexts that are not facts yet.
struct Builder {
    let rules: RuleSet
    let specifiers: Specifiers
    var filterExists = false
    var familiesExist = false
    var familiesAllowList = false
    var families: Set<Int> = []
    var syscalls = SyscallSet()
    var ipDeny: [SystemdValues.IPPrefix] = []
    var ipAllow: [SystemdValues.IPPrefix] = []
    var ingress = false, egress = false
    var deviceAllow = 0
    var namespacesInitial = true

    init(rules: RuleSet, specifiers: Specifiers) { self.rules = rules; self.specifiers = specifiers }

    private func words(_ v: String) -> [String] {
        (try? Words.split(v, options: [.unquote, .relax])) ?? v.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    private func expand(_ v: String, _ a: Assignment) throws(UnitLoadError) -> String {
        do { return try specifiers.expand(v, at: a.location) } catch {
            throw UnitLoadError(description: "\(a.location): \(error.message)")
        }
    }

    /// Booleans systemd v261 widened into enums; any "on" value of them counts as enabled.
    private func boolOrMode(_ v: String, modes: [String]) -> Bool? {
        if let b = SystemdValues.boolean(v) { return b }
        return rules.version >= 261 && modes.contains(v) ? true : nil
    }

    mutating func apply(_ a: Assignment, to f: inout SecurityFacts) throws(UnitLoadError) {
        let v = a.value
        func flag(_ path: WritableKeyPath<SecurityFacts, Bool>, modes: [String] = []) {
            if let b = boolOrMode(v, modes: modes) { f[keyPath: path] = b }
        }
        if a.section == "Unit" {
            if a.key == "DefaultDependencies", let b = SystemdValues.boolean(v) { f.defaultDependencies = b }
            return
        }
        guard a.section == "Service" else { return }
        switch a.key {
        case "User":
            if v.isEmpty { f.user = nil; return }
            let name = try expand(v, a)
            guard SystemdValues.validUserName(name) else {
                throw UnitLoadError(description: "\(a.location): invalid user name or id '\(name)'")
            }
            f.user = name
        case "DynamicUser":   // the one boolean whose bad value systemd treats as fatal
            guard let b = SystemdValues.boolean(v) else {
                throw UnitLoadError(description: "\(a.location): DynamicUser= takes a boolean, not '\(v)'")
            }
            f.dynamicUser = b
        case "SupplementaryGroups":
            if v.isEmpty { f.supplementaryGroups = []; return }
            for w in words(v) {
                let name = try expand(w, a)
                guard SystemdValues.validUserName(name) else {
                    throw UnitLoadError(description: "\(a.location): invalid group name or id '\(name)'")
                }
                f.supplementaryGroups.append(name)
            }
        case "PrivateDevices": flag(\.privateDevices)
        case "PrivateMounts": flag(\.privateMounts)
        case "PrivateNetwork": flag(\.privateNetwork)
        case "PrivateTmp": flag(\.privateTmp, modes: ["disconnected"])
        case "PrivateUsers": flag(\.privateUsers, modes: ["self", "identity", "managed"])
        case "ProtectControlGroups": flag(\.protectControlGroups, modes: ["private", "strict"])
        case "ProtectKernelModules": flag(\.protectKernelModules)
        case "ProtectKernelTunables": flag(\.protectKernelTunables)
        case "ProtectKernelLogs": flag(\.protectKernelLogs)
        case "ProtectClock": flag(\.protectClock)
        case "ProtectHostname": flag(\.protectHostname, modes: ["private"])
        case "ProtectHome":
            if v.isEmpty { f.protectHome = "no" }
            else if let b = SystemdValues.boolean(v) { f.protectHome = b ? "yes" : "no" }
            else if ["read-only", "tmpfs"].contains(v) { f.protectHome = v }
        case "ProtectSystem":
            if v.isEmpty { f.protectSystem = "no" }
            else if let b = SystemdValues.boolean(v) { f.protectSystem = b ? "yes" : "no" }
            else if ["full", "strict"].contains(v) { f.protectSystem = v }
        case "RootDirectory", "RootImage":
            let path: String? = v.isEmpty ? nil : try expand(v, a)
            if let path, !path.hasPrefix("/") {
                throw UnitLoadError(description: "\(a.location): \(a.key)= path is not absolute: \(path)")
            }
            if a.key == "RootDirectory" { f.rootDirectory = path } else { f.rootImage = path }
        case "LockPersonality": flag(\.lockPersonality)
        case "MemoryDenyWriteExecute": flag(\.memoryDenyWriteExecute)
        case "NoNewPrivileges": flag(\.noNewPrivileges)
        case "CapabilityBoundingSet": capabilities(v, into: &f.capabilityBoundingSet, initial: .max)
        case "AmbientCapabilities": capabilities(v, into: &f.ambientCapabilities, initial: 0)
        case "UMask":
            if let m = UInt32(v, radix: 8), m <= 0o7777, !v.isEmpty { f.umask = m }
        case "KeyringMode": if ["inherit", "private", "shared"].contains(v) { f.keyringMode = v }
        case "ProtectProc": if ["default", "noaccess", "invisible", "ptraceable"].contains(v) { f.protectProc = v }
        case "ProcSubset": if ["all", "pid"].contains(v) { f.procSubset = v }
        case "NotifyAccess": if ["none", "main", "exec", "all"].contains(v) { f.notifyAccess = v }
        case "RemoveIPC": flag(\.removeIPC)
        case "Delegate":
            if v.isEmpty { f.delegate = true }
            else if let b = SystemdValues.boolean(v) { f.delegate = b }
            else { f.delegate = true }
        case "RestrictRealtime": flag(\.restrictRealtime)
        case "RestrictSUIDSGID": flag(\.restrictSUIDSGID)
        case "RestrictNamespaces": namespaces(v, &f)
        case "RestrictAddressFamilies": addressFamilies(v)
        case "SystemCallArchitectures":
            if v.isEmpty { f.systemCallArchitectures = []; return }
            for w in words(v) where SystemdValues.architectures.contains(w) { f.systemCallArchitectures.insert(w) }
        case "SystemCallFilter": syscallFilter(v, &f)
        case "IPAddressDeny", "IPAddressAllow": ipAddresses(v, deny: a.key == "IPAddressDeny")
        case "IPIngressFilterPath", "IPEgressFilterPath":
            let on = !v.isEmpty
            if a.key == "IPIngressFilterPath" { ingress = on } else { egress = on }
        case "DevicePolicy": if ["auto", "closed", "strict"].contains(v) { f.devicePolicy = v }
        case "DeviceAllow": deviceAllow(v, a)
        default: return
        }
    }

    /// config_parse_capability_set(): a list (or `~list`) replaces the set when it is still the
    /// initial one or the list is empty, else merges into it.
    private func capabilities(_ value: String, into set: inout UInt64, initial: UInt64) {
        var v = Substring(value), invert = false
        if v.first == "~" { invert = true; v = v.dropFirst() }
        var sum: UInt64 = 0
        for w in words(String(v)) {
            if let n = SystemdValues.capability(w) { sum |= 1 << UInt64(n) }
        }
        if sum == 0 || set == initial { set = invert ? ~sum : sum }
        else if invert { set &= ~sum } else { set |= sum }
    }

    /// config_parse_restrict_namespaces(): booleans replace, a list sets or merges; an unknown
    /// type makes systemd ignore the whole line.
    private mutating func namespaces(_ value: String, _ f: inout SecurityFacts) {
        if value.isEmpty { f.allowedNamespaces = .max; return }
        if let b = SystemdValues.boolean(value) { f.allowedNamespaces = b ? 0 : SystemdValues.allNamespaces; return }
        var v = Substring(value), invert = false
        if v.first == "~" { invert = true; v = v.dropFirst() }
        var flags: UInt64 = 0
        for w in words(String(v)) {
            guard let bit = SystemdValues.namespaces[w] else { return }
            flags |= bit
        }
        if f.allowedNamespaces == .max {
            f.allowedNamespaces = invert ? ~flags & SystemdValues.allNamespaces : flags
        } else if invert { f.allowedNamespaces &= ~flags } else { f.allowedNamespaces |= flags }
    }

    /// config_parse_address_families(): the first list decides allow or deny; later lists add to
    /// it or take away from it.
    private mutating func addressFamilies(_ value: String) {
        if value.isEmpty { familiesExist = false; families = []; familiesAllowList = false; return }
        if value == "none" { familiesExist = false; families = []; familiesAllowList = true; return }
        var v = Substring(value), invert = false
        if v.first == "~" { invert = true; v = v.dropFirst() }
        if !familiesExist { familiesExist = true; familiesAllowList = !invert }
        for w in words(String(v)) {
            guard let af = SystemdValues.addressFamilies[w] else { continue }
            if !invert == familiesAllowList { families.insert(af) } else { families.remove(af) }
        }
    }

    /// config_parse_syscall_filter(): the first list decides allow or deny (an allow list starts
    /// from @default); names unknown to the architecture drop out.
    private mutating func syscallFilter(_ value: String, _ f: inout SecurityFacts) {
        if value.isEmpty { filterExists = false; syscalls = SyscallSet(); f.systemCallFilterIsAllowList = false; return }
        var v = Substring(value), invert = false
        if v.first == "~" { invert = true; v = v.dropFirst() }
        if !filterExists {
            filterExists = true
            f.systemCallFilterIsAllowList = !invert
            if !invert { addSyscalls("@default", invert: false, allowList: true) }
        }
        for w in words(String(v)) {
            guard let (name, errno) = SystemdValues.syscallAndErrno(w) else { continue }
            if !invert && errno >= 0 { continue }   // an allow list takes no error numbers
            addSyscalls(name, invert: invert, allowList: f.systemCallFilterIsAllowList)
        }
    }

    private mutating func addSyscalls(_ name: String, invert: Bool, allowList: Bool) {
        let add = !invert == allowList
        if name.hasPrefix("@") {
            for (_, n) in rules.expanded[name] ?? [] { if add { syscalls.insert(n) } else { syscalls.remove(n) } }
            return
        }
        guard let n = rules.nativeNumbers[name] else { return }
        if add { syscalls.insert(n) } else { syscalls.remove(n) }
    }

    /// config_parse_in_addr_prefixes() with its shorthands.
    private mutating func ipAddresses(_ value: String, deny: Bool) {
        if value.isEmpty { if deny { ipDeny = [] } else { ipAllow = [] }; return }
        var list: [SystemdValues.IPPrefix] = []
        for w in words(value) {
            switch w {
            case "any": list += [.init(v6: false, bytes: [0, 0, 0, 0], length: 0), .init(v6: true, bytes: Array(repeating: 0, count: 16), length: 0)]
            case "localhost": list += [.init(v6: false, bytes: [127, 0, 0, 0], length: 8), .init(v6: true, bytes: Array(repeating: 0, count: 15) + [1], length: 128)]
            case "link-local": list += [.init(v6: false, bytes: [169, 254, 0, 0], length: 16), .init(v6: true, bytes: [0xfe, 0x80] + Array(repeating: 0, count: 14), length: 64)]
            case "multicast": list += [.init(v6: false, bytes: [224, 0, 0, 0], length: 4), .init(v6: true, bytes: [0xff] + Array(repeating: 0, count: 15), length: 8)]
            default: if let p = SystemdValues.ipPrefix(w) { list.append(p) }
            }
        }
        if deny { ipDeny += list } else { ipAllow += list }
    }

    /// config_parse_device_allow(): a device node path under /dev or /sys, or a block-/char- class.
    private mutating func deviceAllow(_ value: String, _ a: Assignment) {
        if value.isEmpty { deviceAllow = 0; return }
        let parts = words(value)
        guard let path = parts.first else { return }
        let resolved = (try? specifiers.expand(path, at: a.location)) ?? path
        if !(resolved.hasPrefix("block-") || resolved.hasPrefix("char-")) {
            guard resolved.hasPrefix("/dev/") || resolved.hasPrefix("/sys/") else { return }
        }
        if parts.count > 1, !parts[1].allSatisfy({ "rwm".contains($0) }) { return }
        deviceAllow += 1
    }

    /// What systemd derives once every file is read (unit_patch_contexts()).
    func finish(_ f: inout SecurityFacts, unitPrefix: String) {
        if f.privateDevices { f.capabilityBoundingSet &= ~((1 << 27) | (1 << 17)) }
        if f.protectKernelModules { f.capabilityBoundingSet &= ~(1 << 16) }
        if f.protectKernelLogs { f.capabilityBoundingSet &= ~(1 << 34) }
        if f.protectClock { f.capabilityBoundingSet &= ~((1 << 25) | (1 << 35)) }
        if f.dynamicUser {
            if f.user == nil { f.user = unitPrefix }
            f.privateTmp = true
            f.removeIPC = true
            f.protectSystem = "strict"
            if f.protectHome == "no" { f.protectHome = "read-only" }
            f.noNewPrivileges = true
            f.restrictSUIDSGID = true
        }
        if f.privateDevices && f.devicePolicy == "auto" { f.devicePolicy = "closed" }
        var devices = deviceAllow
        if f.devicePolicy != "auto" || devices > 0 {
            if f.rootImage != nil { devices += 1 }
            if f.protectClock { devices += 1 }
        }
        f.deviceAllowNonEmpty = devices > 0

        let allow = familiesExist ? familiesAllowList : (familiesAllowList && families.isEmpty)
        f.restrictsInet = allow; f.restrictsUnix = allow; f.restrictsNetlink = allow
        f.restrictsPacket = allow; f.restrictsOtherFamilies = allow
        for af in families {
            switch af {
            case 2, 10: f.restrictsInet = !allow
            case 1: f.restrictsUnix = !allow
            case 16: f.restrictsNetlink = !allow
            case 17: f.restrictsPacket = !allow
            default: f.restrictsOtherFamilies = !allow
            }
        }

        f.systemCallFilter = syscalls
        if !filterExists { f.systemCallFilterIsAllowList = false }

        let v4Any = ipDeny.contains { !$0.v6 && $0.length == 0 }
        let v6Any = ipDeny.contains { $0.v6 && $0.length == 0 }
        f.ipDenyAll = v4Any && v6Any
        for p in ipAllow {
            let local = p.v6 ? p.bytes == Array(repeating: 0, count: 15) + [1] : p.bytes[0] == 127
            if local { f.ipAllowLocalhost = true } else { f.ipAllowOther = true }
        }
        f.ipCustomFilters = ingress || egress
    }
}

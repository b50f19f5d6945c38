import Directives
import UnitFile

/// Why a unit cannot be assessed; systemd refuses to load it for the same reason.
public struct UnitLoadError: Error, CustomStringConvertible {
    public let description: String
}

extension SecurityFacts {
    /// The facts of a loaded unit, read through the shared model (Directives' UnitConfig, as the
    /// release of `rules` reads it, with systemd's implications applied); `extra` assignments
    /// apply last (a proposed drop-in). Throws when systemd would refuse to load the unit.
    public init(_ unit: LoadedUnit, rules: RuleSet, extra: [Assignment] = []) throws(UnitLoadError) {
        if unit.isMasked { throw UnitLoadError(description: "\(unit.name.name): unit is masked") }
        var loaded = unit
        loaded.assignments += extra
        let config = UnitConfig(loaded, rules: rules.release)
        if let error = config.loadError { throw UnitLoadError(description: "\(error.location): \(error.message)") }
        self.init(config.withImplications(), fragmentPath: unit.fragmentPath, rules: rules)
    }

    private init(_ u: UnitConfig, fragmentPath: String?, rules: RuleSet) {
        self.init()
        let e = u.exec
        unitName = u.name.name
        self.fragmentPath = fragmentPath
        defaultDependencies = u.unit.defaultDependencies ?? true
        user = e.identity.user
        dynamicUser = e.identity.dynamicUser ?? false
        supplementaryGroups = e.identity.supplementaryGroups
        ambientCapabilities = e.capabilities.ambient ?? .empty
        capabilityBoundingSet = e.capabilities.boundingSet ?? .all

        let s = e.sandbox, fs = e.filesystem
        privateDevices = s.privateDevices ?? false
        privateMounts = fs.privateMounts ?? false
        privateNetwork = s.privateNetwork ?? false
        privateTmp = fs.privateTmp ?? false
        privateUsers = s.privateUsers ?? false
        protectControlGroups = s.protectControlGroups ?? false
        protectKernelModules = s.protectKernelModules ?? false
        protectKernelTunables = s.protectKernelTunables ?? false
        protectKernelLogs = s.protectKernelLogs ?? false
        protectClock = s.protectClock ?? false
        protectHostname = s.protectHostname ?? false
        protectHome = fs.protectHome?.rawValue ?? "no"
        protectSystem = fs.protectSystem?.rawValue ?? "no"
        rootDirectory = fs.rootDirectory
        rootImage = fs.rootImage
        lockPersonality = s.lockPersonality ?? false
        memoryDenyWriteExecute = s.memoryDenyWriteExecute ?? false
        noNewPrivileges = s.noNewPrivileges ?? false
        umask = e.process.umask ?? 0o022
        keyringMode = e.process.keyringMode?.rawValue ?? "private"
        protectProc = fs.protectProc?.rawValue ?? "default"
        procSubset = fs.procSubset?.rawValue ?? "all"
        notifyAccess = u.service.notifyAccess?.rawValue ?? "none"
        removeIPC = s.removeIPC ?? false
        if case .controllers? = u.resources.delegate { delegate = true }
        restrictRealtime = s.restrictRealtime ?? false
        restrictSUIDSGID = s.restrictSUIDSGID ?? false
        allowedNamespaces = s.restrictNamespaces

        if let af = s.restrictAddressFamilies {
            let (allow, set): (Bool, Set<Int>) = switch af {
            case .allowOnly(let s): (true, s)
            case .deny(let s): (false, s)
            }
            restrictsInet = allow; restrictsUnix = allow; restrictsNetlink = allow
            restrictsPacket = allow; restrictsOtherFamilies = allow
            for f in set {
                switch AddressFamily.name(f) {
                case "AF_INET", "AF_INET6": restrictsInet = !allow
                case "AF_UNIX": restrictsUnix = !allow
                case "AF_NETLINK": restrictsNetlink = !allow
                case "AF_PACKET": restrictsPacket = !allow
                default: restrictsOtherFamilies = !allow
                }
            }
        }

        systemCallArchitectures = e.syscalls.architectures ?? []
        if let filter = e.syscalls.filter {
            systemCallFilterIsAllowList = filter.isAllowList
            // The model's merge steps on native numbers. In an allow list, a call given an error
            // number fails rather than runs: systemd-analyze does not count it as allowed.
            for step in filter.steps {
                let keep = step.puts && !(filter.isAllowList && step.action != nil)
                for n in rules.numbers(of: step.name) {
                    if keep { systemCallFilter.insert(n) } else { systemCallFilter.remove(n) }
                }
            }
        }

        let deny = u.resources.ipAddressDeny ?? []
        ipDenyAll = deny.contains { !$0.isIPv6 && $0.length == 0 } && deny.contains { $0.isIPv6 && $0.length == 0 }
        for p in u.resources.ipAddressAllow ?? [] {
            let local = p.isIPv6 ? p.address == Array(repeating: 0, count: 15) + [1] : p.address.first == 127
            if local { ipAllowLocalhost = true } else { ipAllowOther = true }
        }
        ipCustomFilters = !u.resources.ipIngressFilterPaths.isEmpty || !u.resources.ipEgressFilterPaths.isEmpty
        devicePolicy = u.resources.devicePolicy?.rawValue ?? "auto"
        deviceAllowNonEmpty = !u.resources.deviceAllow.isEmpty
    }
}

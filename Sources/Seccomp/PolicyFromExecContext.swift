import Directives

extension SystemdSyscallSettings {
    /// The seccomp-relevant settings of a unit's exec context. Pass the context of
    /// `UnitConfig.withImplications()`, so that e.g. DynamicUser='s RestrictSUIDSGID= counts.
    public init(_ exec: ExecContext, rules: SystemdRules = .v252) {
        self.init()
        self.rules = rules
        let sandbox = exec.sandbox
        protectHostname = sandbox.protectHostname ?? false
        switch sandbox.restrictAddressFamilies {
        case .allowOnly(let families): addressFamilies = FamilyList(isAllowList: true, families: families)
        case .deny(let families): addressFamilies = FamilyList(isAllowList: false, families: families)
        case nil: addressFamilies = nil
        }
        memoryDenyWriteExecute = sandbox.memoryDenyWriteExecute ?? false
        restrictRealtime = sandbox.restrictRealtime ?? false
        restrictSUIDSGID = sandbox.restrictSUIDSGID ?? false
        retainedNamespaceFlags = sandbox.restrictNamespaces.map { $0.allowed.reduce(0) { $0 | $1.cloneFlag } }
        protectKernelTunables = sandbox.protectKernelTunables ?? false
        protectKernelModules = sandbox.protectKernelModules ?? false
        protectKernelLogs = sandbox.protectKernelLogs ?? false
        protectClock = sandbox.protectClock ?? false
        privateDevices = sandbox.privateDevices ?? false
        lockPersonality = sandbox.lockPersonality ?? false
        switch exec.process.personality {
        case .x86: personality = 8  // PER_LINUX32
        case .x86_64: personality = 0  // PER_LINUX
        default: personality = nil  // other machines' personalities: systemd keeps the current one
        }

        let syscalls = exec.syscalls
        architectures = syscalls.architectures.map { names in
            ABISet(names.compactMap { $0 == "native" ? SyscallABI.native : SyscallABI(rawValue: $0) })
        }
        syscallLog = syscalls.log.map { Self.list($0, rules) }
        syscallFilter = syscalls.filter.map { Self.list($0, rules) }
        syscallErrorAction = syscalls.errorNumber.map(Self.action) ?? .killProcess
    }

    private static func list(_ filter: SyscallFilter, _ rules: SystemdRules) -> SyscallList {
        SyscallList(isAllowList: filter.isAllowList, entries: filter.resolved(rules: rules).mapValues { $0.map(action) })
    }

    private static func action(_ action: SyscallAction) -> SeccompAction {
        switch action {
        case .errno(let number): .errno(number)
        case .kill: .killProcess
        case .log: .log
        }
    }
}

extension SeccompPolicy {
    /// The one seccomp program's policy for a unit's exec context, or nil when the unit
    /// uses no directive that systemd implements with seccomp.
    public static func forUnit(_ exec: ExecContext, rules: SystemdRules = .v252) throws(SeccompError) -> SeccompPolicy? {
        try SystemdSyscallSettings(exec, rules: rules).policy()
    }
}

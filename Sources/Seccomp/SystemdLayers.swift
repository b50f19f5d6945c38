import Directives

/// The seccomp filters systemd 252 installs for a unit (src/core/execute.c, in its order,
/// with the rules of src/shared/seccomp-util.c), as layers to be stacked into one program.
enum SystemdLayers {
    static let eperm = SeccompAction.errno(1)
    static let enosys = SeccompAction.errno(38)
    static let eafnosupport = SeccompAction.errno(97)

    /// The layers for a unit's exec context, in the order systemd installs them; `rules` decides
    /// the members of the syscall groups.
    static func layers(for inputs: SeccompInputs) -> [SeccompLayer] {
        let s = inputs.sandbox, syscalls = inputs.syscalls, rules = inputs.rules
        var layers: [SeccompLayer] = []
        func add(_ setting: Bool?, _ layer: @autoclosure () -> SeccompLayer) {
            if setting == true { layers.append(layer()) }
        }
        // ProtectHostname= is applied with the namespaces, before all the others.
        // ProtectHostname=private (258) gives the namespace and lets the service name it.
        add(s.protectHostname == true && s.protectHostnameMode != "private", SeccompLayer("ProtectHostname=", rules: [
            .always("sethostname", eperm), .always("setdomainname", eperm),
        ]))
        if let families = s.restrictAddressFamilies, let layer = addressFamilies(families) { layers.append(layer) }
        add(s.memoryDenyWriteExecute, memoryDenyWriteExecute())
        add(s.restrictRealtime, restrictRealtime())
        add(s.restrictSUIDSGID, restrictSUIDSGID())
        if let restriction = s.restrictNamespaces,
           let layer = restrictNamespaces(retaining: restriction.allowed.reduce(0) { $0 | $1.cloneFlag }) {
            layers.append(layer)
        }
        // The x32 ABI has no _sysctl.
        add(s.protectKernelTunables, SeccompLayer("ProtectKernelTunables=", rules: [
            .always("_sysctl", eperm, abis: [.x86_64, .x86]),
        ]))
        add(s.protectKernelModules, refusing("@module", rules, "ProtectKernelModules="))
        add(s.protectKernelLogs, SeccompLayer("ProtectKernelLogs=", rules: [.always("syslog", eperm)]))
        add(s.protectClock, refusing("@clock", rules, "ProtectClock="))
        add(s.privateDevices, refusing("@raw-io", rules, "PrivateDevices="))
        // (SystemCallArchitectures= comes here: it decides the ABIs of the program.)
        add(s.lockPersonality, lockPersonality(personalityNumber(inputs.personality)))
        if let log = syscalls.log, let layer = syscallLog(log, rules: rules) { layers.append(layer) }
        // The call filter stays last, so that its errno wins over the others' EPERM.
        if let filter = syscalls.filter,
           let layer = syscallFilter(filter, rules: rules, errorAction: syscalls.errorNumber.map(action) ?? .killProcess) {
            layers.append(layer)
        }
        return layers
    }

    /// The personality LockPersonality= locks in: PER_LINUX32 (8) for Personality=x86, else
    /// PER_LINUX (0).
    static func personalityNumber(_ personality: Personality?) -> UInt64 {
        personality == .x86 ? 8 : 0
    }

    static func action(_ action: SyscallAction) -> SeccompAction {
        switch action {
        case .errno(let number): .errno(number)
        case .kill: .killProcess
        case .log: .log
        }
    }

    /// A layer refusing every call of `group` with EPERM, as systemd does for the groups its
    /// sandboxing directives imply (@module, @clock, @raw-io).
    static func refusing(_ group: String, _ rules: SystemdRelease, _ origin: String) -> SeccompLayer {
        SeccompLayer(origin, rules: (SyscallGroups.expand(group, rules: rules) ?? []).map { .always($0, eperm) })
    }

    /// All values of the bits of `mask` except `mask` itself: the calls a
    /// "(argument & mask) == mask" rule leaves alone.
    static func otherMaskedValues(_ argument: UInt32, _ mask: UInt64) -> [[ArgumentComparison]] {
        let bits = (0..<64).map { UInt64(1) << $0 }.filter { mask & $0 != 0 }
        return (0..<(1 << bits.count) - 1).map { combination in
            let value = bits.enumerated().reduce(UInt64(0)) { $0 | (combination >> $1.offset & 1 == 1 ? $1.element : 0) }
            return [.arg(argument, masked: mask, equals: value)]
        }
    }

    /// socket() family checks; systemd leaves out the i386 ABI, whose socket calls may go
    /// through socketcall(), where the family cannot be seen.
    static func addressFamilies(_ restriction: AddressFamilyRestriction) -> SeccompLayer? {
        let abis: ABISet = [.x86_64, .x32]
        let afMax = 46  // AF_MAX of the C library systemd 252 was built with
        let origin = "RestrictAddressFamilies="
        switch restriction {
        case .allowOnly(let families):
            let valid = families.filter { $0 > 0 && $0 < afMax }.sorted()
            guard let first = valid.first, let last = valid.last else {
                return SeccompLayer(origin, rules: [.always("socket", eafnosupport, abis: abis)])
            }
            let holes = (first...last).filter { !families.contains($0) }
            let refused: [[ArgumentComparison]] = [[.init(argument: 0, .less, UInt64(first))],
                                                   [.init(argument: 0, .greater, UInt64(last))]]
                + holes.map { [.arg(0, equals: UInt64($0))] }
            return SeccompLayer(origin, rules: [
                .when("socket", refused, otherwise: valid.map { [.arg(0, equals: UInt64($0))] }, eafnosupport, abis: abis),
            ])
        case .deny(let families):
            guard let highest = families.max(), highest >= 0 else { return nil }
            let denied = families.filter { $0 >= 0 }
            let others: [[ArgumentComparison]] = (0...highest).filter { !denied.contains($0) }.map { [.arg(0, equals: UInt64($0))] }
                + [[.init(argument: 0, .greater, UInt64(highest))]]
            return SeccompLayer(origin, rules: [
                .when("socket", denied.sorted().map { [.arg(0, equals: UInt64($0))] }, otherwise: others, eafnosupport, abis: abis),
            ])
        }
    }

    static func memoryDenyWriteExecute() -> SeccompLayer {
        let write: UInt64 = 0x2, exec: UInt64 = 0x4, shmExec: UInt64 = 0o100000
        func masked(_ call: String, _ argument: UInt32, _ mask: UInt64, _ abis: ABISet) -> SeccompLayer.CallRule {
            .when(call, [[.arg(argument, masked: mask, equals: mask)]], otherwise: otherMaskedValues(argument, mask),
                  eperm, abis: abis)
        }
        // i386 maps through mmap2 (checked) and refuses old mmap outright; shmat is
        // multiplexed through ipc() there and left alone, as systemd does.
        return SeccompLayer("MemoryDenyWriteExecute=", rules: [
            masked("mmap", 2, write | exec, [.x86_64, .x32]),
            masked("mmap2", 2, write | exec, [.x86]),
            .always("mmap", eperm, abis: [.x86]),
            masked("mprotect", 2, exec, .all),
            masked("pkey_mprotect", 2, exec, .all),
            masked("shmat", 2, shmExec, [.x86_64, .x32]),
        ])
    }

    static func restrictRealtime() -> SeccompLayer {
        // SCHED_OTHER (0), SCHED_BATCH (3) and SCHED_IDLE (5) stay allowed.
        let permitted: [UInt64] = [0, 3, 5]
        let refused = [[ArgumentComparison]]([1, 2, 4].map { [.arg(1, equals: $0)] })
            + [[.init(argument: 1, .greater, 5)]]
        return SeccompLayer("RestrictRealtime=", rules: [
            .when("sched_setscheduler", refused, otherwise: permitted.map { [.arg(1, equals: $0)] }, eperm),
        ])
    }

    static func restrictSUIDSGID() -> SeccompLayer {
        let suid: UInt64 = 0o4000, sgid: UInt64 = 0o2000, create: UInt64 = 0o100  // O_CREAT
        func mode(_ call: String, _ argument: UInt32) -> SeccompLayer.CallRule {
            .when(call, [[.arg(argument, masked: suid, equals: suid)], [.arg(argument, masked: sgid, equals: sgid)]],
                  otherwise: [[.arg(argument, masked: suid | sgid, equals: 0)]], eperm)
        }
        func creating(_ call: String, flags: UInt32, mode: UInt32) -> SeccompLayer.CallRule {
            let creates = ArgumentComparison.arg(flags, masked: create, equals: create)
            return .when(call, [[creates, .arg(mode, masked: suid, equals: suid)], [creates, .arg(mode, masked: sgid, equals: sgid)]],
                         otherwise: [[.arg(flags, masked: create, equals: 0)], [.arg(mode, masked: suid | sgid, equals: 0)]],
                         eperm)
        }
        return SeccompLayer("RestrictSUIDSGID=", rules: [
            // fchmodat2() (Linux 6.6) takes the mode where fchmodat() does; Debian's systemd 252
            // and newer upstream releases refuse it too.
            mode("chmod", 1), mode("fchmod", 1), mode("fchmodat", 2), mode("fchmodat2", 2),
            mode("mkdir", 1), mode("mkdirat", 2),
            mode("mknod", 1), mode("mknodat", 2),
            creating("open", flags: 1, mode: 2), creating("openat", flags: 2, mode: 3),
            // openat2() hides its flags in a structure: refused, so programs fall back to openat().
            .always("openat2", enosys),
            mode("creat", 1),
        ])
    }

    /// All CLONE_NEW* flags RestrictNamespaces= knows, in systemd's order.
    static let namespaceFlags = NamespaceType.allCases.map(\.cloneFlag)

    /// systemd 252's NAMESPACE_FLAGS_ALL: the classic types, without CLONE_NEWTIME. Retaining all
    /// of them (RestrictNamespaces=no) installs no filter at all.
    /// (Not read from `NamespaceRestriction.all`: building its Set<NamespaceType> costs a
    /// quarter of a million instructions at start; a SeccompLayerTests test compares the two.)
    static let classicNamespaceFlags = NamespaceType.allCases.filter { $0 != .time }.reduce(0) { $0 | $1.cloneFlag }

    static func restrictNamespaces(retaining retained: UInt64) -> SeccompLayer? {
        let all = namespaceFlags.reduce(0, |)
        if retained & classicNamespaceFlags == classicNamespaceFlags { return nil }
        let blocked = namespaceFlags.filter { retained & $0 == 0 }
        let blockedMask = blocked.reduce(0, |)
        let anyBlocked = blocked.map { [ArgumentComparison.arg(0, masked: $0, equals: $0)] }
        let noneBlocked = [[ArgumentComparison.arg(0, masked: blockedMask, equals: 0)]]
        var rules: [SeccompLayer.CallRule] = [
            // clone3() flags sit in a structure: refused with ENOSYS so libc falls back to clone().
            .always("clone3", enosys),
        ]
        if retained & all == 0 {
            rules.append(.always("setns", eperm))
        } else {
            // setns(fd, 0) (any type) and setns with a blocked type are refused. The complement,
            // "no blocked bit and not zero", as one masked test per lowest set bit.
            let refused = [[ArgumentComparison.arg(1, equals: 0)]]
                + blocked.map { [ArgumentComparison.arg(1, masked: $0, equals: $0)] }
            let allowed = (0..<64).map { UInt64(1) << $0 }.filter { $0 & blockedMask == 0 }.map { bit in
                [ArgumentComparison.arg(1, masked: blockedMask | (bit | (bit - 1)), equals: bit)]
            }
            rules.append(.when("setns", refused, otherwise: allowed, eperm))
        }
        rules.append(.when("unshare", anyBlocked, otherwise: noneBlocked, eperm))
        rules.append(.when("clone", anyBlocked, otherwise: noneBlocked, eperm))
        return SeccompLayer("RestrictNamespaces=", rules: rules)
    }

    static func lockPersonality(_ personality: UInt64) -> SeccompLayer {
        SeccompLayer("LockPersonality=", rules: [
            .when("personality", [[.init(argument: 0, .notEqual, personality)]],
                  otherwise: [[.arg(0, equals: personality)]], eperm),
        ])
    }

    static func syscallLog(_ log: SyscallFilter, rules: SystemdRelease) -> SeccompLayer? {
        let calls = log.resolved(rules: rules)
        // An allow list logs only the listed calls; a deny list logs all but them.
        let (defaultAction, action): (SeccompAction, SeccompAction) = log.isAllowList ? (.allow, .log) : (.log, .allow)
        if calls.isEmpty && defaultAction == .allow { return nil }
        return SeccompLayer("SystemCallLog=", defaultAction: defaultAction,
                            rules: calls.keys.sorted().map { .always($0, action) })
    }

    static func syscallFilter(_ filter: SyscallFilter, rules: SystemdRelease, errorAction: SeccompAction) -> SeccompLayer? {
        let calls = filter.resolved(rules: rules)
        let (defaultAction, action): (SeccompAction, SeccompAction) =
            filter.isAllowList ? (errorAction, .allow) : (.allow, errorAction)
        if calls.isEmpty && defaultAction == .allow { return nil }
        return SeccompLayer("SystemCallFilter=", defaultAction: defaultAction,
                            rules: calls.sorted { $0.key < $1.key }.map { .always($0.key, $0.value.map(Self.action) ?? action) })
    }
}

import Directives
import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// The bridge from the unit model to a jail: ExecContext (with systemd's
/// implications applied) and the service's kill settings become a
/// LaunchRequest. Everything brig cannot apply is refused here, by name.
public enum ServiceJail {
    /// Whether the service has a network and an IPC namespace of its own, which all its
    /// processes share (PrivateNetwork=, PrivateIPC=).
    public static func namespacesShared(_ context: ExecContext) -> (network: Bool, ipc: Bool) {
        (context.sandbox.privateNetwork ?? false, context.sandbox.privateIPC ?? false)
    }

    public static func request(_ context: ExecContext, kill: KillConfig = KillConfig(), service: ServiceConfig = ServiceConfig(),
                               resources: ResourceControl = ResourceControl(), unit: UnitSection = UnitSection(),
                               unitName: String, accounting: Bool = false,
                               activation: SocketActivation? = nil, rules: SystemdRelease = .v252) throws(JailError) -> LaunchRequest {
        try refuseUnsupported(context)
        var spec = JailSpec()
        let tmpLayout = PrivateTmpLayout(context.filesystem, unit: unit, rules: rules) {
            HostMountTable.current().contains { $0.path == Array("/tmp".utf8) }
        }
        spec.mounts = try mounts(context, tmp: tmpLayout, rules: rules)
        spec.mounts.mountTablesKeepOptions = rules.facts.mountTablesKeepOptions
        spec.mounts.baseFilesystem = rules.facts.baseFilesystem
        if rules.facts.bindsLogSockets {
            // Unset, it follows the API file systems, and PrivateDevices= in a root of the service's
            // own, whose /dev/log points at the journal's socket (exec_context_get_effective_bind_log_sockets()).
            spec.mounts.bindLogSockets = context.filesystem.bindLogSockets
                ?? (spec.mounts.effectiveMountAPIVFS || (spec.mounts.hasRootOfItsOwn && spec.mounts.privateDevices))
        }
        // A tri-state from 254 on: unset PrivateMounts= follows PrivateNetwork=.
        // A network joined by path counts as a network namespace of the service's own, as in systemd.
        spec.mounts.privateSysfs = rules.facts.privateNetworkMountsSysfs
            && (context.sandbox.privateNetwork == true || context.sandbox.networkNamespacePath != nil)
            && context.filesystem.privateMounts != false
        let sandbox = context.sandbox
        (spec.privateNetwork, spec.privateIPC) = namespacesShared(context)
        spec.namespaceFiles = [sandbox.networkNamespacePath.map(NamespaceFile.network), sandbox.ipcNamespacePath.map(NamespaceFile.ipc),
                               sandbox.userNamespacePath.map(NamespaceFile.user)].compactMap { $0 }
        // DelegateNamespaces= set at all means a user namespace to delegate to: PrivateUsers=self
        // unless the unit asks for another mode (exec_context_get_effective_private_users()).
        spec.privateUsers = sandbox.privateUsers ?? false || sandbox.delegateNamespaces != nil
        spec.delegatedNamespaces = (sandbox.delegateNamespaces ?? []).reduce(0) { $0 | Namespaces.flag($1) }
        spec.privateUsersRange = switch sandbox.privateUsersMode {
        case "identity": 65536          // the first 64K ids, each mapped to itself (257)
        case "full": 4_294_967_295      // every id but the last, each mapped to itself (258)
        default: nil                    // yes, self: root and the service's own id
        }
        spec.privateUsersManaged = sandbox.privateUsersMode == "managed"
        spec.privateUsersAllowSetgroups = ["full", "managed"].contains(sandbox.privateUsersMode)
        spec.privateCgroup = spec.mounts.privateCgroupMount != nil
        spec.privatePIDs = sandbox.privatePIDs ?? false
        spec.protectHostname = sandbox.protectHostname ?? false
        spec.hostname = spec.protectHostname ? sandbox.protectHostnameName : nil
        spec.noNewPrivileges = sandbox.noNewPrivileges ?? false
        spec.secureBits = secureBits(sandbox.secureBits)
        spec.capabilityBoundingSet = (context.capabilities.boundingSet?.mask ?? .max) & Capabilities.everything
        spec.ambientCapabilities = context.capabilities.ambient?.mask ?? 0
        process(context.process, into: &spec)

        var request = LaunchRequest(spec: spec)
        request.rules = rules
        request.setLoginEnvironment = context.environment.setLoginEnvironment
        request.namesUser = context.identity.user != nil || context.identity.dynamicUser == true
        request.removeIPC = sandbox.removeIPC ?? false
        request.deviceFilter = DeviceFilter(policy: resources.devicePolicy ?? .auto, allow: resources.deviceAllow)
        request.networkPolicy = NetworkPolicy(resources)
        let identity = context.identity
        if identity.dynamicUser == true {
            request.dynamicUserName = identity.user ?? unitName.split(separator: ".").first.map(String.init) ?? unitName
            request.dynamicGroup = identity.group
            request.dynamicSupplementaryGroups = identity.supplementaryGroups
        } else if identity.user != nil || identity.group != nil || !identity.supplementaryGroups.isEmpty {
            request.spec.identity = try Identity.resolve(user: identity.user ?? "root", group: identity.group,
                                                         supplementary: identity.supplementaryGroups)
        }
        if let wd = context.filesystem.workingDirectory {
            // "~": the account's home; one without (nobody, a dynamic user, resolved later) the manager's.
            let managersHome = wd.path == nil && rules.facts.homelessWorkingDirectoryIsManagers
            request.spec.workingDirectory = wd.path
                ?? (managersHome ? LoginEnvironment.workingHome(of: request.spec.identity) : request.spec.identity?.home ?? "/root")
            request.workingDirectoryHome = managersHome
            request.spec.workingDirectoryOptional = wd.ignoreIfMissing
        } else {
            request.spec.workingDirectory = "/"
        }
        (request.spec.environment, request.spec.suggestsTmpDir) = try environment(context.environment, path: rules.facts.defaultPath,
                                                                                  suggestingTmpDir: tmpLayout.suggestsTmpDir)
        request.directories = directories(context.filesystem)
        if rules >= .v258 {
            // Project ids come from the unit's cgroup under systemd, whatever brig's own is.
            request.directories.projectCgroupPath = SystemdCgroupPath.of(unit: unitName, slice: service.slice)
        }
        if context.filesystem.rootEphemeral == true, let root = context.filesystem.rootDirectory {
            // systemd would copy the host's whole root file system, into a directory of its own.
            if Paths.normalized(root) == "/" {
                throw .refused(directive: "RootEphemeral=yes", reason: "with RootDirectory=/ the copy would be of the host's whole root file system", status: .namespace)
            }
            request.ephemeralRoot = EphemeralRoot(source: root, unitName: unitName)
        }
        if !context.environment.credentials.isEmpty {
            request.credentials = CredentialRequest(unitName: unitName, settings: context.environment.credentials)
        }
        try streams(context.stdio, activation: activation, into: &request)
        request.service = try policy(service, kill: kill, unit: unit, unitName: unitName)
        request.service.announcesMainPIDFDID = rules.facts.pidfdAndCookieVariables
        request.openFiles = service.openFiles
        request.terminalSize = TerminalSize(rows: context.stdio.ttyRows, columns: context.stdio.ttyColumns)
        request.terminalReset = TerminalReset(context.stdio)
        request.spec.announcesPIDFDID = rules.facts.listenPIDFDID
        try limits(resources, accounting: accounting, into: &request)
        return request
    }

    /// The cgroup limits, refused (219) where the host has the controller in no hierarchy.
    /// Counting what the run uses (OOM kills among it) comes with a memory limit or `accounting`.
    static func limits(_ resources: ResourceControl, accounting: Bool, into request: inout LaunchRequest) throws(JailError) {
        guard accounting || CgroupLimits.sets(resources) else { return }
        let limits = CgroupLimits(resources, accounting: accounting)
        if !limits.unavailable.isEmpty {
            let refusals = limits.unavailable.map { item in
                Refusal(directive: item.directive, location: resources.origins[String(item.directive.prefix { $0 != "=" })] ?? SourceLocation(file: "-", line: 0),
                        reason: "this host has no \(item.controller) controller in cgroup v2 (enabled for brig's runs) or v1", status: .cgroup)
            }
            throw .refusals(refusals)
        }
        request.cgroupLimits = limits
        if accounting || limits.controllers.contains("memory") { request.usage = RunUsage(counts: accounting) }
    }


    /// How the service is started, supervised, stopped and restarted, with systemd 252's defaults
    /// and implications (Type=notify and WatchdogSec= bring NotifyAccess=main; Type=oneshot waits
    /// for its commands without a start timeout unless one is set).
    static func policy(_ service: ServiceConfig, kill: KillConfig, unit: UnitSection, unitName: String) throws(JailError) -> ServicePolicy {
        func seconds(_ t: TimeSpan) -> Double { t.isInfinite ? .infinity : Double(t.microseconds) / 1e6 }
        var p = ServicePolicy()
        p.unitName = unitName
        switch service.type ?? .simple {
        case .simple, .exec, .idle: p.readiness = .simple
        case .forking: p.readiness = .forking
        case .oneshot: p.readiness = .oneshot
        case .notify: p.readiness = .notify
        case .notifyReload:
            p.readiness = .notify
            p.reloadSignal = service.reloadSignal?.number ?? SIGHUP
        case .dbus:
            p.readiness = .dbus
            guard let name = service.busName else {
                throw .refused(directive: "Type=dbus", reason: "there is no BusName= (systemd refuses to load such a unit)", status: .exec)
            }
            // systemd would wait for a bus that may never come; brig says at once that none is there.
            let address = getenv("DBUS_SYSTEM_BUS_ADDRESS").map { String(cString: $0) }
            guard let path = BusNameWatch.systemBusPath(address: address), BusNameWatch.listening(path) else {
                throw .refused(directive: "Type=dbus",
                               reason: "readiness is BusName=\(name) on the D-Bus system bus, and no bus listens at \(address ?? BusNameWatch.defaultSystemBus)",
                               status: .exec)
            }
            p.busName = (name, path)
        }
        p.pidFile = service.pidFile
        p.guessMainPID = service.guessMainPID ?? true
        p.remainAfterExit = service.remainAfterExit ?? false
        if let t = service.timeoutStartSec { p.startTimeout = seconds(t) } else if p.readiness == .oneshot { p.startTimeout = .infinity }
        if let t = service.timeoutStopSec { p.stopTimeout = seconds(t) }
        p.abortTimeout = service.timeoutAbortSec.map(seconds)
        if let limit = service.runtimeMaxSec, !limit.isInfinite {
            let extra = service.runtimeRandomizedExtraSec.map(seconds) ?? 0
            p.runtimeMax = seconds(limit) + (extra > 0 && extra.isFinite ? Double.random(in: 0...extra) : 0)
        }
        if let w = service.watchdogSec, w.microseconds > 0, !w.isInfinite { p.watchdog = seconds(w) }
        p.notifyAccess = service.notifyAccess ?? (p.readiness == .notify || p.watchdog != nil ? .main : .none)
        p.killMode = kill.killMode ?? .controlGroup
        if let s = kill.killSignal { p.killSignal = s.number }
        if let s = kill.finalKillSignal { p.finalKillSignal = s.number }
        if let s = kill.watchdogSignal { p.watchdogSignal = s.number }
        p.sendSIGHUP = kill.sendSIGHUP ?? false
        p.sendSIGKILL = kill.sendSIGKILL ?? true
        p.restart = service.restart ?? .no
        if let t = service.restartSec { p.restartDelay = seconds(t) }
        p.successStatus = service.successExitStatus
        p.restartPreventStatus = service.restartPreventExitStatus
        p.restartForceStatus = service.restartForceExitStatus
        if let t = unit.startLimitInterval { p.startLimitInterval = t.isInfinite ? .infinity : seconds(t) }
        if let b = unit.startLimitBurst { p.startLimitBurst = Int(clamping: b) }
        return p
    }

    /// The service's command lists as launch commands, by phase.
    public static func commands(_ service: ServiceConfig) -> [LaunchCommand] {
        let phases: [(LaunchCommand.Phase, [ExecCommand])] = [
            (.condition, service.execCondition), (.startPre, service.execStartPre), (.start, service.execStart),
            (.startPost, service.execStartPost),
            (.reload, service.execReload), (.stop, service.execStop), (.stopPost, service.execStopPost),
        ]
        return phases.flatMap { phase, list in list.map { LaunchCommand(phase, $0) } }
    }

    // MARK: - pieces

    private static func mounts(_ context: ExecContext, tmp: PrivateTmpLayout, rules: SystemdRelease) throws(JailError) -> MountSettings {
        let fs = context.filesystem, sandbox = context.sandbox
        var m = MountSettings()
        m.readWritePaths = fs.readWritePaths.map(\.description)
        m.readOnlyPaths = fs.readOnlyPaths.map(\.description)
        m.inaccessiblePaths = fs.inaccessiblePaths.map(\.description)
        m.execPaths = fs.execPaths.map(\.description)
        m.noExecPaths = fs.noExecPaths.map(\.description)
        m.bindMounts = fs.bindMounts.map {
            .init(source: $0.source, destination: $0.destination, readOnly: $0.readOnly, recursive: $0.recursive,
                  optional: $0.ignoreIfMissing)
        }
        m.temporaryFileSystems = fs.temporaryFileSystems.map { ($0.path, $0.options) }
        m.privateTmp = tmp.tmp != .none
        m.privateTmpDisconnected = tmp.tmp == .disconnected
        if tmp.varTmp != tmp.tmp { m.privateVarTmp = tmp.varTmp }
        m.privateMounts = fs.privateMounts ?? false
        m.mountAPIVFS = fs.mountAPIVFS
        // "/" is no root of the service's own, for systemd as for every setting that depends on one.
        m.rootDirectory = fs.rootDirectory.flatMap { Paths.normalized($0) == "/" ? nil : $0 }
        // RootDirectory= takes precedence over RootMStack=, "/" too (pin_rootfs() in exec-invoke.c
        // looks at it first); RootImage=, before both, is refused.
        if let path = fs.rootMStack, fs.rootDirectory == nil {
            switch MountStack.load(path, rules: rules) {
            case .success(let stack): m.mountStack = stack
            case .failure(let failure):
                throw .refused(directive: "RootMStack=\(path)", reason: failure.description, status: .namespace)
            }
        }
        m.protectSystem = fs.protectSystem ?? .no
        m.protectHome = fs.protectHome ?? .no
        m.protectProc = (fs.protectProc ?? .default).rawValue
        m.procSubsetPID = fs.procSubset == .pid
        m.privateDevices = sandbox.privateDevices ?? false
        // A joined IPC namespace gets its own /dev/mqueue too.
        m.privateIPC = sandbox.privateIPC ?? false || sandbox.ipcNamespacePath != nil
        m.privateBPF = sandbox.privateBPF ?? false
        // Without PrivateBPF=yes they have nothing to apply to, and systemd says nothing.
        if m.privateBPF { m.bpfDelegation = sandbox.bpfDelegation }
        m.protectKernelTunables = sandbox.protectKernelTunables ?? false
        m.protectKernelModules = sandbox.protectKernelModules ?? false
        m.protectKernelLogs = sandbox.protectKernelLogs ?? false
        m.protectControlGroups = sandbox.protectControlGroups ?? false
        if let mode = sandbox.protectControlGroupsMode, ["private", "strict"].contains(mode) {
            m.privateCgroupMount = (mode == "strict", "ProtectControlGroups=\(mode)")
        }
        m.protectHostname = sandbox.protectHostname == true && sandbox.protectHostnameMode != "private"
        m.mountStackReadOnly = m.mountStack != nil && m.namespaceReadOnly
        return m
    }

    static func secureBits(_ names: Set<String>) -> Int32 {
        let bits: [String: Int32] = [
            "noroot": 1 << 0, "noroot-locked": 1 << 1, "no-setuid-fixup": 1 << 2,
            "no-setuid-fixup-locked": 1 << 3, "keep-caps": 1 << 4, "keep-caps-locked": 1 << 5,
        ]
        return names.reduce(0) { $0 | (bits[$1] ?? 0) }
    }

    private static func process(_ p: ProcessSettings, into spec: inout JailSpec) {
        spec.limits = p.limits.sorted { $0.key.resource < $1.key.resource }.map { kind, limit in
            let hard = limit.hard ?? RLimit.infinity
            return JailSpec.ResourceLimit(resource: kind.resource, soft: limit.soft ?? RLimit.infinity, hard: hard)
        }
        if !spec.limits.contains(where: { $0.resource == RLimit.nofile }) {
            spec.limits.append(RLimit.defaultOpenFiles())
            spec.limits.sort { $0.resource < $1.resource }
        }
        if let umask = p.umask { spec.umask = umask }
        spec.nice = p.nice.map(Int32.init)
        spec.oomScoreAdjust = p.oomScoreAdjust.map(Int32.init)
        switch p.keyringMode {
        case .inherit: spec.keyring = .inherit
        case .shared: spec.keyring = .shared
        case .private, nil: spec.keyring = .privateRing
        }
        if let persona = p.personality { spec.personality = persona == .x86 ? 0x0008 : 0 }
        if p.cpuSchedulingPolicy != nil || p.cpuSchedulingPriority != nil || p.cpuSchedulingResetOnFork != nil {
            let numbers: [CPUSchedulingPolicy: Int32] = [.other: 0, .fifo: 1, .rr: 2, .batch: 3, .idle: 5]
            let kind = p.cpuSchedulingPolicy ?? .other
            let policy = numbers[kind]! | (p.cpuSchedulingResetOnFork == true ? 0x4000_0000 : 0)
            // systemd clamps the priority into the policy's range when it reads the policy.
            let range: ClosedRange<Int32> = kind == .fifo || kind == .rr ? 1...99 : 0...0
            spec.scheduler = (policy, min(max(Int32(p.cpuSchedulingPriority ?? 0), range.lowerBound), range.upperBound))
        }
        if p.ioSchedulingClass != nil || p.ioSchedulingPriority != nil {
            // Class "none" means best-effort, priority 4 by default, as systemd normalises it.
            let bestEffort: Int32 = 2
            let ioClass = p.ioSchedulingClass.map(Int32.init).flatMap { $0 == 0 ? nil : $0 } ?? bestEffort
            spec.ioPriority = ioClass << 13 | Int32(p.ioSchedulingPriority ?? 4)
        }
        spec.timerSlackNanoseconds = p.timerSlackNanoseconds
        (spec.memoryKSM, spec.memoryTHP) = (p.memoryKSM, p.memoryTHP)
        spec.cpuAffinity = p.cpuAffinity.map { $0.sorted() }
        let nodes = p.numaMaskAll ? NUMANodes.all() : p.numaMask
        if let policy = p.numaPolicy {
            let modes: [NUMAPolicy: Int32] = [.default: 0, .preferred: 1, .bind: 2, .interleave: 3, .local: 4]
            // Only bind, interleave and preferred take nodes, as systemd's numa_policy_to_mask() passes them.
            let kept = policy == .default || policy == .local || (policy == .preferred && nodes == nil) ? [] : (nodes ?? []).sorted()
            spec.memoryPolicy = (modes[policy]!, kept)
        }
        if p.cpuAffinityFromNUMA { spec.cpuAffinity = NUMANodes.cpus(of: nodes ?? []).sorted() }
        spec.coredumpFilter = p.coredumpFilter
        spec.ignoreSIGPIPE = p.ignoreSIGPIPE ?? true
    }

    /// systemd's order (strv_env_merge() in exec_child()): the manager's defaults, PassEnvironment=,
    /// Environment=, EnvironmentFile=, each overriding the ones before, then UnsetEnvironment=
    /// removes names or exact pairs.
    /// `suggestingTmpDir`: TMPDIR=/tmp among the manager's (`PrivateTmpLayout.suggestsTmpDir`);
    /// `tmpDirSuggested` tells whether that one is still there at the end.
    static func environment(_ e: EnvironmentSettings, path: String, suggestingTmpDir: Bool = false) throws(JailError)
        -> (variables: [String], tmpDirSuggested: Bool) {
        var pairs: [(String, String)] = [("LANG", defaultLanguage), ("PATH", path)]
        var suggested = suggestingTmpDir
        if suggested { pairs.append(("TMPDIR", "/tmp")) }
        func set(_ name: String, _ value: String) {
            pairs.removeAll { $0.0 == name }
            pairs.append((name, value))
            if name == "TMPDIR" { suggested = false }
        }
        pairs.removeAll { $0.1.isEmpty }
        for name in e.passEnvironment {
            if let value = getenv(name) { set(name, String(cString: value)) }
        }
        for v in e.variables { set(v.name, v.value) }
        for file in e.files {
            // The path is a glob pattern: every file it matches, in order (exec_context_load_environment()).
            let paths = SystemFiles.glob(file.path)
            if paths.isEmpty && !file.ignoreIfMissing {
                throw .refused(directive: "EnvironmentFile=\(file.path)", reason: "no such file", status: .exec)
            }
            for path in paths {
                guard let bytes = SystemFiles.readBytes(path), let assignments = EnvironmentFileParser.parse(bytes) else {
                    if file.ignoreIfMissing { continue }
                    throw .refused(directive: "EnvironmentFile=\(file.path)", reason: "cannot read \(path) as UTF-8 assignments", status: .exec)
                }
                for (name, value) in assignments where EnvironmentValues.isValidName(name) { set(name, value) }
            }
        }
        for entry in e.unsetEnvironment {
            if let eq = entry.firstIndex(of: "=") {
                let name = String(entry[..<eq]), value = String(entry[entry.index(after: eq)...])
                pairs.removeAll { $0.0 == name && $0.1 == value }
            } else {
                pairs.removeAll { $0.0 == entry }
            }
        }
        suggested = suggested && pairs.contains { $0 == ("TMPDIR", "/tmp") }
        return (pairs.map { "\($0.0)=\($0.1)" } + ["INVOCATION_ID=\(invocationID())", JailPlanner.execPIDPlaceholder], suggested)
    }

    /// The system locale, as systemd's manager reads it when it starts (once per brig process,
    /// which for brig listen spares two reads per connection); C.UTF-8 when none is set.
    static let defaultLanguage: String = {
        for path in ["/etc/locale.conf", "/etc/default/locale"] {
            for (name, value) in EnvironmentFileParser.parse(SystemFiles.read(path) ?? "") where name == "LANG" { return value }
        }
        // With no locale configured, systemd gives its services C.UTF-8.
        return "C.UTF-8"
    }()

    static func invocationID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    private static func directories(_ fs: FilesystemSettings) -> ExecDirectories {
        var dirs = ExecDirectories()
        for kind in ManagedDirectoryKind.allCases {
            let mode = mode_t(fs.directoryModes[kind] ?? 0o755)
            for dir in fs.directories[kind] ?? [] { dirs.entries.append(.init(kind, dir.path, mode: mode)) }
        }
        dirs.preserveRuntime = fs.runtimeDirectoryPreserve ?? .no
        dirs.quotas = fs.directoryQuotas
        dirs.accounting = Set(fs.directoryAccounting.filter(\.value).keys)
        return dirs
    }

    /// The streams; under socket activation, StandardInput=socket makes the one connection the
    /// service's stdin and, where output is inherited, its stdout, and no descriptor is passed
    /// beside it. Otherwise the sockets are passed from 3 up with $LISTEN_FDS and $LISTEN_FDNAMES.
    private static func streams(_ stdio: StdioSettings, activation: SocketActivation?,
                                into request: inout LaunchRequest) throws(JailError) {
        // Any stream on the socket takes the one socket the service is handed (an Accept=yes
        // connection) for all of them, and then nothing is passed as $LISTEN_FDS (as in systemd).
        let onSocket = stdio.standardInput == .socket || stdio.standardOutput == .socket || stdio.standardError == .socket
        let connection = onSocket && activation?.descriptors.count == 1 ? activation?.descriptors[0] : nil
        switch stdio.standardInput {
        case nil: request.stdin = .inherit
        case .null: request.stdin = .null
        case .tty, .ttyForce, .ttyFail: request.stdin = .tty(stdio.ttyPath ?? "/dev/console")
        case .file(let path): request.stdin = .file(path, .plain)
        case .socket:
            guard let connection else {
                throw .refused(directive: "StandardInput=socket", reason: "needs socket activation: the one connection of an Accept=yes socket (brig listen)", status: .stdin)
            }
            request.stdin = .descriptor(connection)
        case .data: request.stdin = .data(stdio.inputData)
        case .fd:
            throw .refused(directive: "StandardInput=", reason: "fd: inputs need named descriptors of socket activation, which brig run does not provide", status: .stdin)
        }
        if let activation, !onSocket { request.spec.sockets = activation }
        if let connection, stdio.standardInput == .socket, [nil, .inherit].contains(stdio.standardOutput) {
            request.stdout = .descriptor(connection)
        } else {
            request.stdout = try output(stdio.standardOutput, stdio: stdio, connection: connection, directive: "StandardOutput=", status: .stdout)
        }
        // StandardError= unset or inherit follows StandardOutput=; where that is
        // brig's own stdout, stderr stays brig's own stderr (systemd-run --pipe).
        if stdio.standardError == nil || stdio.standardError == .inherit {
            request.stderr = request.stdout == .inherit ? .inherit : .sameAsOutput
        } else {
            request.stderr = try output(stdio.standardError, stdio: stdio, connection: connection, directive: "StandardError=", status: .stderr)
        }
    }

    /// Without a journal, journal and kmsg output stays on brig's own stream
    /// (like `systemd-run --pipe`). `connection`: the one socket of socket activation.
    private static func output(_ o: StandardOutput?, stdio: StdioSettings, connection: Int32?, directive: String,
                               status: ExitStatus) throws(JailError) -> StreamTarget {
        switch o {
        case nil, .inherit, .journal, .kmsg, .journalAndConsole, .kmsgAndConsole: return .inherit
        case .null: return .null
        case .tty: return .tty(stdio.ttyPath ?? "/dev/console")
        case .file(let path): return .file(path, .plain)
        case .append(let path): return .file(path, .append)
        case .truncate(let path): return .file(path, .truncate)
        case .socket:
            guard let connection else {
                throw .refused(directive: directive, reason: "socket: needs socket activation with exactly one socket (an Accept=yes connection under brig listen)", status: status)
            }
            return .descriptor(connection)
        case .fd:
            throw .refused(directive: directive, reason: "fd: outputs need named descriptors of socket activation, which brig does not provide", status: status)
        }
    }

    /// Values brig cannot apply of directives it applies otherwise (DirectiveFates refuses
    /// whole directives before this point).
    static func refuseUnsupported(_ context: ExecContext) throws(JailError) {
        let p = context.process
        if let policy = p.numaPolicy {
            // systemd's numa_policy_is_valid(): bind and interleave need nodes, preferred at most one.
            let count = p.numaMaskAll ? NUMANodes.all().count : p.numaMask?.count
            if (policy == .bind || policy == .interleave) && (count ?? 0) == 0 {
                throw .refused(directive: "NUMAPolicy=\(policy.rawValue)", reason: "needs NUMAMask=", status: .numaPolicy)
            }
            if policy == .preferred, let count, count != 1 {
                throw .refused(directive: "NUMAPolicy=preferred", reason: "takes exactly one node in NUMAMask=", status: .numaPolicy)
            }
        }
        if p.cpuAffinityFromNUMA && p.numaPolicy == nil {
            throw .refused(directive: "CPUAffinity=numa", reason: "needs NUMAPolicy= and NUMAMask=", status: .cpuAffinity)
        }
        if context.sandbox.privatePIDs == true, context.sandbox.delegateNamespaces?.contains(.pid) == true {
            // The child is cloned into its PID namespace before any step, so before the user
            // namespace is made; systemd forks once more after it, which brig's child does not.
            throw .refused(directive: "DelegateNamespaces=pid", reason: "brig run makes the PrivatePIDs= namespace when it creates the process, before the user namespace that would own it",
                           status: .namespace)
        }
        if let flags = context.filesystem.mountFlags, flags != .shared {
            throw .refused(directive: "MountFlags=\(flags.rawValue)", reason: "not supported", status: .namespace)
        }
    }
}

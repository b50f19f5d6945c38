import Directives
import UnitFile

/// What `brig run` does with a directive of a service unit: it applies it, refuses it (the start
/// fails before anything runs, with systemd's exit status for that step), or the directive has no
/// effect outside systemd as PID 1. One table for [Unit], [Service] and [Install], for every
/// directive of systemd 252 and those later releases add: a directive is never silently dropped.
public enum DirectiveFate: Sendable, Equatable {
    case applied
    case refused(ExitStatus, reason: String)
    case noEffect(reason: String)
}

public enum DirectiveFates {
    /// The fate of `name` in `section`, or nil for a directive the table does not know. Looked up
    /// in the groups' text as it stands: every start asks this for each line of its unit, and
    /// building a dictionary of all 400 directives first would cost more than the lookups.
    public static func fate(section: String, name: String) -> DirectiveFate? {
        if section == "Unit", let check = ["Condition", "Assert"].first(where: name.hasPrefix),
           conditionNames.contains(Substring(name.dropFirst(check.count))) {
            return DirectiveRegistry.exists(section: section, name: name) ? condition : nil
        }
        return groups.first { $0.0 == section && containsWord($0.1, name) }?.2
    }

    /// The refused directives a unit sets, each once, in the order they were set. A setting that a
    /// later empty assignment resets (`CPUAffinity=`) is not set; values brig applies only in part
    /// are refused where they are applied (StandardInput=socket, MountFlags=private, ...).
    public static func refusals(_ assignments: [Assignment]) -> [Refusal] {
        var set: [String: (order: Int, refusal: Refusal)] = [:]
        for (order, a) in assignments.enumerated() {
            guard case .refused(let status, let reason)? = fate(section: a.section, name: a.key) else { continue }
            if a.value.isEmpty {
                set[a.key] = nil
            } else if set[a.key] == nil {
                set[a.key] = (order, Refusal(directive: "\(a.key)=\(a.value)", location: a.location, reason: reason, status: status))
            }
        }
        return set.values.sorted { $0.order < $1.order }.map(\.refusal)
    }

    /// The directives a unit sets that have no effect under brig run, with the reason.
    public static func withoutEffect(_ assignments: [Assignment]) -> [(name: String, reason: String)] {
        var seen: Set<String> = []
        return assignments.compactMap { a in
            guard !a.value.isEmpty, case .noEffect(let reason)? = fate(section: a.section, name: a.key),
                  seen.insert(a.key).inserted else { return nil }
            return ("\(a.key)=", reason)
        }
    }

    /// Every directive in the table, as "Section Name" (for the tests that check it whole).
    public static var names: [String] {
        groups.flatMap { group in group.1.split(separator: " ").map { "\(group.0) \($0)" } }
            + conditionNames.flatMap { ["Unit Condition\($0)", "Unit Assert\($0)"] }
                .filter { DirectiveRegistry.exists(section: "Unit", name: String($0.dropFirst(5))) }
    }

    /// The whole table as a Markdown document for users (docs/directive-fates.md, kept equal to
    /// this by DirectiveFatesDocumentTests): what brig run applies, refuses, and leaves to PID 1.
    public static func document() -> String {
        let entries = names.sorted().map { entry -> (section: String, name: String, fate: DirectiveFate) in
            let parts = entry.split(separator: " ")
            let section = String(parts[0]), name = String(parts[1])
            return (section, name, fate(section: section, name: name)!)
        }
        var text = """
            # What `brig run` does with each directive

            Generated from `Sources/Jail/DirectiveFates.swift` (run `BRIG_REGENERATE=1 swift test --filter \
            DirectiveFatesDocumentTests` after changing it). Every directive systemd 252 knows for a service,
            and every one later releases add, has one fate: applied, refused (the start fails before anything
            runs, with systemd's exit status for that step), or without effect outside systemd as PID 1.


            """
        let applied = entries.filter { $0.fate == .applied }
        text += "## Applied (\(applied.count))\n\n"
        for section in ["Unit", "Service", "Install"] {
            let names = applied.filter { $0.section == section }.map { "`\($0.name)=`" }
            if !names.isEmpty { text += "- [\(section)] " + names.joined(separator: ", ") + "\n" }
        }
        for (title, refused) in [("Refused", true), ("Without effect outside systemd as PID 1", false)] {
            var rows: [String: [String]] = [:]
            for e in entries {
                switch e.fate {
                case .refused(let status, let reason) where refused:
                    rows["\(reason) | \(status.rawValue) \(status.name)", default: []].append("`\(e.name)=`")
                case .noEffect(let reason) where !refused:
                    rows[reason, default: []].append("`\(e.name)=`")
                default: break
                }
            }
            let count = rows.values.reduce(0) { $0 + $1.count }
            text += "\n## \(title) (\(count))\n\n"
            text += refused ? "| directives | why | exit status |\n|---|---|---|\n" : "| directives | why |\n|---|---|\n"
            for (why, names) in rows.sorted(by: { $0.key < $1.key }) {
                text += "| " + names.joined(separator: ", ") + " | \(why) |\n"
            }
        }
        return text
    }

    /// Whether `word` stands in the space-separated `text`, compared as bytes.
    private static func containsWord(_ text: String, _ word: String) -> Bool {
        var bytes = word
        return bytes.withUTF8 { w in
            text.utf8.withContiguousStorageIfAvailable { t in
                var start = 0
                while start < t.count {
                    var end = start
                    while end < t.count && t[end] != 0x20 && t[end] != 0x0A { end += 1 }
                    if end - start == w.count && t[start..<end].elementsEqual(w) { return true }
                    start = end + 1
                }
                return false
            } ?? text.split(whereSeparator: { $0 == " " || $0 == "\n" }).contains(Substring(word))
        }
    }

    private static let managerOnly = DirectiveFate.noEffect(
        reason: "relations, jobs and actions between units are the service manager's; brig run starts the one unit it is given")
    private static let condition = DirectiveFate.noEffect(
        reason: "checked by the service manager before it starts a unit; brig run starts what it is asked to start")
    private static let supervision = DirectiveFate.noEffect(
        reason: "the service manager's own actions and stores (failure actions, descriptor store, clean-up); brig run supervises one service in the foreground")
    private static let journal = DirectiveFate.noEffect(
        reason: "the journal's; brig run passes the service's output to its own standard streams")
    private static let accounting = DirectiveFate.noEffect(
        reason: "accounting only: it counts what the service uses, for the service manager to report")
    private static let cgroup = DirectiveFate.refused(.cgroup, reason: "cgroup resource control is not supported by brig run")
    private static let images = DirectiveFate.refused(.namespace, reason: "disk images and system extensions are not supported by brig run")

    /// Section, names, fate.
    private static let groups: [(String, String, DirectiveFate)] = [
        ("Install", "Alias Also DefaultInstance RequiredBy WantedBy UpheldBy",
         .noEffect(reason: "read by systemctl enable, not when the unit runs")),
        ("Unit", "Description Documentation SourcePath", .noEffect(reason: "describes the unit")),
        ("Unit", """
            After Before BindTo BindsTo Conflicts DefaultDependencies JoinsNamespaceOf OnFailure OnFailureIsolate \
            OnFailureJobMode OnSuccess OnSuccessJobMode PartOf PropagateReloadFrom PropagateReloadTo PropagatesReloadTo \
            PropagatesStopTo ReloadPropagatedFrom Requires RequiresMountsFor RequiresOverridable Requisite \
            RequisiteOverridable StopPropagatedFrom StopWhenUnneeded Upholds Wants WantsMountsFor AllowIsolate \
            IgnoreOnIsolate RefuseManualStart RefuseManualStop CollectMode FailureAction FailureActionExitStatus \
            SuccessAction SuccessActionExitStatus JobRunningTimeoutSec JobTimeoutAction JobTimeoutRebootArgument \
            JobTimeoutSec RebootArgument StartLimitAction SurviveFinalKillSignal
            """, managerOnly),
        ("Unit", "StartLimitBurst StartLimitInterval StartLimitIntervalSec", .applied),
        ("Service", """
            BusName ExecCondition ExecReload ExecStop ReloadSignal FinalKillSignal KillMode NotifyAccess RemainAfterExit Restart RestartForceExitStatus \
            RestartPreventExitStatus RestartSec SendSIGHUP StartLimitBurst StartLimitInterval SuccessExitStatus \
            TimeoutAbortSec TimeoutStartSec WatchdogSec WatchdogSignal
            """, .applied),
        ("Service", """
            ExecReloadPost ExitType RestartKillSignal RestartMaxDelaySec RestartMode RestartSteps \
            TimeoutStartFailureMode TimeoutStopFailureMode
            """, .refused(.exec, reason: "this part of supervision is not supported by brig run")),
        ("Service", """
            AmbientCapabilities AppArmorProfile BindPaths BindReadOnlyPaths CacheDirectory CacheDirectoryMode \
            CapabilityBoundingSet ConfigurationDirectory CoredumpFilter CPUAffinity NUMAPolicy NUMAMask Type PIDFile GuessMainPID CPUSchedulingPolicy CPUSchedulingPriority CPUSchedulingResetOnFork IOSchedulingClass IOSchedulingPriority TimerSlackNSec ConfigurationDirectoryMode DeviceAllow DevicePolicy DynamicUser \
            Environment EnvironmentFile ExecPaths ExecSearchPath ExecStart ExecStartPost ExecStartPre ExecStopPost Group IgnoreSIGPIPE \
            InaccessibleDirectories InaccessiblePaths KeyringMode KillSignal LimitAS LimitCORE LimitCPU LimitDATA \
            LimitFSIZE LimitLOCKS LimitMEMLOCK LimitMSGQUEUE LimitNICE LimitNOFILE LimitNPROC LimitRSS LimitRTPRIO \
            LimitRTTIME LimitSIGPENDING LimitSTACK LockPersonality LogsDirectory LogsDirectoryMode MemoryDenyWriteExecute \
            MountAPIVFS MountFlags Nice NoExecPaths NoNewPrivileges OOMScoreAdjust PassEnvironment Personality \
            PrivateDevices PrivateIPC PrivateMounts PrivateNetwork PrivateTmp PrivateUsers ProcSubset ProtectClock \
            ProtectControlGroups ProtectHome ProtectHostname ProtectKernelLogs ProtectKernelModules ProtectKernelTunables \
            ProtectProc ProtectSystem ReadOnlyDirectories ReadOnlyPaths ReadWriteDirectories ReadWritePaths RemoveIPC \
            RestrictAddressFamilies RestrictNamespaces RestrictRealtime RestrictSUIDSGID RootDirectory RuntimeDirectory \
            RuntimeDirectoryMode RuntimeDirectoryPreserve RuntimeMaxSec RuntimeRandomizedExtraSec SecureBits SELinuxContext SendSIGKILL SmackProcessLabel \
            StandardError StandardInput StandardInputData StandardInputText StandardOutput StateDirectory StateDirectoryMode SupplementaryGroups \
            SystemCallArchitectures SystemCallErrorNumber SystemCallFilter SystemCallLog TemporaryFileSystem TimeoutSec \
            TimeoutStopSec TTYPath UMask UnsetEnvironment User WorkingDirectory
            """, .applied),
        // The cgroup's network programs: NetworkPolicy.
        ("Service", """
            IPAddressAllow IPAddressDeny IPAccounting IPIngressFilterPath IPEgressFilterPath SocketBindAllow SocketBindDeny \
            RestrictNetworkInterfaces BPFProgram
            """, .applied),
        ("Service", "PermissionsStartOnly RootDirectoryStartOnly",
         .noEffect(reason: "brig run jails every command of the service, ExecStartPre= and ExecStartPost= included")),
        ("Service", "BlockIOAccounting CPUAccounting IOAccounting MemoryAccounting TasksAccounting", accounting),
        // Project ids and quotas on the managed directories (258): ProjectQuota.
        ("Service", """
            CacheDirectoryAccounting LogsDirectoryAccounting StateDirectoryAccounting \
            CacheDirectoryQuota LogsDirectoryQuota StateDirectoryQuota
            """, .applied),
        ("Service", "Slice", .noEffect(reason: "a place in the service manager's cgroup tree; brig run places the run below its own cgroup (it only names directory quotas' project ids, as under systemd)")),
        // Limits: CgroupLimits maps them onto this host's v2 or v1 controllers.
        ("Service", """
            AllowedCPUs AllowedMemoryNodes BlockIODeviceWeight BlockIOReadBandwidth BlockIOWeight BlockIOWriteBandwidth \
            CPUQuota CPUQuotaPeriodSec CPUShares CPUWeight Delegate IODeviceLatencyTargetSec IODeviceWeight \
            IOReadBandwidthMax IOReadIOPSMax IOWeight IOWriteBandwidthMax IOWriteIOPSMax MemoryHigh MemoryLimit \
            MemoryLow MemoryMax MemoryMin MemorySwapMax TasksMax
            """, .applied),
        ("Service", "StartupAllowedCPUs StartupAllowedMemoryNodes StartupBlockIOWeight StartupCPUShares StartupCPUWeight StartupIOWeight",
         .noEffect(reason: "applies only while the system boots or shuts down; brig run starts a service afterwards, when systemd applies the value without Startup")),
        ("Service", """
            DefaultMemoryLow DefaultMemoryMin DisableControllers \
            ManagedOOMMemoryPressure ManagedOOMMemoryPressureLimit ManagedOOMPreference ManagedOOMSwap \
            CPUPressureThresholdSec CPUPressureWatch CPUSetPartition DefaultStartupMemoryLow \
            DelegateSubgroup IOPressureThresholdSec IOPressureWatch ManagedOOMMemoryPressureDurationSec \
            MemoryPressureThresholdSec MemoryPressureWatch MemoryZSwapMax MemoryZSwapWriteback NFTSet OOMRules \
            StartupMemoryHigh StartupMemoryLow StartupMemoryMax StartupMemorySwapMax StartupMemoryZSwapMax
            """, cgroup),
        ("Service", "MemoryKSM MemoryTHP", .applied),
        ("Service", "LoadCredential LoadCredentialEncrypted SetCredential SetCredentialEncrypted ImportCredential", .applied),
        ("Service", "PAMName", .refused(.pam, reason: "PAM sessions are not supported by brig run")),
        ("Service", """
            RootImage RootImageOptions RootHash RootHashSignature RootVerity MountImages ExtensionImages \
            ExtensionDirectories
            """, images),
        // A policy only narrows which partitions of an image may be used; with every image refused
        // above, a unit that names no image runs as under systemd, where the policy is unused too.
        ("Service", "RootImagePolicy MountImagePolicy ExtensionImagePolicy",
         .noEffect(reason: "limits what a disk image may contain, and brig run mounts no image (RootImage=, MountImages= and ExtensionImages= are refused)")),
        // Directory layers only (260): MountStack refuses disk-image and .v/ entries at start.
        ("Service", "RootMStack", .applied),
        // With RootDirectory=; with RootImage= (refused above) it never gets as far.
        ("Service", "RootEphemeral", .applied),
        ("Service", "BindNetworkInterface", .applied),
        ("Service", "NetworkNamespacePath IPCNamespacePath UserNamespacePath", .applied),
        ("Service", "PrivatePIDs", .applied),
        ("Service", "PrivateBPF", .applied),
        // The options of PrivateBPF='s bpffs that let the service take a BPF token from it.
        ("Service", "BPFDelegateAttachments BPFDelegateCommands BPFDelegateMaps BPFDelegatePrograms", .applied),
        ("Service", "DelegateNamespaces", .applied),
        ("Service", "RestrictFileSystems", .refused(.bpf, reason: "needs the BPF LSM, which brig run does not use")),
        ("Service", "OpenFile", .applied),
        ("Service", "TTYReset TTYVHangup TTYVTDisallocate TTYRows TTYColumns", .applied),
        ("Service", """
            LogNamespace LogLevelMax LogExtraFields LogRateLimitBurst LogRateLimitIntervalSec SyslogFacility \
            SyslogIdentifier SyslogLevel SyslogLevelPrefix LogFilterPatterns
            """, journal),
        ("Service", "BindLogSockets", .applied),
        ("Service", "NonBlocking", .noEffect(reason: "concerns descriptors passed by socket activation, which brig run does not pass")),
        ("Service", "UtmpIdentifier UtmpMode", .noEffect(reason: "utmp records are written by the service manager")),
        ("Service", "SetLoginEnvironment", .applied),
        ("Service", "CoredumpReceive", .noEffect(reason: "the service manager's")),
        ("Service", """
            FailureAction FileDescriptorStoreMax FileDescriptorStorePreserve OOMPolicy RebootArgument \
            RefreshOnReload Sockets StartLimitAction TimeoutCleanSec USBFunctionDescriptors USBFunctionStrings
            """, supervision),
    ]

    /// The checks systemd has as Condition…= and Assert…= alike.
    private static let conditionNames = """
        ACPower Architecture CPUFeature CPUPressure CPUs Capability ControlGroupController Credential DirectoryNotEmpty \
        Environment FileIsExecutable FileNotEmpty Firmware FirstBoot Group Host IOPressure KernelCommandLine KernelVersion \
        Memory MemoryPressure NeedsUpdate OSRelease PathExists PathExistsGlob PathIsDirectory PathIsEncrypted \
        PathIsMountPoint PathIsReadWrite PathIsSymbolicLink Security User Virtualization Fraction KernelModuleLoaded \
        MachineTag PathIsSocket Version
        """.split(separator: " ")
}

/// One refused directive of a unit, where it was set and why.
public struct Refusal: Sendable, Equatable, CustomStringConvertible {
    public var directive: String
    public var location: SourceLocation
    public var reason: String
    public var status: ExitStatus

    public var description: String {
        "\(location): \(directive): \(reason) (exit status \(status.rawValue) \(status.name))"
    }
}

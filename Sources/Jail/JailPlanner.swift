/// JailSpec -> JailPlan, in the order systemd's exec_child() applies things, one function per
/// phase: session and stdio, process attributes, namespaces and mounts, identity (groups,
/// capabilities, user), working directory, the final locks (securebits, no_new_privs,
/// seccomp), execve.
public enum JailPlanner {
    /// systemd tells a service its own pid in SYSTEMD_EXEC_PID=; the digits
    /// are filled in by the child.
    public static let execPIDPlaceholder = "SYSTEMD_EXEC_PID=0000000000"
    /// $WATCHDOG_PID, the main process's own pid, which only the child knows.
    static let watchdogPIDPlaceholder = "WATCHDOG_PID=0000000000"
    /// $LISTEN_PID, likewise: socket activation names the process the descriptors are for.
    static let listenPIDPlaceholder = "LISTEN_PID=0000000000"
    /// $LISTEN_PIDFDID (259), the inode number of a pidfd on that process, as only it can open one.
    static let listenPIDFDIDPlaceholder = "LISTEN_PIDFDID=" + String(repeating: "0", count: 20)

    /// The plan, phase by phase in the order of systemd's exec_child().
    public static func plan(_ spec: JailSpec, site: RunSite) -> JailPlan {
        var plan = JailPlan(arguments: spec.command, environment: spec.environment)
        sessionAndStdio(spec, site: site, into: &plan)
        processAttributes(spec, into: &plan)
        namespacesAndMounts(spec, site: site, delegated: false, into: &plan)
        groupsAndUserNamespace(spec, into: &plan)
        namespacesAndMounts(spec, site: site, delegated: true, into: &plan)
        // The bpffs helper serves one bpffs of the delegated mounts; where another mount covers
        // /sys/fs/bpf and none is made, no helper is left waiting.
        if !plan.steps.contains(where: { if case .bpffs(_, _, true) = $0.action { true } else { false } }) {
            plan.steps.removeAll { if case .bpffsHelper = $0.action { true } else { false } }
        }
        capabilitiesAndUser(spec, into: &plan)
        workingDirectory(spec, into: &plan)
        finalLocks(spec, into: &plan)
        execute(spec, into: &plan)
        return plan
    }

    /// brig's own uids back, clean signals, the cgroup, a session of its own, the three streams,
    /// passed sockets, and no other descriptor.
    private static func sessionAndStdio(_ spec: JailSpec, site: RunSite, into plan: inout JailPlan) {
        if Shield.isRaised { plan.add(.setUID(0), for: "(brig: root's own uids back)", failing: .user) }
        plan.add(.resetSignals, for: "(brig)", failing: .signalMask)
        if spec.ignoreSIGPIPE { plan.add(.ignoreSignal(13), for: "IgnoreSIGPIPE=yes", failing: .signalMask) }
        plan.add(.joinCgroup(procsFile: site.cgroupProcs), for: "(brig: KillMode=control-group)", failing: .cgroup)
        for dir in site.controllerCgroups {
            plan.add(.writeFile(path: dir + "/cgroup.procs", contents: "0"), for: "(brig: the run's cgroup v1 limits)", failing: .cgroup)
        }
        plan.add(.newSession, for: "(brig)", failing: .setsid)
        stdio(spec, into: &plan)
        plan.add(.closeInheritedFileDescriptors(from: 3 + Int32(spec.passedDescriptors.count)), for: "(brig)", failing: .fds)
    }

    /// What the process is given before any namespace: OOM score, core dump filter, scheduling,
    /// CPU and memory placement, I/O priority, timer slack, personality, umask, keyring, rlimits.
    private static func processAttributes(_ spec: JailSpec, into plan: inout JailPlan) {
        if let adj = spec.oomScoreAdjust {
            var step = JailStep(.writeFile(path: "/proc/self/oom_score_adj", contents: "\(adj)"), for: "OOMScoreAdjust=\(adj)", failing: .oomAdjust)
            step.onlyIfPermitted = true
            plan.steps.append(step)
        }
        if let filter = spec.coredumpFilter {
            // The kernel reads 32 bits ("all" is more) and keeps those it knows.
            plan.add(.writeFile(path: "/proc/self/coredump_filter", contents: "0x" + String(filter & 0xffff_ffff, radix: 16)),
                     for: "CoredumpFilter=", failing: .exec)
        }
        if let nice = spec.nice { plan.add(.nice(nice), for: "Nice=\(nice)", failing: .nice) }
        if let s = spec.scheduler {
            plan.add(.scheduler(policy: s.policy, priority: s.priority), for: "CPUSchedulingPolicy=", failing: .setScheduler)
        }
        if let cpus = spec.cpuAffinity { plan.add(.cpuAffinity(cpus), for: "CPUAffinity=", failing: .cpuAffinity) }
        if let policy = spec.memoryPolicy {
            plan.add(.memoryPolicy(mode: policy.mode, nodes: policy.nodes), for: "NUMAPolicy=", failing: .numaPolicy)
        }
        if let value = spec.ioPriority { plan.add(.ioPriority(value), for: "IOSchedulingClass=", failing: .ioPriority) }
        if let slack = spec.timerSlackNanoseconds { plan.add(.timerSlack(slack), for: "TimerSlackNSec=\(slack)", failing: .timerSlack) }
        if let persona = spec.personality { plan.add(.personality(persona), for: "Personality=", failing: .personality) }
        ProcessControls.steps(ksm: spec.memoryKSM, thp: spec.memoryTHP, into: &plan)
        plan.add(.umask(spec.umask), for: "UMask=0\(String(spec.umask, radix: 8))", failing: .exec)
        switch spec.keyring {
        case .inherit: break
        case .privateRing: plan.add(.keyring(shared: false), for: "KeyringMode=private", failing: .keyring)
        case .shared: plan.add(.keyring(shared: true), for: "KeyringMode=shared", failing: .keyring)
        }
        for limit in spec.limits {
            plan.add(.rlimit(resource: limit.resource, soft: limit.soft, hard: limit.hard),
                     for: "Limit\(RLimit.name(of: limit.resource))=", failing: .limits)
        }
    }

    /// Network and IPC namespaces (joined when prepared ahead), the mount namespace with every
    /// file-system setting (MountSteps), then the UTS namespace. Called twice, as systemd's
    /// setup_delegated_namespaces() is: before the user namespace for the types it is not to own,
    /// after it for those DelegateNamespaces= gives it (`delegated`).
    private static func namespacesAndMounts(_ spec: JailSpec, site: RunSite, delegated: Bool, into plan: inout JailPlan) {
        let here = { (type: Int32) in spec.delegates(type) == delegated }
        let joined = { (type: Int32) in spec.namespaceFiles.first { $0.type == type } }
        // The namespace of `type`: joined by path, joined as made ahead, or made (true).
        func enter(_ type: Int32, _ wanted: Bool, prepared: Int32?, _ directive: String, failing failure: ExitStatus) -> Bool {
            if let file = joined(type) {
                plan.add(.joinNamespaceFile(path: file.path, fd: file.fd, type: file.type), for: file.directive, failing: file.joinFailure)
            } else if wanted, let fd = prepared {
                plan.add(.joinNamespace(fd: fd, type: type), for: directive, failing: failure)
            } else if wanted {
                plan.add(.unshare(flags: type), for: directive, failing: failure)
                return true
            }
            return false
        }
        if here(Namespaces.network),
           enter(Namespaces.network, spec.privateNetwork, prepared: spec.preparedNetwork, "PrivateNetwork=yes", failing: .network) {
            plan.add(.loopbackUp, for: "PrivateNetwork=yes", failing: .network)
        }
        if here(Namespaces.ipc) {
            _ = enter(Namespaces.ipc, spec.privateIPC, prepared: spec.preparedIPC, "PrivateIPC=yes", failing: .namespace)
        }
        // Born in it, before any step: a delegated PID namespace is refused (ServiceJail).
        if spec.privatePIDs && !delegated { plan.bornIn |= Namespaces.pid }
        if spec.privateCgroup && here(Namespaces.cgroup) {
            // The child is in its cgroup already, which becomes the namespace's root.
            plan.add(.unshare(flags: Namespaces.cgroup), for: spec.mounts.privateCgroupMount?.directive ?? "ProtectControlGroups=",
                     failing: .namespace)
        }
        // Before the mounts, which may make /proc/sys read-only: the hostname is written there.
        if spec.protectHostname && here(Namespaces.uts) {
            plan.add(.unshare(flags: Namespaces.uts), for: "ProtectHostname=yes", failing: .namespace)
        }
        if let name = spec.hostname, here(Namespaces.uts) {
            plan.add(.writeFile(path: "/proc/sys/kernel/hostname", contents: name), for: "ProtectHostname=:\(name)", failing: .namespace)
        }
        var mounts = spec.mounts
        mounts.noNewPrivileges = spec.noNewPrivileges
        mounts.bpfDelegationByHelper = delegated
        if mounts.needsMountNamespace && here(Namespaces.mount) {
            plan.steps += MountSteps.steps(mounts, site: site)
        }
    }

    /// Groups, then the user namespace (made or joined).
    private static func groupsAndUserNamespace(_ spec: JailSpec, into plan: inout JailPlan) {
        if let id = spec.identity {
            plan.add(.setGroups(id.groups), for: "User=\(id.userName)", failing: .group)
            plan.add(.setGID(id.gid), for: "Group=\(id.gid)", failing: .group)
        }
        // A bpffs made inside the user namespace (so that the service can take a BPF token from
        // it) is created, with its delegation options, by a helper forked while still outside, as
        // systemd's is: the kernel lets only root of the initial user namespace do either. Its
        // failure to start is systemd's (sd-bpffs) failure, BPF.
        if spec.delegates(Namespaces.mount) && spec.mounts.needsMountNamespace && spec.mounts.privateBPF {
            plan.add(.bpffsHelper(spec.mounts.bpfDelegation), for: "PrivateBPF=yes", failing: .bpf)
        }
        if let file = spec.namespaceFiles.first(where: { $0.type == Namespaces.user }) {
            // systemd joins it where it would make one, and then makes none for PrivateUsers=.
            plan.add(.joinNamespaceFile(path: file.path, fd: file.fd, type: file.type), for: file.directive, failing: file.joinFailure)
        } else if spec.privateUsers {
            let uid = spec.identity?.uid ?? 0, gid = spec.identity?.gid ?? 0
            if spec.privateUsersManaged {
                // brig's own uid is not in the leased block: the process becomes root inside, the
                // block's first id outside (a plan not yet leased shows the lowest start).
                let map = ManagedUserRangeLease.map(start: spec.managedRangeStart ?? ManagedUserRangeLease.starts.lowerBound)
                // No supplementary group of brig's comes along (systemd's manager has none); inside,
                // root may set its groups, as in the namespace nsresourced maps.
                plan.add(.setGroups([]), for: "PrivateUsers=managed", failing: .group)
                plan.add(.userNamespace(uidMap: map, gidMap: map, allowSetgroups: spec.privateUsersAllowSetgroups), for: "PrivateUsers=managed", failing: .user)
                plan.add(.setGID(0), for: "PrivateUsers=managed", failing: .user)
                plan.add(.setUID(0), for: "PrivateUsers=managed", failing: .user)
            } else if let range = spec.privateUsersRange {
                let map = "0 0 \(range)\n"
                plan.add(.userNamespace(uidMap: map, gidMap: map, allowSetgroups: spec.privateUsersAllowSetgroups), for: "PrivateUsers=", failing: .user)
            } else {
                plan.add(.userNamespace(uidMap: idMap(uid), gidMap: idMap(gid)), for: "PrivateUsers=yes", failing: .user)
            }
        }
    }

    /// The capability sets, a chroot without a mount namespace, the uid, and the ambient set
    /// raised after it.
    private static func capabilitiesAndUser(_ spec: JailSpec, into plan: inout JailPlan) {
        if spec.sandboxed { capabilities(spec, into: &plan) }
        if let dir = spec.mounts.rootDirectory, !spec.mounts.needsMountNamespace {
            plan.add(.chroot(dir), for: "RootDirectory=\(dir)", failing: .chroot)
        }
        if let id = spec.identity {
            if id.uid != 0 && (spec.ambientCapabilities != 0 || spec.secureBits != 0) {
                plan.add(.keepCapabilities(true), for: "AmbientCapabilities=", failing: .user)
            }
            plan.add(.setUID(id.uid), for: "User=\(id.userName)", failing: .user)
            let ambient = ambientSet(spec)
            if ambient != 0 {
                plan.add(.ambient(ambient), for: "AmbientCapabilities=\(Capabilities.names(ambient))", failing: .capabilities)
            }
        }
    }

    private static func workingDirectory(_ spec: JailSpec, into plan: inout JailPlan) {
        if let dir = spec.workingDirectory {
            // A missing "-" directory leaves the process where systemd's manager is: /.
            if spec.workingDirectoryOptional && dir != "/" {
                plan.add(.chdir("/"), for: "WorkingDirectory=-\(dir)", failing: .chdir)
            }
            plan.add(.chdir(dir), for: "WorkingDirectory=\(spec.workingDirectoryOptional ? "-" : "")\(dir)",
                     failing: .chdir, optional: spec.workingDirectoryOptional)
        }
    }

    /// The locks that come last, as nothing after them could undo them: securebits,
    /// no_new_privs, the seccomp filter.
    private static func finalLocks(_ spec: JailSpec, into plan: inout JailPlan) {
        if spec.secureBits != 0 {
            plan.add(.securebits(spec.secureBits), for: "SecureBits=", failing: .securebits)
        }
        if spec.noNewPrivileges {
            plan.add(.noNewPrivileges, for: "NoNewPrivileges=yes", failing: .noNewPrivileges)
        } else if !spec.seccompPrograms.isEmpty && !keepsSysAdmin(spec) {
            // Without CAP_SYS_ADMIN a filter can only be installed under
            // no_new_privs; systemd implies it then.
            plan.add(.noNewPrivileges, for: "SystemCallFilter= & co (implied NoNewPrivileges=yes)", failing: .noNewPrivileges)
        }
        for program in spec.seccompPrograms {
            plan.add(.seccomp(program: program, flags: 0), for: "SystemCallFilter= & co", failing: .seccomp)
        }
    }

    /// The pids only the child knows, written into its environment, then execve.
    private static func execute(_ spec: JailSpec, into plan: inout JailPlan) {
        for placeholder in [execPIDPlaceholder, watchdogPIDPlaceholder, listenPIDPlaceholder] {
            if let index = spec.environment.firstIndex(of: placeholder) {
                plan.add(.environmentPID(index: index), for: "(\(placeholder.prefix { $0 != "=" })=)", failing: .exec)
            }
        }
        if let index = spec.environment.firstIndex(of: listenPIDFDIDPlaceholder) {
            plan.add(.environmentPIDFDID(index: index), for: "(LISTEN_PIDFDID=)", failing: .exec)
        }
        plan.add(.exec(path: spec.executable), for: "ExecStart=", failing: .exec)
    }

    private static func stdio(_ spec: JailSpec, into plan: inout JailPlan) {
        // Passed descriptors first move to 3, 4, ... (socket activation's LISTEN_FDS order).
        for (index, fd) in spec.passedDescriptors.enumerated() {
            plan.add(.duplicate(fd, to: 3 + Int32(index)), for: "(passed descriptor)", failing: .fds)
        }
        if case .descriptor(let fd) = spec.stdin { plan.add(.duplicate(fd, to: 0), for: "StandardInput=", failing: .stdin) }
        if case .descriptor(let fd) = spec.stdout { plan.add(.duplicate(fd, to: 1), for: "StandardOutput=", failing: .stdout) }
        switch spec.stderr {
        case .inherit: break
        case .descriptor(let fd): plan.add(.duplicate(fd, to: 2), for: "StandardError=", failing: .stderr)
        case .sameAsOutput: plan.add(.duplicate(1, to: 2), for: "StandardError=", failing: .stderr)
        }
    }

    /// The bounding set, then the inheritable and ambient sets become exactly
    /// AmbientCapabilities= (as in systemd, whatever brig's caller had in them), raised again
    /// after the uid change. Effective and permitted stay until then: changing the uid needs them.
    private static func capabilities(_ spec: JailSpec, into plan: inout JailPlan) {
        let all = Capabilities.everything
        if spec.capabilityBoundingSet & all != all {
            plan.add(.boundingSet(keep: spec.capabilityBoundingSet, lastCap: Capabilities.lastCap),
                     for: "CapabilityBoundingSet=\(Capabilities.names(spec.capabilityBoundingSet))", failing: .capabilities)
        }
        let ambient = ambientSet(spec)
        let origin = ambient == 0 ? "(AmbientCapabilities= empty)" : "AmbientCapabilities=\(Capabilities.names(ambient))"
        plan.add(.inheritable(ambient), for: origin, failing: .capabilities)
        plan.add(.ambient(ambient), for: origin, failing: .capabilities)
    }

    /// AmbientCapabilities= less what the bounding set leaves out, the unit's or the one brig
    /// was started with (systemd's capability_ambient_set_apply() suppresses those).
    static func ambientSet(_ spec: JailSpec) -> UInt64 {
        spec.ambientCapabilities & spec.capabilityBoundingSet & Capabilities.ownBoundingSet
    }

    /// Whether the process still has CAP_SYS_ADMIN in its effective set when
    /// the filter is installed: root keeps it, another user only as ambient.
    static func keepsSysAdmin(_ spec: JailSpec) -> Bool {
        let sysAdmin = UInt64(1) << 21
        guard let id = spec.identity, id.uid != 0 else { return true }
        return spec.ambientCapabilities & sysAdmin != 0
    }

    /// systemd maps root and the service's own id, nothing else.
    static func idMap(_ id: UInt32) -> String {
        id == 0 ? "0 0 1\n" : "0 0 1\n\(id) \(id) 1\n"
    }
}

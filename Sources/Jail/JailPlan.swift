import Directives

/// One thing the jailed child does between clone and execve. Every action maps
/// one-to-one onto a CJail step; nothing here is decided after the fork.
public enum JailAction: Sendable, Equatable {
    case resetSignals
    case ignoreSignal(Int32)
    case newSession
    case joinCgroup(procsFile: String)
    case closeInheritedFileDescriptors(from: Int32)
    case duplicate(Int32, to: Int32)
    case writeFile(path: String, contents: String)
    case nice(Int32)
    case personality(UInt)
    /// sched_setscheduler(): a SCHED_* policy, possibly with SCHED_RESET_ON_FORK, and its priority.
    case scheduler(policy: Int32, priority: Int32)
    /// ioprio_set() of the process: class << 13 | data.
    case ioPriority(Int32)
    case timerSlack(UInt64)
    /// prctl(option, arg2, arg3); a failure with one of `unsupported` (the kernel lacks the
    /// feature) is passed over, as systemd passes it over.
    case processControl(option: Int32, arg2: UInt64, arg3: UInt64, unsupported: [Int32])
    /// sched_setaffinity() to these CPUs.
    case cpuAffinity([Int])
    /// set_mempolicy() with an MPOL_* mode and its memory nodes (none for default and local).
    case memoryPolicy(mode: Int32, nodes: [Int])
    case umask(UInt32)
    case rlimit(resource: Int32, soft: UInt64, hard: UInt64)
    case keyring(shared: Bool)
    case unshare(flags: Int32)
    /// setgroups() is denied inside unless `allowSetgroups` (PrivateUsers=full and managed).
    case userNamespace(uidMap: String, gidMap: String, allowSetgroups: Bool = false)
    case loopbackUp
    /// setns() into a namespace made ahead (its fd, its CLONE_NEW* type).
    case joinNamespace(fd: Int32, type: Int32)
    /// setns() into the namespace a unit names by path (NetworkNamespacePath= and the like),
    /// opened by the parent before the fork (`fd`; nil in a dry run, which opens nothing).
    case joinNamespaceFile(path: String, fd: Int32?, type: Int32)
    case mount(source: String, target: String, fstype: String?, flags: UInt, data: String?)
    /// A new instance of an API file system (cgroup2) with these mount_setattr(2) attributes,
    /// made detached and moved onto the target, over whatever is mounted there: as systemd's
    /// mount_private_apivfs() does, and as a locked mount there requires (mount(2) of the same
    /// superblock on it is refused).
    case mountNewInstance(fstype: String, target: String, attributes: UInt64)
    /// A bind mount that creates its missing target first.
    case bind(source: String, target: String, recursive: Bool)
    case bindSelf(String)
    /// systemd's base_filesystem_create() in a new root: /usr, /etc, /var, /proc, ... and the
    /// /bin-style symlinks into /usr, each where missing; nothing it cannot make stops the start.
    case baseFilesystem(root: String, table: BaseFilesystemTable)
    /// `detachCovers`: every mount below descends from one at the path (see HostMount).
    case unmountBelow(String, detachCovers: Bool)
    /// `clean`: nothing is mounted at or below the path, no need to look.
    case inaccessible(path: String, nodes: String, clean: Bool)
    case privateDevices(staging: String, target: String, detachCovers: Bool)
    /// Forks, before the user namespace, the helper that sets BPFDelegate*='s masks on the bpffs
    /// `bpffs(byHelper: true)` makes inside it: only root of the initial user namespace may.
    case bpffsHelper(BPFDelegation)
    /// A bpffs made with the mount API, its delegation options set (by the helper when
    /// `byHelper`, else by the child, still privileged), moved onto `target`.
    case bpffs(target: String, delegation: BPFDelegation, byHelper: Bool)
    case remount(path: String, set: UInt64, clear: UInt64, recursive: Bool, except: [String])
    case moveRoot(String)
    case chroot(String)
    case setGroups([UInt32])
    case setGID(UInt32)
    case setUID(UInt32)
    case keepCapabilities(Bool)
    /// Drops the others from the bounding and inheritable sets (effective and permitted stay).
    case boundingSet(keep: UInt64, lastCap: Int)
    /// The inheritable set becomes exactly this (effective and permitted stay).
    case inheritable(UInt64)
    /// The ambient set becomes exactly this.
    case ambient(UInt64)
    case securebits(Int32)
    case noNewPrivileges
    case chdir(String)
    /// A classic BPF program: 8-byte `sock_filter` instructions, back to back.
    case seccomp(program: [UInt8], flags: UInt32)
    /// Writes the child's own pid into the environment entry at `index`
    /// (SYSTEMD_EXEC_PID=), which only the child can know.
    case environmentPID(index: Int)
    /// Writes the inode number of a pidfd on the child into the environment entry at `index`
    /// (LISTEN_PIDFDID=, 259).
    case environmentPIDFDID(index: Int)
    case exec(path: String)
    /// The mount at `path` replaced by a copy id-mapped through `mapping`'s user namespace,
    /// nosuid, nodev and noexec (systemd 257's exec directories).
    case idMappedMount(path: String, mapping: IdMapping)
}

/// A step of a plan: the action, the directive that asked for it, what the
/// start fails with (systemd's exit status) and whether a missing path is fine.
public struct JailStep: Sendable, Equatable {
    public var action: JailAction
    public var directive: String
    public var failure: ExitStatus
    public var optional: Bool
    /// A mount on a path the unit named: made on that very file, never through a symlink
    /// that appeared there after planning.
    public var noFollow = false
    /// A mount of a new file system whose missing mount point is made first (in a root of the
    /// service's own, as systemd's mount_tmpfs() makes it); a bind makes its target anyway.
    public var makeTarget = false
    /// A bind whose target, made where missing, may hold no symlink anywhere on its path (a mount
    /// stack's mount points, found in a root the plan could not look into).
    public var noSymlinks = false
    /// A fresh proc, sysfs or cgroup2 the user namespace may lack the privilege for (in a
    /// mount namespace DelegateNamespaces= gives it): then a mount already there is kept as it
    /// is, as systemd keeps it, and the host's own is bound where none is.
    public var hostInstanceFallback = false
    /// A remount of such an API file system's entry: passed over where the child kept the mount
    /// it found there instead (systemd flips no flag of an entry it skipped).
    public var onlyIfMounted = false
    /// Passed over where the kernel refuses it for lack of privilege (EPERM, EACCES), as systemd
    /// passes over such a refusal of OOMScoreAdjust= ("assuming containerized execution").
    public var onlyIfPermitted = false

    public init(_ action: JailAction, for directive: String, failing failure: ExitStatus, optional: Bool = false) {
        self.action = action
        self.directive = directive
        self.failure = failure
        self.optional = optional
    }
}

/// Everything the child needs, computed before the fork.
public struct JailPlan: Sendable, Equatable {
    public var steps: [JailStep]
    public var arguments: [String]
    public var environment: [String]
    /// Namespaces the child is created in rather than enters (`CLONE_NEWPID` for PrivatePIDs=).
    public var bornIn: Int32 = 0

    public init(steps: [JailStep] = [], arguments: [String] = [], environment: [String] = []) {
        self.steps = steps
        self.arguments = arguments
        self.environment = environment
    }

    public mutating func add(_ action: JailAction, for directive: String, failing failure: ExitStatus, optional: Bool = false) {
        steps.append(JailStep(action, for: directive, failing: failure, optional: optional))
    }
}

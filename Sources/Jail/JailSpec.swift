import Directives

/// What one start of a jailed command must do on this host: the unit's
/// settings with systemd's implications applied and names resolved. The
/// planner turns it into the ordered steps of a JailPlan.
public struct JailSpec: Sendable {
    public enum Stdio: Sendable, Equatable {
        /// Keep the descriptor brig itself has (systemd-run --pipe).
        case inherit
        /// An already opened descriptor of the parent, duplicated onto 0/1/2.
        case descriptor(Int32)
        /// StandardError= that follows StandardOutput=.
        case sameAsOutput
    }

    public struct ResourceLimit: Sendable, Equatable {
        public var resource: Int32, soft: UInt64, hard: UInt64
        public init(resource: Int32, soft: UInt64, hard: UInt64) {
            self.resource = resource; self.soft = soft; self.hard = hard
        }
    }

    public enum Keyring: Sendable { case inherit, privateRing, shared }

    public var command: [String] = []
    public var executable = ""
    public var environment: [String] = []
    public var mounts = MountSettings()
    public var privateNetwork = false
    /// Namespaces made ahead for PrivateNetwork= and PrivateIPC= (PreparedNamespaces), joined instead of unshared.
    public var preparedNetwork: Int32? = nil
    public var preparedIPC: Int32? = nil
    public var privateIPC = false
    /// Namespaces joined by path (NetworkNamespacePath=, IPCNamespacePath=, UserNamespacePath=),
    /// in place of the ones PrivateNetwork=, PrivateIPC= and PrivateUsers= would make.
    public var namespaceFiles: [NamespaceFile] = []
    public var privateUsers = false
    /// PrivateUsers=identity or full: how many ids from 0 map to themselves; nil maps root and
    /// the service's own id only.
    public var privateUsersRange: UInt32? = nil
    /// Whether setgroups() stays allowed in that namespace: PrivateUsers=full (258) and managed
    /// (260) leave it so; every other mode denies it for good.
    public var privateUsersAllowSetgroups = false
    /// PrivateUsers=managed (260): the service runs as root of a namespace whose 64K ids are a
    /// block the run leases (`ManagedUserRangeLease`); its first id once leased.
    public var privateUsersManaged = false
    public var managedRangeStart: UInt32? = nil
    /// DelegateNamespaces= (258): CLONE_NEW* flags of the namespaces made after the user
    /// namespace, so that it owns them.
    public var delegatedNamespaces: Int32 = 0
    /// PrivatePIDs=: the main process is born PID 1 of a PID namespace (control processes are not).
    public var privatePIDs = false
    /// ProtectControlGroups=private or strict: a cgroup namespace of the service's own.
    public var privateCgroup = false
    public var protectHostname = false
    /// ProtectHostname='s hostname (258: `private:NAME`), set in the new UTS namespace.
    public var hostname: String? = nil
    /// nil: stay root (no User=).
    public var identity: Identity? = nil
    public var umask: UInt32 = 0o022
    /// IgnoreSIGPIPE= (systemd's default: yes).
    public var ignoreSIGPIPE = false
    public var nice: Int32? = nil
    public var oomScoreAdjust: Int32? = nil
    public var personality: UInt? = nil
    /// CPUSchedulingPolicy= and friends, IOSchedulingClass= and friends, TimerSlackNSec=.
    public var scheduler: (policy: Int32, priority: Int32)? = nil
    public var ioPriority: Int32? = nil
    public var timerSlackNanoseconds: UInt64? = nil
    public var cpuAffinity: [Int]? = nil
    /// NUMAPolicy= as an MPOL_* mode, with NUMAMask='s nodes.
    public var memoryPolicy: (mode: Int32, nodes: [Int])? = nil
    public var coredumpFilter: UInt64? = nil
    /// MemoryKSM= and MemoryTHP= (ProcessControls).
    public var memoryKSM: Bool? = nil
    public var memoryTHP: MemoryTHP? = nil
    public var limits: [ResourceLimit] = []
    public var keyring = Keyring.privateRing
    /// false for a "+" command, which systemd runs without any sandboxing, capabilities included.
    public var sandboxed = true
    public var capabilityBoundingSet: UInt64 = Capabilities.everything
    public var ambientCapabilities: UInt64 = 0
    public var secureBits: Int32 = 0
    public var noNewPrivileges = false
    /// WorkingDirectory=, with systemd's "-" (missing is fine) already split off.
    public var workingDirectory: String? = nil
    public var workingDirectoryOptional = false
    public var stdin = Stdio.inherit
    public var stdout = Stdio.inherit
    public var stderr = Stdio.inherit
    /// Compiled seccomp programs (classic BPF), installed last, in order.
    public var seccompPrograms: [[UInt8]] = []
    /// Descriptors that stay open in the child, from 3 up: the main process's sockets and
    /// files (`OpenedFiles.pass`), none for a control command.
    public var passedDescriptors: [Int32] = []
    /// The sockets of socket activation, for the main process only.
    public var sockets: SocketActivation? = nil
    /// OpenFile='s descriptors, for the main process only.
    public var openedFiles: [PassedFile] = []
    /// $LISTEN_PIDFDID goes with $LISTEN_PID (`ReleaseFacts.listenPIDFDID`).
    public var announcesPIDFDID = false
    /// The environment's TMPDIR=/tmp is the manager's suggestion (`PrivateTmpLayout`), which only
    /// sandboxed commands get.
    public var suggestsTmpDir = false

    public init() {}

    /// Whether the namespace of `type` is made after the user namespace. The mount namespace
    /// follows the PID, cgroup and network namespaces, whose /proc, cgroup2 and sysfs it mounts
    /// (systemd's exec_namespace_is_delegated()).
    func delegates(_ type: Int32) -> Bool {
        if delegatedNamespaces & type != 0 { return true }
        return type == Namespaces.mount && delegatedNamespaces & (Namespaces.pid | Namespaces.cgroup | Namespaces.network) != 0
    }
}

import Directives

/// The directives of a unit that systemd turns into seccomp filters, as plain values.
/// `PolicyFromExecContext` fills this from the unit model; `policy()` builds the filters.
public struct SystemdSyscallSettings: Sendable, Hashable {
    /// A syscall list as SystemCallFilter= and SystemCallLog= keep it after merging their lines.
    public struct SyscallList: Sendable, Hashable {
        /// true: the names are allowed (or logged) and everything else is not.
        public var isAllowList: Bool
        /// Resolved call names (groups expanded), each with its own action, if it has one.
        public var entries: [String: SeccompAction?]
        public init(isAllowList: Bool, entries: [String: SeccompAction?]) {
            self.isAllowList = isAllowList
            self.entries = entries
        }
    }

    public var protectHostname = false
    /// RestrictAddressFamilies= after merging its lines (AF_* numbers).
    public struct FamilyList: Sendable, Hashable {
        /// true: only these families; false: all but these.
        public var isAllowList: Bool
        public var families: Set<Int>
        public init(isAllowList: Bool, families: Set<Int>) {
            self.isAllowList = isAllowList
            self.families = families
        }
    }

    /// RestrictAddressFamilies=: nil when unset.
    public var addressFamilies: FamilyList?
    public var memoryDenyWriteExecute = false
    public var restrictRealtime = false
    public var restrictSUIDSGID = false
    /// RestrictNamespaces=: the CLONE_NEW* flags still allowed; nil when unset.
    public var retainedNamespaceFlags: UInt64?
    public var protectKernelTunables = false
    public var protectKernelModules = false
    public var protectKernelLogs = false
    public var protectClock = false
    public var privateDevices = false
    /// SystemCallArchitectures=: the ABIs of this machine it lists (`native` is x86-64); nil
    /// when unset. A list naming only other machines' ABIs is the empty set: it blocks i386 and x32.
    public var architectures: ABISet?
    public var lockPersonality = false
    /// Personality=: PER_LINUX (0) or PER_LINUX32 (8); nil when unset.
    public var personality: UInt64?
    public var syscallLog: SyscallList?
    public var syscallFilter: SyscallList?
    /// SystemCallErrorNumber=: what filtered calls get; systemd's default kills the process.
    public var syscallErrorAction: SeccompAction = .killProcess
    /// The systemd release whose syscall groups apply.
    public var rules: SystemdRules = .v252

    public init() {}

    /// The single policy equivalent to all the filters systemd would install for these
    /// settings, or nil when it installs none (then no filter and no libseccomp is needed).
    public func policy() throws(SeccompError) -> SeccompPolicy? {
        let layers = SystemdLayers.layers(for: self)
        // The native ABI is never blocked, whatever the list says.
        let abis = SyscallABI.allCases.filter { $0 == .native || architectures?.contains($0) ?? true }
        let blocksABIs = abis.count < SyscallABI.allCases.count
        guard !layers.isEmpty || blocksABIs else { return nil }
        // systemd's architecture filter keeps libseccomp's default for other ABIs: kill the thread.
        return try SeccompLayer.stack(layers, abis: abis, badABIAction: blocksABIs ? .killThread : .allow)
    }
}

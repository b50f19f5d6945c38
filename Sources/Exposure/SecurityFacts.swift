import Directives

/// What the exposure checks look at: a unit's settings after systemd has applied its implications
/// (DynamicUser=yes => ProtectSystem=strict, PrivateDevices=yes => DevicePolicy=closed, ...).
/// Defaults are those of a service unit that sets nothing.
public struct SecurityFacts: Sendable, Equatable {
    public var unitName: String = ""
    public var fragmentPath: String?
    public var defaultDependencies = true

    public var user: String?
    public var dynamicUser = false
    public var supplementaryGroups: [String] = []

    public var ambientCapabilities = CapabilitySet.empty
    public var capabilityBoundingSet = CapabilitySet.all

    public var privateDevices = false
    public var privateMounts = false
    public var privateNetwork = false
    public var privateTmp = false
    public var privateUsers = false
    public var protectControlGroups = false
    public var protectKernelModules = false
    public var protectKernelTunables = false
    public var protectKernelLogs = false
    public var protectClock = false
    public var protectHostname = false
    public var protectHome = "no"      // no, yes, read-only, tmpfs
    public var protectSystem = "no"    // no, yes, full, strict
    public var rootDirectory: String?
    public var rootImage: String?

    public var lockPersonality = false
    public var memoryDenyWriteExecute = false
    public var noNewPrivileges = false
    public var umask: UInt32 = 0o022
    public var keyringMode = "private"
    public var protectProc = "default"
    public var procSubset = "all"
    public var notifyAccess = "none"
    public var removeIPC = false
    public var delegate = false
    public var restrictRealtime = false
    public var restrictSUIDSGID = false

    /// The namespace types the service may still create; nil = unrestricted.
    public var allowedNamespaces: NamespaceRestriction?

    /// Per family group: true when sockets of that group can no longer be created.
    public var restrictsInet = false
    public var restrictsUnix = false
    public var restrictsNetlink = false
    public var restrictsPacket = false
    public var restrictsOtherFamilies = false

    public var systemCallArchitectures: Set<String> = []
    public var systemCallFilterIsAllowList = false
    /// Native syscall numbers in the filter (allowed for an allow list, denied for a deny list).
    public var systemCallFilter = SyscallSet()

    public var ipDenyAll = false
    public var ipAllowLocalhost = false
    public var ipAllowOther = false
    public var ipCustomFilters = false

    public var devicePolicy = "auto"
    public var deviceAllowNonEmpty = false

    public init() {}

    /// Root, or nobody's name at all without DynamicUser=: the rows about
    /// a service user do not apply then.
    public var runsPrivileged: Bool {
        if user == "0" || user == "root" { return true }
        if dynamicUser { return false }
        return user?.isEmpty ?? true
    }
}

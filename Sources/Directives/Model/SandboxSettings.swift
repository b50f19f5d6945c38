/// The kernel-facing part of SANDBOXING and SECURITY in systemd.exec(5): private namespaces,
/// Protect*= switches, Restrict*= lists, NoNewPrivileges= and SecureBits=.
public struct SandboxSettings: Equatable, Sendable {
    public var privateDevices: Bool?
    public var privateNetwork: Bool?
    public var networkNamespacePath: String?
    public var privateIPC: Bool?
    public var ipcNamespacePath: String?
    /// UserNamespacePath= (259): the user namespace at this path is joined instead of one made.
    public var userNamespacePath: String?
    public var privateUsers: Bool?
    /// The mode word of PrivateUsers= when the release of the rules reads one (self, identity,
    /// full, managed); nil for a plain boolean.
    public var privateUsersMode: String?
    public var protectHostname: Bool?
    /// PrivatePIDs= (257): the main process is PID 1 of a PID namespace of its own.
    public var privatePIDs: Bool?
    /// DelegateNamespaces= (258): the namespace types made after the service's user namespace,
    /// which then owns them. Set at all (even empty), it implies PrivateUsers=self.
    public var delegateNamespaces: Set<NamespaceType>?
    /// PrivateBPF= (258): a bpffs of the service's own on /sys/fs/bpf.
    public var privateBPF: Bool?
    /// BPFDelegate*= (258): what that bpffs lets a BPF token do (without PrivateBPF=, nothing).
    public var bpfDelegation = BPFDelegation()
    /// ProtectHostname='s mode word under rules that know it (258: "private").
    public var protectHostnameMode: String?
    /// The hostname after ProtectHostname='s mode (258: `private:NAME`), set in its namespace.
    public var protectHostnameName: String?
    public var protectClock: Bool?
    public var protectKernelTunables: Bool?
    public var protectKernelModules: Bool?
    public var protectKernelLogs: Bool?
    public var protectControlGroups: Bool?
    /// ProtectControlGroups='s mode word under rules that know it (257: "private", "strict").
    public var protectControlGroupsMode: String?
    public var restrictNamespaces: NamespaceRestriction?
    public var restrictAddressFamilies: AddressFamilyRestriction?
    /// Whether a RestrictAddressFamilies= list has begun since the last reset (see `merge`).
    var addressFamiliesListed = false
    public var restrictFileSystems: FileSystemRestriction?
    public var lockPersonality: Bool?
    public var memoryDenyWriteExecute: Bool?
    public var restrictRealtime: Bool?
    public var restrictSUIDSGID: Bool?
    public var removeIPC: Bool?
    public var noNewPrivileges: Bool?
    /// SecureBits= flags: keep-caps, keep-caps-locked, no-setuid-fixup, no-setuid-fixup-locked, noroot, noroot-locked.
    public var secureBits: Set<String> = []
    /// Mandatory access control labels, as written (a leading `-` makes a missing label non-fatal).
    public var selinuxContext: String?
    public var appArmorProfile: String?
    public var smackProcessLabel: String?

    static let secureBitNames: Set<String> = [
        "keep-caps", "keep-caps-locked", "no-setuid-fixup", "no-setuid-fixup-locked", "noroot", "noroot-locked",
    ]

    mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        switch d.key {
        case "PrivateDevices": privateDevices = try d.bool()
        case "PrivateNetwork": privateNetwork = try d.bool()
        case "NetworkNamespacePath": networkNamespacePath = try d.optional { v throws(ValueError) in try absolute(d.expand(v)) }
        case "PrivateIPC": privateIPC = try d.bool()
        case "IPCNamespacePath": ipcNamespacePath = try d.optional { v throws(ValueError) in try absolute(d.expand(v)) }
        case "UserNamespacePath": userNamespacePath = try d.optional { v throws(ValueError) in try absolute(d.expand(v)) }
        case "PrivateUsers":
            privateUsers = try d.boolOrMode()
            privateUsersMode = d.mode()
        case "ProtectHostname":
            var mode = d, name: String? = nil
            if d.rules.facts.protectHostnameTakesName, let colon = d.value.firstIndex(of: ":") {
                name = try d.expand(String(d.value[d.value.index(after: colon)...]))
                guard let name, Hostname.isValid(name) else { throw ValueError("'\(name ?? "")' is not a valid hostname") }
                mode = d.with(value: String(d.value[..<colon]))
            }
            protectHostname = try mode.boolOrMode()
            protectHostnameMode = mode.mode()
            protectHostnameName = name
        case "PrivatePIDs": privatePIDs = try d.bool()
        case "PrivateBPF": privateBPF = try d.bool()
        case "BPFDelegateCommands", "BPFDelegateMaps", "BPFDelegatePrograms", "BPFDelegateAttachments":
            _ = bpfDelegation.apply(d)
        case "ProtectClock": protectClock = try d.bool()
        case "ProtectKernelTunables": protectKernelTunables = try d.bool()
        case "ProtectKernelModules": protectKernelModules = try d.bool()
        case "ProtectKernelLogs": protectKernelLogs = try d.bool()
        case "ProtectControlGroups":
            protectControlGroups = try d.boolOrMode()
            protectControlGroupsMode = d.mode()
        case "RestrictNamespaces": restrictNamespaces = try NamespaceRestriction.merge(restrictNamespaces, d.value)
        case "DelegateNamespaces": delegateNamespaces = try NamespaceDelegation.merge(delegateNamespaces, d.value)
        case "RestrictAddressFamilies":
            restrictAddressFamilies = AddressFamilyRestriction.merge(
                restrictAddressFamilies, listed: &addressFamiliesListed, d.value,
                unknownEndsList: d.rules.facts.unknownAddressFamilyEndsList, skipped: &d.skipped.problems)
        case "RestrictFileSystems":
            if d.value.isEmpty { restrictFileSystems = nil; break }
            let inverted = d.value.hasPrefix("~")
            var names = Set<String>()
            for w in d.listWords(String(inverted ? d.value.dropFirst() : Substring(d.value))) {
                guard FileSystemGroups.isKnown(w) else { d.skipped.problems.append(ValueError("unknown file system group '\(w)'")); continue }
                names.insert(w)
            }
            var r = restrictFileSystems ?? FileSystemRestriction(denies: inverted, names: [])
            r.names = r.denies == inverted ? r.names.union(names) : r.names.subtracting(names)
            restrictFileSystems = r
        case "LockPersonality": lockPersonality = try d.bool()
        case "MemoryDenyWriteExecute": memoryDenyWriteExecute = try d.bool()
        case "RestrictRealtime": restrictRealtime = try d.bool()
        case "RestrictSUIDSGID": restrictSUIDSGID = try d.bool()
        case "RemoveIPC": removeIPC = try d.bool()
        case "NoNewPrivileges": noNewPrivileges = try d.bool()
        case "SELinuxContext": selinuxContext = try d.optional { v throws(ValueError) in try d.expand(v) }
        case "AppArmorProfile": appArmorProfile = try d.optional { v throws(ValueError) in try d.expand(v) }
        case "SmackProcessLabel": smackProcessLabel = try d.optional { v throws(ValueError) in try d.expand(v) }
        case "SecureBits":
            if d.value.isEmpty { secureBits = []; break }
            for w in d.listWords() {
                guard Self.secureBitNames.contains(w) else { d.skipped.problems.append(ValueError("unknown secure bit '\(w)'")); continue }
                secureBits.insert(w)
            }
        default: return false
        }
        return true
    }
}

/// RestrictFileSystems=: file system names or @groups a service may use (or, when `denies`, may
/// not). The first line decides which; later lines add to or take from the list. Names and
/// @groups are kept as written; an unknown @group is left out, as systemd leaves it out.
public struct FileSystemRestriction: Hashable, Sendable {
    public var denies: Bool
    public var names: Set<String>
}

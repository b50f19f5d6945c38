/// The kernel namespace types RestrictNamespaces= names, with their CLONE_NEW* flags.
public enum NamespaceType: String, CaseIterable, Hashable, Sendable {
    case cgroup, ipc, net, mnt, pid, user, uts, time

    /// The clone flag of the namespace type (CLONE_NEWCGROUP, ...).
    public var cloneFlag: UInt64 {
        switch self {
        case .cgroup: return 0x0200_0000
        case .ipc: return 0x0800_0000
        case .net: return 0x4000_0000
        case .mnt: return 0x0002_0000
        case .pid: return 0x2000_0000
        case .user: return 0x1000_0000
        case .uts: return 0x0400_0000
        case .time: return 0x0000_0080
        }
    }
}

extension NamespaceType {
    /// The types a list names. systemd reads the words with quotes as written: a quoted name is
    /// unknown, and the line ignored.
    static func list(_ text: Substring) throws(ValueError) -> Set<NamespaceType> {
        var listed = Set<NamespaceType>()
        for word in try words(String(text), []) {
            guard let t = NamespaceType(rawValue: word) else { throw ValueError("unknown namespace type '\(word)' (cgroup, ipc, net, mnt, pid, user, uts, time)") }
            listed.insert(t)
        }
        return listed
    }
}

/// DelegateNamespaces= (258): the namespace types the service's own user namespace is to own.
/// nil (unset) is systemd's NAMESPACE_FLAGS_INITIAL; an empty set (`no`) still implies
/// PrivateUsers=self, as any assignment does.
public enum NamespaceDelegation {
    /// Every type the user namespace can own (all but itself).
    public static let all = Set(NamespaceType.allCases).subtracting([.user])

    /// Applies one line: yes (all), no (none), `LIST`, `~LIST` (all but those), a later list
    /// merging into the earlier set by union (or removal for `~`). Empty resets (nil). A line
    /// naming `user` is ignored, as systemd ignores it.
    public static func merge(_ current: Set<NamespaceType>?, _ line: String) throws(ValueError) -> Set<NamespaceType>? {
        if line.isEmpty { return nil }
        if let b = try? parseBoolean(line) { return b ? all : [] }
        let invert = line.hasPrefix("~")
        let listed = try NamespaceType.list(invert ? line.dropFirst() : Substring(line))
        let merged = current.map { invert ? $0.subtracting(listed) : $0.union(listed) } ?? (invert ? all.subtracting(listed) : listed)
        if merged.contains(.user) { throw ValueError("the user namespace cannot be delegated") }
        return merged
    }
}

/// RestrictNamespaces=: the namespace types a service may create or join.
/// nil in the model means unset (no restriction), as in systemd.
///
/// systemd 252's "all namespaces" (`no`, and the base a `~` list is taken from) is the seven
/// classic types without `time`; a restriction whose allowed set covers those seven installs no
/// filter at all, so `time` is then allowed too. Only a narrower set also refuses `time`
/// (unless `time` is listed).
public struct NamespaceRestriction: Hashable, Sendable {
    /// Namespace types still allowed; everything else is refused (see the type's note on `time`).
    public var allowed: Set<NamespaceType>
    public init(allowed: Set<NamespaceType>) { self.allowed = allowed }

    /// systemd 252's NAMESPACE_FLAGS_ALL: every type but `time`.
    public static let all = NamespaceRestriction(allowed: Set(NamespaceType.allCases).subtracting([.time]))
    public static let none = NamespaceRestriction(allowed: [])

    /// Whether this restricts anything: false when every classic type is allowed.
    public var restricts: Bool { !allowed.isSuperset(of: Self.all.allowed) }

    /// Applies one line: yes (allow none), no (allow all), `LIST` (allow), `~LIST` (deny);
    /// a later list line merges into the earlier one, as systemd does. Empty resets (nil).
    public static func merge(_ current: NamespaceRestriction?, _ line: String) throws(ValueError) -> NamespaceRestriction? {
        if line.isEmpty { return nil }
        if let b = try? parseBoolean(line) { return b ? NamespaceRestriction.none : .all }
        var text = Substring(line)
        let invert = text.first == "~"
        if invert { text = text.dropFirst() }
        let listed = try NamespaceType.list(text)
        guard let current else {
            return NamespaceRestriction(allowed: invert ? all.allowed.subtracting(listed) : listed)
        }
        return NamespaceRestriction(allowed: invert ? current.allowed.subtracting(listed) : current.allowed.union(listed))
    }
}

import Directives

/// The facts that differ between systemd versions: which syscalls each group holds, and which
/// syscall names exist on this architecture (names that do not are skipped, as libseccomp does).
public struct RuleSet: Sendable {
    public let version: Int
    public let groups: [String: [String]]          // "@swap" -> ["swapoff", "swapon"]
    /// Native number of every syscall name this architecture knows.
    public let nativeNumbers: [String: Int]
    /// Each group expanded recursively to the native calls it holds, first occurrence first.
    let expanded: [String: [(name: String, number: Int)]]

    public init(version: Int, groups: [String: [String]], nativeNumbers: [String: Int]) {
        self.version = version; self.groups = groups; self.nativeNumbers = nativeNumbers
        let release: SystemdRules = version >= 261 ? .v261 : .v252
        var expanded: [String: [(String, Int)]] = [:]
        for group in groups.keys {
            // One call per number: several names of a group may stand for the same call here.
            var seen: Set<Int> = []
            expanded[group] = (SyscallGroups.expand(group, rules: release) ?? []).compactMap { name in
                guard let n = nativeNumbers[name], seen.insert(n).inserted else { return nil }
                return (name, n)
            }
        }
        self.expanded = expanded
    }

    /// The native numbers a call or `@group` stands for (none when unknown on this architecture).
    func numbers(of name: String) -> [Int] {
        if name.first == "@" { return expanded[name]?.map(\.number) ?? [] }
        return nativeNumbers[name].map { [$0] } ?? []
    }

    /// The first syscall of `group` that the filter lets through, or nil when it blocks them all.
    func firstAllowed(in group: String, allowList: Bool, filter: SyscallSet) -> String? {
        for (name, n) in expanded[group] ?? [] where filter.contains(n) == allowList { return name }
        return nil
    }
}


extension RuleSet {
    /// The rules of a systemd release on this architecture (x86-64).
    /// Releases after 252 follow the newest rules brig has (261); 252 and older, Debian 12's.
    public static func systemd(_ version: Int) -> RuleSet { version > 252 ? v261 : v252 }

    /// The release whose reading of unit files these rules follow.
    public var release: SystemdRules { version >= 261 ? .v261 : .v252 }

    private static let v252 = make(252)
    private static let v261 = make(261)

    private static func make(_ version: Int) -> RuleSet {
        let rules: SystemdRules = version >= 261 ? .v261 : .v252
        let groups = Dictionary(uniqueKeysWithValues: SyscallGroups.names(rules: rules).map {
            ($0, SyscallGroups.members(of: $0, rules: rules) ?? [])
        })
        let table = SyscallTable.x86_64
        let numbers = Dictionary(uniqueKeysWithValues: table.names.compactMap { name in
            table.number(of: name).map { (name, Int($0)) }
        })
        return RuleSet(version: version >= 261 ? 261 : 252, groups: groups, nativeNumbers: numbers)
    }

}

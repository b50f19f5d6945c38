/// The facts that differ between systemd versions: which syscalls each group holds, and which
/// syscall names exist on this architecture (names that do not are skipped, as libseccomp does).
public struct RuleSet: Sendable {
    public let version: Int
    public let groups: [String: [String]]          // "@swap" -> ["swapoff", "swapon"]
    public let nativeSyscalls: Set<String>

    public init(version: Int, groups: [String: [String]], nativeSyscalls: Set<String>) {
        self.version = version; self.groups = groups; self.nativeSyscalls = nativeSyscalls
    }

    /// The first syscall of `group` (expanded recursively, in table order) that the filter lets
    /// through, or nil when the filter blocks every one of them.
    func firstAllowed(in group: String, allowList: Bool, filter: Set<String>) -> String? {
        for member in groups[group] ?? [] {
            if member.hasPrefix("@") {
                if let hit = firstAllowed(in: member, allowList: allowList, filter: filter) { return hit }
                continue
            }
            guard nativeSyscalls.contains(member) else { continue }
            if filter.contains(member) == allowList { return member }
        }
        return nil
    }
}

import Directives

extension RuleSet {
    /// The rules of a systemd release on this architecture (x86-64).
    public static func systemd(_ version: Int) -> RuleSet {
        let rules: SystemdRules = version >= 261 ? .v261 : .v252
        let groups = Dictionary(uniqueKeysWithValues: SyscallGroups.names(rules: rules).map {
            ($0, SyscallGroups.members(of: $0, rules: rules) ?? [])
        })
        return RuleSet(version: version >= 261 ? 261 : 252, groups: groups,
                       nativeSyscalls: Set(SyscallTable.x86_64.names))
    }

    public static let newest = systemd(261)
}

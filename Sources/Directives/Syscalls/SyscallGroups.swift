/// The `@group` names of SystemCallFilter=, as data. Members are kept verbatim: they may
/// name other groups, and calls that do not exist on x86-64 (systemd skips those when it
/// builds a filter).
public enum SyscallGroups {
    private struct Table: Sendable {
        let order: [String]
        let members: [String: [String]]
        /// Filled in one pass, without intermediate arrays: every `brig run` with a syscall
        /// directive builds one.
        init(_ data: [(group: String, members: [String])]) {
            var order: [String] = [], members: [String: [String]] = [:]
            order.reserveCapacity(data.count)
            members.reserveCapacity(data.count)
            for (group, list) in data {
                order.append(group)
                if members[group] == nil { members[group] = list }
            }
            self.order = order
            self.members = members
        }
    }

    /// Each release's table, built on its first use.
    private static let tables = PerRelease { Table(syscallGroupData(of: $0)) }

    private static func table(_ rules: SystemdRelease) -> Table { tables[rules] }

    /// Every group name, `@`-prefixed, in systemd's order.
    public static func names(rules: SystemdRelease) -> [String] { table(rules).order }

    public static func isGroup(_ name: String, rules: SystemdRelease) -> Bool {
        table(rules).members[name] != nil
    }

    /// Direct members of a group (nested `@groups` unexpanded), or nil for an unknown group.
    public static func members(of group: String, rules: SystemdRelease) -> [String]? {
        table(rules).members[group]
    }

    /// All system-call names a group stands for, nested groups resolved, each name once,
    /// in first-seen order. Nil for an unknown group. A cycle cannot loop: each group is
    /// visited once. The one expansion of groups: SystemCallFilter= and SystemCallLog=, the
    /// groups sandboxing directives imply (seccomp) and the exposure checks all use it.
    public static func expand(_ group: String, rules: SystemdRelease) -> [String]? {
        let table = table(rules)
        guard table.members[group] != nil else { return nil }
        var visited: Set<String> = []
        var seen: Set<String> = []
        var result: [String] = []
        func visit(_ group: String) {
            guard visited.insert(group).inserted, let members = table.members[group] else { return }
            for member in members {
                if member.hasPrefix("@") {
                    visit(member)
                } else if seen.insert(member).inserted {
                    result.append(member)
                }
            }
        }
        visit(group)
        return result
    }
}

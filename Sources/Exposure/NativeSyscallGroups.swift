import Directives

/// A release's syscall groups as the native (x86-64) calls they hold, which the SystemCallFilter=
/// checks test. Names this architecture does not have are skipped, as libseccomp skips them.
struct NativeSyscallGroups: Sendable {
    /// The native number of every call name this architecture knows.
    private let numbers: [String: Int]
    /// Each group expanded to the native calls it holds, first occurrence first.
    private let expanded: [String: [(name: String, number: Int)]]

    /// Each built on first use: a run of brig analyze pays for its own release only.
    static func of(_ release: SystemdRelease) -> NativeSyscallGroups { all[release] }
    private static let all = PerRelease(NativeSyscallGroups.init)

    private init(_ release: SystemdRelease) {
        let table = SyscallTable.x86_64
        var numbers: [String: Int] = [:]
        for name in table.names { if let n = table.number(of: name) { numbers[name] = Int(n) } }
        var expanded: [String: [(name: String, number: Int)]] = [:]
        for group in SyscallGroups.names(rules: release) {
            // One entry per number: several names of a group may stand for the same call here.
            var seen: Set<Int> = []
            expanded[group] = (SyscallGroups.expand(group, rules: release) ?? []).compactMap { name in
                guard let n = numbers[name], seen.insert(n).inserted else { return nil }
                return (name, n)
            }
        }
        self.numbers = numbers
        self.expanded = expanded
    }

    /// The native numbers a call or `@group` stands for (none when unknown on this architecture).
    func numbers(of name: String) -> [Int] {
        if name.first == "@" { return expanded[name]?.map(\.number) ?? [] }
        return numbers[name].map { [$0] } ?? []
    }

    /// The first call of `group` that the filter lets through, or nil when it blocks them all.
    func firstAllowed(in group: String, allowList: Bool, filter: SyscallSet) -> String? {
        for (name, n) in expanded[group] ?? [] where filter.contains(n) == allowList { return name }
        return nil
    }
}

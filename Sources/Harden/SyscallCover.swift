import Directives
import Exposure

/// SystemCallFilter='s allow list for the calls a service made: the fewest entries of systemd's
/// groups plus single calls that allow them all. Only groups with no member in a group the
/// exposure checks judge (@privileged, @mount, ...) are used whole, so the list allows no more
/// of those than was seen; calls of @default need no entry (systemd adds that group to every
/// allow list). @signal and @timer are always in: event loops choose among their calls at run
/// time (lighttpd makes a timerfd under systemd but not under brig run), and no check judges them.
struct SyscallCover {
    let entries: [String]

    init(observed: Set<String>, rules: SystemdRelease) {
        let expand = { (group: String) in Set(SyscallGroups.expand(group, rules: rules) ?? []) }
        let judged = CheckTable.checks(for: rules).reduce(into: Set<String>()) { judged, check in
            if case .systemCallGroup(let group) = check.criterion { judged.formUnion(expand(group)) }
        }
        let groups = SyscallGroups.names(rules: rules)
            .filter { !["@default", "@known", "@system-service"].contains($0) }
            .map { ($0, expand($0)) }
            .filter { $0.1.isDisjoint(with: judged) }
        var uncovered = observed.subtracting(expand("@default"))
        var chosen = ["@signal", "@timer"].filter { groups.map(\.0).contains($0) }
        for group in chosen { uncovered.subtract(expand(group)) }
        // Greedy set cover: the group covering most calls still uncovered (the smaller on a tie),
        // as long as it covers at least two; single calls for the rest.
        while let best = groups.map({ ($0.0, $0.1.intersection(uncovered).count, $0.1.count) })
            .filter({ $0.1 >= 2 })
            .max(by: { ($0.1, -$0.2) < ($1.1, -$1.2) }) {
            chosen.append(best.0)
            uncovered.subtract(expand(best.0))
        }
        entries = chosen + uncovered.sorted()
    }
}

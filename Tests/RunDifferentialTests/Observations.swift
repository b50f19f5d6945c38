/// What one probe run showed: its exit status and its "key=value" lines. The
/// probes normalise their own output, so two runs compare by plain equality.
struct Observations: Equatable, Sendable {
    let status: Int32
    let facts: [String: String]

    /// `pid1`: the namespace ids of the runners' PID 1; by default the oracle's systemd's.
    init(_ output: Command.Output, pid1: Set<String>? = nil) {
        status = output.status
        var facts: [String: String] = [:]
        for line in output.stdout.split(separator: "\n") {
            let pair = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            facts[key] = key.hasPrefix("ns:") ? Self.namespace(value, pid1: pid1) : value
        }
        self.facts = facts
    }

    /// A namespace id as "pid1" when it is PID 1's (both runners share one PID 1:
    /// the oracle's systemd), else "own"; the ids themselves differ per run.
    private static func namespace(_ id: String, pid1 given: Set<String>?) -> String {
        if id.isEmpty { return "unknown" }
        guard let pid1 = given ?? (try? Oracle.pid1Namespaces.get()) else { return "unknown" }
        return pid1.contains(id) ? "pid1" : "own"
    }

    /// One line per observation that differs, as "key: systemd=... brig=...".
    func differences(from expected: Observations) -> [String] {
        var lines: [String] = []
        if status != expected.status { lines.append("exit status: systemd=\(expected.status) brig=\(status)") }
        // A probe says "unobservable" where the host keeps it from seeing what the setting does.
        for key in Set(facts.keys).union(expected.facts.keys).sorted()
        where facts[key] != expected.facts[key] && facts[key] != "unobservable" && expected.facts[key] != "unobservable" {
            lines.append("\(key): systemd=\(expected.facts[key] ?? "<none>") brig=\(facts[key] ?? "<none>")")
        }
        return lines
    }
}

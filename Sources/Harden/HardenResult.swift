import Directives
import Exposure

/// What `brig harden` found and proved, and its renderings: the drop-in (each line under a
/// comment with its evidence), a summary, and JSON.
public struct HardenResult: Sendable {
    public var unitName: String
    /// The socket unit that starts the service, when it was hardened as its socket starts it.
    public var socketName: String? = nil
    public var fragmentPath: String?
    /// None: learnt from live traffic only, and not proven.
    public var workload: String?
    /// What holds, in the table's order.
    public var kept: [Restriction]
    /// What the prove phase relaxed and why.
    public var relaxed: [(Restriction, String)]
    /// Directives the observations kept out, with what the service did.
    public var notSet: [(directive: String, reason: String)]
    public var exposureBefore: UInt64
    public var exposureAfter: UInt64
    public var observations: Observations
    /// The user and group ids it started with and switched to.
    public var identities: Identities
    /// Proven again under the systemd that is PID 1 (`SystemdProof`).
    public var provenUnderSystemd = false
    /// Runs of the service: the observation, the run under the candidate without its filter, the proofs.
    public var trials: Int
    public var seconds: Double
    /// How long the workload took while the service was observed (without one: the observation).
    public var observedWorkloadSeconds: Double

    /// The drop-in as `--write` installs it.
    public var dropIn: String {
        var text = "# Written by brig harden for \(unitName), " + (socketName.map { "started by \($0), " } ?? "")
            + (workload.map { "proven with the workload: \($0)\n" } ?? "learnt from \(tenths(observedWorkloadSeconds)) s of live traffic; NOT proven (no workload)\n")
        if provenUnderSystemd { text += "# Proven again under systemd (PID 1), as a copy of the unit with this drop-in\n" }
        text += "# Exposure (brig analyze): \(tenthsText(exposureBefore)) -> \(tenthsText(exposureAfter))\n"
        text += "[Service]\n"
        for restriction in kept {
            text += "# \(restriction.evidence)\n"
            for line in restriction.lines { text += line + "\n" }
        }
        for (directive, reason) in notSet {
            text += "# Not set: \(directive)=: the service \(reason)\n"
        }
        for (restriction, reason) in relaxed {
            text += "# Relaxed \(restriction.lines.last!): \(reason)\n"
        }
        return text
    }

    public var summary: String {
        "\(unitName): exposure \(tenthsText(exposureBefore)) -> \(tenthsText(exposureAfter)), \(kept.count) directives \(workload == nil ? "NOT proven" : "proven"), \(relaxed.count) relaxed, \(trials) runs in \(tenths(seconds)) s"
    }

    public var json: String {
        func restriction(_ r: Restriction) -> JSON {
            .object([("directive", .string(r.directive)), ("lines", .array(r.lines.map(JSON.string))),
                     ("evidence", .string(r.evidence)), ("grant", .bool(r.isGrant))])
        }
        return JSON.object([
            ("unit", .string(unitName)),
            ("socket", .optional(socketName)),
            ("workload", .optional(workload)),
            ("exposure_before", .number(tenthsText(exposureBefore))),
            ("exposure_after", .number(tenthsText(exposureAfter))),
            ("directives", .array(kept.map(restriction))),
            ("relaxed", .array(relaxed.map { r, reason in
                .object([("directive", .string(r.directive)), ("lines", .array(r.lines.map(JSON.string))), ("reason", .string(reason))])
            })),
            ("not_set", .array(notSet.map { .object([("directive", .string($0.directive)), ("reason", .string($0.reason))]) })),
            ("observed", .object([
                ("syscalls", .array(observations.syscallNames.sorted().map(JSON.string))),
                ("capabilities", .array(observations.capabilities.sorted().map { JSON.string(Capability(number: $0).name) })),
                ("written", .array(observations.writtenPaths.sorted().map(JSON.string))),
                ("executed", .array(observations.executedPaths.sorted().map(JSON.string))),
                ("ports", .array(observations.boundPorts.sorted().map { JSON.int(UInt64($0.port)) })),
                ("peers", .array(observations.connectedPeers.sorted().map(JSON.string))),
                ("uids", .array(identities.uids.sorted().map { JSON.int(UInt64($0)) })),
                ("gids", .array(identities.gids.sorted().map { JSON.int(UInt64($0)) })),
            ])),
            ("proven_under_systemd", .bool(provenUnderSystemd)),
            ("runs", .int(UInt64(trials))),
            ("seconds", .number(tenths(seconds))),
            ("observed_workload_seconds", .number(String(Int(observedWorkloadSeconds * 1000)) + "e-3")),
            ("drop_in", .string(dropIn)),
        ]).text
    }
}

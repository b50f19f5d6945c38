/// The prove phase: runs the workload under the candidate; while it fails, delta debugging
/// finds a smallest set of restrictions that still makes it fail, those are relaxed with what
/// the failing run showed, and the rest is proven again.
struct Prover {
    var trial: ServiceTrial
    var progress: (String) -> Void
    /// At most this many runs of the service.
    var budget = 60

    struct Relaxed: Sendable {
        var restriction: Restriction
        /// What the service did with it in force.
        var reason: String
    }

    struct Result {
        var kept: [Restriction]
        var relaxed: [Relaxed]
        var trials: Int
    }

    /// Grants that serve one restriction and go with it.
    static let grantsOf: [String: Set<String>] = [
        "ProtectSystem": ["ReadWritePaths"], "DevicePolicy": ["DeviceAllow"], "SocketBindDeny": ["SocketBindAllow"],
        "IPAddressDeny": ["IPAddressAllow"],
    ]

    func prove(_ candidate: [Restriction], conflict: (Restriction) -> String?) throws -> Result {
        var active = candidate.filter { !$0.isGrant }
        var grants = candidate.filter(\.isGrant)
        var relaxed: [Relaxed] = []
        var trials = 0
        var details: [Set<Restriction>: String] = [:]
        func fails(_ subset: [Restriction]) throws(HardenError) -> Bool {
            guard trials < budget else { throw .timeout("the prove phase gave up after \(budget) runs of the service") }
            trials += 1
            let outcome = try trial.run(Self.lines(subset + grants), observe: false)
            progress("run \(trials) with \(subset.count) of \(active.count) restrictions: " + (outcome.passed ? "passed" : "failed (\(outcome.detail))"))
            if !outcome.passed { details[Set(subset)] = outcome.detail }
            return !outcome.passed
        }
        while try fails(active) {
            var search = DeltaDebugging<Restriction>(fails: fails)
            let culprits = try search.minimalFailing(active)
            guard culprits.count < active.count || culprits.count == 1 else {
                throw HardenError.timeout("the workload fails whatever is relaxed")
            }
            for restriction in culprits {
                let seen = conflict(restriction).map { "; " + $0 } ?? ""
                relaxed.append(Relaxed(restriction: restriction,
                                       reason: "with it the workload failed (\(details[Set(culprits)] ?? "failed"))" + seen))
                progress("relaxed \(restriction.lines.last!)")
            }
            let gone = Set(culprits.map(\.directive))
            active.removeAll { gone.contains($0.directive) }
            let orphaned = gone.reduce(into: Set<String>()) { $0.formUnion(Self.grantsOf[$1] ?? []) }
            grants.removeAll { orphaned.contains($0.directive) }
        }
        let kept = candidate.filter { r in active.contains(r) || grants.contains(r) }
        return Result(kept: kept, relaxed: relaxed, trials: trials)
    }

    static func lines(_ restrictions: [Restriction]) -> [String] { restrictions.flatMap(\.lines) }
}

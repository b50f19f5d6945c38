import Directives

/// One filter the way systemd installs it for one directive: a default action and rules.
/// systemd stacks up to fifteen of these; `SeccompLayer.stack` folds them into one policy
/// that answers every call exactly as the stack would.
public struct SeccompLayer: Sendable {
    /// A rule of a layer. A conditional rule names both the argument cases its action
    /// applies to and the exact complement of those cases: the stack needs the complement
    /// when another layer wants something else for the calls the rule leaves alone.
    public struct Rule: Sendable {
        public var syscall: String
        public var action: SeccompAction
        /// nil: unconditional. Otherwise alternatives, each a conjunction of comparisons.
        public var cases: [[ArgumentComparison]]?
        /// The alternatives under which the rule does not apply (only for conditional rules).
        public var otherwise: [[ArgumentComparison]]
        public var abis: ABISet?

        public static func always(_ syscall: String, _ action: SeccompAction, abis: ABISet? = nil) -> Rule {
            Rule(syscall: syscall, action: action, cases: nil, otherwise: [], abis: abis)
        }

        public static func when(_ syscall: String, _ cases: [[ArgumentComparison]], otherwise: [[ArgumentComparison]],
                                _ action: SeccompAction, abis: ABISet? = nil) -> Rule {
            Rule(syscall: syscall, action: action, cases: cases, otherwise: otherwise, abis: abis)
        }

        func applies(to abi: SyscallABI) -> Bool { abis?.contains(abi) ?? true }
    }

    /// The directive the layer comes from, for messages.
    public var origin: String
    public var defaultAction: SeccompAction
    public var rules: [Rule]

    public init(_ origin: String, defaultAction: SeccompAction = .allow, rules: [Rule]) {
        self.origin = origin
        self.defaultAction = defaultAction
        self.rules = rules
    }
}

extension SeccompLayer {
    /// The single policy equivalent to installing `layers` one after another, filtering
    /// `abis`. The kernel runs every installed filter and keeps the strongest answer; of
    /// equally strong answers, the one of the filter installed last (so its errno).
    ///
    /// Calls are numbered once (`CallIndex`) and handled as integers from then on: this
    /// runs on every `brig run`, where hashing names and building sets per ABI and layer
    /// cost more than the rest of the filter work.
    public static func stack(_ layers: [SeccompLayer], abis: [SyscallABI],
                             badABIAction: SeccompAction) throws(SeccompError) -> SeccompPolicy {
        let defaultAction = strongest(layers.map(\.defaultAction)) ?? .allow
        let calls = CallIndex(layers)
        var merged = MergedRules(calls: calls.names.count)
        for abi in abis {
            // Each call's rules of this ABI, in layer order, and the calls in the order they
            // first appear in a layer that has a rule of this ABI for them.
            var rulesOfCall = [[(layer: Int, rule: Rule)]](repeating: [], count: calls.names.count)
            var order: [Int] = []
            var listed = [Bool](repeating: false, count: calls.names.count)
            for (layer, ids) in zip(layers.indices, calls.ids) {
                for (rule, id) in zip(layers[layer].rules, ids) where rule.applies(to: abi) {
                    rulesOfCall[id].append((layer, rule))
                }
                for id in ids where !listed[id] && rulesOfCall[id].last?.layer == layer {
                    listed[id] = true
                    order.append(id)
                }
            }
            for id in order {
                for (action, conditions) in try combine(calls.names[id], layers: layers, rules: rulesOfCall[id],
                                                        defaultAction: defaultAction) {
                    merged.add(call: id, action, conditions, abi: abi)
                }
            }
        }
        return SeccompPolicy(defaultAction: defaultAction, abis: abis, badABIAction: badABIAction,
                             rules: merged.rules(names: calls.names, all: ABISet(abis)))
    }

    /// The answer of a stack whose filters answered `actions`, in installation order.
    static func strongest(_ actions: [SeccompAction]) -> SeccompAction? {
        actions.dropFirst().reduce(actions.first) { current, next in next.overrides(current!) ? next : current }
    }

    /// The rules (action, argument tests) for one call of one ABI; `rules` are the layers'
    /// rules for it, in layer order.
    private static func combine(_ syscall: String, layers: [SeccompLayer], rules: [(layer: Int, rule: Rule)],
                                defaultAction: SeccompAction) throws(SeccompError) -> [(SeccompAction, [ArgumentComparison])] {
        var answers: [SeccompAction] = []
        answers.reserveCapacity(layers.count)
        var conditional: (layer: Int, rule: Rule)?
        var next = 0
        for (index, layer) in layers.enumerated() {
            var end = next
            while end < rules.count && rules[end].layer == index { end += 1 }
            let ofLayer = rules[next..<end]
            next = end
            // An unconditional rule makes libseccomp drop the conditional ones of the call.
            if let always = ofLayer.last(where: { $0.rule.cases == nil }) {
                answers.append(always.rule.action)
                continue
            }
            answers.append(layer.defaultAction)
            guard let first = ofLayer.first else { continue }
            guard ofLayer.count == 1, conditional == nil else {
                throw .invalidPolicy("\(syscall)(): argument rules from \(conditional.map { layers[$0.layer].origin } ?? layer.origin) and \(layer.origin) cannot be combined")
            }
            conditional = first
        }
        let otherwise = strongest(answers)!
        var result: [(SeccompAction, [ArgumentComparison])] = []
        if let (index, rule) = conditional, let cases = rule.cases {
            var matched = answers
            matched[index] = rule.action
            let whenMatched = strongest(matched)!
            if whenMatched != otherwise {
                // Calls that match take the rule's answer, the others the rest of the stack's;
                // whichever equals the program's default action needs no rule.
                if whenMatched != defaultAction {
                    result += cases.map { (whenMatched, $0) }
                }
                if otherwise != defaultAction {
                    result += rule.otherwise.map { (otherwise, $0) }
                }
                return result
            }
        }
        if otherwise != defaultAction {
            result.append((otherwise, []))
        }
        return result
    }
}

/// The calls the layers' rules name, numbered in first-seen order.
private struct CallIndex {
    var names: [String] = []
    /// `ids[layer][rule]`: the number of that rule's call.
    var ids: [[Int]] = []

    init(_ layers: [SeccompLayer]) {
        var number: [String: Int] = [:]
        for layer in layers {
            ids.append(layer.rules.map { rule in
                if let id = number[rule.syscall] { return id }
                number[rule.syscall] = names.count
                names.append(rule.syscall)
                return names.count - 1
            })
        }
    }
}

/// The stack's rules of all ABIs, one rule instead of one per ABI where the ABIs agree,
/// in the order they first appear.
private struct MergedRules {
    private var entries: [(call: Int, action: SeccompAction, conditions: [ArgumentComparison], abis: ABISet)] = []
    /// The entries of each call, so that a rule is matched only against its own call's.
    private var entriesOfCall: [[Int]]

    init(calls: Int) { entriesOfCall = Array(repeating: [], count: calls) }

    mutating func add(call: Int, _ action: SeccompAction, _ conditions: [ArgumentComparison], abi: SyscallABI) {
        for index in entriesOfCall[call] where entries[index].action == action && entries[index].conditions == conditions {
            entries[index].abis.insert(ABISet(abi))
            return
        }
        entriesOfCall[call].append(entries.count)
        entries.append((call, action, conditions, ABISet(abi)))
    }

    func rules(names: [String], all: ABISet) -> [SeccompRule] {
        entries.map { SeccompRule(names[$0.call], $0.action, when: $0.conditions, abis: $0.abis == all ? nil : $0.abis) }
    }
}

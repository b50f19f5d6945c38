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
        public var abis: Set<SyscallABI>?

        public static func always(_ syscall: String, _ action: SeccompAction, abis: Set<SyscallABI>? = nil) -> Rule {
            Rule(syscall: syscall, action: action, cases: nil, otherwise: [], abis: abis)
        }

        public static func when(_ syscall: String, _ cases: [[ArgumentComparison]], otherwise: [[ArgumentComparison]],
                                _ action: SeccompAction, abis: Set<SyscallABI>? = nil) -> Rule {
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
    public static func stack(_ layers: [SeccompLayer], abis: [SyscallABI],
                             badABIAction: SeccompAction) throws(SeccompError) -> SeccompPolicy {
        let defaultAction = strongest(layers.map(\.defaultAction)) ?? .allow
        var emitted: [SeccompRule] = []
        for abi in abis {
            var syscalls: [String] = []
            // Each layer's rules of this ABI, by call.
            let rulesByCall = layers.map { layer in
                Dictionary(grouping: layer.rules.filter { $0.applies(to: abi) }, by: \.syscall)
            }
            for (layer, rules) in zip(layers, rulesByCall) {
                for rule in layer.rules where rules[rule.syscall] != nil && !syscalls.contains(rule.syscall) {
                    syscalls.append(rule.syscall)
                }
            }
            for syscall in syscalls {
                emitted += try combine(syscall, layers: layers, rules: rulesByCall.map { $0[syscall] ?? [] },
                                       abi: abi, defaultAction: defaultAction)
            }
        }
        return SeccompPolicy(defaultAction: defaultAction, abis: abis, badABIAction: badABIAction,
                             rules: mergingABIs(emitted, all: Set(abis)))
    }

    /// The answer of a stack whose filters answered `actions`, in installation order.
    static func strongest(_ actions: [SeccompAction]) -> SeccompAction? {
        actions.dropFirst().reduce(actions.first) { current, next in next.overrides(current!) ? next : current }
    }

    /// The rules for one call of one ABI; `rules[i]` are layer i's rules for it.
    private static func combine(_ syscall: String, layers: [SeccompLayer], rules rulesOfLayer: [[Rule]],
                                abi: SyscallABI, defaultAction: SeccompAction) throws(SeccompError) -> [SeccompRule] {
        var answers: [SeccompAction] = []
        var conditional: (layer: Int, rule: Rule)?
        for (index, layer) in layers.enumerated() {
            let rules = rulesOfLayer[index]
            // An unconditional rule makes libseccomp drop the conditional ones of the call.
            if let always = rules.last(where: { $0.cases == nil }) {
                answers.append(always.action)
                continue
            }
            answers.append(layer.defaultAction)
            guard let rule = rules.first else { continue }
            guard rules.count == 1, conditional == nil else {
                throw .invalidPolicy("\(syscall)(): argument rules from \(conditional.map { layers[$0.layer].origin } ?? layer.origin) and \(layer.origin) cannot be combined")
            }
            conditional = (index, rule)
        }
        let otherwise = strongest(answers)!
        var result: [SeccompRule] = []
        if let (index, rule) = conditional, let cases = rule.cases {
            var matched = answers
            matched[index] = rule.action
            let whenMatched = strongest(matched)!
            if whenMatched != otherwise {
                // Calls that match take the rule's answer, the others the rest of the stack's;
                // whichever equals the program's default action needs no rule.
                if whenMatched != defaultAction {
                    result += cases.map { SeccompRule(syscall, whenMatched, when: $0, abis: [abi]) }
                }
                if otherwise != defaultAction {
                    result += rule.otherwise.map { SeccompRule(syscall, otherwise, when: $0, abis: [abi]) }
                }
                return result
            }
        }
        if otherwise != defaultAction {
            result.append(SeccompRule(syscall, otherwise, abis: [abi]))
        }
        return result
    }

    /// One rule instead of one per ABI where all ABIs agree, keeping first-seen order.
    private static func mergingABIs(_ rules: [SeccompRule], all: Set<SyscallABI>) -> [SeccompRule] {
        struct Key: Hashable { var syscall: String; var action: SeccompAction; var conditions: [ArgumentComparison] }
        var order: [Key] = []
        var abis: [Key: Set<SyscallABI>] = [:]
        for rule in rules {
            let key = Key(syscall: rule.syscall, action: rule.action, conditions: rule.conditions)
            if abis[key] == nil { order.append(key) }
            abis[key, default: []].formUnion(rule.abis ?? all)
        }
        return order.map { key in
            SeccompRule(key.syscall, key.action, when: key.conditions, abis: abis[key] == all ? nil : abis[key])
        }
    }
}

import Directives

/// One filter the way systemd installs it for one directive: a default action and rules.
/// systemd stacks up to fifteen of these; `SeccompLayer.stack` folds them into one policy
/// that answers every call exactly as the stack would.
public struct SeccompLayer: Sendable {
    /// A rule of a layer for one call. A conditional rule names both the argument cases its action
    /// applies to and the exact complement of those cases: the stack needs the complement
    /// when another layer wants something else for the calls the rule leaves alone.
    public struct CallRule: Sendable {
        public var syscall: String
        public var action: SeccompAction
        /// nil: unconditional. Otherwise alternatives, each a conjunction of comparisons.
        public var cases: [[ArgumentComparison]]?
        /// The alternatives under which the rule does not apply (only for conditional rules).
        public var otherwise: [[ArgumentComparison]]
        public var abis: ABISet?

        public static func always(_ syscall: String, _ action: SeccompAction, abis: ABISet? = nil) -> CallRule {
            CallRule(syscall: syscall, action: action, cases: nil, otherwise: [], abis: abis)
        }

        public static func when(_ syscall: String, _ cases: [[ArgumentComparison]], otherwise: [[ArgumentComparison]],
                                _ action: SeccompAction, abis: ABISet? = nil) -> CallRule {
            CallRule(syscall: syscall, action: action, cases: cases, otherwise: otherwise, abis: abis)
        }

        func applies(to abi: SyscallABI) -> Bool { abis?.contains(abi) ?? true }
    }

    /// The directive the layer comes from, for messages.
    public var origin: String
    public var defaultAction: SeccompAction
    public var rules: [CallRule]

    public init(_ origin: String, defaultAction: SeccompAction = .allow, rules: [CallRule]) {
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
    /// This runs on every `brig run`: calls are numbered once and rules are handled by
    /// index from then on, since hashing names and building a collection type the binary
    /// has not used yet cost more than the rest of the filter work.
    public static func stack(_ layers: [SeccompLayer], abis: [SyscallABI],
                             badABIAction: SeccompAction) throws(SeccompError) -> SeccompPolicy {
        let defaultAction = strongest(layers.map(\.defaultAction)) ?? .allow
        let index = RuleIndex(layers)
        var merged = MergedRules(calls: index.names.count)
        let defaults = layers.map(\.defaultAction)
        var answers = defaults
        for abi in abis {
            // The calls in the order they first appear in a layer with a rule of this ABI for them.
            var order: [Int] = []
            var listed = [Bool](repeating: false, count: index.names.count)
            var layerWithRule = [Int](repeating: -1, count: index.names.count)
            for layer in layers.indices {
                let rules = index.start[layer]..<index.start[layer + 1]
                for rule in rules where index.rules[rule].applies(to: abi) { layerWithRule[index.call[rule]] = layer }
                for rule in rules where layerWithRule[index.call[rule]] == layer && !listed[index.call[rule]] {
                    listed[index.call[rule]] = true
                    order.append(index.call[rule])
                }
            }
            for call in order {
                try combine(call, of: index, layers: layers, abi: abi, defaultAction: defaultAction,
                            defaults: defaults, answers: &answers, into: &merged)
            }
        }
        return SeccompPolicy(defaultAction: defaultAction, abis: abis, badABIAction: badABIAction,
                             rules: merged.rules(all: ABISet(abis)))
    }

    /// The answer of a stack whose filters answered `actions`, in installation order.
    static func strongest(_ actions: [SeccompAction]) -> SeccompAction? {
        guard var answer = actions.first else { return nil }
        for next in actions.dropFirst() where next.overrides(answer) { answer = next }
        return answer
    }

    /// Adds the rules for one call of one ABI to `merged`. `answers` is scratch space for
    /// each layer's answer, starting from `defaults`; only layers with rules for the call
    /// are visited (a large SystemCallFilter= has hundreds of calls, the stack 15 layers).
    private static func combine(_ call: Int, of index: RuleIndex, layers: [SeccompLayer], abi: SyscallABI,
                                defaultAction: SeccompAction, defaults: [SeccompAction], answers: inout [SeccompAction],
                                into merged: inout MergedRules) throws(SeccompError) {
        answers.replaceSubrange(answers.indices, with: defaults)
        var conditional: (layer: Int, rule: Int)?
        var rule = index.firstOfCall[call]
        while rule >= 0 {
            // One layer's rules of the call for this ABI.
            let layer = index.layer[rule]
            var always: Int?
            var first: Int?
            var count = 0
            while rule >= 0 && index.layer[rule] == layer {
                defer { rule = index.nextOfCall[rule] }
                guard index.rules[rule].applies(to: abi) else { continue }
                if index.rules[rule].cases == nil { always = rule }
                if first == nil { first = rule }
                count += 1
            }
            // An unconditional rule makes libseccomp drop the conditional ones of the call.
            if let always {
                answers[layer] = index.rules[always].action
                continue
            }
            guard let first else { continue }
            guard count == 1, conditional == nil else {
                let origin = layers[layer].origin
                throw .invalidPolicy("\(index.names[call])(): argument rules from \(conditional.map { layers[$0.layer].origin } ?? origin) and \(origin) cannot be combined")
            }
            conditional = (layer, first)
        }
        let otherwise = strongest(answers)!
        if let (layer, ruleIndex) = conditional, let cases = index.rules[ruleIndex].cases {
            answers[layer] = index.rules[ruleIndex].action
            let whenMatched = strongest(answers)!
            if whenMatched != otherwise {
                // Calls that match take the rule's answer, the others the rest of the stack's;
                // whichever equals the program's default action needs no rule.
                if whenMatched != defaultAction {
                    for conditions in cases { merged.add(call, index.names[call], whenMatched, conditions, abi: abi) }
                }
                if otherwise != defaultAction {
                    for conditions in index.rules[ruleIndex].otherwise {
                        merged.add(call, index.names[call], otherwise, conditions, abi: abi)
                    }
                }
                return
            }
        }
        if otherwise != defaultAction {
            merged.add(call, index.names[call], otherwise, [], abi: abi)
        }
    }
}

/// All rules of the layers in one list, their calls numbered in first-seen order. The
/// rules of a call are chained by index (`firstOfCall`, `nextOfCall`) rather than kept in
/// an array per call: a large SystemCallFilter= has hundreds of calls.
private struct RuleIndex {
    var rules: [SeccompLayer.CallRule] = []
    /// Where each layer's rules start in `rules` (and, last, the end).
    var start: [Int] = [0]
    var layer: [Int] = []
    /// The number of each rule's call.
    var call: [Int] = []
    var names: [String] = []
    /// Each call's first rule, and each rule's next rule of the same call (or -1).
    var firstOfCall: [Int] = []
    var nextOfCall: [Int] = []

    init(_ layers: [SeccompLayer]) {
        let total = layers.reduce(0) { $0 + $1.rules.count }
        var number: [String: Int] = [:]
        number.reserveCapacity(total)
        rules.reserveCapacity(total)
        self.layer.reserveCapacity(total)
        call.reserveCapacity(total)
        nextOfCall.reserveCapacity(total)
        var lastOfCall: [Int] = []
        for (index, layer) in layers.enumerated() {
            for rule in layer.rules {
                let next = names.count
                // One hash: the default is stored when the name is new.
                let id = { (slot: inout Int) in slot }(&number[rule.syscall, default: next])
                if id == next {
                    names.append(rule.syscall)
                    firstOfCall.append(rules.count)
                    lastOfCall.append(rules.count)
                } else {
                    nextOfCall[lastOfCall[id]] = rules.count
                    lastOfCall[id] = rules.count
                }
                nextOfCall.append(-1)
                rules.append(rule)
                self.layer.append(index)
                call.append(id)
            }
            start.append(rules.count)
        }
    }
}

/// The stack's rules of all ABIs, one rule instead of one per ABI where the ABIs agree,
/// in the order they first appear.
private struct MergedRules {
    private var rules: [SeccompRule] = []
    /// Each call's first rule here, and each rule's next of the same call (or -1), so that
    /// a rule is matched only against its own call's.
    private var firstOfCall: [Int]
    private var lastOfCall: [Int]
    private var nextOfCall: [Int] = []

    init(calls: Int) {
        firstOfCall = Array(repeating: -1, count: calls)
        lastOfCall = firstOfCall
    }

    mutating func add(_ call: Int, _ name: String, _ action: SeccompAction, _ conditions: [ArgumentComparison],
                      abi: SyscallABI) {
        var index = firstOfCall[call]
        while index >= 0 {
            if rules[index].action == action && rules[index].conditions == conditions {
                rules[index].abis!.insert(ABISet(abi))
                return
            }
            index = nextOfCall[index]
        }
        if firstOfCall[call] < 0 { firstOfCall[call] = rules.count } else { nextOfCall[lastOfCall[call]] = rules.count }
        lastOfCall[call] = rules.count
        nextOfCall.append(-1)
        rules.append(SeccompRule(name, action, when: conditions, abis: ABISet(abi)))
    }

    /// The rules, without an ABI list where they apply to all of `all`.
    func rules(all: ABISet) -> [SeccompRule] {
        rules.map { rule in
            var rule = rule
            if rule.abis == all { rule.abis = nil }
            return rule
        }
    }
}

import Directives

extension SeccompAction {
    /// The action with the errno's name, as `brig run --dry-run` prints it.
    var displayName: String {
        if case .errno(let number) = self, let name = ErrnoName.name(of: number) { return "errno \(name)" }
        return description
    }
}

extension SeccompPolicy: CustomStringConvertible {
    /// What the program does, for people: default action, ABIs, then the calls without
    /// argument checks grouped by action, then one line per call with argument checks.
    public var description: String {
        var lines = ["default action: \(defaultAction.displayName)"]
        var abiLine = "ABIs: " + abis.map(\.rawValue).joined(separator: " ")
        if !blockedABIs.isEmpty {
            abiLine += "; other ABIs (\(blockedABIs.map(\.rawValue).joined(separator: " "))): \(badABIAction.displayName)"
        }
        lines.append(abiLine)

        struct Group: Hashable { var action: SeccompAction; var abis: ABISet? }
        func abiSuffix(_ abis: ABISet?) -> String {
            abis.map { " [" + $0.members.map(\.rawValue).joined(separator: " ") + "]" } ?? ""
        }
        var plain: [Group: [String]] = [:]
        var groupOrder: [Group] = []
        var conditional: [String: [SeccompRule]] = [:]
        // Names no filtered ABI has (group members of other architectures) compile to nothing.
        let tables = abis.map(SyscallTable.table(for:))
        for rule in rules where tables.contains(where: { $0.contains(rule.syscall) }) {
            if rule.conditions.isEmpty {
                let key = Group(action: rule.action, abis: rule.abis)
                if plain[key] == nil { groupOrder.append(key) }
                plain[key, default: []].append(rule.syscall)
            } else {
                conditional[rule.syscall, default: []].append(rule)
            }
        }
        for key in groupOrder {
            let names = plain[key]!.sorted()
            lines.append("\(key.action.displayName)\(abiSuffix(key.abis)) (\(names.count)): "
                         + names.joined(separator: " "))
        }
        for syscall in conditional.keys.sorted() {
            // One clause per action: "errno EPERM if a | b && c; allow if d".
            var clauses: [(key: Group, tests: [String])] = []
            for rule in conditional[syscall]! {
                let key = Group(action: rule.action, abis: rule.abis)
                let test = rule.conditions.map(\.description).joined(separator: " && ")
                if let i = clauses.firstIndex(where: { $0.key == key }) {
                    clauses[i].tests.append(test)
                } else {
                    clauses.append((key, [test]))
                }
            }
            let text = clauses.map { clause in
                "\(clause.key.action.displayName) if " + clause.tests.joined(separator: " | ")
                    + abiSuffix(clause.key.abis)
            }
            lines.append("\(syscall): " + text.joined(separator: "; "))
        }
        return lines.joined(separator: "\n")
    }
}

extension SeccompProgram: CustomStringConvertible {
    public var description: String {
        policy.description + "\nprogram: one filter, \(instructions.count) BPF instructions (\(instructions.count * 8) bytes)"
    }
}

import Directives
import UnitFile

/// For a failing check, the [Service] lines that make it pass.
extension Check {
    public func remedy(for unit: AssessedUnit) -> [String] {
        fixedRemedy ?? Self.remedy(criterion, id: id, unit: unit) ?? []
    }

    /// The remedy of a check with `criterion` and `id` for `unit`; without a unit, the remedy
    /// where it is the same for every unit (most are: `Check` keeps it, so that the lines are
    /// built once rather than for every failing row of every unit), else nil.
    static func remedy(_ criterion: Criterion, id: String, unit: AssessedUnit?) -> [String]? {
        switch criterion {
        case .user:
            guard let unit else { return nil }
            return ["root", "0", "nobody"].contains(unit.user ?? "") ? ["User=", "DynamicUser=yes"] : ["DynamicUser=yes"]
        case .supplementaryGroups: return ["SupplementaryGroups="]
        case .removeIPC: return ["RemoveIPC=yes"]
        case .enabled: return [id + "yes"]   // the directive is the check's id
        case .delegate: return ["Delegate=no"]
        case .protectHome: return ["ProtectHome=yes"]
        case .protectSystem: return ["ProtectSystem=strict"]
        case .rootDirectory: return ["RootDirectory=/var/lib/%N/root"]
        case .capabilities(let set): return ["CapabilityBoundingSet=~" + set.members.map(\.name).joined(separator: " ")]
        case .umask: return ["UMask=0077"]
        case .keyringMode: return ["KeyringMode=private"]
        case .protectProc: return ["ProtectProc=invisible"]
        case .procSubset: return ["ProcSubset=pid"]
        case .notifyAccess: return ["NotifyAccess=main"]
        case .namespace: return [id]
        case .addressFamilies(let group):
            return switch group {
            case .inet: ["RestrictAddressFamilies=~AF_INET AF_INET6"]
            case .unix: ["RestrictAddressFamilies=~AF_UNIX"]
            case .netlink: ["RestrictAddressFamilies=~AF_NETLINK"]
            case .packet: ["RestrictAddressFamilies=~AF_PACKET"]
            case .other: ["RestrictAddressFamilies=none"]
            }
        case .architectures:
            guard let unit else { return nil }
            return (unit.config.exec.syscalls.architectures ?? []).isEmpty ? ["SystemCallArchitectures=native"]
                : ["SystemCallArchitectures=", "SystemCallArchitectures=native"]
        case .systemCallGroup: return [id]
        case .ipAddresses:
            guard let unit else { return nil }
            return (unit.config.resources.ipAddressAllow ?? []).isEmpty ? ["IPAddressDeny=any"]
                : ["IPAddressAllow=", "IPAddressDeny=any"]
        case .devices:
            guard let unit else { return nil }
            return unit.config.resources.deviceAllow.isEmpty ? ["DevicePolicy=closed"] : ["DeviceAllow=", "DevicePolicy=closed"]
        case .ambientCapabilities: return ["AmbientCapabilities="]
        }
    }
}

/// A drop-in that passes every failing check it can, and the score the unit would reach with it.
public struct Fix: Sendable {
    public let lines: [String]
    public let assessment: Assessment

    public var dropIn: String { "[Service]\n" + lines.joined(separator: "\n") + "\n" }

    /// Collects the remedies of the failing checks, applies them after the unit's own files and
    /// scores again; repeats while new failures appear (DynamicUser=yes makes the user rows apply).
    public init(unit: LoadedUnit, analyzer: Analyzer) throws(AnalyzeError) {
        var lines: [String] = []
        var current = try analyzer.assess(unit, target: unit.name.name)
        for _ in 0..<3 {
            let assessed = try Self.assessed(unit, lines, analyzer)
            var added = false
            for row in current.rows where row.failed {
                for line in row.check.remedy(for: assessed) where !lines.contains(line) {
                    lines.append(line); added = true
                }
            }
            if !added { break }
            lines = Self.merged(lines)
            current = try analyzer.assess(unit, target: unit.name.name, extra: Self.assignments(lines))
        }
        self.lines = lines
        self.assessment = current
    }

    private static func assessed(_ unit: LoadedUnit, _ lines: [String], _ a: Analyzer) throws(AnalyzeError) -> AssessedUnit {
        do { return try AssessedUnit(unit, rules: a.rules, extra: assignments(lines)) } catch {
            throw AnalyzeError(target: unit.name.name, message: error.description)
        }
    }

    static func assignments(_ lines: [String]) -> [Assignment] {
        lines.enumerated().map { i, line in
            let eq = line.firstIndex(of: "=")!
            return Assignment(section: "Service", key: String(line[..<eq]), value: String(line[line.index(after: eq)...]),
                              location: SourceLocation(file: "(proposed drop-in)", line: i + 2))
        }
    }

    /// Joins the `~` lists of one directive into a single line, keeping resets in front.
    static func merged(_ lines: [String]) -> [String] {
        var out: [String] = []
        var lists: [(key: String, words: [String])] = []
        for line in lines {
            let eq = line.firstIndex(of: "=")!
            let key = String(line[..<eq]), value = line[line.index(after: eq)...]
            if value.hasPrefix("~"), ["CapabilityBoundingSet", "RestrictNamespaces", "SystemCallFilter",
                                      "RestrictAddressFamilies"].contains(key) {
                let words = value.dropFirst().split(separator: " ").map(String.init)
                if let i = lists.firstIndex(where: { $0.key == key }) { lists[i].words += words.filter { !lists[i].words.contains($0) } }
                else { lists.append((key, words)) }
            } else if !out.contains(line) {
                out.append(line)
            }
        }
        // After RestrictAddressFamilies=none every family is denied; a later `~` list would turn
        // that into a deny list of only those families.
        if out.contains("RestrictAddressFamilies=none") { lists.removeAll { $0.key == "RestrictAddressFamilies" } }
        return out + lists.map { "\($0.key)=~" + $0.words.joined(separator: " ") }
    }
}

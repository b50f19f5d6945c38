import Directives

/// One check's result within a unit's assessment, with the weight and range actually used.
public struct Row: Sendable {
    public let check: Check
    public let weight: UInt64
    public let range: UInt64
    /// nil: the check does not apply (or a policy left it out); it counts in neither sum.
    public let badness: UInt64?
    public let description: String
    /// This row's share of the overall exposure, in tenths (nil when it adds nothing).
    public internal(set) var exposureTenths: UInt64?

    public var applies: Bool { badness != nil }
    public var passed: Bool { badness == 0 }
    public var failed: Bool { (badness ?? 0) > 0 }
}

public enum AssessmentError: Error, CustomStringConvertible, Equatable {
    case badnessBeyondRange(jsonField: String, badness: UInt64, range: UInt64)
    case nothingWeighed

    public var description: String {
        switch self {
        case let .badnessBeyondRange(field, badness, range):
            "security policy: \(field) has range \(range), but this check can score up to \(badness); use a range of at least \(badness)"
        case .nothingWeighed:
            "security policy: every applicable check has weight 0, nothing is left to score"
        }
    }
}

/// The exposure of one unit: every row in systemd's order and the overall score.
public struct Assessment: Sendable {
    public let unitName: String
    public let fragmentPath: String?
    public let rows: [Row]
    /// Overall exposure in tenths: 0...100, shown as "x.y".
    public let exposure: UInt64
    public var level: Level { Level(tenths: exposure) }

    /// Scores `unit` the way systemd does: per applicable row ceil(badness * weight / range), and
    /// overall ceil(100 * sum / total weight), all in integers.
    public init(_ unit: AssessedUnit, rules: SystemdRelease, policy: SecurityPolicy? = nil,
                checks: [Check]? = nil) throws(AssessmentError) {
        let checks = checks ?? CheckTable.checks(for: rules)
        var rows: [Row] = []
        var badnessSum: UInt64 = 0, weightSum: UInt64 = 0
        for check in checks {
            let weight = policy?.weight(check) ?? check.weight
            let range = policy?.range(check) ?? check.range
            guard weight > 0 else { continue }   // a policy weight of 0 drops the row
            var verdict = check.evaluate(unit, rules: rules)
            if let b = verdict.badness {
                guard b <= range, range > 0 else {
                    throw .badnessBeyondRange(jsonField: check.jsonField, badness: b, range: range)
                }
                badnessSum += ceilDiv(b * weight, range)
                weightSum += weight
            }
            if let text = policy?.description(check, badness: verdict.badness) { verdict.description = text }
            rows.append(Row(check: check, weight: weight, range: range, badness: verdict.badness,
                            description: verdict.description, exposureTenths: nil))
        }
        guard weightSum > 0 else { throw .nothingWeighed }
        for i in rows.indices {
            if let b = rows[i].badness, b > 0 {
                rows[i].exposureTenths = ceilDiv(ceilDiv(b * rows[i].weight * 100, rows[i].range), weightSum)
            }
        }
        self.unitName = unit.config.name.name
        self.fragmentPath = unit.fragmentPath
        self.rows = rows
        self.exposure = ceilDiv(badnessSum * 100, weightSum)
    }
}

func ceilDiv(_ a: UInt64, _ b: UInt64) -> UInt64 { (a + b - 1) / b }

/// "x.y" for an exposure in tenths.
public func tenthsText(_ t: UInt64) -> String { "\(t / 10).\(t % 10)" }

/// `tenthsText(t)` appended as bytes: renderers write one per row, and building a String for
/// each costs more than the rest of the row.
func appendTenths(_ t: UInt64, to out: inout [UInt8]) {
    appendDecimal(t / 10, to: &out)
    out.append(UInt8(ascii: "."))
    out.append(UInt8(ascii: "0") + UInt8(t % 10))
}

/// The decimal digits of `n`, appended as bytes (as `String(n)` would spell it).
func appendDecimal(_ n: UInt64, to out: inout [UInt8]) {
    if n < 10 { out.append(UInt8(ascii: "0") + UInt8(n)); return }
    appendDecimal(n / 10, to: &out)
    out.append(UInt8(ascii: "0") + UInt8(n % 10))
}

import Foundation

/// Output for programs: JSON, SARIF 2.1.0 for code scanning, Prometheus textfile metrics.
public enum MachineRenderers {
    /// One object per unit: overall, level, and per row systemd's fields plus badness, weight,
    /// range and remedy.
    public static func json(_ reports: [Report]) -> String {
        JSON.array(reports.map { r in
            .object([
                ("unit", .string(r.assessment.unitName)),
                ("fragment_path", .optional(r.assessment.fragmentPath)),
                ("exposure", .number(tenthsText(r.assessment.exposure))),
                ("level", .string(r.assessment.level.rawValue)),
                ("checks", .array(r.assessment.rows.map { row in
                    .object([
                        ("set", row.badness.map { .bool($0 == 0) } ?? .null),
                        ("name", .string(row.check.id)),
                        ("json_field", .string(row.check.jsonField)),
                        ("description", .string(row.description)),
                        ("exposure", .optional(row.exposureTenths.map(tenthsText))),
                        ("badness", row.badness.map(JSON.int) ?? .null),
                        ("weight", .int(row.weight)),
                        ("range", .int(row.range)),
                        ("remedy", r.remedies[row.check.jsonField].map { .array($0.map(JSON.string)) } ?? .null),
                    ])
                })),
            ])
        }).text + "\n"
    }

    public static func sarif(_ reports: [Report]) -> String {
        var rules: [JSON] = []
        var seen = Set<String>()
        var results: [JSON] = []
        for r in reports {
            for row in r.assessment.rows where row.failed {
                if seen.insert(row.check.jsonField).inserted {
                    rules.append(.object([("id", .string(row.check.jsonField)), ("name", .string(row.check.id)),
                                          ("shortDescription", .object([("text", .string(row.check.fail))])),
                                          ("properties", .object([("weight", .int(row.weight)), ("range", .int(row.range))]))]))
                }
                let fix = r.remedies[row.check.jsonField] ?? []
                var fields: [(String, JSON)] = [
                    ("ruleId", .string(row.check.jsonField)),
                    ("level", .string(row.badness == row.range ? "error" : "warning")),
                    ("message", .object([("text", .string("\(r.assessment.unitName): \(row.description). Fix: \(fix.joined(separator: "; "))"))])),
                ]
                if let loc = r.location(of: row) {
                    fields.append(("locations", .array([.object([("physicalLocation", .object([
                        ("artifactLocation", .object([("uri", .string(loc.file))])),
                        ("region", .object([("startLine", .int(UInt64(loc.line))), ("startColumn", .int(UInt64(loc.column)))])),
                    ]))])])))
                }
                results.append(.object(fields))
            }
        }
        return JSON.object([
            ("version", .string("2.1.0")),
            ("$schema", .string("https://json.schemastore.org/sarif-2.1.0.json")),
            ("runs", .array([.object([("tool", .object([("driver", .object([("name", .string("brig analyze")),
                                                                            ("rules", .array(rules))]))])),
                                      ("results", .array(results))])])),
        ]).text + "\n"
    }

    /// node_exporter textfile collector format.
    public static func prometheus(_ reports: [Report]) -> String {
        var out = "# HELP brig_unit_exposure Overall exposure of a service unit, 0 (jailed) to 10 (fully exposed).\n"
        out += "# TYPE brig_unit_exposure gauge\n"
        for r in reports { out += "brig_unit_exposure{unit=\"\(label(r.assessment.unitName))\"} \(tenthsText(r.assessment.exposure))\n" }
        out += "# HELP brig_check_failing Failing exposure check of a unit: badness as a fraction of its range.\n"
        out += "# TYPE brig_check_failing gauge\n"
        for r in reports {
            for row in r.assessment.rows where row.failed {
                let value = Double(row.badness!) / Double(row.range)
                out += "brig_check_failing{unit=\"\(label(r.assessment.unitName))\",check=\"\(label(row.check.jsonField))\"} \(value)\n"
            }
        }
        return out
    }

    private static func label(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

import Foundation

/// Output for programs: JSON, SARIF 2.1.0 for code scanning, Prometheus textfile metrics.
public enum MachineRenderers {
    /// One object per unit: overall, level, and per row systemd's fields plus badness, weight,
    /// range and remedy.
    public static func json(_ reports: [Report]) -> String {
        let units: [[String: Any]] = reports.map { r in
            [
                "unit": r.assessment.unitName,
                "fragment_path": r.assessment.fragmentPath ?? NSNull(),
                "exposure": Double(r.assessment.exposure) / 10,
                "level": r.assessment.level.rawValue,
                "checks": r.assessment.rows.map { row -> [String: Any] in
                    [
                        "set": row.badness.map { $0 == 0 } ?? NSNull(),
                        "name": row.check.id,
                        "json_field": row.check.jsonField,
                        "description": row.description,
                        "exposure": row.exposureTenths.map { tenthsText($0) } ?? NSNull(),
                        "badness": row.badness ?? NSNull(),
                        "weight": row.weight,
                        "range": row.range,
                        "remedy": r.remedies[row.check.jsonField] ?? NSNull(),
                    ]
                },
            ]
        }
        return serialize(units)
    }

    public static func sarif(_ reports: [Report]) -> String {
        var rules: [[String: Any]] = []
        var seen = Set<String>()
        var results: [[String: Any]] = []
        for r in reports {
            for row in r.assessment.rows where row.failed {
                if seen.insert(row.check.jsonField).inserted {
                    rules.append(["id": row.check.jsonField, "name": row.check.id,
                                  "shortDescription": ["text": row.check.fail],
                                  "properties": ["weight": row.weight, "range": row.range]])
                }
                let fix = r.remedies[row.check.jsonField] ?? []
                var result: [String: Any] = [
                    "ruleId": row.check.jsonField,
                    "level": row.badness == row.range ? "error" : "warning",
                    "message": ["text": "\(r.assessment.unitName): \(row.description). Fix: \(fix.joined(separator: "; "))"],
                ]
                if let loc = r.location(of: row) {
                    result["locations"] = [["physicalLocation": [
                        "artifactLocation": ["uri": loc.file],
                        "region": ["startLine": loc.line, "startColumn": loc.column],
                    ]]]
                }
                results.append(result)
            }
        }
        let log: [String: Any] = [
            "version": "2.1.0",
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "runs": [["tool": ["driver": ["name": "brig analyze", "rules": rules]], "results": results]],
        ]
        return serialize(log)
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

    private static func serialize(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

import FoundationEssentials

/// Output for programs: JSON, SARIF 2.1.0 for code scanning, Prometheus textfile metrics.
public enum MachineRenderers {
    /// One object per unit: overall, level, and per row systemd's fields plus badness, weight,
    /// range and remedy.
    public static func json(_ reports: [Report]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(reports.count * 24_000)
        out.append(UInt8(ascii: "["))
        for (i, r) in reports.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            unitJSON(r, into: &out)
        }
        out += "]\n".utf8
        return String(decoding: out, as: UTF8.self)
    }

    /// Written straight into bytes: with thousands of units this is most of the run time.
    public static func unitJSON(_ r: Report, into out: inout [UInt8]) {
        let a = r.assessment
        out += #"{"unit":"#.utf8; JSON.quote(a.unitName, into: &out)
        out += #","fragment_path":"#.utf8
        if let p = a.fragmentPath { JSON.quote(p, into: &out) } else { out += "null".utf8 }
        out += #","exposure":"#.utf8; appendTenths(a.exposure, to: &out)
        out += #","level":""#.utf8; out += a.level.rawValue.utf8
        out += #"","checks":["#.utf8
        for i in a.rows.indices {
            let row = a.rows[i]
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += #"{"set":"#.utf8
            out += (row.badness.map { $0 == 0 ? "true" : "false" } ?? "null").utf8
            out += row.check.jsonNameFields
            out += #","description":"#.utf8; JSON.quote(row.description, into: &out)
            out += #","exposure":"#.utf8
            if let t = row.exposureTenths {
                out.append(UInt8(ascii: "\"")); appendTenths(t, to: &out); out.append(UInt8(ascii: "\""))
            } else { out += "null".utf8 }
            out += #","badness":"#.utf8
            if let b = row.badness { appendDecimal(b, to: &out) } else { out += "null".utf8 }
            out += #","weight":"#.utf8; appendDecimal(row.weight, to: &out)
            out += #","range":"#.utf8; appendDecimal(row.range, to: &out)
            out += #","remedy":"#.utf8
            if let fix = r.remedies[i] {
                out.append(UInt8(ascii: "["))
                for (j, line) in fix.enumerated() {
                    if j > 0 { out.append(UInt8(ascii: ",")) }
                    JSON.quote(line, into: &out)
                }
                out.append(UInt8(ascii: "]"))
            } else { out += "null".utf8 }
            out.append(UInt8(ascii: "}"))
        }
        out += "]}".utf8
    }

    public static func sarif(_ reports: [Report]) -> String {
        var rules: [JSON] = []
        var seen = Set<String>()
        var results: [JSON] = []
        for r in reports {
            for (row, remedy) in zip(r.assessment.rows, r.remedies) where row.failed {
                if seen.insert(row.check.jsonField).inserted {
                    rules.append(.object([("id", .string(row.check.jsonField)), ("name", .string(row.check.id)),
                                          ("shortDescription", .object([("text", .string(row.check.fail))])),
                                          ("properties", .object([("weight", .int(row.weight)), ("range", .int(row.range))]))]))
                }
                let fix = remedy ?? []
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

    /// A Prometheus label value: backslash, double quote and newline escaped.
    private static func label(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}

/// Human-readable output: the per-unit detail table and the host overview.
public struct TableRenderer: Sendable {
    public var colors: Bool
    public var utf8: Bool
    public var legend: Bool

    public init(colors: Bool, utf8: Bool, legend: Bool) { self.colors = colors; self.utf8 = utf8; self.legend = legend }

    private func paint(_ s: String, _ code: String?) -> String {
        guard colors, let code else { return s }
        return code + s + "\u{1B}[0m"
    }
    private let red = "\u{1B}[0;1;31m", green = "\u{1B}[0;1;32m", bold = "\u{1B}[1m", grey = "\u{1B}[0;38;5;245m"

    private func pad(_ s: String, _ n: Int) -> String {
        let c = s.count
        return c >= n ? s : s + String(repeating: " ", count: n - c)
    }

    /// The rows in systemd's evaluation order, then the overall line.
    public func detail(_ r: Report) -> String {
        let rows = r.assessment.rows
        let nameWidth = max(4, rows.map(\.check.id.count).max() ?? 0)
        let descWidth = max(11, rows.map(\.description.count).max() ?? 0)
        var out = ""
        if legend {
            out += "  " + pad("NAME", nameWidth) + " " + pad("DESCRIPTION", descWidth) + " EXPOSURE\n"
        }
        for row in rows {
            let mark: String
            switch row.badness {
            case nil: mark = " "
            case 0?: mark = paint(utf8 ? "✓" : "+", green)
            default: mark = paint(utf8 ? "✗" : "x", red)
            }
            let exposure = row.exposureTenths.map(tenthsText) ?? ""
            out += mark + " " + pad(row.check.id, nameWidth) + " " + pad(row.description, descWidth) + " "
                + String(repeating: " ", count: max(0, 8 - exposure.count)) + exposure + "\n"
            if let fix = r.remedies[row.check.jsonField] {
                out += "  " + paint((utf8 ? "↳ " : "-> ") + fix.joined(separator: "; "), grey) + "\n"
            }
        }
        let level = r.assessment.level
        out += "\n" + (utf8 ? "→ " : "-> ") + paint("Overall exposure level for \(r.assessment.unitName)", bold) + ": "
            + paint("\(tenthsText(r.assessment.exposure)) \(level.rawValue)", level.ansiColor) + " "
            + (utf8 ? level.emoji : level.asciiFace) + "\n"
        return out
    }

    /// One line per unit, most exposed first; masked units follow, marked as such in the
    /// PREDICATE column, and units that failed to load show their error last.
    public func overview(_ results: [(target: String, result: Result<Report, AnalyzeError>)]) -> String {
        let scored = results.compactMap { item -> Report? in if case .success(let r) = item.result { return r }; return nil }
            .sorted { ($0.assessment.exposure, $1.assessment.unitName) > ($1.assessment.exposure, $0.assessment.unitName) }
        let width = max(4, results.map { $0.target.count }.max() ?? 0)
        var out = legend ? pad("UNIT", width) + " EXPOSURE PREDICATE HAPPY\n" : ""
        for r in scored {
            let level = r.assessment.level
            out += pad(r.assessment.unitName, width) + " " + String(repeating: " ", count: 8 - tenthsText(r.assessment.exposure).count)
                + tenthsText(r.assessment.exposure) + " " + paint(pad(level.rawValue, 9), level.ansiColor) + " "
                + (utf8 ? level.emoji : level.asciiFace) + "\n"
        }
        for case let (target, .failure(e)) in results where e.isMasked {
            out += pad(target, width) + "          " + paint("masked", grey) + "\n"
        }
        for case let (target, .failure(e)) in results where !e.isMasked {
            out += pad(target, width) + " " + paint("error: \(e.message)", red) + "\n"
        }
        return out
    }
}

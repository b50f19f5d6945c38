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

    /// The columns a cell takes: its characters, counted cheaply when it is plain ASCII (nearly always).
    private static func width(_ s: String) -> Int {
        let utf8 = s.utf8
        if let n = utf8.withContiguousStorageIfAvailable({ b in b.allSatisfy { $0 < 0x80 } ? b.count : -1 }), n >= 0 {
            return n
        }
        return s.count
    }

    private static func spaces(_ n: Int, into out: inout [UInt8]) {
        if n > 0 { out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: n)) }
    }

    /// `s` left-aligned in `n` columns, written as bytes: no String is built per cell.
    private static func pad(_ s: String, _ n: Int, into out: inout [UInt8]) {
        out += s.utf8
        spaces(n - width(s), into: &out)
    }

    private func pad(_ s: String, _ n: Int) -> String {
        var out: [UInt8] = []
        Self.pad(s, n, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The rows in systemd's evaluation order, then the overall line.
    public func detail(_ r: Report) -> String {
        var out: [UInt8] = []
        detail(r, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// As `detail(_:)`, appended to a byte buffer (thousands of units are rendered this way).
    public func detail(_ r: Report, into out: inout [UInt8]) {
        let rows = r.assessment.rows
        var nameWidth = 4, descWidth = 11
        for row in rows {
            nameWidth = max(nameWidth, Self.width(row.check.id))
            descWidth = max(descWidth, Self.width(row.description))
        }
        if legend {
            out += "  ".utf8
            Self.pad("NAME", nameWidth, into: &out)
            out.append(UInt8(ascii: " "))
            Self.pad("DESCRIPTION", descWidth, into: &out)
            out += " EXPOSURE\n".utf8
        }
        let passMark = paint(utf8 ? "✓" : "+", green), failMark = paint(utf8 ? "✗" : "x", red)
        let arrow = utf8 ? "↳ " : "-> "
        for (row, remedy) in zip(rows, r.remedies) {
            switch row.badness {
            case nil: out.append(UInt8(ascii: " "))
            case 0?: out += passMark.utf8
            default: out += failMark.utf8
            }
            out.append(UInt8(ascii: " "))
            Self.pad(row.check.id, nameWidth, into: &out)
            out.append(UInt8(ascii: " "))
            Self.pad(row.description, descWidth, into: &out)
            out.append(UInt8(ascii: " "))
            if let t = row.exposureTenths {
                // Right-aligned in 8 columns: the text is the integer's digits, a dot and one more.
                var digits = 1, rest = t / 10
                while rest >= 10 { digits += 1; rest /= 10 }
                Self.spaces(8 - digits - 2, into: &out)
                appendTenths(t, to: &out)
            } else {
                Self.spaces(8, into: &out)
            }
            out.append(UInt8(ascii: "\n"))
            if let fix = remedy {
                out += "  ".utf8
                out += paint(arrow + fix.joined(separator: "; "), grey).utf8
                out.append(UInt8(ascii: "\n"))
            }
        }
        let level = r.assessment.level
        out += (utf8 ? "\n→ " : "\n-> ").utf8
        out += paint("Overall exposure level for \(r.assessment.unitName)", bold).utf8
        out += ": ".utf8
        out += paint("\(tenthsText(r.assessment.exposure)) \(level.rawValue)", level.ansiColor).utf8
        out += " \(utf8 ? level.emoji : level.asciiFace)\n".utf8
    }

    /// One line per unit, most exposed first; masked units follow, marked as such in the
    /// PREDICATE column, and units that failed to load show their error last.
    public func overview(_ results: [(target: String, result: Result<Report, AnalyzeError>)]) -> String {
        let scored = results.compactMap { item -> Report? in if case .success(let r) = item.result { return r }; return nil }
            .sorted { ($0.assessment.exposure, $1.assessment.unitName) > ($1.assessment.exposure, $0.assessment.unitName) }
        let width = max(4, results.map { Self.width($0.target) }.max() ?? 0)
        var out: [UInt8] = []
        if legend {
            Self.pad("UNIT", width, into: &out)
            out += " EXPOSURE PREDICATE HAPPY\n".utf8
        }
        for r in scored {
            let level = r.assessment.level, exposure = tenthsText(r.assessment.exposure)
            Self.pad(r.assessment.unitName, width, into: &out)
            Self.spaces(9 - exposure.utf8.count, into: &out)
            out += exposure.utf8
            out += (" " + paint(pad(level.rawValue, 9), level.ansiColor) + " " + (utf8 ? level.emoji : level.asciiFace) + "\n").utf8
        }
        for case let (target, .failure(e)) in results where e.isMasked {
            Self.pad(target, width, into: &out)
            out += ("          " + paint("masked", grey) + "\n").utf8
        }
        for case let (target, .failure(e)) in results where !e.isMasked {
            Self.pad(target, width, into: &out)
            out += (" " + paint("error: \(e.message)", red) + "\n").utf8
        }
        return String(decoding: out, as: UTF8.self)
    }
}

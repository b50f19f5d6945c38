/// The syntax of systemd.syntax(7): sections, `Key=Value` lines, comments, backslash continuation.
/// It knows nothing of what a directive means; it only cuts a file into assignments the way
/// systemd's configuration parser does, including its quirks (a comment line inside a continued
/// value is skipped, a continuation pending at the end of the file still counts).
public enum UnitFileParser {
    /// systemd refuses lines (and joined continuations) longer than this.
    public static let maximumLineLength = 1024 * 1024
    /// brig refuses unit files larger than this. systemd has no such limit (it reads line by line);
    /// brig reads a file whole before parsing it, so the cap is what keeps its memory bounded.
    public static let maximumFileSize = 64 * 1024 * 1024

    public struct Result: Sendable {
        public var assignments: [Assignment] = []
        /// Section headers in the order they appear, including ignored ones.
        public var sections: [String] = []
        public var diagnostics: [Diagnostic] = []
    }

    /// Parses one file's bytes. `allowedSections` are the sections this unit type has; assignments in
    /// other sections are dropped with a warning (as systemd does), `X-` sections silently.
    public static func parse(
        _ bytes: [UInt8], path: String, allowedSections: Set<String>? = nil
    ) throws(UnitFileError) -> Result {
        if bytes.contains(0) { throw .binary(path: path) }
        var state = State(path: path, allowedSections: allowedSections)
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var lineNumber = 0
        // The logical line being continued, and the line it started on (nil: none pending). Each
        // physical line is appended once, so continuation costs time linear in the file.
        var text: [UInt8] = []
        var firstLine: Int? = nil

        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
            lineNumber += 1
            let line = bytes[start..<end]
            // \r\n counts as one line end.
            start = end + (end + 1 < bytes.count && bytes[end] == 0x0D && bytes[end + 1] == 0x0A ? 2 : 1)
            if line.count > maximumLineLength {
                throw .lineTooLong(SourceLocation(file: path, line: lineNumber))
            }
            if let first = line.first(where: { !isWhitespace($0) }), first == UInt8(ascii: "#") || first == UInt8(ascii: ";") {
                continue
            }
            if firstLine == nil { text.removeAll(keepingCapacity: true); firstLine = lineNumber }
            text += line
            if text.count > maximumLineLength {
                throw .lineTooLong(SourceLocation(file: path, line: lineNumber))
            }
            // A continuation's own backslash became a blank, so escapes never span the join.
            if endsWithUnescapedBackslash(line) {
                text[text.count - 1] = UInt8(ascii: " ")
                continue
            }
            try state.parseLine(text, line: firstLine!)
            firstLine = nil
        }
        if let firstLine {
            state.result.diagnostics.append(Diagnostic(
                .warning, SourceLocation(file: path, line: firstLine),
                "file ends inside a line continued with a backslash; the value is used as it stands"))
            try state.parseLine(text, line: firstLine)
        }
        return state.result
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func endsWithUnescapedBackslash(_ text: ArraySlice<UInt8>) -> Bool {
        var escaped = false
        for byte in text {
            if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true }
        }
        return escaped
    }

    private struct State {
        let path: String
        let allowedSections: Set<String>?
        var result = Result()
        var section: String? = nil
        var sectionIgnored = false

        init(path: String, allowedSections: Set<String>?) {
            self.path = path
            self.allowedSections = allowedSections
        }

        mutating func parseLine(_ raw: [UInt8], line: Int) throws(UnitFileError) {
            var lower = 0, upper = raw.count
            while lower < upper, isWhitespace(raw[lower]) { lower += 1 }
            while upper > lower, isWhitespace(raw[upper - 1]) { upper -= 1 }
            if lower == upper { return }
            let location = SourceLocation(file: path, line: line, column: lower + 1)
            guard let text = String(validating: raw[lower..<upper], as: UTF8.self) else {
                result.diagnostics.append(Diagnostic(.warning, location, "line is not valid UTF-8, ignoring it"))
                return
            }
            if text.hasPrefix("[") {
                try parseSectionHeader(text, location: location)
                return
            }
            guard let section else {
                if !sectionIgnored {
                    result.diagnostics.append(Diagnostic(.warning, location, "assignment outside of any section, ignoring it"))
                }
                return
            }
            // Cut by bytes, as systemd does: '=' and the blanks are ASCII, so both parts stay UTF-8.
            guard let equals = raw[lower..<upper].firstIndex(of: UInt8(ascii: "=")) else {
                result.diagnostics.append(Diagnostic(.warning, location, "missing '=', ignoring line"))
                return
            }
            let key = Self.trimmed(raw[lower..<equals])
            if key.isEmpty {
                result.diagnostics.append(Diagnostic(.warning, location, "missing key name before '=', ignoring line"))
                return
            }
            let value = Self.trimmed(raw[(equals + 1)..<upper])
            result.assignments.append(Assignment(section: section, key: key, value: value, location: location))
        }

        /// The bytes without systemd's blanks at either end, as a string.
        static func trimmed(_ bytes: ArraySlice<UInt8>) -> String {
            var lower = bytes.startIndex, upper = bytes.endIndex
            while lower < upper, isWhitespace(bytes[lower]) { lower += 1 }
            while upper > lower, isWhitespace(bytes[upper - 1]) { upper -= 1 }
            return String(decoding: bytes[lower..<upper], as: UTF8.self)
        }

        mutating func parseSectionHeader(_ text: String, location: SourceLocation) throws(UnitFileError) {
            guard text.count >= 2, text.hasSuffix("]") else { throw .badSectionHeader(location, text) }
            let name = String(text.dropFirst().dropLast())
            if name.isEmpty || name.contains(where: { $0.isNewline || $0 == "[" || $0 == "]" || $0.asciiValue.map { $0 < 0x20 } == true }) {
                throw .badSectionHeader(location, text)
            }
            result.sections.append(name)
            if let allowedSections, !allowedSections.contains(name) {
                if !name.hasPrefix("X-") {
                    result.diagnostics.append(Diagnostic(.warning, location, "unknown section [\(name)], ignoring its lines"))
                }
                section = nil
                sectionIgnored = true
            } else {
                section = name
                sectionIgnored = false
            }
        }
    }
}

extension StringProtocol {
    /// Strips systemd's whitespace set (space, tab, CR, LF) from both ends.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = lastIndex(where: { !isSpace($0) })!
        return String(self[first...last])
    }
}

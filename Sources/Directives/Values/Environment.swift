/// Environment=, EnvironmentFile=, PassEnvironment=, UnsetEnvironment= values.
public enum EnvironmentValues {
    /// Parses Environment=: quoted words, each `NAME=VALUE` with a valid variable name; other
    /// words are left out and noted in `skipped`.
    public static func assignments(_ value: String, expand: (String) throws(ValueError) -> String,
                                   skipped: inout [ValueError]) throws(ValueError) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        for raw in rawWords(value) {
            let w: String
            do throws(ValueError) { w = try expand(try unescapedWord(raw)) } catch {
                skipped.append(.listEnds(at: raw, error.message))
                break   // systemd stops reading the line at a word it cannot read; earlier words apply
            }
            guard let eq = w.firstIndex(of: "="), isValidName(w[..<eq]) else {
                skipped.append(ValueError("'\(w)' is not a NAME=VALUE assignment with a valid variable name"))
                continue
            }
            result.append((String(w[..<eq]), String(w[w.index(after: eq)...])))
        }
        return result
    }

    /// A variable name as systemd accepts it: letters, digits, underscore, not starting with a digit.
    public static func isValidName<S: StringProtocol>(_ name: S) -> Bool {
        guard let first = name.first, !first.isASCIIDigit else { return false }
        return name.allSatisfy { $0.isASCIIDigit || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "_" }
    }

    /// Parses PassEnvironment=/UnsetEnvironment= word lists (UnsetEnvironment may also name
    /// `NAME=VALUE`); invalid names are left out and noted in `skipped`, and so is a quoting
    /// error, which ends the list there (the names before it apply).
    public static func names(_ value: String, allowAssignments: Bool, skipped: inout [ValueError]) -> [String] {
        var result: [String] = []
        for word in listWords(value, skipped: &skipped) {
            let name = allowAssignments ? word.prefix { $0 != "=" } : Substring(word)
            guard isValidName(name) else { skipped.append(ValueError("'\(word)' is not a valid environment variable name")); continue }
            result.append(word)
        }
        return result
    }
}

/// EnvironmentFile= entry: an absolute path, `-` to ignore a missing file.
public struct EnvironmentFile: Hashable, Sendable {
    public var path: String
    public var ignoreIfMissing: Bool

    public init(parsing value: String) throws(ValueError) {
        ignoreIfMissing = value.hasPrefix("-")
        path = String(ignoreIfMissing ? value.dropFirst() : Substring(value))
        try Paths.checkAbsolute(path)
    }
}

/// EnvironmentFile= syntax: KEY=VALUE lines, "#"/";" comments, optional
/// single or double quotes around the value.
public enum EnvironmentFileParser {
    public static func parse(_ text: String) -> [(String, String)] {
        var result: [(String, String)] = []
        for raw in text.split(separator: "\n") {
            let line = stripped(raw)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let name = String(stripped(line[..<eq]))
            var value = String(stripped(line[line.index(after: eq)...]))
            if value.count >= 2, let f = value.first, f == value.last, f == "\"" || f == "'" {
                value = String(value.dropFirst().dropLast())
            }
            if !name.isEmpty { result.append((name, value)) }
        }
        return result
    }

    /// Without leading and trailing white space (any, \r included).
    static func stripped(_ text: Substring) -> Substring {
        var s = text
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return s
    }
}

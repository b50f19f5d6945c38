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

/// An EnvironmentFile='s contents read as systemd's parse_env_file_internal() reads them
/// (src/basic/env-file.c): `KEY=VALUE` lines, `#` or `;` opening a comment where a key would
/// start; a value in single quotes taken as it is, in double quotes with `\"`, `\\`, `` \` ``
/// and `\$` unescaped (other backslashes kept), unquoted with a backslash escaping the next
/// character and trailing blanks cut; quoted and unquoted parts joined; a backslash before a
/// newline joins the lines. Keys that are not valid variable names are left out afterwards, as
/// systemd's strv_env_clean() leaves them out.
public enum EnvironmentFileParser {
    private enum State { case preKey, key, preValue, value, valueEscape, singleQuote, doubleQuote, doubleQuoteEscape, comment, commentEscape }

    /// The assignments in order (a later one of a name replaces an earlier one where they are
    /// applied); nil when a key or value is not UTF-8, which fails the whole file in systemd.
    /// A NUL ends the contents, as it ends systemd's string.
    public static func parse(_ contents: some Collection<UInt8>) -> [(String, String)]? {
        var result: [(String, String)] = []
        var key: [UInt8] = [], value: [UInt8] = []
        var keyBlankFrom: Int? = nil, valueBlankFrom: Int? = nil
        var state = State.preKey
        var failed = false
        func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        func isNewline(_ c: UInt8) -> Bool { c == 0x0A || c == 0x0D }
        func push(chompValue: Bool) {
            if let cut = keyBlankFrom { key.removeSubrange(cut...) }
            if chompValue, let cut = valueBlankFrom { value.removeSubrange(cut...) }
            if let k = String(validating: key, as: UTF8.self), let v = String(validating: value, as: UTF8.self) {
                result.append((k, v))
            } else {
                failed = true
            }
            key = []; value = []
        }
        for c in contents.prefix(while: { $0 != 0 }) {
            switch state {
            case .preKey:
                if c == UInt8(ascii: "#") || c == UInt8(ascii: ";") { state = .comment }
                else if !isBlank(c) { state = .key; keyBlankFrom = nil; key.append(c) }
            case .key:
                if isNewline(c) { state = .preKey; key = [] }
                else if c == UInt8(ascii: "=") { state = .preValue; valueBlankFrom = nil }
                else {
                    if !isBlank(c) { keyBlankFrom = nil } else if keyBlankFrom == nil { keyBlankFrom = key.count }
                    key.append(c)
                }
            case .preValue:
                if isNewline(c) { state = .preKey; push(chompValue: false) }
                else if c == UInt8(ascii: "'") { state = .singleQuote }
                else if c == UInt8(ascii: "\"") { state = .doubleQuote }
                else if c == UInt8(ascii: "\\") { state = .valueEscape }
                else if !isBlank(c) { state = .value; value.append(c) }
            case .value:
                if isNewline(c) { state = .preKey; push(chompValue: true) }
                else if c == UInt8(ascii: "\\") { state = .valueEscape; valueBlankFrom = nil }
                else {
                    if !isBlank(c) { valueBlankFrom = nil } else if valueBlankFrom == nil { valueBlankFrom = value.count }
                    value.append(c)
                }
            case .valueEscape:
                state = .value
                if !isNewline(c) { value.append(c) }   // an escaped newline joins the lines
            case .singleQuote:
                if c == UInt8(ascii: "'") { state = .preValue } else { value.append(c) }
            case .doubleQuote:
                if c == UInt8(ascii: "\"") { state = .preValue }
                else if c == UInt8(ascii: "\\") { state = .doubleQuoteEscape }
                else { value.append(c) }
            case .doubleQuoteEscape:
                state = .doubleQuote
                if "\"\\`$".utf8.contains(c) { value.append(c) }
                else if c != 0x0A { value += [UInt8(ascii: "\\"), c] }
            case .comment:
                if c == UInt8(ascii: "\\") { state = .commentEscape } else if isNewline(c) { state = .preKey }
            case .commentEscape:
                state = .comment
            }
        }
        switch state {
        case .preValue, .valueEscape, .singleQuote, .doubleQuote, .doubleQuoteEscape: push(chompValue: false)
        case .value: push(chompValue: true)
        case .preKey, .key, .comment, .commentEscape: break
        }
        return failed ? nil : result
    }

    /// `text` as above, what does not parse left out (the system locale files).
    public static func parse(_ text: String) -> [(String, String)] { parse(Array(text.utf8)) ?? [] }
}

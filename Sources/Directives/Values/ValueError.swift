/// Why a directive's value does not parse. The message is shown to the user as written here,
/// prefixed by the file location, so it names the offending word.
public struct ValueError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    /// A quoting error in a list: systemd stops reading the line at it but keeps the words before.
    public var cutsListShort: Bool
    public init(_ message: String, cutsListShort: Bool = false) { self.message = message; self.cutsListShort = cutsListShort }
    /// The word `raw` of a list could not be read (`reason`): the list ends before it.
    static func listEnds(at raw: Substring, _ reason: String) -> ValueError {
        ValueError("\(reason) in '\(raw)'", cutsListShort: true)
    }
    public var description: String { message }
}

/// Splits a value into words the way systemd's extract_first_word does (quotes removed; C escapes
/// decoded only with `.cUnescape`, as for command lines and Environment=).
func words(_ value: String, _ options: Words.Options = .unquote) throws(ValueError) -> [String] {
    do { return try Words.split(value, options: options) } catch { throw ValueError(error.message) }
}

/// The words of a list as systemd's list parsers read them: one at a time, stopping at the first
/// word that does not read (an unterminated quote, a bad escape). systemd applies the words before
/// that one and drops it and everything after; `stop` says why it stopped (nil: the whole value read).
func leadingWords(_ value: String, _ options: Words.Options = .unquote) -> (words: [String], stop: ValueError?) {
    if let words = Words.plainWords(value) { return (words, nil) }
    var result: [String] = []
    for raw in rawWords(value, quotes: options.contains(.unquote)) {
        do {
            result += try Words.split(String(raw), options: options)
        } catch {
            return (result, .listEnds(at: raw, error.message))
        }
    }
    return (result, nil)
}

/// The words of a list up to a quoting error, which is noted in `skipped` (see `leadingWords`).
func listWords(_ value: String, _ options: Words.Options = .unquote, skipped: inout [ValueError]) -> [String] {
    let (list, stop) = leadingWords(value, options)
    if let stop { skipped.append(stop) }
    return list
}

/// The words of a value as written, quotes and escapes kept, cut where `words` cuts (blanks
/// outside quotes, not escaped; quotes group only when `quotes`). Command lines and Environment=
/// need them: systemd looks at a word's raw text (a bare `;`, `\;`) and stops at the first word
/// it cannot read.
func rawWords(_ value: String, quotes: Bool = true) -> [Substring] {
    var result: [Substring] = []
    var start: String.Index?
    var quote: Character?
    var i = value.startIndex
    while i < value.endIndex {
        let c = value[i]
        if c == "\\" {
            if start == nil { start = i }
            i = value.index(after: i)
            if i < value.endIndex { i = value.index(after: i) }
            continue
        }
        if let open = quote {
            if c == open { quote = nil }
        } else if quotes, c == "\"" || c == "'" {
            quote = c
            if start == nil { start = i }
        } else if c.isBlank {
            if let s = start { result.append(value[s..<i]); start = nil }
        } else if start == nil {
            start = i
        }
        i = value.index(after: i)
    }
    if let s = start { result.append(value[s...]) }
    return result
}

/// One raw word read as systemd reads it (quotes removed, C escapes decoded).
func unescapedWord(_ raw: Substring) throws(ValueError) -> String {
    try words(String(raw), .standard).joined()
}

extension StringProtocol where SubSequence == Substring {
    /// The string with leading and trailing blanks (space, tab, newline) removed.
    var trimmed: Substring {
        let s = self[...]
        guard let first = s.firstIndex(where: { !$0.isBlank }) else { return s[s.endIndex...] }
        let last = s.lastIndex(where: { !$0.isBlank })!
        return s[first...last]
    }
}

extension Character {
    var isBlank: Bool { self == " " || self == "\t" || self == "\n" || self == "\r" }
}

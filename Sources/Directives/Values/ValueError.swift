/// Why a directive's value does not parse. The message is shown to the user as written here,
/// prefixed by the file location, so it names the offending word.
public struct ValueError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Splits a value into words the way systemd's extract_first_word does (quotes removed; C escapes
/// decoded only with `.cUnescape`, as for command lines and Environment=).
func words(_ value: String, _ options: Words.Options = .unquote) throws(ValueError) -> [String] {
    do { return try Words.split(value, options: options) } catch { throw ValueError(error.message) }
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

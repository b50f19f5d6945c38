/// Splitting a value into words the way systemd's directives that take lists do (systemd.syntax(7),
/// "Quoting"): whitespace separates words, single and double quotes group them, backslash escapes.
public enum Words {
    public struct Options: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Quotes group characters into one word and are removed.
        public static let unquote = Options(rawValue: 1)
        /// C escapes (`\n`, `\x41`, `\101`, `\u00e9` ...) are decoded instead of only dropping the backslash.
        public static let cUnescape = Options(rawValue: 2)
        /// An unterminated quote or trailing backslash is accepted as written instead of being an error.
        public static let relax = Options(rawValue: 4)
        /// An escape `cUnescape` does not know keeps its backslash and character, and a trailing
        /// backslash outside quotes stays (systemd's EXTRACT_UNESCAPE_RELAX).
        public static let keepUnknownEscapes = Options(rawValue: 8)
        public static let standard: Options = [.unquote, .cUnescape]
    }

    /// Splits `value` into words. Throws on an unterminated quote or a bad escape, naming the value.
    public static func split(
        _ value: String, options: Options = .standard
    ) throws(UnitFileError) -> [String] {
        if let words = plainWords(value) { return words }
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character? = nil
        var characters = value.makeIterator()

        while let character = characters.next() {
            if character == "\\" {
                guard let next = characters.next() else {
                    if options.contains(.relax) || (options.contains(.keepUnknownEscapes) && quote == nil) {
                        current.append("\\"); inWord = true; break
                    }
                    throw .badEscape(value)
                }
                inWord = true
                if options.contains(.cUnescape) {
                    var rest = characters
                    do {
                        current += try unescapeOne(next, rest: &rest, in: value)
                        characters = rest
                    } catch where options.contains(.keepUnknownEscapes) {
                        current += "\\" + String(next)
                    }
                } else {
                    current.append(next)
                }
            } else if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if options.contains(.unquote), character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if isSeparator(character) {
                if inWord { words.append(current); current = ""; inWord = false }
            } else {
                current.append(character)
                inWord = true
            }
        }
        if quote != nil, !options.contains(.relax) { throw .unterminatedQuote(value) }
        if inWord { words.append(current) }
        return words
    }

    /// The words of a value with nothing to unquote or unescape (ASCII without backslashes,
    /// quotes or carriage returns: most values), cut at blanks byte by byte; nil for any other
    /// value, which needs the character-by-character reading. Whatever the options, such a value
    /// splits the same way.
    public static func plainWords(_ value: String) -> [String]? {
        var value = value
        return value.withUTF8 { bytes -> [String]? in
            var words: [String] = []
            var start = -1
            for i in bytes.indices {
                switch bytes[i] {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"):
                    if start >= 0 {
                        words.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
                        start = -1
                    }
                case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\r"), 0x80...:
                    return nil
                default:
                    if start < 0 { start = i }
                }
            }
            if start >= 0 { words.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self)) }
            return words
        }
    }

    /// Whitespace between words. A switch rather than a Set<Character>: the first Set of a new
    /// element type costs a scan of every protocol conformance in the binary at run time.
    static func isSeparator(_ character: Character) -> Bool {
        switch character {
        case " ", "\t", "\n", "\r": true
        default: false
        }
    }

    /// Decodes every C escape in `text` (systemd's cunescape).
    public static func unescapeC(_ text: String) throws(UnitFileError) -> String {
        var result = ""
        var characters = text.makeIterator()
        while let character = characters.next() {
            if character == "\\" {
                guard let next = characters.next() else { throw .badEscape(text) }
                result += try unescapeOne(next, rest: &characters, in: text)
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// One escape sequence whose backslash was already consumed and whose first character is `first`.
    static func unescapeOne(
        _ first: Character, rest: inout String.Iterator, in value: String
    ) throws(UnitFileError) -> String {
        switch first {
        case "a": return "\u{07}"
        case "b": return "\u{08}"
        case "f": return "\u{0C}"
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "v": return "\u{0B}"
        case "\\", "\"", "'": return String(first)
        case "s": return " "
        case "x": return try scalar(from: &rest, digits: 2, radix: 16, value)
        case "u": return try scalar(from: &rest, digits: 4, radix: 16, value)
        case "U": return try scalar(from: &rest, digits: 8, radix: 16, value)
        case "0"..."7":
            var digits = String(first)
            for _ in 0..<2 {
                guard let next = rest.next(), ("0"..."7").contains(next) else { throw .badEscape(value) }
                digits.append(next)
            }
            guard let code = UInt32(digits, radix: 8), code > 0, let scalar = Unicode.Scalar(code) else {
                throw .badEscape(value)
            }
            return String(scalar)
        default:
            throw .badEscape(value)
        }
    }

    private static func scalar(
        from rest: inout String.Iterator, digits: Int, radix: Int, _ value: String
    ) throws(UnitFileError) -> String {
        var text = ""
        for _ in 0..<digits {
            guard let next = rest.next() else { throw .badEscape(value) }
            text.append(next)
        }
        // A NUL byte cannot be part of a C string; systemd refuses it too.
        guard let code = UInt32(text, radix: radix), code > 0, let scalar = Unicode.Scalar(code) else {
            throw .badEscape(value)
        }
        return String(scalar)
    }
}

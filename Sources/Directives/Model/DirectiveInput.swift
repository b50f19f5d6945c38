/// One assignment being applied to the model: its raw value, where it was written, and the
/// unit's specifiers, with the readers the model's sections share.
public struct DirectiveInput {
    public let key: String
    public let value: String
    public let location: SourceLocation
    let specifiers: Specifiers
    private let skipped = SkippedWords()

    public init(key: String, value: String, location: SourceLocation, specifiers: Specifiers) {
        self.key = key; self.value = value; self.location = location; self.specifiers = specifiers
    }

    /// The words of a list that were left out because they do not parse, while the rest of the
    /// line applied: systemd's list parsers warn about such a word and keep going.
    public var skippedWords: [ValueError] { skipped.errors }

    /// Leaves one word of a list out (see `skippedWords`).
    func skip(_ error: ValueError) { skipped.errors.append(error) }

    /// `text` with %-specifiers resolved, for directives systemd expands.
    func expand(_ text: String) throws(ValueError) -> String {
        do { return try specifiers.expand(text, at: location) } catch { throw ValueError(error.message) }
    }

    /// The whole value with specifiers resolved.
    func expanded() throws(ValueError) -> String { try expand(value) }

    func bool() throws(ValueError) -> Bool { try parseBoolean(value) }

    func time(_ unit: TimeSpan.Unit = .second) throws(ValueError) -> TimeSpan { try TimeSpan(parsing: value, defaultUnit: unit) }

    /// The words of the value (quotes removed), each with specifiers resolved.
    func expandedWords() throws(ValueError) -> [String] {
        var result: [String] = []
        for w in try words(value) { result.append(try expand(w)) }
        return result
    }

    /// Appends the parsed words to a list, or empties it for an empty value (systemd's reset).
    func appendWords<T>(to list: inout [T], _ parse: (String) throws(ValueError) -> T) throws(ValueError) {
        if value.isEmpty { list = []; return }
        for w in try expandedWords() { list.append(try parse(w)) }
    }

    /// A value that may be empty to return to the default (nil).
    func optional<T>(_ parse: (String) throws(ValueError) -> T) throws(ValueError) -> T? {
        value.isEmpty ? nil : try parse(value)
    }
}

/// Where a list parser collects the words it leaves out.
private final class SkippedWords { var errors: [ValueError] = [] }

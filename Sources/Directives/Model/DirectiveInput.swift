/// One assignment being applied to the model: its raw value, where it was written, and the
/// unit's specifiers, with the readers the model's sections share.
public struct DirectiveInput {
    public let key: String
    public let value: String
    public let location: SourceLocation
    let specifiers: Specifiers
    /// The systemd release whose reading applies where releases differ (v252 unless asked).
    public let rules: SystemdRelease
    /// Words of a list that were left out while the rest applied, as systemd skips them.
    public let skipped = SkippedWords()

    public init(key: String, value: String, location: SourceLocation, specifiers: Specifiers, rules: SystemdRelease = .v252) {
        self.key = key; self.value = value; self.location = location; self.specifiers = specifiers; self.rules = rules
    }

    /// `text` with %-specifiers resolved, for directives systemd expands.
    func expand(_ text: String) throws(ValueError) -> String {
        do { return try specifiers.expand(text, at: location) } catch { throw ValueError(error.message) }
    }

    /// The whole value with specifiers resolved.
    func expanded() throws(ValueError) -> String { try expand(value) }

    func bool() throws(ValueError) -> Bool { try parseBoolean(value) }

    /// A boolean that later releases widened into modes (PrivateTmp=disconnected, ...): under the
    /// rules of a release that knows the mode (`ReleaseFacts.modes`) it turns the setting on; an
    /// older release ignores the line.
    func boolOrMode() throws(ValueError) -> Bool {
        if mode() != nil { return true }
        return try bool()
    }

    /// The mode word of such a boolean when the rules' release knows it ("disconnected"), else nil.
    func mode() -> String? {
        rules.facts.modes[key]?.contains(value) == true ? value : nil
    }

    /// The same assignment with another value (a part of this one).
    func with(value: String) -> DirectiveInput {
        DirectiveInput(key: key, value: value, location: location, specifiers: specifiers, rules: rules)
    }

    func time(_ unit: TimeSpan.Unit = .second) throws(ValueError) -> TimeSpan { try TimeSpan(parsing: value, defaultUnit: unit) }

    /// The words of `text` (the value unless given) up to a quoting error, which is noted in
    /// `skipped`: systemd's list parsers apply the words before it and read no further.
    func listWords(_ text: String? = nil, _ options: Words.Options = .unquote) -> [String] {
        Directives.listWords(text ?? value, options, skipped: &skipped.problems)
    }

    /// Appends the parsed words to a list, or empties it for an empty value (systemd's reset).
    /// A word that does not parse is skipped and noted; the others still apply, as in systemd.
    func appendWords<T>(to list: inout [T], _ parse: (String) throws(ValueError) -> T) throws(ValueError) {
        if value.isEmpty { list = []; return }
        for w in listWords() {
            do throws(ValueError) { list.append(try parse(try expand(w))) } catch { skipped.problems.append(error) }
        }
    }

    /// A value that may be empty to return to the default (nil).
    func optional<T>(_ parse: (String) throws(ValueError) -> T) throws(ValueError) -> T? {
        value.isEmpty ? nil : try parse(value)
    }
}

/// The words of one assignment that did not parse. systemd leaves such a word out of a list and
/// applies the rest; brig does the same and reports each as an error.
public final class SkippedWords {
    public internal(set) var problems: [ValueError] = []
    /// What systemd warns about and reads anyway (an escape it does not know, kept as written).
    public internal(set) var notes: [String] = []
}

#if canImport(Glibc)
import Glibc
#endif

/// What systemd 252 makes of a directive name in a section.
public enum DirectiveStatus: Hashable, Sendable {
    /// Known here; `hint` is the value kind systemd prints (BOOLEAN, SECONDS, OTHER, ...).
    case known(hint: String)
    /// Once supported, now accepted and ignored with a warning (Capabilities=, SysVStartPriority=, ...).
    case removed
    /// Not in systemd 252 but accepted by a later systemd (v261 at the latest we know).
    case newer
    /// Known, but only in these other sections.
    case wrongSection([String])
    /// Not a directive at all; the closest known name, if one is close enough.
    case unknown(suggestion: String?)
}

/// The directives systemd knows, per section.
public enum DirectiveRegistry {
    /// Section -> directive -> value hint, for systemd 252.
    public static let known: [String: [String: String]] = {
        var table: [String: [String: String]] = [:]
        for line in systemd252DirectiveTable.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            table[String(fields[0]), default: [:]][String(fields[1])] = fields.count > 2 ? String(fields[2]) : ""
        }
        return table
    }()

    /// Section -> directives added after systemd 252.
    public static let newer: [String: Set<String>] = {
        var table: [String: Set<String>] = [:]
        for line in newerDirectiveTable.split(separator: "\n") {
            let fields = line.split(separator: " ")
            table[String(fields[0]), default: []].insert(String(fields[1]))
        }
        return table
    }()

    /// Section -> directives systemd 252 still recognizes only to say they are gone (its
    /// load-fragment-gperf marks them DISABLED_LEGACY; --dump-configuration-items leaves them out).
    public static let removed: [String: Set<String>] = [
        "Unit": ["IgnoreOnSnapshot"],
        "Service": ["Capabilities", "NetClass", "SysVStartPriority", "BusPolicy"],
        "Socket": ["Capabilities", "NetClass"], "Mount": ["Capabilities", "NetClass"], "Swap": ["Capabilities", "NetClass"],
        "Slice": ["NetClass"], "Scope": ["NetClass"],
    ]

    /// Directive -> the sections that know it.
    private static let sectionsByName: [String: [String]] = {
        var result: [String: [String]] = [:]
        for (section, names) in known { for name in names.keys { result[name, default: []].append(section) } }
        return result.mapValues { $0.sorted() }
    }()

    /// Looks a directive up as systemd 252 would, with a suggestion for near misses.
    public static func status(section: String, name: String) -> DirectiveStatus {
        if let hint = knownHint(section: section, name: name) { return .known(hint: hint) }
        if removed[section]?.contains(name) == true { return .removed }
        if newer[section]?.contains(name) == true { return .newer }
        if let elsewhere = sectionsByName[name] { return .wrongSection(elsewhere) }
        return .unknown(suggestion: suggestion(for: name, in: section))
    }

    /// The value hint of a directive systemd 252 knows, read from the table text itself: the
    /// lookups of a start-up must not pay for building `known` (about 1,200 entries).
    static func knownHint(section: String, name: String) -> String? {
        let plain = { (word: String) in !word.isEmpty && !word.utf8.contains { $0 == 0x20 || $0 == 0x0A } }
        guard plain(section), plain(name) else { return known[section]?[name] }
        let key = Array("\n\(section) \(name)".utf8)
        var table = systemd252DirectiveTable
        return table.withUTF8 { text -> String? in
            // Every line is searched as "\nSection Name"; the first has no newline before it.
            var from = 0
            if text.starts(with: key.dropFirst()) { from = -1 }
            while true {
                let at: Int
                if from < 0 {
                    at = -1
                } else {
                    guard let hit = find(key, in: text, from: from) else { return nil }
                    at = hit
                }
                let end = at + key.count
                if end == text.count || text[end] == UInt8(ascii: "\n") { return "" }
                if text[end] == UInt8(ascii: " ") {
                    var stop = end + 1
                    while stop < text.count, text[stop] != UInt8(ascii: "\n") { stop += 1 }
                    return String(decoding: UnsafeBufferPointer(rebasing: text[(end + 1)..<stop]), as: UTF8.self)
                }
                from = at + 1   // a longer name with the same beginning
            }
        }
    }

    /// The first offset at or after `from` where `key` (which starts with a newline) occurs.
    private static func find(_ key: [UInt8], in text: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard key.count <= text.count else { return nil }
        return key.withUnsafeBytes { k -> Int? in
            var i = from
            while i <= text.count - key.count {
                if text[i] == UInt8(ascii: "\n"), memcmp(text.baseAddress! + i, k.baseAddress!, key.count) == 0 { return i }
                i += 1
            }
            return nil
        }
    }

    /// The directive of `section` closest to `name` by edit distance (case-insensitive), if close enough.
    public static func suggestion(for name: String, in section: String) -> String? {
        let candidates = Array((known[section] ?? [:]).keys) + Array(newer[section] ?? [])
        let lowered = Array(name.lowercased())
        let scored = candidates.map { ($0, editDistance(lowered, Array($0.lowercased()))) }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else { return nil }
        return best.1 <= max(2, name.count / 4) ? best.0 : nil
    }

    /// Levenshtein distance between two character arrays.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1]
            for (j, cb) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}

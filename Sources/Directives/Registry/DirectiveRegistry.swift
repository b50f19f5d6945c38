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

    /// Whether systemd 252 or a later release knows the directive in the section.
    public static func exists(section: String, name: String) -> Bool {
        knownHint(section: section, name: name) != nil || newer[section]?.contains(name) == true
    }

    /// Looks a directive up as systemd 252 would, with a suggestion for near misses.
    public static func status(section: String, name: String) -> DirectiveStatus {
        if let hint = knownHint(section: section, name: name) { return .known(hint: hint) }
        if removed[section]?.contains(name) == true { return .removed }
        if newer[section]?.contains(name) == true { return .newer }
        if let elsewhere = sectionsByName[name] { return .wrongSection(elsewhere) }
        return .unknown(suggestion: suggestion(for: name, in: section))
    }

    /// The value hint of a directive systemd 252 knows, read from the table text itself: the
    /// lookups of a start-up must not pay for building `known` (about 1,200 entries). The lines
    /// are sorted bytewise, so a binary search finds one in about eleven comparisons.
    static func knownHint(section: String, name: String) -> String? {
        // No directive or section name holds a space or a control character (the search relies on it).
        func isName(_ s: String) -> Bool { !s.utf8.contains { $0 <= UInt8(ascii: " ") } }
        guard isName(section), isName(name) else { return nil }
        var key = section + " " + name
        var table = systemd252DirectiveTable
        return key.withUTF8 { key in table.withUTF8 { text in hint(of: key, in: text) } }
    }

    /// Binary search over whole lines of `text` for the one whose "Section Name" is `key`.
    /// A line's key ends at the space before its hint, or at the end of the line; both sort below
    /// every byte of a name, so comparing the key with the line's bytes orders the lines as their
    /// keys do, without first finding where each line's key ends (this runs for every assignment
    /// of every unit `brig analyze` reads).
    private static func hint(of key: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>) -> String? {
        let newline = UInt8(ascii: "\n"), space = UInt8(ascii: " ")
        guard let keyBytes = key.baseAddress, let textBytes = text.baseAddress else { return nil }
        /// Where the line starting at `start` ends (its newline, or `limit`).
        func lineEnd(_ start: Int, _ limit: Int) -> Int {
            guard let found = memchr(textBytes + start, Int32(newline), limit - start) else { return limit }
            return UnsafeRawPointer(found) - UnsafeRawPointer(textBytes)
        }
        var low = 0, high = text.count   // the lines still in question start at low and end before high
        while low < high {
            var start = low + (high - low) / 2
            while start > low, textBytes[start - 1] != newline { start -= 1 }
            let common = min(key.count, high - start)
            var order = Int(memcmp(keyBytes, textBytes + start, common))
            if order == 0 {
                if common < key.count {
                    order = 1   // the text ends inside the key: the line's key is a prefix of it
                } else {
                    let next = start + key.count < high ? textBytes[start + key.count] : newline
                    order = next == space || next == newline ? 0 : -1
                }
            }
            if order < 0 {
                high = start
            } else if order > 0 {
                low = lineEnd(start, high) + 1
            } else {
                let hintStart = min(start + key.count + 1, high)
                let end = max(hintStart, lineEnd(start + key.count, high))
                return String(decoding: UnsafeBufferPointer(rebasing: text[hintStart..<end]), as: UTF8.self)
            }
        }
        return nil
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

#if canImport(Glibc)
import Glibc
#endif

/// Calendar expressions of OnCalendar= (systemd.time(7), "Calendar Events"), checked for form:
/// `[WEEKDAYS] [[YEAR-]MONTH-DAY] [HOUR:MINUTE[:SECOND]] [TIMEZONE]`, a shortcut such as `daily`,
/// or `@SECONDS`. Each number field takes `*`, values, `A..B` ranges, `,` lists and `/N` repeats.
public enum CalendarSpec {
    static let shortcuts: Set<String> = [
        "minutely", "hourly", "daily", "monthly", "weekly", "yearly", "annually", "quarterly", "semiannually",
    ]
    static let weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

    public static func check(_ value: String) throws(ValueError) {
        let fail = ValueError("'\(value)' is not a calendar expression (e.g. daily, Mon..Fri *-*-* 09:00)")
        let text = String(value.trimmed)
        if text.hasPrefix("@") {
            guard text.count > 1, text.dropFirst().allSatisfy(\.isASCIIDigit) else { throw fail }
            return
        }
        var parts = text.split(whereSeparator: \.isBlank).map(String.init)
        if let last = parts.last, parts.count > 1, isTimezone(last) { parts.removeLast() }
        guard !parts.isEmpty else { throw fail }
        if parts.count == 1, shortcuts.contains(parts[0].lowercased()) { return }
        if let first = parts.first, first.first?.isLetter == true {
            guard weekdayList(first) else { throw fail }
            parts.removeFirst()
        }
        if let date = parts.first, date.contains("-") || date.contains("~"), !date.contains(":") {
            guard dateFields(date) else { throw fail }
            parts.removeFirst()
        }
        if let time = parts.first {
            guard timeFields(time) else { throw fail }
            parts.removeFirst()
        }
        guard parts.isEmpty else { throw fail }
    }

    /// "Mon", "monday", "Mon..Fri", "Sat,Sun": names in full or as three letters, ranges ascending.
    static func weekdayList(_ text: String) -> Bool {
        text.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { item in
            let ends = rangeEnds(item)
            guard (1...2).contains(ends.count) else { return false }
            let days = ends.map(weekday)
            guard !days.contains(nil) else { return false }
            return days.count == 1 || days[0]! <= days[1]!
        }
    }

    static func weekday(_ word: String) -> Int? {
        let w = word.lowercased()
        return weekdays.firstIndex { $0 == w || (w.count == 3 && $0.hasPrefix(w)) }
    }

    /// `[YEAR-]MONTH-DAY`, where the day may follow `~` (counted from the month's end).
    static func dateFields(_ text: String) -> Bool {
        var fields = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        if let last = fields.last, let tilde = last.firstIndex(of: "~") {
            fields[fields.count - 1] = String(last[..<tilde])
            fields.append(String(last[last.index(after: tilde)...]))
            guard (2...3).contains(fields.count) else { return false }
        } else {
            guard (2...3).contains(fields.count) else { return false }
        }
        var ranges: [ClosedRange<Int>] = [1...12, 1...31]
        if fields.count == 3 { ranges.insert(1970...2199, at: 0) }
        return zip(fields, ranges).allSatisfy { numberField($0, $1) }
    }

    /// `HOUR:MINUTE[:SECOND]`; seconds may have decimals.
    static func timeFields(_ text: String) -> Bool {
        let fields = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(fields.count) else { return false }
        let ranges: [ClosedRange<Int>] = [0...23, 0...59, 0...59]
        return zip(fields, ranges).enumerated().allSatisfy { i, pair in numberField(pair.0, pair.1, decimals: i == 2) }
    }

    /// `*`, `N`, `A..B`, each optionally `/STEP`, joined by commas.
    static func numberField(_ text: String, _ range: ClosedRange<Int>, decimals: Bool = false) -> Bool {
        text.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { item in
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(stepParts.count) else { return false }
            if stepParts.count == 2 {
                guard let step = number(String(stepParts[1]), decimals: decimals), step > 0 else { return false }
            }
            let base = String(stepParts[0])
            if base == "*" { return true }
            let ends = rangeEnds(base)
            guard (1...2).contains(ends.count) else { return false }
            let values = ends.map { number($0, decimals: decimals) }
            // Compared as Double: a number of 20 digits or more is past Int (found by bench/fuzz).
            guard values.allSatisfy({ $0.map { Double(range.lowerBound) <= $0 && $0 < Double(range.upperBound) + 1 } == true })
            else { return false }
            return values.count == 1 || values[0]! <= values[1]!
        }
    }

    /// The ends of `A..B` (one element when there is no `..`).
    static func rangeEnds<S: StringProtocol>(_ text: S) -> [String] {
        text.split(separator: "..", omittingEmptySubsequences: false).map { String($0) }
    }

    static func number(_ text: String, decimals: Bool) -> Double? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !parts[0].isEmpty, parts[0].allSatisfy(\.isASCIIDigit), parts.count == 1 || (decimals && parts.count == 2
              && !parts[1].isEmpty && parts[1].allSatisfy(\.isASCIIDigit)), let v = Double(text) else { return nil }
        return v
    }

    /// UTC, or a zone this machine has in /usr/share/zoneinfo.
    static func isTimezone(_ word: String) -> Bool {
        if word == "UTC" { return true }
        guard !word.hasPrefix("/"), !word.split(separator: "/").contains(".."), word.first?.isLetter == true else { return false }
        return access("/usr/share/zoneinfo/" + word, R_OK) == 0
    }
}

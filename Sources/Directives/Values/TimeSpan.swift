/// A duration as systemd.time(7) writes it ("5min 20s", "1.5h", "infinity"), kept in microseconds
/// like systemd's usec_t so that comparisons with systemd's numbers are exact.
public struct TimeSpan: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var microseconds: UInt64
    public init(microseconds: UInt64) { self.microseconds = microseconds }

    public static let infinity = TimeSpan(microseconds: .max)
    public var isInfinite: Bool { microseconds == .max }
    public static func seconds(_ s: UInt64) -> TimeSpan { TimeSpan(microseconds: s * Unit.second.rawValue) }
    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.microseconds < b.microseconds }

    /// The unit a number without suffix has; each directive documents its own (mostly seconds).
    public enum Unit: UInt64, Sendable {
        case microsecond = 1, millisecond = 1_000, second = 1_000_000, minute = 60_000_000
    }

    /// Suffixes in systemd's matching order: the first prefix that matches wins.
    private static let suffixes: [(String, UInt64)] = {
        let s: UInt64 = 1_000_000
        return [("seconds", s), ("second", s), ("sec", s), ("s", s),
                ("minutes", 60 * s), ("minute", 60 * s), ("min", 60 * s),
                ("months", 2_629_800 * s), ("month", 2_629_800 * s), ("M", 2_629_800 * s),
                ("msec", 1_000), ("ms", 1_000), ("m", 60 * s),
                ("hours", 3_600 * s), ("hour", 3_600 * s), ("hr", 3_600 * s), ("h", 3_600 * s),
                ("days", 86_400 * s), ("day", 86_400 * s), ("d", 86_400 * s),
                ("weeks", 604_800 * s), ("week", 604_800 * s), ("w", 604_800 * s),
                ("years", 31_557_600 * s), ("year", 31_557_600 * s), ("y", 31_557_600 * s),
                ("usec", 1), ("us", 1), ("µs", 1), ("μs", 1)]
    }()

    /// Parses a time span; a bare number counts in `defaultUnit`.
    public init(parsing value: String, defaultUnit: Unit = .second) throws(ValueError) {
        let text = value.trimmed
        if text == "infinity" { self = .infinity; return }
        let fail = ValueError("'\(value)' is not a time span (e.g. 30s, 5min 20s, infinity)")
        var rest = Substring(text)
        var total: UInt64 = 0
        guard !rest.isEmpty else { throw fail }
        while true {
            rest = rest.drop(while: \.isBlank)
            if rest.isEmpty { break }
            let intPart = rest.prefix(while: \.isASCIIDigit)
            rest = rest.dropFirst(intPart.count)
            var fraction: Substring = ""
            if rest.first == "." {
                fraction = rest.dropFirst().prefix(while: \.isASCIIDigit)
                guard !fraction.isEmpty else { throw fail }
                rest = rest.dropFirst(1 + fraction.count)
            }
            guard !intPart.isEmpty, let whole = UInt64(intPart) else { throw fail }
            let afterBlanks = rest.drop(while: \.isBlank)
            var multiplier = defaultUnit.rawValue
            if let (suffix, m) = Self.suffixes.first(where: { afterBlanks.hasPrefix($0.0) }) {
                multiplier = m
                rest = afterBlanks.dropFirst(suffix.count)
            } else if afterBlanks.count == rest.count && !rest.isEmpty {
                throw fail   // digits followed directly by something that is not a unit
            }
            let (product, overflow) = whole.multipliedReportingOverflow(by: multiplier)
            guard !overflow, product < UInt64.max - total else { throw fail }
            total += product
            var scale = multiplier / 10
            for digit in fraction {
                let (sum, overflow) = total.addingReportingOverflow(UInt64(digit.wholeNumberValue ?? 0) * scale)
                guard !overflow, sum < .max else { throw fail }
                total = sum
                scale /= 10
            }
        }
        microseconds = total
    }

    /// The span as systemd prints it (format_timespan to the microsecond): "1min 30s", "500ms",
    /// "1.500000s", "infinity", "0".
    public var description: String {
        if isInfinite { return "infinity" }
        let units: [(String, UInt64)] = [
            ("y", 31_557_600_000_000), ("month", 2_629_800_000_000), ("w", 604_800_000_000), ("d", 86_400_000_000),
            ("h", 3_600_000_000), ("min", 60_000_000), ("s", 1_000_000), ("ms", 1_000), ("us", 1),
        ]
        var rest = microseconds
        var parts: [String] = []
        for (suffix, size) in units where rest >= size {
            let whole = rest / size, remainder = rest % size
            // Below a minute, a remainder is shown as decimals of the largest unit.
            if rest < 60_000_000 && remainder > 0 && size > 1 {
                let digits = String(size).count - 1
                let fraction = String(remainder)
                parts.append("\(whole).\(String(repeating: "0", count: digits - fraction.count))\(fraction)\(suffix)")
                rest = 0
                break
            }
            parts.append("\(whole)\(suffix)")
            rest = remainder
        }
        return parts.isEmpty ? "0" : parts.joined(separator: " ")
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

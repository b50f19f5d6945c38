/// Byte counts with systemd's binary suffixes (parse_size, base 1024): "512", "64K", "1.5G", "1G 512M".
public enum ByteSize {
    private static let suffixes: [(String, UInt64)] = [
        ("E", 1 << 60), ("P", 1 << 50), ("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10),
        ("B", 1), ("", 1),
    ]
    /// The suffixes of parse_size(…, 1000), which the I/O limits use.
    private static let decimalSuffixes: [(String, UInt64)] = [
        ("E", 1_000_000_000_000_000_000), ("P", 1_000_000_000_000_000), ("T", 1_000_000_000_000),
        ("G", 1_000_000_000), ("M", 1_000_000), ("K", 1000), ("B", 1), ("", 1),
    ]

    /// `bytes` in the largest binary unit that holds it whole ("512M", "1536K", "1500"): what a
    /// user wrote, in the common case, and read back by `parse` to the same count.
    public static func describe(_ bytes: UInt64) -> String {
        guard let (suffix, unit) = suffixes.first(where: { $0.1 > 1 && bytes > 0 && bytes % $0.1 == 0 }) else { return "\(bytes)" }
        return "\(bytes / unit)\(suffix)"
    }

    /// Parses a size; components must come in decreasing unit order, as systemd requires.
    /// `base` 1000 reads the suffixes as powers of ten.
    public static func parse(_ value: String, base: Int = 1024) throws(ValueError) -> UInt64 {
        let suffixes = base == 1000 ? decimalSuffixes : Self.suffixes
        let fail = ValueError("'\(value)' is not a size (e.g. 512, 64K, 1.5G)")
        var rest = Substring(value)
        var total: UInt64 = 0
        var firstAllowed = 0
        repeat {
            rest = rest.drop(while: \.isBlank)
            let digits = rest.prefix(while: \.isASCIIDigit)
            guard let whole = UInt64(digits) else { throw fail }
            rest = rest.dropFirst(digits.count)
            var fraction = 0.0
            if rest.first == "." {
                let fdigits = rest.dropFirst().prefix(while: \.isASCIIDigit)
                if !fdigits.isEmpty { fraction = Double("0." + fdigits)! }
                rest = rest.dropFirst(1 + fdigits.count)
            }
            rest = rest.drop(while: \.isBlank)
            guard let index = suffixes.indices.dropFirst(firstAllowed).first(where: { rest.hasPrefix(suffixes[$0].0) })
            else { throw fail }
            let factor = suffixes[index].1
            let (scaled, overflow) = whole.multipliedReportingOverflow(by: factor)
            let part = Double(factor) * fraction
            guard !overflow, part < Double(UInt64.max - scaled) else { throw fail }
            let (sum, overflow2) = total.addingReportingOverflow(scaled + UInt64(part))
            guard !overflow2 else { throw fail }
            total = sum
            rest = rest.dropFirst(suffixes[index].0.count)
            firstAllowed = index + 1
        } while !rest.isEmpty
        return total
    }
}

/// A share in units of 1/10000 (systemd's "permyriad"): "50%", "12.5%", "12.34%", "5‰", "3‱".
public struct Permyriad: Hashable, Sendable, CustomStringConvertible {
    public var value: Int
    public init(_ value: Int) { self.value = value }

    /// Parses a percentage, permille or permyriad; nil when the text has none of those symbols.
    public static func parse(_ text: String) throws(ValueError) -> Permyriad? {
        let forms: [(String, Int)] = [("%", 2), ("‰", 1), ("‱", 0)]
        guard let (symbol, decimals) = forms.first(where: { text.hasSuffix($0.0) }) else { return nil }
        let fail = ValueError("'\(text)' is not a valid percentage")
        let number = text.dropLast(symbol.count)
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int(parts[0]), whole >= 0, parts[0].allSatisfy(\.isASCIIDigit) else { throw fail }
        var fraction = 0
        if parts.count == 2 {
            let f = parts[1]
            guard !f.isEmpty, f.count <= decimals, f.allSatisfy(\.isASCIIDigit) else { throw fail }
            fraction = Int(f + String(repeating: "0", count: decimals - f.count))!
        }
        var scale = 1
        for _ in 0..<decimals { scale *= 10 }
        let (v, o) = whole.multipliedReportingOverflow(by: scale)
        guard !o, v <= Int(Int32.max) else { throw fail }
        return Permyriad(v + fraction)
    }

    public var description: String {
        value % 100 == 0 ? "\(value / 100)%" : "\(value / 100).\(String(format2: value % 100))%"
    }
}

extension String {
    init(format2 n: Int) { self = n < 10 ? "0\(n)" : "\(n)" }
}

/// A memory limit (MemoryMax=, MemoryHigh=, ...): bytes, a share of physical memory, or none.
public enum MemoryLimit: Hashable, Sendable, CustomStringConvertible {
    case bytes(UInt64)
    case percent(Permyriad)
    case infinity

    /// Parses a limit; `zeroAllowed` for the directives where 0 means something (MemorySwapMax=,
    /// MemoryLow=, MemoryMin=).
    public init(parsing value: String, zeroAllowed: Bool = false) throws(ValueError) {
        if value == "infinity" { self = .infinity; return }
        if let p = try Permyriad.parse(value) {
            guard p.value <= 10_000 else { throw ValueError("'\(value)' exceeds 100%") }
            guard p.value > 0 || zeroAllowed else { throw ValueError("'\(value)' is out of range (must be above 0)") }
            self = .percent(p); return
        }
        let bytes = try ByteSize.parse(value)
        guard bytes > 0 || zeroAllowed else { throw ValueError("'\(value)' is out of range (must be above 0)") }
        self = .bytes(bytes)
    }

    public var description: String {
        switch self {
        case .bytes(let b): return "\(b)"
        case .percent(let p): return p.description
        case .infinity: return "infinity"
        }
    }
}

/// TasksMax=: a count, a share of the system's maximum, or none.
public enum TasksLimit: Hashable, Sendable {
    case count(UInt64)
    case percent(Permyriad)
    case infinity

    public init(parsing value: String) throws(ValueError) {
        if value == "infinity" { self = .infinity; return }
        if let p = try Permyriad.parse(value) {
            guard p.value > 0, p.value <= 10_000 else { throw ValueError("'\(value)' must be above 0% and at most 100%") }
            self = .percent(p); return
        }
        guard let n = UInt64(value), n > 0 else { throw ValueError("'\(value)' is not a task count (a number above 0, a percentage or infinity)") }
        self = .count(n)
    }
}

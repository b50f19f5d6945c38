/// CPUAffinity='s CPU list: indices and ranges separated by whitespace or commas ("0-3 5,7").
/// A range written backwards ("3-1") adds nothing, as systemd only warns about it.
public enum CPUList {
    public static func parse(_ text: String) throws(ValueError) -> Set<Int> {
        var cpus: Set<Int> = []
        for word in text.split(whereSeparator: { $0 == "," || $0.isWhitespace }) {
            let bounds = word.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard let lower = Int(bounds[0]), lower >= 0,
                  let upper = bounds.count == 2 ? Int(bounds[1]) : lower, upper >= 0, upper < 8192 else {
                throw ValueError("'\(word)' is not a CPU index or range (e.g. 0-3 5)")
            }
            if lower <= upper { cpus.formUnion(lower...upper) }
        }
        return cpus
    }
}

/// CoredumpFilter=: the kinds of memory a core dump includes, by name, "default", "all" or as a
/// hexadecimal mask; the words of one assignment add up.
public enum CoredumpFilter {
    static let names = ["private-anonymous", "shared-anonymous", "private-file-backed", "shared-file-backed",
                        "elf-headers", "private-huge", "shared-huge", "private-dax", "shared-dax"]
    /// private-anonymous, shared-anonymous, elf-headers and private-huge: the kernel's default.
    static let defaultMask: UInt64 = 0x33

    public static func parse(_ text: String) throws(ValueError) -> UInt64 {
        var mask: UInt64 = 0
        for word in text.split(whereSeparator: \.isWhitespace).map(String.init) {
            if word == "default" { mask |= defaultMask } else if word == "all" { mask = .max }
            else if let bit = names.firstIndex(of: word) { mask |= 1 << UInt64(bit) }
            else if let value = UInt64(word.hasPrefix("0x") || word.hasPrefix("0X") ? String(word.dropFirst(2)) : word, radix: 16) { mask |= value }
            else { throw ValueError("'\(word)' is not a core dump filter (\(names.joined(separator: ", ")), default, all or a hexadecimal mask)") }
        }
        return mask
    }
}

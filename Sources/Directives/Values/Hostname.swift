/// Hostnames as systemd accepts them where a unit sets one (its hostname_is_valid() without
/// flags): 1 to 64 bytes of letters, digits, '-' and '.', dot-separated labels that are not
/// empty and do not begin or end with '-' or '.'.
public enum Hostname {
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 64 else { return false }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard let first = label.first, let last = label.last, first != UInt8(ascii: "-"), last != UInt8(ascii: "-") else { return false }
            for b in label where !(b.isASCIIAlnum || b == UInt8(ascii: "-")) { return false }
        }
        return true
    }
}

private extension UInt8 {
    var isASCIIAlnum: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}

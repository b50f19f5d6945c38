/// The order of version strings of the UAPI.10 specification, systemd's `strverscmp_improved()`
/// (src/fundamental/string-util.c, unchanged from 252 to 262; `systemd-analyze compare-versions`
/// prints it). A version is read as segments, runs of digits or of letters, each maybe led by
/// a separator that says how it ranks:
/// - `~` a pre-release, older than anything, the end of the string included (1.0~rc1 < 1.0);
/// - `-` a release after the version, older than `^` and `.` (1.0-2 < 1.0^p1 < 1.0.1);
/// - `^` a patch on top of a release;
/// - `.` a point release;
/// and no separator is newest (1.0a > 1.0.a). Digits compare as numbers, leading zeros ignored,
/// and rank above letters; letters compare as bytes, a longer run newer. Any other character
/// only separates segments. Otherwise more segments are newer.
public enum VersionOrder {
    /// -1, 0 or 1 as `a` is older than, the same as or newer than `b`.
    public static func compare(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        var i = 0, j = 0
        // The byte at an index, 0 past the end (as the C string's terminator).
        func at(_ s: [UInt8], _ k: Int) -> UInt8 { k < s.count ? s[k] : 0 }
        func sign<T: Comparable>(_ p: T, _ q: T) -> Int { p == q ? 0 : p < q ? -1 : 1 }
        // Which of two has a property: the one that has it ranks above.
        func sign(_ p: Bool, _ q: Bool) -> Int { sign(p ? 1 : 0, q ? 1 : 0) }

        while true {
            while i < x.count && !isVersionCharacter(x[i]) { i += 1 }
            while j < y.count && !isVersionCharacter(y[j]) { j += 1 }

            if at(x, i) == tilde || at(y, j) == tilde {
                // Checked before the end: a pre-release ranks below the bare version.
                let r = sign(at(x, i) != tilde, at(y, j) != tilde)
                if r != 0 { return r }
                i += 1; j += 1
            }
            if at(x, i) == 0 || at(y, j) == 0 { return sign(at(x, i), at(y, j)) }
            for separator in [dash, caret, dot] where at(x, i) == separator || at(y, j) == separator {
                let r = sign(at(x, i) != separator, at(y, j) != separator)
                if r != 0 { return r }
                i += 1; j += 1
            }

            if isDigit(at(x, i)) || isDigit(at(y, j)) {
                var endX = i, endY = j
                while isDigit(at(x, endX)) { endX += 1 }
                while isDigit(at(y, endY)) { endY += 1 }
                // A number ranks above letters (or nothing) in the same place.
                let r = sign(endX != i, endY != j)
                if r != 0 { return r }
                while at(x, i) == zero { i += 1 }
                while at(y, j) == zero { j += 1 }
                // Without leading zeros, the longer number is the larger; equal lengths compare digit by digit.
                let byLength = sign(endX - i, endY - j)
                if byLength != 0 { return byLength }
                let byDigits = compareBytes(x[i..<endX], y[j..<endY])
                if byDigits != 0 { return byDigits }
                (i, j) = (endX, endY)
            } else {
                var endX = i, endY = j
                while isLetter(at(x, endX)) { endX += 1 }
                while isLetter(at(y, endY)) { endY += 1 }
                let common = min(endX - i, endY - j)
                let byBytes = compareBytes(x[i..<(i + common)], y[j..<(j + common)])
                if byBytes != 0 { return byBytes }
                let byLength = sign(endX - i, endY - j)
                if byLength != 0 { return byLength }
                (i, j) = (endX, endY)
            }
        }
    }

    /// Whether `a` is older than `b`.
    public static func isOlder(_ a: String, than b: String) -> Bool { compare(a, b) < 0 }

    private static let tilde = UInt8(ascii: "~"), dash = UInt8(ascii: "-"), caret = UInt8(ascii: "^"), dot = UInt8(ascii: ".")
    private static let zero = UInt8(ascii: "0")

    private static func isDigit(_ c: UInt8) -> Bool { c >= zero && c <= UInt8(ascii: "9") }
    private static func isLetter(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
    }
    private static func isVersionCharacter(_ c: UInt8) -> Bool {
        isDigit(c) || isLetter(c) || c == tilde || c == dash || c == caret || c == dot
    }

    /// -1, 0 or 1 by the first byte that differs (equal lengths, or a common prefix).
    private static func compareBytes(_ p: ArraySlice<UInt8>, _ q: ArraySlice<UInt8>) -> Int {
        for (c, d) in zip(p, q) where c != d { return c < d ? -1 : 1 }
        return 0
    }
}

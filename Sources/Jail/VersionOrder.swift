/// The order systemd gives version strings when it sorts them (strverscmp_improved() in
/// src/fundamental/string-util.c): `layer@2` below `layer@10`, `1~rc` below `1`.
///
/// Characters other than letters, digits and `~ - ^ .` are passed over. At each position a `~`
/// sorts below anything, even the end; then the end sorts below anything left; then a `-`, a `^`
/// and a `.` each sort below anything else. Runs of digits compare by value (a run sorts above no
/// run), runs of letters bytewise, a longer run above its own prefix.
enum VersionOrder {
    static func compare(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        var i = 0, j = 0
        func at(_ s: [UInt8], _ k: Int) -> UInt8 { k < s.count ? s[k] : 0 }
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func isLetter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
        func counts(_ c: UInt8) -> Bool { isDigit(c) || isLetter(c) || c == UInt8(ascii: "~") || c == UInt8(ascii: "-") || c == UInt8(ascii: "^") || c == UInt8(ascii: ".") }
        func order(_ p: Bool, _ q: Bool) -> Int { p == q ? 0 : (p ? 1 : -1) }
        while true {
            while i < x.count, !counts(x[i]) { i += 1 }
            while j < y.count, !counts(y[j]) { j += 1 }
            // A mark on either side: the side without it is the greater; on both, it is passed.
            let tilde = UInt8(ascii: "~")
            if at(x, i) == tilde || at(y, j) == tilde {
                let r = order(at(x, i) != tilde, at(y, j) != tilde)
                if r != 0 { return r }
                i += 1; j += 1
            }
            if at(x, i) == 0 || at(y, j) == 0 { return order(at(x, i) != 0, at(y, j) != 0) }
            for mark in [UInt8(ascii: "-"), UInt8(ascii: "^"), UInt8(ascii: ".")] {
                if at(x, i) == mark || at(y, j) == mark {
                    let r = order(at(x, i) != mark, at(y, j) != mark)
                    if r != 0 { return r }
                    i += 1; j += 1
                }
            }
            if isDigit(at(x, i)) || isDigit(at(y, j)) {
                var ie = i, je = j
                while isDigit(at(x, ie)) { ie += 1 }
                while isDigit(at(y, je)) { je += 1 }
                let r = order(ie != i, je != j)
                if r != 0 { return r }
                while at(x, i) == UInt8(ascii: "0") { i += 1 }
                while at(y, j) == UInt8(ascii: "0") { j += 1 }
                if ie - i != je - j { return ie - i < je - j ? -1 : 1 }
                if x[i..<ie] != y[j..<je] { return x[i..<ie].lexicographicallyPrecedes(y[j..<je]) ? -1 : 1 }
                (i, j) = (ie, je)
            } else {
                var ie = i, je = j
                while isLetter(at(x, ie)) { ie += 1 }
                while isLetter(at(y, je)) { je += 1 }
                let n = min(ie - i, je - j)
                if x[i..<(i + n)] != y[j..<(j + n)] { return x[i..<(i + n)].lexicographicallyPrecedes(y[j..<(j + n)]) ? -1 : 1 }
                if ie - i != je - j { return ie - i < je - j ? -1 : 1 }
                (i, j) = (ie, je)
            }
        }
    }
}

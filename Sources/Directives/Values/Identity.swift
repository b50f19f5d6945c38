/// User= and Group= values: a user or group name, or a numeric id.
public enum AccountName {
    /// Whether `name` follows systemd's strict rules: a letter or `_`, then letters, digits, `_`
    /// or `-`, at most 31 characters.
    public static func isStrictlyValid(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_", name.utf8.count <= 31 else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    /// The user DynamicUser= runs a unit as when User= is not set: the unit name's prefix, or, if
    /// that is no strict user name, "_du" and 16 hex digits of a keyed hash of it (as systemd names it).
    public static func dynamicUser(forPrefix prefix: String) -> String {
        if isStrictlyValid(prefix) { return prefix }
        let key: [UInt8] = [0x58, 0x1a, 0xaf, 0xe6, 0x28, 0x58, 0x4e, 0x96, 0xb4, 0x4e, 0xf5, 0x3b, 0x8c, 0x92, 0x07, 0xec]
        let hex = String(SipHash.hash(Array(prefix.utf8), key: key), radix: 16)
        return "_du" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Checks a name with systemd's relaxed rules (valid_user_group_name with VALID_USER_RELAX):
    /// a numeric id must be a valid uid (not 65535 or 4294967295); a name must not be padded with
    /// spaces, contain control characters, `:` or `/`, be all digits or `-` and digits, or be `.`/`..`.
    public static func check(_ value: String) throws(ValueError) -> String {
        let fail = ValueError("'\(value)' is not a valid user or group name or numeric id")
        guard !value.isEmpty else { throw fail }
        if value.allSatisfy(\.isASCIIDigit) {
            guard let n = UInt32(value), n != .max, n != 65535 else { throw fail }
            return value
        }
        let digitsAfterDash = value.hasPrefix("-") && value.dropFirst().allSatisfy(\.isASCIIDigit)
        guard !value.hasPrefix(" "), !value.hasSuffix(" "), !digitsAfterDash, value != ".", value != "..",
              !value.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 || $0 == ":" || $0 == "/" })
        else { throw fail }
        return value
    }
}

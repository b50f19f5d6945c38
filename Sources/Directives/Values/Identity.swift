/// User= and Group= values: a user or group name, or a numeric id.
public enum AccountName {
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

/// User= and Group= values: a user or group name, or a numeric id.
public enum AccountName {
    /// Checks a name as systemd's relaxed rules do: not empty, no `:` `/` or blanks, at most 256 bytes,
    /// not `.` or `..`; an all-digit value is taken as an id and must be below 2^32-1.
    public static func check(_ value: String) throws(ValueError) -> String {
        if value.allSatisfy(\.isASCIIDigit), !value.isEmpty {
            guard let n = UInt32(value), n != .max, n != 65535 else { throw ValueError("'\(value)' is not a valid user or group id") }
            return value
        }
        guard !value.isEmpty, value.utf8.count <= 256, value != ".", value != "..", !value.hasPrefix("-"),
              !value.contains(where: { $0 == ":" || $0 == "/" || $0.isBlank || $0.asciiValue.map { $0 < 32 } == true })
        else { throw ValueError("'\(value)' is not a valid user or group name") }
        return value
    }
}

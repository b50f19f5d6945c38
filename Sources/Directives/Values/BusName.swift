/// A D-Bus name as BusName= takes it (systemd's service_name_is_valid): a unique name (":1.42")
/// or a well-known one ("org.example.Daemon"): at least two dot-separated elements of ASCII
/// letters, digits, `_` and `-`, no element empty or (in a well-known name) starting with a digit,
/// at most 255 bytes.
public enum BusName {
    public static let maximumLength = 255

    public static func check(_ name: String) throws(ValueError) -> String {
        guard isValid(name) else { throw ValueError("'\(name)' is not a valid D-Bus name; systemd ignores it") }
        return name
    }

    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= maximumLength else { return false }
        let unique = bytes[0] == UInt8(ascii: ":")
        var atElementStart = true, sawDot = false
        for b in bytes.dropFirst(unique ? 1 : 0) {
            if b == UInt8(ascii: ".") {
                if atElementStart { return false }
                sawDot = true
                atElementStart = true
                continue
            }
            let letter = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b | 0x20)
            let digit = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
            guard letter || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || digit && (!atElementStart || unique) else {
                return false
            }
            atElementStart = false
        }
        return sawDot && !atElementStart
    }
}

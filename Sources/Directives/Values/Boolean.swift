/// systemd's boolean words (parse_boolean): case-insensitive 1/yes/y/true/t/on and 0/no/n/false/f/off.
public func parseBoolean(_ value: String) throws(ValueError) -> Bool {
    switch value.lowercased() {
    case "1", "yes", "y", "true", "t", "on": return true
    case "0", "no", "n", "false", "f", "off": return false
    default: throw ValueError("'\(value)' is not a boolean (use yes or no)")
    }
}

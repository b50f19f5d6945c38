import UnitFile

extension Assignment {
    /// One `-p Directive=value` of brig run and brig listen, the `line`-th on the command line:
    /// as with systemd-run, an assignment in [Service], or in [Unit] for a directive only the unit
    /// section has. nil when nothing names a directive before the '='.
    public static func property(_ text: String, line: Int) -> Assignment? {
        // The first '=' by bytes where the text is ASCII: the common case, without grapheme breaking.
        let bytes = text.utf8
        let found = bytes.allSatisfy({ $0 < 0x80 }) ? bytes.firstIndex(of: UInt8(ascii: "=")) : text.firstIndex(of: "=")
        guard let eq = found, eq != text.startIndex else { return nil }
        let key = String(text[..<eq])
        let section = !DirectiveRegistry.exists(section: "Service", name: key) && DirectiveRegistry.exists(section: "Unit", name: key)
            ? "Unit" : "Service"
        return Assignment(section: section, key: key, value: String(text[text.index(after: eq)...]),
                          location: SourceLocation(file: "-p", line: line))
    }
}

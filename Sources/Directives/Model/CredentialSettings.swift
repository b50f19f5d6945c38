import UnitFile

/// CREDENTIALS of systemd.exec(5): LoadCredential=, LoadCredentialEncrypted=, SetCredential=,
/// SetCredentialEncrypted= (systemd 252) and ImportCredential= (254). Each entry keeps the place it
/// was written, so that a failure at start can name it.
public struct CredentialSettings: Sendable, Equatable {
    /// LoadCredential=ID[:PATH]: an absolute PATH (file, directory or AF_UNIX socket), or a
    /// credential name looked up in the credential stores brig itself was given.
    public struct Load: Sendable, Equatable {
        public var id: String
        public var path: String
        public var encrypted: Bool
        public var location: SourceLocation
    }

    /// SetCredential=ID:VALUE, its value with C escapes decoded (NUL bytes allowed); for
    /// SetCredentialEncrypted= the Base64 text as written.
    public struct Literal: Sendable, Equatable {
        public var id: String
        public var data: [UInt8]
        public var encrypted: Bool
        public var location: SourceLocation
    }

    /// ImportCredential=GLOB: a credential name, or a prefix followed by "*".
    public struct Import: Sendable, Equatable {
        public var glob: String
        public var location: SourceLocation
    }

    /// In the order first written; a later line for the same ID replaces the earlier in place,
    /// as systemd's per-ID table does. The two Load directives share one table, as do the two Set ones.
    public private(set) var loads: [Load] = []
    public private(set) var literals: [Literal] = []
    public private(set) var imports: [Import] = []

    public init() {}

    public var isEmpty: Bool { loads.isEmpty && literals.isEmpty && imports.isEmpty }

    mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        switch d.key {
        case "LoadCredential", "LoadCredentialEncrypted":
            if d.value.isEmpty { loads = []; break }
            let (rawID, rest) = Self.split(d.value)
            let id = try d.expand(rawID)
            try Self.checkName(id)
            var path = id
            if let rest, !rest.isEmpty {
                path = try d.expand(rest)
                if path.hasPrefix("/") ? !Self.isNormalizedPath(path) : !Self.isValidName(path) {
                    throw ValueError("credential source '\(path)' is neither a normalised absolute path nor a credential name (systemd ignores the line)")
                }
            }
            let load = Load(id: id, path: path, encrypted: d.key.hasSuffix("Encrypted"), location: d.location)
            if let i = loads.firstIndex(where: { $0.id == id }) { loads[i] = load } else { loads.append(load) }
        case "SetCredential", "SetCredentialEncrypted":
            if d.value.isEmpty { literals = []; break }
            let (rawID, rest) = Self.split(d.value)
            guard let rest, !rest.isEmpty else { throw ValueError("expected ID:VALUE (systemd ignores the line)") }
            let id = try d.expand(rawID)
            try Self.checkName(id)
            let encrypted = d.key.hasSuffix("Encrypted")
            // Only the ID takes specifiers: the value is data, as systemd reads it.
            let data: [UInt8]
            if encrypted {
                guard Self.isBase64(rest) else { throw ValueError("the encrypted value is not Base64 (systemd ignores the line)") }
                data = Array(rest.utf8)
            } else {
                data = try Self.unescape(rest)
            }
            let literal = Literal(id: id, data: data, encrypted: encrypted, location: d.location)
            if let i = literals.firstIndex(where: { $0.id == id }) { literals[i] = literal } else { literals.append(literal) }
        case "ImportCredential":
            if d.value.isEmpty { imports = []; break }
            let glob = try d.expanded()
            guard Self.isValidGlob(glob) else {
                throw ValueError("'\(glob)' is not a credential name or a name prefix followed by '*' (systemd ignores the line)")
            }
            if !imports.contains(where: { $0.glob == glob }) { imports.append(Import(glob: glob, location: d.location)) }
        default: return false
        }
        return true
    }

    /// The ID before the first ":" and what follows it, if there is a ":".
    private static func split(_ value: String) -> (String, String?) {
        guard let colon = value.firstIndex(of: ":") else { return (value, nil) }
        return (String(value[..<colon]), String(value[value.index(after: colon)...]))
    }

    private static func checkName(_ id: String) throws(ValueError) {
        guard isValidName(id) else {
            throw ValueError("credential name '\(id)' is not valid: 1 to 255 printable ASCII characters, no '/' or ':', not '.' or '..' (systemd ignores the line)")
        }
    }

    /// A credential name is a file name that is also a valid descriptor name: printable ASCII
    /// without "/" or ":", at most 255 bytes, neither "." nor "..".
    public static func isValidName(_ name: some StringProtocol) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 255, name != ".", name != ".." else { return false }
        return bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: ":") }
    }

    /// ImportCredential= takes a name, or a (possibly empty) name prefix ending in one "*".
    public static func isValidGlob(_ glob: String) -> Bool {
        guard let wildcard = glob.firstIndex(where: { "*?[]".contains($0) }) else { return isValidName(glob) }
        guard glob[wildcard...] == "*" else { return false }
        return wildcard == glob.startIndex || isValidName(glob[..<wildcard])
    }

    /// An absolute path without empty, "." or ".." components (a trailing "/" is allowed).
    static func isNormalizedPath(_ path: String) -> Bool {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if parts.last == "" { parts = parts.dropLast() }
        return path.utf8.count < 4096 && !parts.contains { $0.isEmpty || $0 == "." || $0 == ".." }
    }

    static func isBase64(_ text: String) -> Bool {
        let significant = text.utf8.filter { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        guard !significant.isEmpty else { return false }
        return significant.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2B || $0 == 0x2F || $0 == 0x3D }
    }

    /// systemd's cunescape() with NUL bytes accepted, as bytes: \xNN and \NNN give one byte each,
    /// \uNNNN and \UNNNNNNNN the code point's UTF-8; any other escape, or a lone trailing
    /// backslash, is an error.
    static func unescape(_ text: String) throws(ValueError) -> [UInt8] {
        let input = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        func bad() -> ValueError { ValueError("'\(text)' has an invalid escape sequence (systemd ignores the line)") }
        func digits(_ count: Int, radix: Int) throws(ValueError) -> UInt32 {
            guard i + count <= input.count, !input[i..<i + count].contains(where: { $0 == 0x2B || $0 == 0x2D }), let value = UInt32(String(decoding: input[i..<i + count], as: UTF8.self), radix: radix)
            else { throw bad() }
            i += count
            return value
        }
        while i < input.count {
            let c = input[i]
            i += 1
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            guard i < input.count else { throw bad() }
            let e = input[i]
            i += 1
            switch e {
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "s"): out.append(0x20)
            case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): out.append(e)
            case UInt8(ascii: "x"): out.append(UInt8(try digits(2, radix: 16)))
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                i -= 1
                let value = try digits(3, radix: 8)
                guard value <= 255 else { throw bad() }
                out.append(UInt8(value))
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let value = try digits(e == UInt8(ascii: "u") ? 4 : 8, radix: 16)
                guard let scalar = Unicode.Scalar(value) else { throw bad() }
                out += Array(String(Character(scalar)).utf8)
            default: throw bad()
            }
        }
        return out
    }
}

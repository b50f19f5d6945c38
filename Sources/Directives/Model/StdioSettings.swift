/// LOGGING AND STANDARD INPUT/OUTPUT of systemd.exec(5).
public struct StdioSettings: Sendable {
    public var standardInput: StandardInput?
    public var standardOutput: StandardOutput?
    public var standardError: StandardOutput?
    /// StandardInputText= lines, each ending in a newline, and StandardInputData= bytes, in order.
    public var inputData: [UInt8] = []
    public var syslogIdentifier: String?
    public var syslogFacility: SyslogFacility?
    public var syslogLevel: LogLevel?
    public var logLevelMax: LogLevel?
    public var ttyPath: String?
    public var ttyReset: Bool?
    public var ttyVHangup: Bool?
    public var ttyVTDisallocate: Bool?
    /// TTYRows= and TTYColumns=: the size a terminal on standard input is given; nil keeps its own.
    public var ttyRows: UInt32?
    public var ttyColumns: UInt32?

    mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        switch d.key {
        case "StandardInput": standardInput = try StandardInput(parsing: d.expanded())
        case "StandardOutput": standardOutput = try StandardOutput(parsing: d.expanded())
        case "StandardError": standardError = try StandardOutput(parsing: d.expanded())
        case "StandardInputText":
            if d.value.isEmpty { inputData = []; break }
            let text = try d.expanded()
            let unescaped: String
            do { unescaped = try Words.unescapeC(text) } catch { throw ValueError("invalid escape in '\(text)'") }
            inputData += Array(unescaped.utf8) + [10]
        case "StandardInputData":
            if d.value.isEmpty { inputData = []; break }
            inputData += try Base64.decode(d.value)
        case "SyslogIdentifier": syslogIdentifier = try d.optional { v throws(ValueError) in try d.expand(v) }
        case "SyslogFacility": syslogFacility = try SyslogFacility(parsing: d.value)
        case "SyslogLevel": syslogLevel = try LogLevel(parsingLevel: d.value)
        case "LogLevelMax": logLevelMax = try LogLevel(parsingLevel: d.value)
        case "TTYPath": ttyPath = try d.optional { v throws(ValueError) in try absolute(d.expand(v)) }
        case "TTYReset": ttyReset = try d.bool()
        case "TTYVHangup": ttyVHangup = try d.bool()
        case "TTYVTDisallocate": ttyVTDisallocate = try d.bool()
        case "TTYRows": ttyRows = try d.optional { v throws(ValueError) in try Numbers.integer(v, in: 0...Int(UInt32.max - 1), "number of rows") }.map(UInt32.init)
        case "TTYColumns": ttyColumns = try d.optional { v throws(ValueError) in try Numbers.integer(v, in: 0...Int(UInt32.max - 1), "number of columns") }.map(UInt32.init)
        default: return false
        }
        return true
    }
}

/// Base64 as StandardInputData= writes it (whitespace ignored).
enum Base64 {
    static func decode(_ text: String) throws(ValueError) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var bits: UInt32 = 0, count = 0
        var out: [UInt8] = []
        var padding = 0
        for byte in text.utf8 where !Character(UnicodeScalar(byte)).isBlank {
            if byte == UInt8(ascii: "=") { padding += 1; continue }
            guard padding == 0, let v = alphabet.firstIndex(of: byte) else { throw ValueError("StandardInputData= is not valid base64") }
            bits = bits << 6 | UInt32(v)
            count += 6
            if count >= 8 { count -= 8; out.append(UInt8(truncatingIfNeeded: bits >> UInt32(count))) }
        }
        return out
    }
}

/// A signal by name (SIGTERM or TERM), number, or SIGRTMIN+N, numbered as on Linux x86-64.
public struct Signal: Hashable, Sendable, CustomStringConvertible {
    public var number: Int32
    public init(number: Int32) { self.number = number }

    static let names: [String] = [
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ]
    static let realtimeMin: Int32 = 34, realtimeMax: Int32 = 64

    public init(parsing value: String) throws(ValueError) {
        let fail = ValueError("'\(value)' is not a signal (e.g. SIGTERM, TERM, 15)")
        if let n = Int32(value) {
            guard (1...Self.realtimeMax).contains(n) else { throw fail }
            self.number = n; return
        }
        let name = value.hasPrefix("SIG") ? String(value.dropFirst(3)) : value
        if let i = Self.names.firstIndex(of: name), i > 0 { self.number = Int32(i); return }
        for (base, start, sign) in [("RTMIN", Self.realtimeMin, Int32(1)), ("RTMAX", Self.realtimeMax, Int32(-1))] where name.hasPrefix(base) {
            let rest = name.dropFirst(base.count)
            if rest.isEmpty { self.number = start; return }
            guard rest.first == (sign > 0 ? "+" : "-"), let k = Int32(rest.dropFirst()) else { throw fail }
            let n = start + sign * k
            guard (Self.realtimeMin...Self.realtimeMax).contains(n) else { throw fail }
            self.number = n; return
        }
        throw fail
    }

    public static let term = Signal(number: 15), kill = Signal(number: 9)

    public var description: String {
        if number > 0, Int(number) < Self.names.count { return "SIG" + Self.names[Int(number)] }
        return number >= Self.realtimeMin ? "SIGRTMIN+\(number - Self.realtimeMin)" : "\(number)"
    }
}

/// The Limit*= directives (setrlimit), each with how its values are read.
public enum ResourceLimitKind: String, CaseIterable, Hashable, Sendable {
    case cpu = "LimitCPU", fsize = "LimitFSIZE", data = "LimitDATA", stack = "LimitSTACK", core = "LimitCORE"
    case rss = "LimitRSS", nofile = "LimitNOFILE", `as` = "LimitAS", nproc = "LimitNPROC", memlock = "LimitMEMLOCK"
    case locks = "LimitLOCKS", sigpending = "LimitSIGPENDING", msgqueue = "LimitMSGQUEUE", nice = "LimitNICE"
    case rtprio = "LimitRTPRIO", rttime = "LimitRTTIME"

    /// The RLIMIT_* resource number on Linux.
    public var resource: Int32 {
        switch self {
        case .cpu: 0
        case .fsize: 1
        case .data: 2
        case .stack: 3
        case .core: 4
        case .rss: 5
        case .nproc: 6
        case .nofile: 7
        case .memlock: 8
        case .as: 9
        case .locks: 10
        case .sigpending: 11
        case .msgqueue: 12
        case .nice: 13
        case .rtprio: 14
        case .rttime: 15
        }
    }

    /// Reads one side of a limit in this resource's unit; nil stands for infinity.
    func parseValue(_ text: String) throws(ValueError) -> UInt64? {
        if text == "infinity" { return nil }
        switch self {
        case .fsize, .data, .stack, .core, .rss, .as, .memlock, .msgqueue:
            return try ByteSize.parse(text)
        case .cpu:
            let t = try TimeSpan(parsing: text, defaultUnit: .second)
            return t.isInfinite ? nil : (t.microseconds + 999_999) / 1_000_000
        case .rttime:
            let t = try TimeSpan(parsing: text, defaultUnit: .microsecond)
            return t.isInfinite ? nil : t.microseconds
        case .nice:
            // A nice level (-20…19, sign required for positives to be read as nice) or the raw 0…40.
            if text.hasPrefix("-") || text.hasPrefix("+") {
                guard let n = Int(text), (-20...19).contains(n) else { throw ValueError("'\(text)' is not a nice level (-20…19)") }
                return UInt64(20 - n)
            }
            guard let n = UInt64(text), n <= 40 else { throw ValueError("'\(text)' is not a nice limit (0…40, or -20…+19)") }
            return n
        case .nofile, .nproc, .locks, .sigpending, .rtprio:
            guard let n = UInt64(text) else { throw ValueError("'\(text)' is not a number or infinity") }
            return n
        }
    }
}

/// A resource limit: soft and hard values (nil = infinity), from `VALUE` or `SOFT:HARD`.
public struct ResourceLimit: Hashable, Sendable {
    public var soft: UInt64?
    public var hard: UInt64?
    public init(soft: UInt64?, hard: UInt64?) { self.soft = soft; self.hard = hard }

    public init(parsing value: String, kind: ResourceLimitKind) throws(ValueError) {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts.contains(where: \.isEmpty) else { throw ValueError("'\(value)' is not VALUE or SOFT:HARD") }
        soft = try kind.parseValue(String(parts[0]))
        hard = parts.count == 2 ? try kind.parseValue(String(parts[1])) : soft
        if let s = soft, let h = hard, s > h { throw ValueError("soft limit \(s) is above the hard limit \(h)") }
        if soft == nil, hard != nil { throw ValueError("soft limit infinity is above the hard limit") }
    }
}

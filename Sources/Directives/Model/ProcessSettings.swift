/// PROCESS PROPERTIES and SCHEDULING of systemd.exec(5): resource limits, umask, priorities.
public struct ProcessSettings: Sendable {
    public var limits: [ResourceLimitKind: ResourceLimit] = [:]
    public var umask: UInt32?
    public var nice: Int?
    public var oomScoreAdjust: Int?
    public var keyringMode: KeyringMode?
    public var personality: Personality?
    public var ignoreSIGPIPE: Bool?
    /// TimerSlackNSec= in nanoseconds.
    public var timerSlackNanoseconds: UInt64?
    public var cpuSchedulingPolicy: CPUSchedulingPolicy?
    public var cpuSchedulingPriority: Int?
    public var cpuSchedulingResetOnFork: Bool?
    public var ioSchedulingClass: IOSchedulingClass?
    public var ioSchedulingPriority: Int?

    mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        if let kind = ResourceLimitKind(rawValue: d.key) {
            limits[kind] = try d.optional { v throws(ValueError) in try ResourceLimit(parsing: v, kind: kind) }
            return true
        }
        switch d.key {
        case "UMask": umask = try d.optional(Numbers.mode)
        case "Nice": nice = try d.optional { v throws(ValueError) in try Numbers.integer(v, in: -20...19, "nice level") }
        case "OOMScoreAdjust": oomScoreAdjust = try d.optional { v throws(ValueError) in try Numbers.integer(v, in: -1000...1000, "OOM score adjustment") }
        case "KeyringMode": keyringMode = try KeyringMode(parsing: d.value)
        case "Personality": personality = try d.optional { v throws(ValueError) in try Personality(parsing: v) }
        case "IgnoreSIGPIPE": ignoreSIGPIPE = try d.bool()
        case "TimerSlackNSec":
            timerSlackNanoseconds = try d.optional { v throws(ValueError) in
                if let n = UInt64(v) { return n }   // a bare number counts nanoseconds
                return try TimeSpan(parsing: v, defaultUnit: .microsecond).microseconds * 1_000
            }
        case "CPUSchedulingPolicy": cpuSchedulingPolicy = try CPUSchedulingPolicy(parsing: d.value)
        case "CPUSchedulingPriority": cpuSchedulingPriority = try d.optional { v throws(ValueError) in try Numbers.integer(v, in: 0...99, "CPU scheduling priority") }
        case "CPUSchedulingResetOnFork": cpuSchedulingResetOnFork = try d.bool()
        case "IOSchedulingClass": ioSchedulingClass = try d.optional { v throws(ValueError) in try IOSchedulingClass(parsing: v) }
        case "IOSchedulingPriority": ioSchedulingPriority = try d.optional { v throws(ValueError) in try Numbers.integer(v, in: 0...7, "I/O scheduling priority") }
        default: return false
        }
        return true
    }
}

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
    /// IOSchedulingClass= as the kernel's class number: 0 none, 1 realtime, 2 best-effort, 3 idle
    /// (systemd also takes the numbers 0…7).
    public var ioSchedulingClass: Int?
    public var ioSchedulingPriority: Int?
    /// CPUAffinity=: the CPUs the processes may run on (nil: unrestricted); `cpuAffinityFromNUMA`
    /// for "numa", the CPUs of NUMAMask=.
    public var cpuAffinity: Set<Int>?
    public var cpuAffinityFromNUMA = false
    public var coredumpFilter: UInt64?
    public var numaPolicy: NUMAPolicy?
    /// NUMAMask=: memory nodes (extended by each assignment, reset by an empty one); `numaMaskAll`
    /// for "all", the nodes the machine has when the service starts.
    public var numaMask: Set<Int>?
    public var numaMaskAll = false
    /// MemoryKSM= (254): the process's anonymous memory is offered to KSM (true) or withdrawn from
    /// it (false); nil leaves what the process inherits.
    public var memoryKSM: Bool?
    /// MemoryTHP= (260); nil as "inherit".
    public var memoryTHP: MemoryTHP?

    mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        if let kind = ResourceLimitKind(rawValue: d.key) {
            limits[kind] = try ResourceLimit(parsing: d.value, kind: kind)
            return true
        }
        switch d.key {
        case "UMask": umask = try Numbers.mode(d.value)
        case "Nice": nice = try d.optional { v throws(ValueError) in try Numbers.integer(v, in: -20...19, "nice level") }
        case "OOMScoreAdjust": oomScoreAdjust = try d.optional { v throws(ValueError) in try Numbers.integer(v, in: -1000...1000, "OOM score adjustment") }
        case "KeyringMode": keyringMode = try KeyringMode(parsing: d.value)
        case "Personality": personality = try d.optional { v throws(ValueError) in try Personality(parsing: v) }
        case "IgnoreSIGPIPE": ignoreSIGPIPE = try d.bool()
        case "MemoryKSM": memoryKSM = try d.optional { v throws(ValueError) in try parseBoolean(v) }
        case "MemoryTHP": memoryTHP = try MemoryTHP(parsing: d.value)
        case "TimerSlackNSec":
            if let n = UInt64(d.value) { timerSlackNanoseconds = n; break }   // a bare number counts nanoseconds
            timerSlackNanoseconds = try TimeSpan(parsing: d.value, defaultUnit: .microsecond).microseconds * 1_000
        case "CPUSchedulingPolicy": cpuSchedulingPolicy = try CPUSchedulingPolicy(parsing: d.value)
        case "CPUSchedulingPriority": cpuSchedulingPriority = try d.optional { v throws(ValueError) in try Numbers.integer(v, in: 0...99, "CPU scheduling priority") }
        case "CPUSchedulingResetOnFork": cpuSchedulingResetOnFork = try d.bool()
        case "IOSchedulingClass":
            ioSchedulingClass = try d.optional { v throws(ValueError) in
                if let n = Int(v), (0...7).contains(n) { return n }
                guard let n = ["none", "realtime", "best-effort", "idle"].firstIndex(of: v) else {
                    throw ValueError("'\(v)' is not an I/O scheduling class (realtime, best-effort, idle, none, 0…7)")
                }
                return n
            }
        case "CPUAffinity":
            if d.value == "numa" { cpuAffinityFromNUMA = true; cpuAffinity = nil; break }
            let cpus = try CPUList.parse(d.expanded())
            // An empty assignment (no CPU named) resets; others extend the set.
            cpuAffinity = d.value.isEmpty ? nil : (cpuAffinity ?? []).union(cpus)
            cpuAffinityFromNUMA = false
        case "NUMAPolicy": numaPolicy = try d.optional { v throws(ValueError) in try NUMAPolicy(parsing: v) }
        case "NUMAMask":
            if d.value == "all" { numaMaskAll = true; numaMask = nil; break }
            let nodes = try CPUList.parse(d.expanded())
            numaMask = d.value.isEmpty ? nil : (numaMask ?? []).union(nodes)
            numaMaskAll = false
        case "CoredumpFilter":
            coredumpFilter = d.value.isEmpty ? nil : (coredumpFilter ?? 0) | (try CoredumpFilter.parse(d.value))
        case "IOSchedulingPriority": ioSchedulingPriority = try d.optional { v throws(ValueError) in try Numbers.integer(v, in: 0...7, "I/O scheduling priority") }
        default: return false
        }
        return true
    }
}

import Directives
#if canImport(Glibc)
import Glibc
#endif

/// One value written into a file of the run's cgroup for a controller, before the child is
/// started, and the directive that asked for it.
public struct CgroupWrite: Sendable, Equatable {
    public var controller, file, value, directive: String
    /// A weight systemd writes only where the kernel has the file (its write fails quietly with
    /// ENOENT, e.g. blkio.weight without a CFQ or BFQ scheduler); every other write is required.
    public var bestEffort = false
}

/// Everything the run's cgroups get from the unit's resource-control directives, on this host's
/// hierarchy, mapped as systemd 252's cgroup_context_apply() maps them: on v2 the unified
/// files, on v1 the legacy ones (CPUWeight= as cpu.shares, MemoryMax= as memory.limit_in_bytes,
/// IOWeight= as blkio.weight, ...). Directives systemd leaves without effect on this layout are
/// listed as `ignored`; one whose controller the host lacks altogether is `unavailable`, and
/// refuses the start.
public struct CgroupLimits: Sendable, Equatable {
    public var hierarchy: CgroupHierarchy
    public var writes: [CgroupWrite] = []
    /// Controllers the run's processes join (with or without writes): one cgroup each on v1.
    public var controllers: [String] = []
    public var ignored: [(directive: String, reason: String)] = []
    public var unavailable: [(directive: String, controller: String)] = []

    public static func == (a: CgroupLimits, b: CgroupLimits) -> Bool {
        a.writes == b.writes && a.controllers == b.controllers && a.hierarchy == b.hierarchy
            && a.ignored.map(\.directive) == b.ignored.map(\.directive) && a.unavailable.map(\.directive) == b.unavailable.map(\.directive)
    }

    /// Whether the unit sets anything here (nothing to do, and nothing detected, otherwise).
    public static func sets(_ r: ResourceControl) -> Bool {
        r.memoryMax != nil || r.memoryHigh != nil || r.memoryLow != nil || r.memoryMin != nil || r.memorySwapMax != nil
            || r.memoryLimit != nil || r.tasksMax != nil || r.cpuQuota != nil || r.cpuQuotaPeriod != nil
            || r.cpuWeight != nil || r.cpuShares != nil
            || r.allowedCPUs != nil || r.allowedMemoryNodes != nil || r.ioWeight != nil
            || !r.ioDeviceWeights.isEmpty || !r.ioDeviceLimits.isEmpty || !r.ioDeviceLatencies.isEmpty
            || r.blockIOWeight != nil || r.startupBlockIOWeight != nil || !r.blockIODeviceWeights.isEmpty
            || !r.blockIOBandwidths.isEmpty || r.delegate != nil
    }

    /// `accounting`: join the memory, pids and cpuacct controllers even without a limit, so that
    /// `--stats` can read the peaks (systemd's MemoryAccounting= and TasksAccounting=).
    public init(_ r: ResourceControl, hierarchy: CgroupHierarchy = .current, accounting: Bool = false,
                host: HostFacts = .current) {
        self.hierarchy = hierarchy
        memory(r, host)
        pids(r, host)
        cpu(r)
        cpuset(r)
        io(r)
        delegation(r)
        if accounting {
            for c in ["memory", "pids", "cpuacct"] where hierarchy.controllers[c] != nil { use(c) }
        }
    }

    public var isEmpty: Bool { writes.isEmpty && controllers.isEmpty && ignored.isEmpty && unavailable.isEmpty }

    private mutating func use(_ controller: String) {
        if !controllers.contains(controller) { controllers.append(controller) }
    }

    /// Adds the write, or notes the directive unavailable when no hierarchy has the controller.
    private mutating func write(_ controller: String, _ file: String, _ value: String, for directive: String, bestEffort: Bool = false) {
        guard hierarchy.controllers[controller] != nil else {
            if !unavailable.contains(where: { $0.directive == directive }) { unavailable.append((directive, controller)) }
            return
        }
        use(controller)
        writes.append(CgroupWrite(controller: controller, file: file, value: value, directive: directive, bestEffort: bestEffort))
    }

    private mutating func ignore(_ directive: String, _ reason: String) {
        ignored.append((directive, reason))
    }

    // MARK: memory

    private mutating func memory(_ r: ResourceControl, _ host: HostFacts) {
        // MemoryMin=, MemoryLow=, MemoryHigh=, MemoryMax= or MemorySwapMax= make the "unified"
        // configuration, which takes precedence over the legacy MemoryLimit=.
        let unifiedSet = [r.memoryMin, r.memoryLow, r.memoryHigh, r.memoryMax, r.memorySwapMax].contains { $0 != nil }
        if unifiedSet, let limit = r.memoryLimit {
            ignore("MemoryLimit=\(limit)", "MemoryMax= and the like take precedence over it (as in systemd)")
        }
        if hierarchy.isV2("memory") {
            let pairs: [(MemoryLimit?, String, String)] = [
                (r.memoryMin, "memory.min", "MemoryMin"), (r.memoryLow, "memory.low", "MemoryLow"),
                (r.memoryHigh, "memory.high", "MemoryHigh"),
                (unifiedSet ? r.memoryMax : r.memoryLimit, "memory.max", unifiedSet ? "MemoryMax" : "MemoryLimit"),
                (r.memorySwapMax, "memory.swap.max", "MemorySwapMax"),
            ]
            for case (let limit?, let file, let key) in pairs {
                write("memory", file, host.bytes(limit).map(String.init) ?? "max", for: "\(key)=\(limit)")
            }
            return
        }
        // v1: one limit. With only MemoryHigh= and the like, systemd writes the unlimited default,
        // which a new cgroup has already.
        let chosen = unifiedSet ? r.memoryMax.map { ("MemoryMax", $0) } : r.memoryLimit.map { ("MemoryLimit", $0) }
        if let (key, limit) = chosen {
            write("memory", "memory.limit_in_bytes", host.bytes(limit).map(String.init) ?? "-1", for: "\(key)=\(limit)")
        }
        let v1 = hierarchy.controllers["memory"] != nil
        for (limit, key) in [(r.memoryMin, "MemoryMin"), (r.memoryLow, "MemoryLow"), (r.memoryHigh, "MemoryHigh"), (r.memorySwapMax, "MemorySwapMax")] {
            guard let limit else { continue }
            if v1 {
                ignore("\(key)=\(limit)", "cgroup v1 has no such memory setting; systemd 252 applies only MemoryMax= (as memory.limit_in_bytes) there")
            } else {
                unavailable.append(("\(key)=\(limit)", "memory"))
            }
        }
    }

    // MARK: Delegate=

    /// Delegate=: the run's cgroup is handed to the service's user, with these v2 controllers
    /// enabled below it (every one brig's runs have, for `yes`).
    public var delegated: [String]? = nil

    private mutating func delegation(_ r: ResourceControl) {
        guard case .controllers(let asked)? = r.delegate else { return }
        let v2 = hierarchy.controllers.filter { $0.value == .v2 }.keys
        delegated = (asked.map { Array($0) } ?? Array(v2)).filter { v2.contains($0) }.sorted()
        let v1Only = (asked ?? []).filter { !v2.contains($0) }.sorted()
        if !v1Only.isEmpty {
            ignore("Delegate=\(v1Only.joined(separator: " "))", "not a cgroup v2 controller brig's runs have here; the run's cgroup is handed over without it, as systemd 252 does on this layout")
        }
    }

    // MARK: pids

    private mutating func pids(_ r: ResourceControl, _ host: HostFacts) {
        guard let tasks = r.tasksMax else { return }
        let value: String
        switch tasks {
        case .infinity: value = "max"
        case .count(let n): value = "\(n)"
        case .percent(let p): value = "\(host.tasks(p))"
        }
        write("pids", "pids.max", value, for: "TasksMax=\(Self.describe(tasks))")
    }

    static func describe(_ t: TasksLimit) -> String {
        switch t {
        case .infinity: "infinity"
        case .count(let n): "\(n)"
        case .percent(let p): p.description
        }
    }

    // MARK: cpu

    private mutating func cpu(_ r: ResourceControl) {
        let quotaSet = r.cpuQuota != nil || r.cpuQuotaPeriod != nil
        guard r.cpuWeight != nil || r.cpuShares != nil || quotaSet else { return }
        // The quota as microseconds of CPU per second, and the period systemd settles on.
        let perSecond = r.cpuQuota.map { UInt64($0.value) * 100 }
        let period = Self.quotaPeriod(requested: r.cpuQuotaPeriod, perSecond: perSecond)
        if hierarchy.isV2("cpu") {
            if let weight = r.cpuWeight {
                if weight == 0 { write("cpu", "cpu.idle", "1", for: "CPUWeight=idle") } else { write("cpu", "cpu.weight", "\(weight)", for: "CPUWeight=\(weight)") }
            } else if let shares = r.cpuShares {
                write("cpu", "cpu.weight", "\(Self.clamp(shares * 100 / 1024, 1, 10_000))", for: "CPUShares=\(shares)")
            }
            if quotaSet {
                let quota = perSecond.map { "\(max($0 * period / 1_000_000, 1000))" } ?? "max"
                write("cpu", "cpu.max", "\(quota) \(period)", for: quotaDirective(r))
            }
            return
        }
        if let weight = r.cpuWeight {
            let shares = weight == 0 ? 2 : Self.clamp(weight * 1024 / 100, 2, 262_144)
            write("cpu", "cpu.shares", "\(shares)", for: "CPUWeight=\(weight == 0 ? "idle" : String(weight))")
        } else if let shares = r.cpuShares {
            write("cpu", "cpu.shares", "\(shares)", for: "CPUShares=\(shares)")
        }
        if quotaSet {
            write("cpu", "cpu.cfs_period_us", "\(period)", for: quotaDirective(r))
            write("cpu", "cpu.cfs_quota_us", perSecond.map { "\(max($0 * period / 1_000_000, 1000))" } ?? "-1", for: quotaDirective(r))
        }
    }

    private func quotaDirective(_ r: ResourceControl) -> String {
        [r.cpuQuota.map { "CPUQuota=\($0)" }, r.cpuQuotaPeriod.map { "CPUQuotaPeriodSec=\($0)" }].compactMap { $0 }.joined(separator: " ")
    }

    /// systemd's period: the default 100 ms for no quota, else the one asked for, at least 1 ms
    /// and long enough for the quota to be 1 ms, at most 1 s.
    static func quotaPeriod(requested: TimeSpan?, perSecond: UInt64?) -> UInt64 {
        guard let perSecond else { return 100_000 }
        let asked = requested.flatMap { $0.isInfinite ? nil : $0.microseconds } ?? 100_000
        return min(max(asked, 1000, 1000 * 1_000_000 / perSecond), 1_000_000)
    }

    static func clamp(_ v: UInt64, _ low: UInt64, _ high: UInt64) -> UInt64 { min(max(v, low), high) }

    // MARK: cpuset

    private mutating func cpuset(_ r: ResourceControl) {
        let sets: [(Set<Int>?, String, String)] = [
            (r.allowedCPUs, "cpuset.cpus", "AllowedCPUs"), (r.allowedMemoryNodes, "cpuset.mems", "AllowedMemoryNodes"),
        ]
        for case (let set?, let file, let key) in sets {
            let directive = "\(key)=\(Self.ranges(set))"
            if hierarchy.isV2("cpuset") {
                write("cpuset", file, Self.ranges(set), for: directive)
            } else {
                ignore(directive, "systemd 252 uses the cpuset controller only on cgroup v2, which does not offer it here")
            }
        }
    }

    /// "0-3,5", as the kernel and systemd print a CPU set.
    static func ranges(_ set: Set<Int>) -> String {
        var parts: [String] = []
        var sorted = set.sorted()[...]
        while let first = sorted.first {
            var last = first
            sorted = sorted.dropFirst()
            while sorted.first == last + 1 { last += 1; sorted = sorted.dropFirst() }
            parts.append(first == last ? "\(first)" : "\(first)-\(last)")
        }
        return parts.joined(separator: ",")
    }

    // MARK: io

    private mutating func io(_ r: ResourceControl) {
        // The IO…= settings win over the BlockIO…= ones; each set is translated to the other
        // controller's scale where only that controller exists.
        // (Startup…= values count as set, as in systemd, though they apply only at boot.)
        let hasIO = r.ioWeight != nil || r.startupIOWeight != nil || !r.ioDeviceWeights.isEmpty
            || !r.ioDeviceLimits.isEmpty || !r.ioDeviceLatencies.isEmpty
        let hasBlockIO = r.blockIOWeight != nil || r.startupBlockIOWeight != nil || !r.blockIODeviceWeights.isEmpty
            || !r.blockIOBandwidths.isEmpty
        guard hasIO || hasBlockIO else { return }
        if hasIO && hasBlockIO {
            ignore("BlockIO…=", "the IO…= settings of the unit take precedence (as in systemd)")
        }
        if hierarchy.isV2("io") {
            ioOnV2(r, hasIO: hasIO)
        } else {
            ioOnV1(r, hasIO: hasIO)
        }
    }

    private mutating func ioOnV2(_ r: ResourceControl, hasIO: Bool) {
        if hasIO {
            if let w = r.ioWeight { write("io", "io.weight", "default \(w)", for: "IOWeight=\(w)") }
            for d in r.ioDeviceWeights {
                device(d.path, "IODeviceWeight=\(d.path) \(d.value)") { "\($0) \(d.value)" }.map { write("io", "io.weight", $0, for: "IODeviceWeight=\(d.path) \(d.value)") }
            }
            for d in r.ioDeviceLimits {
                let directive = d.value.keys.sorted { $0.rawValue < $1.rawValue }.map { "\($0.directive)=\(d.path) \(d.value[$0]!)" }.joined(separator: " ")
                let text = IOLimitKind.allCases.map { kind in "\(kind.key)=\(d.value[kind].map { $0 == .max ? "max" : "\($0)" } ?? "max")" }.joined(separator: " ")
                device(d.path, directive) { "\($0) \(text)" }.map { write("io", "io.max", $0, for: directive) }
            }
            for d in r.ioDeviceLatencies {
                let directive = "IODeviceLatencyTargetSec=\(d.path) \(d.value)"
                device(d.path, directive) { "\($0) target=\(d.value.isInfinite ? "max" : String(d.value.microseconds))" }
                    .map { write("io", "io.latency", $0, for: directive) }
            }
            return
        }
        if let w = r.blockIOWeight { write("io", "io.weight", "default \(Self.clamp(w * 100 / 500, 1, 10_000))", for: "BlockIOWeight=\(w)") }
        for d in r.blockIODeviceWeights {
            let directive = "BlockIODeviceWeight=\(d.path) \(d.value)"
            device(d.path, directive) { "\($0) \(Self.clamp(d.value * 100 / 500, 1, 10_000))" }.map { write("io", "io.weight", $0, for: directive) }
        }
        for d in r.blockIOBandwidths {
            let directive = "BlockIORead/WriteBandwidth=\(d.path)"
            let text = "rbps=\(d.value.read == .max ? "max" : "\(d.value.read)") wbps=\(d.value.write == .max ? "max" : "\(d.value.write)") riops=max wiops=max"
            device(d.path, directive) { "\($0) \(text)" }.map { write("io", "io.max", $0, for: directive) }
        }
    }

    private mutating func ioOnV1(_ r: ResourceControl, hasIO: Bool) {
        // blkio.weight exists only with a proportional scheduler (CFQ, BFQ); systemd's write fails
        // quietly without one.
        let weightFile = hierarchy.v1OwnFile(of: "blkio", "blkio.weight")
        let hasWeights = weightFile.map(SystemFiles.exists) ?? true
        func weight(_ value: UInt64, _ directive: String) {
            if hierarchy.controllers["blkio"] != nil && !hasWeights {
                ignore(directive, "the blkio controller here has no blkio.weight (no CFQ or BFQ I/O scheduler); systemd's write fails quietly")
            } else {
                write("blkio", "blkio.weight", "\(value)", for: directive, bestEffort: true)
            }
        }
        func deviceWeight(_ path: String, _ value: UInt64, _ directive: String) {
            if hierarchy.controllers["blkio"] != nil && !hasWeights {
                ignore(directive, "the blkio controller here has no blkio.weight_device (no CFQ or BFQ I/O scheduler); systemd's write fails quietly")
            } else if let line = device(path, directive, { "\($0) \(value)" }) {
                write("blkio", "blkio.weight_device", line, for: directive, bestEffort: true)
            }
        }
        func bandwidth(_ path: String, read: UInt64, write w: UInt64, _ directive: String) {
            guard let number = device(path, directive, { $0 }) else { return }
            write("blkio", "blkio.throttle.read_bps_device", "\(number) \(read)", for: directive)
            write("blkio", "blkio.throttle.write_bps_device", "\(number) \(w)", for: directive)
        }
        if hasIO {
            if let w = r.ioWeight { weight(Self.clamp(w * 500 / 100, 10, 1000), "IOWeight=\(w)") }
            for d in r.ioDeviceWeights { deviceWeight(d.path, Self.clamp(d.value * 500 / 100, 10, 1000), "IODeviceWeight=\(d.path) \(d.value)") }
            for d in r.ioDeviceLimits {
                let bandwidths = d.value.filter { $0.key == .readBandwidth || $0.key == .writeBandwidth }
                if !bandwidths.isEmpty {
                    let directive = bandwidths.keys.sorted { $0.rawValue < $1.rawValue }.map { "\($0.directive)=\(d.path) \(d.value[$0]!)" }.joined(separator: " ")
                    bandwidth(d.path, read: d.value[.readBandwidth] ?? .max, write: d.value[.writeBandwidth] ?? .max, directive)
                }
                for kind in [IOLimitKind.readIOPS, .writeIOPS] where d.value[kind] != nil {
                    ignore("\(kind.directive)=\(d.path) \(d.value[kind]!)", "cgroup v1's blkio has no place for it in systemd 252, which applies only the bandwidths there")
                }
            }
            for d in r.ioDeviceLatencies {
                ignore("IODeviceLatencyTargetSec=\(d.path) \(d.value)", "a setting of cgroup v2's io controller, which this host does not offer; systemd 252 ignores it on v1")
            }
            return
        }
        if let w = r.blockIOWeight { weight(w, "BlockIOWeight=\(w)") }
        for d in r.blockIODeviceWeights { deviceWeight(d.path, d.value, "BlockIODeviceWeight=\(d.path) \(d.value)") }
        for d in r.blockIOBandwidths {
            bandwidth(d.path, read: d.value.read, write: d.value.write, "BlockIORead/WriteBandwidth=\(d.path)")
        }
    }

    /// "MAJOR:MINOR" of the whole disk `path` is (or is stored on), formatted into a line; nil,
    /// with the directive noted as ignored, when there is none (systemd skips such a device too).
    private mutating func device(_ path: String, _ directive: String, _ line: (String) -> String) -> String? {
        guard let number = BlockDevice.wholeDisk(of: path) else {
            ignore(directive, "\(path) is not a block device nor a file on one; systemd skips it too")
            return nil
        }
        return line(number)
    }
}

/// What percentages are shares of: this host's memory and task limits, as systemd reads them.
public struct HostFacts: Sendable, Equatable {
    public var physicalMemory: UInt64
    public var pageSize: UInt64
    public var tasksMax: UInt64

    public init(physicalMemory: UInt64, pageSize: UInt64, tasksMax: UInt64) {
        self.physicalMemory = physicalMemory
        self.pageSize = pageSize
        self.tasksMax = tasksMax
    }

    public static var current: HostFacts {
        let pageSize = UInt64(max(sysconf(Int32(_SC_PAGESIZE)), 1))
        let pages = UInt64(max(sysconf(Int32(_SC_PHYS_PAGES)), 1))
        // systemd's system_tasks_max(): the smallest of kernel.threads-max and kernel.pid_max - 1.
        func number(_ path: String) -> UInt64? { SystemFiles.read(path).flatMap { UInt64($0.trimmed) } }
        let threads = number("/proc/sys/kernel/threads-max") ?? 4_194_303
        let pids = (number("/proc/sys/kernel/pid_max") ?? 4_194_304) - 1
        return HostFacts(physicalMemory: pages * pageSize, pageSize: pageSize, tasksMax: min(threads, pids, 4_194_303))
    }

    /// Bytes for a memory limit; nil for infinity. A share of memory is rounded down to whole
    /// pages, as physical_memory_scale() does.
    func bytes(_ limit: MemoryLimit) -> UInt64? {
        switch limit {
        case .infinity: return nil
        case .bytes(let b): return b
        case .percent(let p):
            if p.value == 10_000 { return physicalMemory }
            return (physicalMemory / pageSize) * UInt64(p.value) / 10_000 * pageSize
        }
    }

    func tasks(_ share: Permyriad) -> UInt64 { tasksMax * UInt64(share.value) / 10_000 }
}

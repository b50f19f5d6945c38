/// What a run's cgroups counted, read at its end before they are removed: what
/// `systemd-run --wait` reports of a service, and whether the kernel's OOM killer struck.
public final class RunUsage: @unchecked Sendable {
    /// CPU time of every process of the run, user and system.
    public private(set) var cpuNanoseconds: UInt64?
    /// The most memory the run's cgroup held at once (its memory controller's high-water mark).
    public private(set) var memoryPeak: UInt64?
    /// The most tasks (threads) it had at once.
    public private(set) var tasksPeak: UInt64?
    /// Processes of the run the OOM killer ended: systemd's result "oom-kill".
    public private(set) var oomKills: UInt64 = 0
    // IP bytes and packets in and out belong here too, once IPAccounting= counts them.

    /// false: only OOM kills are looked for (a run with a memory limit, without --stats).
    let counts: Bool

    public init(counts: Bool = true) { self.counts = counts }

    func collect(_ site: RunSite, limits: CgroupLimits?) {
        let hierarchy = limits?.hierarchy
        /// The run's directory for a controller it joined, and whether that is on v2.
        func directory(_ controller: String) -> (path: String, v2: Bool)? {
            guard let limits, let hierarchy, limits.controllers.contains(controller) else { return nil }
            if hierarchy.isV2(controller) { return (site.cgroup, true) }
            return hierarchy.v1Directory(of: controller, runID: site.id).map { ($0, false) }
        }
        if let dir = directory("memory") {
            oomKills = Self.keyed(dir.path + (dir.v2 ? "/memory.events" : "/memory.oom_control"), "oom_kill") ?? 0
            if counts { memoryPeak = Self.number(dir.path + (dir.v2 ? "/memory.peak" : "/memory.max_usage_in_bytes")) }
        }
        if counts {
            // cpu.stat's usage_usec is kept on every cgroup of the v2 tree, controller or not.
            if let usec = Self.keyed(site.cgroup + "/cpu.stat", "usage_usec") {
                cpuNanoseconds = usec * 1000
            } else if let dir = directory("cpuacct") {
                cpuNanoseconds = Self.number(dir.path + "/cpuacct.usage")
            }
            if let dir = directory("pids") { tasksPeak = Self.number(dir.path + "/pids.peak") }
        }
        if oomKills > 0 {
            SystemFiles.warn("brig run: the kernel's OOM killer ended \(oomKills) process\(oomKills == 1 ? "" : "es") of the service (memory limit reached): result oom-kill")
        }
    }

    static func number(_ path: String) -> UInt64? { SystemFiles.read(path).flatMap { UInt64($0.trimmed) } }

    /// The value of `key` in a "key value" per line file (cpu.stat, memory.events, memory.oom_control).
    static func keyed(_ path: String, _ key: String) -> UInt64? {
        for line in (SystemFiles.read(path) ?? "").split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 2, words[0] == key { return UInt64(words[1]) }
        }
        return nil
    }
}

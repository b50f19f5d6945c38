import Directives
import Testing
import UnitFile
@testable import Jail

/// The files and values a unit's limits become, on a hybrid host (v1 controllers) and on a pure
/// v2 one, as systemd 252's cgroup_context_apply() writes them. No cgroup is touched.
struct CgroupLimitsTests {
    static let hybrid = CgroupHierarchy(layout: .hybrid, controllers: [
        "memory": .v1(mount: "/sys/fs/cgroup/memory", own: ""), "pids": .v1(mount: "/sys/fs/cgroup/pids", own: ""),
        "cpu": .v1(mount: "/sys/fs/cgroup/cpu,cpuacct", own: ""), "cpuacct": .v1(mount: "/sys/fs/cgroup/cpu,cpuacct", own: ""),
        "blkio": .v1(mount: "/sys/fs/cgroup/blkio", own: ""), "cpuset": .v1(mount: "/sys/fs/cgroup/cpuset", own: ""),
    ])
    static let unified = CgroupHierarchy(layout: .unified, controllers: [
        "memory": .v2, "pids": .v2, "cpu": .v2, "cpuset": .v2, "io": .v2,
    ])
    static let bare = CgroupHierarchy(layout: .hybrid, controllers: [:])
    /// 16 GiB of 4 KiB pages; 32767 tasks (pid_max 32768).
    static let host = HostFacts(physicalMemory: 16 << 30, pageSize: 4096, tasksMax: 32767)

    static func limits(_ lines: [String], _ hierarchy: CgroupHierarchy, accounting: Bool = false) -> CgroupLimits {
        let assignments = lines.enumerated().map { i, line in
            let eq = line.firstIndex(of: "=")!
            return Assignment(section: "Service", key: String(line[..<eq]), value: String(line[line.index(after: eq)...]),
                              location: SourceLocation(file: "-p", line: i + 1))
        }
        let unit = LoadedUnit(name: try! UnitName("t.service"), fragmentPath: nil, assignments: assignments, sections: ["Service"])
        let config = UnitConfig(unit)
        #expect(config.diagnostics.filter { $0.severity == .error }.isEmpty, "\(config.diagnostics)")
        return CgroupLimits(config.resources, hierarchy: hierarchy, accounting: accounting, host: host)
    }

    static func files(_ l: CgroupLimits) -> [String] { l.writes.map { "\($0.controller)/\($0.file)=\($0.value)" } }

    @Test(arguments: [
        (["MemoryMax=100M"], ["memory/memory.limit_in_bytes=104857600"]),
        (["MemoryMax=infinity"], ["memory/memory.limit_in_bytes=-1"]),
        (["MemoryMax=10%"], ["memory/memory.limit_in_bytes=1717985280"]),
        (["MemoryLimit=64M"], ["memory/memory.limit_in_bytes=67108864"]),
        (["MemoryLimit=64M", "MemoryMax=32M"], ["memory/memory.limit_in_bytes=33554432"]),
        (["MemoryLimit=64M", "MemoryHigh=32M"], []),
        (["TasksMax=50"], ["pids/pids.max=50"]),
        (["TasksMax=10%"], ["pids/pids.max=3276"]),
        (["TasksMax=infinity"], ["pids/pids.max=max"]),
        (["CPUQuota=20%"], ["cpu/cpu.cfs_period_us=100000", "cpu/cpu.cfs_quota_us=20000"]),
        (["CPUQuota=150%", "CPUQuotaPeriodSec=10ms"], ["cpu/cpu.cfs_period_us=10000", "cpu/cpu.cfs_quota_us=15000"]),
        (["CPUQuota=0.5%"], ["cpu/cpu.cfs_period_us=200000", "cpu/cpu.cfs_quota_us=1000"]),
        (["CPUQuota=20%", "CPUQuotaPeriodSec=5s"], ["cpu/cpu.cfs_period_us=1000000", "cpu/cpu.cfs_quota_us=200000"]),
        (["CPUWeight=50"], ["cpu/cpu.shares=512"]),
        (["CPUWeight=idle"], ["cpu/cpu.shares=2"]),
        (["CPUWeight=10000"], ["cpu/cpu.shares=102400"]),
        (["CPUShares=2048"], ["cpu/cpu.shares=2048"]),
        (["CPUShares=2048", "CPUWeight=50"], ["cpu/cpu.shares=512"]),
    ] as [([String], [String])])
    func onV1(_ lines: [String], _ expected: [String]) {
        #expect(Self.files(Self.limits(lines, Self.hybrid)) == expected)
    }

    @Test(arguments: [
        (["MemoryMax=100M", "MemoryHigh=80M", "MemoryLow=1M", "MemoryMin=512K", "MemorySwapMax=0"],
         ["memory/memory.min=524288", "memory/memory.low=1048576", "memory/memory.high=83886080", "memory/memory.max=104857600", "memory/memory.swap.max=0"]),
        (["MemoryLimit=64M"], ["memory/memory.max=67108864"]),
        (["TasksMax=50"], ["pids/pids.max=50"]),
        (["CPUQuota=20%"], ["cpu/cpu.max=20000 100000"]),
        (["CPUQuotaPeriodSec=50ms"], ["cpu/cpu.max=max 100000"]),
        (["CPUWeight=50"], ["cpu/cpu.weight=50"]),
        (["CPUWeight=idle"], ["cpu/cpu.idle=1"]),
        (["CPUShares=2048"], ["cpu/cpu.weight=200"]),
        (["AllowedCPUs=0-2 5", "AllowedMemoryNodes=0"], ["cpuset/cpuset.cpus=0-2,5", "cpuset/cpuset.mems=0"]),
        (["IOWeight=200"], ["io/io.weight=default 200"]),
        (["BlockIOWeight=1000"], ["io/io.weight=default 200"]),
    ] as [([String], [String])])
    func onV2(_ lines: [String], _ expected: [String]) {
        #expect(Self.files(Self.limits(lines, Self.unified)) == expected)
    }

    @Test func theRunJoinsOneV1CgroupPerHierarchy() {
        let l = Self.limits(["CPUQuota=20%", "MemoryMax=1G"], Self.hybrid, accounting: true)
        #expect(RunCgroups.v1Directories(l, runID: "run-1") == [
            "/sys/fs/cgroup/memory/brig/run-1", "/sys/fs/cgroup/cpu,cpuacct/brig/run-1", "/sys/fs/cgroup/pids/brig/run-1",
        ])
    }

    @Test func whatSystemd252IgnoresOnV1IsListedNotRefused() {
        let l = Self.limits(["MemoryHigh=1G", "MemorySwapMax=0", "AllowedCPUs=0", "IOReadIOPSMax=/ 100",
                             "IODeviceLatencyTargetSec=/ 10ms"], Self.hybrid)
        #expect(l.unavailable.isEmpty)
        #expect(l.ignored.map(\.directive) == ["MemoryHigh=1073741824", "MemorySwapMax=0", "AllowedCPUs=0",
                                               "IOReadIOPSMax=/ 100", "IODeviceLatencyTargetSec=/ 10ms"])
    }

    @Test func aControllerInNoHierarchyMakesTheDirectiveUnavailable() {
        let l = Self.limits(["MemoryMax=1G", "TasksMax=5", "CPUWeight=20"], Self.bare)
        #expect(l.unavailable.map(\.controller) == ["memory", "pids", "cpu"])
        #expect(l.writes.isEmpty)
    }

    @Test func aUnitWithoutLimitsDetectsNothing() {
        #expect(!CgroupLimits.sets(ResourceControl()))
        var r = ResourceControl()
        r.tasksMax = .count(3)
        #expect(CgroupLimits.sets(r))
    }

    @Test func delegateHandsOverTheV2ControllersBrigsRunsHave() {
        #expect(Self.limits(["Delegate=yes"], Self.unified).delegated == ["cpu", "cpuset", "io", "memory", "pids"])
        #expect(Self.limits(["Delegate=memory pids"], Self.unified).delegated == ["memory", "pids"])
        let v1 = Self.limits(["Delegate=memory"], Self.hybrid)
        #expect(v1.delegated == [])
        #expect(v1.ignored.map(\.directive) == ["Delegate=memory"])
    }
}

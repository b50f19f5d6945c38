import Foundation
import TestSupport
import Testing

/// What a user sees of the resource-control directives: `--stats` at the end of a run, the
/// mechanism `--dry-run` picks per controller, and bad values stopped before anything runs.
@Suite(.enabled(if: geteuid() == 0, "brig run needs root"))
struct RunLimitsTests {
    @Test func statsSaySystemdRunsSummaryWithThePeaks() throws {
        let result = try BrigBinary.run(["run", "--stats", "-p", "TasksMax=20", "--", "/bin/sh", "-c", "sleep 0.2 & sleep 0.2 & wait; exit 3"])
        #expect(result.status == 3)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == "Finished with result: exit-code")
        #expect(lines.dropFirst().first == "Main processes terminated with: code=exited/status=3")
        #expect(lines.contains { $0.hasPrefix("Service runtime: 2") && $0.hasSuffix("ms") })
        #expect(lines.contains { $0.hasPrefix("CPU time consumed: ") })
        #expect(lines.contains { $0.hasPrefix("Memory peak: ") && ($0.hasSuffix("K") || $0.hasSuffix("M")) })
        #expect(lines.contains("Tasks peak: 3"))
    }

    @Test func statsJSONIsOneObjectForMachines() throws {
        let result = try BrigBinary.run(["run", "--stats-json", "--", "/bin/sh", "-c", "kill -TERM $$$$"])  // "$$" is "$" to brig, as to systemd
        #expect(result.status == 128 + 15)
        let object = try JSONSerialization.jsonObject(with: Data(result.stderr.utf8)) as? [String: Any]
        #expect(object?["result"] as? String == "signal")
        #expect(object?["code"] as? String == "killed")
        #expect(object?["signal"] as? String == "TERM")
        #expect((object?["runtime_usec"] as? Int ?? 0) > 0)
        #expect(object?["memory_peak_bytes"] as? Int != nil)
        #expect(object?["tasks_peak"] as? Int == 1)
        #expect(object?["oom_kills"] as? Int == 0)
    }

    /// With IPAccounting=, --stats adds what systemd-run adds: the bytes received and sent.
    @Test func statsCountTheTrafficWithIPAccounting() throws {
        let send = "use Socket; socket(my $s, AF_INET, SOCK_DGRAM, 0); send($s, 'x' x 1000, 0, sockaddr_in(9, inet_aton('127.0.0.1'))) for 1..3;"
        let text = try BrigBinary.run(["run", "--stats", "-p", "IPAccounting=yes", "--", "/usr/bin/perl", "-e", send])
        #expect(text.stderr.contains("IP traffic sent: "), "\(text.stderr)")
        let result = try BrigBinary.run(["run", "--stats-json", "-p", "IPAccounting=yes", "--", "/usr/bin/perl", "-e", send])
        let object = try JSONSerialization.jsonObject(with: Data(result.stderr.utf8)) as? [String: Any]
        let sent = object?["ip_egress_bytes"] as? Int ?? 0
        #expect(sent >= 3 * 1028 && sent < 4 * 1028, "\(result.stderr)")   // 1,000 bytes, UDP and IP headers, three times
        #expect(object?["ip_egress_packets"] as? Int == 3)
        let none = try BrigBinary.run(["run", "--stats-json", "--", "/bin/true"])
        #expect(!none.stderr.contains("ip_egress"))
    }

    @Test func anOOMKillIsTheResult() throws {
        let result = try BrigBinary.run(["run", "--stats", "-p", "MemoryMax=20M", "--", "/usr/bin/python3", "-c", "x = bytearray(200 << 20)"])
        #expect(result.status == 137)
        #expect(result.stderr.contains("Finished with result: oom-kill\nMain processes terminated with: code=killed/status=KILL\n"))
    }

    @Test func aStartTheKernelRefusesIsAResultWithSystemdsCode() throws {
        let result = try BrigBinary.run(["run", "--stats", "-p", "TasksMax=5000000", "--", "/bin/true"])
        #expect(result.status == 219)
        #expect(result.stderr.contains("/pids.max: Invalid argument (exit status 219 CGROUP)\nFinished with result: exit-code\nMain processes terminated with: code=exited/status=219/CGROUP\nService runtime: "))
    }

    @Test func dryRunNamesTheMechanismFilesAndValuesPerController() throws {
        let result = try BrigBinary.run(["run", "--dry-run", "-p", "MemoryMax=1G", "-p", "MemoryHigh=512M", "-p", "TasksMax=5%",
                                         "-p", "CPUQuota=20%", "--", "/bin/true"])
        #expect(result.status == 0)
        let layout = SystemFilesProbe.layout
        #expect(result.stdout.contains("# cgroup limits (this host: \(layout)):\n"))
        if layout.hasPrefix("hybrid") {
            #expect(result.stdout.contains("#   memory: cgroup v1 /sys/fs/cgroup/memory"))
            #expect(result.stdout.contains("#     memory.limit_in_bytes = 1073741824  <- MemoryMax=1073741824\n"))
            #expect(result.stdout.contains("#     cpu.cfs_quota_us = 20000  <- CPUQuota=20%\n"))
            #expect(result.stdout.contains("#   ignored, as by systemd 252 on this host: MemoryHigh=536870912: cgroup v1 has no such memory setting"))
            #expect(result.stdout.contains("write \"0\" to /sys/fs/cgroup/pids/"))
        }
        #expect(result.stdout.contains("pids.max = "))
    }

    @Test func aMalformedLimitIsAFileAndLineErrorAndNoStart() throws {
        let scratch = TemporaryDirectory(prefix: "brig-cli")
        let unit = scratch.write("limits.service", "[Service]\nExecStart=/bin/true\nMemoryMax=12Q\nCPUQuota=20\nTasksMax=-1\nIOReadBandwidthMax=/dev/sda\n")
        let verify = try BrigBinary.run(["verify", unit])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("limits.service:3:1: error: MemoryMax=12Q: '12Q' is not a size"))
        #expect(verify.stdout.contains("limits.service:4:1: error: CPUQuota=20: "))
        #expect(verify.stdout.contains("limits.service:5:1: error: TasksMax=-1: "))
        #expect(verify.stdout.contains("limits.service:6:1: error: IOReadBandwidthMax=/dev/sda: "))
        let run = try BrigBinary.run(["run", "-p", "MemoryMax=1.5X", "--", "/bin/echo", "ran"])
        #expect(run.status == 2 && run.stdout.isEmpty)
        #expect(run.stderr.contains("-p:1:1: error: MemoryMax=1.5X"))
    }
}

/// The layout `brig run --dry-run` should name, read as a user would check it.
enum SystemFilesProbe {
    static var layout: String {
        if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") { return "cgroup v2 only" }
        if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified/cgroup.controllers") { return "hybrid: v1 controllers, v2 tree without them" }
        return "cgroup v1 only"
    }
}

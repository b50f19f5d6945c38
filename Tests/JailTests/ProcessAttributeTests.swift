import Foundation
import TestSupport
import Testing

/// CPUSchedulingPolicy= and friends, IOSchedulingClass= and friends, TimerSlackNSec=, CPUAffinity=,
/// CoredumpFilter= and NUMAPolicy=/NUMAMask=, as the process sees them under brig and under systemd 252.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct ProcessAttributeTests {
    static let settings: [[String]] = [
        ["CPUSchedulingPolicy=rr", "CPUSchedulingPriority=5", "CPUSchedulingResetOnFork=yes"],
        ["CPUSchedulingPolicy=batch"], ["CPUSchedulingPolicy=idle"], ["CPUSchedulingPolicy=fifo"],
        ["IOSchedulingClass=idle"], ["IOSchedulingClass=best-effort", "IOSchedulingPriority=2"],
        ["IOSchedulingPriority=3"], ["IOSchedulingClass=realtime", "IOSchedulingPriority=1"],
        ["TimerSlackNSec=12345"], ["TimerSlackNSec=2ms"],
        ["CPUAffinity=1"], ["CPUAffinity=0 1", "CPUAffinity=", "CPUAffinity=1-1"], ["CPUAffinity=4095"],
        ["CoredumpFilter=private-dax 0x2"], ["CoredumpFilter=all"],
        ["NUMAPolicy=bind", "NUMAMask=0"], ["NUMAPolicy=interleave", "NUMAMask=all"], ["NUMAPolicy=local"],
        ["NUMAPolicy=preferred", "NUMAMask=0"], ["NUMAPolicy=preferred"], ["NUMAPolicy=bind"],
        ["CPUAffinity=numa", "NUMAPolicy=bind", "NUMAMask=0"],
    ]

    /// The scheduling the probe's shell runs with, or that the start failed.
    func observe(_ properties: [String], runner: ([String], [String]) throws -> Subprocess.Output) throws -> String {
        let probe = "/run/brig-sched-probe-\(UUID().uuidString.prefix(6))"
        // In a file: systemd would read "$$" in a command line as an escaped "$".
        try "chrt -p $$ | sed 's/.*: //'; ionice -p $$; cat /proc/self/timerslack_ns /proc/self/coredump_filter; grep Cpus_allowed_list /proc/self/status; head -1 /proc/self/numa_maps | cut -d' ' -f2\n".write(toFile: probe, atomically: true, encoding: .utf8)
        defer { unlink(probe) }
        let copy = probe.replacingOccurrences(of: "/run/", with: "/var/lib/")   // the oracle's /run is its own
        try FileManager.default.copyItem(atPath: probe, toPath: copy)
        defer { unlink(copy) }
        let out = try runner(properties, ["/bin/sh", copy])
        return out.status == 0 ? out.stdout : "failed"
    }

    @Test func brigAppliesThem() throws {
        let seen = try observe(Self.settings[0]) { try Brig.run(properties: $0, $1) }
        #expect(seen.hasPrefix("SCHED_RR|SCHED_RESET_ON_FORK\n5\n"), "\(seen)")
        #expect(try observe(Self.settings[8]) { try Brig.run(properties: $0, $1) }.contains("\n12345\n"))
        #expect(try observe(Self.settings[4]) { try Brig.run(properties: $0, $1) }.contains("idle"))
        #expect(try observe(Self.settings[10]) { try Brig.run(properties: $0, $1) }.contains("Cpus_allowed_list:\t1\n"))
        #expect(try observe(Self.settings[13]) { try Brig.run(properties: $0, $1) }.contains("00000082\n"))
        #expect(try observe(Self.settings[15]) { try Brig.run(properties: $0, $1) }.hasSuffix("bind:0\n"))
    }

    @Test(.enabled(if: Oracle.isAvailable, "needs systemd for systemd-oracle"), arguments: settings)
    func systemdAgrees(_ properties: [String]) throws {
        let brig = try observe(properties) { try Brig.run(properties: $0, $1) }
        #expect(brig == (try observe(properties) { try Oracle.run(properties: $0, $1) }), "\(properties)")
    }

    /// SecureBits= and Personality=, as the capabilities and machine name the process sees.
    @Test(.enabled(if: Oracle.isAvailable, "needs systemd for systemd-oracle"),
          arguments: ["SecureBits=keep-caps", "SecureBits=noroot noroot-locked", "SecureBits=no-setuid-fixup keep-caps-locked",
                      "Personality=x86", "Personality=x86-64"])
    func securebitsAndPersonalityAsSystemdSetsThem(_ property: String) throws {
        let probe = ["/bin/sh", "-c", "grep -E '^Cap(Prm|Eff)' /proc/self/status; uname -m"]
        let brig = try Brig.run(properties: [property], probe)
        let systemd = try Oracle.run(properties: [property], probe)
        #expect(brig.status == 0 && brig.stdout == systemd.stdout)
    }
}

import Foundation
import Testing
import TestSupport

extension HardenTests {
    /// Where systemd is PID 1, brig harden proves the drop-in once more under it, with a copy of
    /// the unit under a temporary name, and leaves nothing behind. Here systemd is the oracle's
    /// (BRIG_HARDEN_SYSTEMD runs systemctl and the copying inside it, as on a host booted with it).
    @Test(.enabled(if: SystemdOracle.isAvailable, "needs the systemd oracle"))
    func theDropInIsProvenAgainUnderSystemdAsPID1() async throws {
        let (unit, workload) = try Self.doingServerUnit("brig-harden-pid1.service", port: 9514)
        // A drop-in of the unit's own goes with the copy.
        try FileManager.default.createDirectory(atPath: unit.path + ".d", withIntermediateDirectories: true)
        try "[Service]\nEnvironment=BRIG_HARDEN_OWN=1\n".write(toFile: unit.path + ".d/10-own.conf", atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["BRIG_HARDEN_SYSTEMD"] = SystemdOracle.script + " exec"
        let started = Date()
        let output = try await Subprocess([BuiltBrig.path, "harden", unit.path, "--workload", workload, "--json"],
                                          environment: environment, timeout: 300).finished()
        #expect(output.status == 0, "\(output.stderr)")
        print("proven under systemd too in \(Date().timeIntervalSince(started)) s")
        #expect(output.stderr.contains("systemd: proving the drop-in under systemd (PID 1) with a copy of the unit")
                && output.stderr.contains("systemd: the workload passed"))
        let result = try Self.json(output)
        #expect(result["proven_under_systemd"] as? Bool == true)
        let dropIn = try #require(result["drop_in"] as? String)
        #expect(dropIn.contains("\n# Proven again under systemd (PID 1), as a copy of the unit with this drop-in\n"))
        // The copy is gone again, and systemd has forgotten it.
        let left = try SystemdOracle.exec(["/bin/sh", "-c", "ls /run/systemd/system; systemctl list-units --all --no-legend 'brig-harden-proof-*'"])
        #expect(!left.stdout.contains("brig-harden-proof-"), "\(left.stdout)")
    }

    /// What fails under systemd is said, with what systemd said, and nothing is written. Here the
    /// service reads a file in the host's /run, which the oracle's systemd has a /run of its own without.
    @Test(.enabled(if: SystemdOracle.isAvailable, "needs the systemd oracle"))
    func aDropInThatFailsUnderSystemdIsNotWritten() async throws {
        let hostOnly = "/run/brig-harden-host-only"
        #expect(FileManager.default.createFile(atPath: hostOnly, contents: Data("here\n".utf8)))
        defer { try? FileManager.default.removeItem(atPath: hostOnly) }
        let (unit, workload) = try Self.doingServerUnit("brig-harden-hostonly.service", port: 9516, ["read:\(hostOnly)"])
        var environment = ProcessInfo.processInfo.environment
        environment["BRIG_HARDEN_SYSTEMD"] = SystemdOracle.script + " exec"
        let output = try await Subprocess([BuiltBrig.path, "harden", unit.path, "--workload", workload,
                                           "--start-window", "2", "--write"], environment: environment, timeout: 300).finished()
        #expect(output.status == 1)
        #expect(output.stderr.contains("brig harden: the drop-in held under brig run but not under systemd (PID 1), so nothing is written: workload exit status 52: curl: (52) Empty reply from server"))
        // What systemd said of the copy (its status: the process, the journal).
        #expect(output.stderr.contains("/system.slice/brig-harden-proof-") && output.stderr.contains("doing-server.py 9516"))
        #expect(!FileManager.default.fileExists(atPath: unit.path + ".d"))
        let left = try SystemdOracle.exec(["/bin/sh", "-c", "ls /run/systemd/system; systemctl list-units --all --no-legend 'brig-harden-proof-*'"])
        #expect(!left.stdout.contains("brig-harden-proof-"), "\(left.stdout)")
    }
}

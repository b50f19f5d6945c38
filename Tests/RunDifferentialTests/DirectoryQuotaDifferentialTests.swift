import Foundation
import Testing
import TestSupport

/// StateDirectoryQuota=, CacheDirectoryQuota=, LogsDirectoryQuota= and StateDirectoryAccounting=
/// under systemd 262 and under `brig run --rules 262` in the same instance, whose /var is the
/// oracle root's, on this host's ext4 without project quotas: both start the service, neither sets
/// a project id, and the service writes past every limit it asked for.
@Suite(.serialized, .enabled(if: SystemdOracleNext.instanceUnavailableReason == nil && Gate.brig,
                             "needs root, a built brig and systemd-oracle-next"))
struct DirectoryQuotaDifferentialTests {
    /// The project id of a directory in the oracle's root, read from the host (lsattr -pd).
    static func projectID(_ path: String) throws -> String {
        let root = try SystemdOracleNext.root.get().path
        let listed = try Subprocess.run(["/usr/bin/lsattr", "-pd", root + path], timeout: 30)
        return listed.status == 0 ? String(listed.stdout.split(separator: " ").first ?? "?") : "lsattr: \(listed.stderr)"
    }

    @Test func withoutProjectQuotasBothStartAndSetNothing() throws {
        let name = { (who: String) in "brig-quota-\(who)-\(UUID().uuidString.prefix(6))" }
        let (systemdName, brigName) = (name("systemd"), name("brig"))
        let properties = { (n: String) in
            ["StateDirectory=\(n)", "StateDirectoryQuota=1M", "StateDirectoryAccounting=yes",
             "CacheDirectory=\(n)", "CacheDirectoryQuota=50%", "LogsDirectory=\(n)", "LogsDirectoryQuota=0"]
        }
        let script = ["/bin/sh", "-c", """
            for d in "$STATE_DIRECTORY" "$CACHE_DIRECTORY" "$LOGS_DIRECTORY"; do
              dd if=/dev/zero of="$d/big" bs=1K count=2048 2>/dev/null && echo wrote
            done
            """]
        defer {
            _ = try? SystemdOracleNext.exec(["/bin/rm", "-rf"] + [systemdName, brigName].flatMap { ["/var/lib/\($0)", "/var/cache/\($0)", "/var/log/\($0)"] })
        }
        // systemd-run --wait --collect may lose the race with the unit's collection and say so after
        // the service ran ("Failed to query unit state"): that run says nothing of the service.
        var systemd = try SystemdOracleNext.run(properties(systemdName), script)
        for _ in 0..<3 where systemd.stderr.contains("Failed to query unit state") {
            systemd = try SystemdOracleNext.run(properties(systemdName), script)
        }
        let brig = try SystemdOracleNext.exec(try SystemdOracleNext.brig.get()
                                              + ["run", "--rules", "262"] + properties(brigName).flatMap { ["-p", $0] } + ["--"] + script)
        #expect(systemd.status == 0 && systemd.stdout == "wrote\nwrote\nwrote\n", "systemd: \(systemd.stdout) \(systemd.stderr)")
        #expect(brig.status == systemd.status && brig.stdout == systemd.stdout, "brig: \(brig.stdout) \(brig.stderr)")
        for base in ["/var/lib/", "/var/cache/", "/var/log/"] {
            #expect(try Self.projectID(base + systemdName) == "0")
            #expect(try Self.projectID(base + brigName) == "0")
        }
    }
}

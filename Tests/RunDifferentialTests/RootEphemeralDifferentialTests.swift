import Foundation
import Testing
import TestSupport

/// RootEphemeral=yes against systemd 262: one small root is made inside systemd-oracle-next's
/// instance (its /srv), and a shell in it writes a file and lists what a copy must keep, once as
/// a transient service of 262 and once under `brig run --rules 262` started in the same instance.
/// Both must print the same, leave the original as it was and remove their copy afterwards.
@Suite("RootEphemeral=yes under brig run --rules 262 and systemd 262", .serialized,
       .enabled(if: SystemdOracleNext.instanceUnavailableReason == nil && Gate.brig,
                "needs root, a built brig and systemd-oracle-next"))
struct RootEphemeralDifferentialTests {
    static let trees = "/var/lib/systemd/ephemeral-trees"

    /// The same kinds of entry RunRootEphemeralTests checks, and a second hard link.
    static func makeRoot(_ root: String) throws {
        let made = try SystemdOracleNext.exec(["/bin/sh", "-c", """
            set -e; rm -rf \(root); mkdir -p \(root)/usr \(root)/proc \(root)/sys \(root)/dev \(root)/run \(root)/tmp \(root)/etc \(root)/var
            for l in bin lib lib64 sbin; do [ -e /usr/$l ] && ln -s usr/$l \(root)/$l; done
            echo original > \(root)/etc/marker; chmod 4711 \(root)/etc/marker; touch -d 2001-02-03 \(root)/etc/marker
            ln \(root)/etc/marker \(root)/etc/marker-link; chown 65534:65534 \(root)/var; mkfifo \(root)/var/fifo
            """])
        try #require(made.status == 0, "\(made.stderr)")
    }

    /// Writes in its root, lists, and names its copy last (its root mount's source).
    static let probe = ["/bin/sh", "-c", """
        echo written > /etc/new && cat /etc/new && stat -c '%n %a %u %g %h %Y %F' /etc/marker /etc/marker-link /var /var/fifo /bin \
        && grep -o '\(trees)/[^ ]*' /proc/self/mountinfo | head -1
        """]

    /// The output with the copy's name made comparable: the unit names differ (run-uN.service,
    /// brig-run-PID.service), the form does not. And the copy's path itself.
    static func normalized(_ stdout: String) -> (text: String, copy: String?) {
        var lines = stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let index = lines.lastIndex(where: { $0.hasPrefix(trees + "/") }) else { return (stdout, nil) }
        let copy = lines[index]
        let name = String(copy.dropFirst(trees.count + 1))
        let form = name.wholeMatch(of: /\.#.+\.service[0-9a-f]{16}/) != nil ? ".#UNIT.service<16 hex digits>" : name
        lines[index] = trees + "/" + form
        return (lines.joined(separator: "\n"), copy)
    }

    /// Whether `path` is gone in the instance, waiting for systemd, which removes its copy as
    /// the unit is collected, a moment after systemd-run returns.
    static func isRemoved(_ path: String) throws -> Bool {
        for _ in 0..<50 {
            if try SystemdOracleNext.exec(["/bin/test", "-e", path]).status != 0 { return true }
            usleep(100_000)
        }
        return false
    }

    @Test func brigRunsTheServiceInACopyAsSystemdDoes() throws {
        let root = "/srv/brig-ephemeral-\(UUID().uuidString.prefix(6))"
        try Self.makeRoot(root)
        defer { _ = try? SystemdOracleNext.exec(["/bin/rm", "-rf", root]) }
        let properties = ["RootDirectory=\(root)", "RootEphemeral=yes", "BindReadOnlyPaths=/usr"]

        let systemdRun = try SystemdOracleNext.run(properties, Self.probe)
        #expect(systemdRun.status == 0, "systemd 262: \(systemdRun.stderr)")
        let systemd = Self.normalized(systemdRun.stdout)
        let systemdCopy = try #require(systemd.copy, "systemd 262 ran the probe in no copy: \(systemdRun.stdout)")
        #expect(try Self.isRemoved(systemdCopy), "systemd 262 left \(systemdCopy)")
        #expect(try SystemdOracleNext.exec(["/bin/test", "-e", root + "/etc/new"]).status != 0, "systemd 262 changed the original")

        let brigRun = try SystemdOracleNext.exec(try SystemdOracleNext.brig.get() + ["run", "--rules", "262"]
                                                 + properties.flatMap { ["-p", $0] } + ["--"] + Self.probe)
        #expect(brigRun.status == 0, "brig: \(brigRun.stderr)")
        let brig = Self.normalized(brigRun.stdout)
        let brigCopy = try #require(brig.copy, "brig ran the probe in no copy: \(brigRun.stdout)")
        #expect(brig.text == systemd.text, "systemd 262 printed\n\(systemd.text)\nbrig printed\n\(brig.text)")
        #expect(try Self.isRemoved(brigCopy), "brig left \(brigCopy)")
        #expect(try SystemdOracleNext.exec(["/bin/test", "-e", root + "/etc/new"]).status != 0, "brig changed the original")
    }

    /// Each automatic restart runs in a fresh copy: what the last attempt wrote is gone.
    @Test func aRestartGetsAFreshCopy() throws {
        let root = "/srv/brig-ephemeral-\(UUID().uuidString.prefix(6))"
        try Self.makeRoot(root)
        defer { _ = try? SystemdOracleNext.exec(["/bin/rm", "-rf", root]) }
        let properties = ["RootDirectory=\(root)", "RootEphemeral=yes", "BindReadOnlyPaths=/usr", "Restart=on-failure", "RestartSec=10ms",
                          "StartLimitBurst=3", "StartLimitIntervalSec=30"]
        let script = ["/bin/sh", "-c", "if test -e /etc/seen; then echo stale; else echo fresh; fi; touch /etc/seen; exit 1"]
        let systemd = try SystemdOracleNext.run(properties, script)
        let brig = try SystemdOracleNext.exec(try SystemdOracleNext.brig.get() + ["run", "--rules", "262"]
                                              + properties.flatMap { ["-p", $0] } + ["--"] + script)
        #expect(systemd.stdout == "fresh\nfresh\nfresh\n", "systemd 262: \(systemd.stdout) \(systemd.stderr)")
        #expect(brig.stdout == systemd.stdout && brig.status == systemd.status, "brig: \(brig.stdout) \(brig.stderr)")
    }
}

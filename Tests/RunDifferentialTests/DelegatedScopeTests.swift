import Foundation
import Testing
import TestSupport

/// brig under systemd 262 as PID 1 on a pure cgroup v2 tree (systemd-oracle-next): its runs live
/// in a cgroup systemd delegated to it, never beside systemd's own. Started outside any unit,
/// brig asks for a transient scope (brig-PID.scope, Delegate=yes); started in a unit with
/// Delegate=yes, it works below that unit's cgroup.
@Suite("brig under systemd 262 on cgroup v2", .serialized,
       .enabled(if: SystemdOracleNext.instanceUnavailableReason == nil && Gate.brig && NetworkProbe.isAvailable,
                "needs root, a built brig, /usr/bin/python3 and systemd-oracle-next"))
struct DelegatedScopeTests {
    static func brig() throws -> [String] { try SystemdOracleNext.brig.get() }

    /// The "0::" line of /proc/self/cgroup, as a jailed shell prints it.
    static let printCgroup = ["/bin/sh", "-c", "sed -n 's/^0:://p' /proc/self/cgroup"]

    /// brig's scopes that systemd still knows, loaded or not, named `pattern`. Other suites run
    /// brig in the same instance at the same time: a test looks for its own scope only.
    static func scopes(_ pattern: String = "brig-*.scope") throws -> [String] {
        let listed = try SystemdOracleNext.exec(["systemctl", "list-units", "--all", "--plain", "--no-legend", pattern])
        return listed.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// The scope whose processes include `command`, if any.
    static func scope(running command: String) throws -> String? {
        try scopes().first { scope in
            try SystemdOracleNext.exec(["systemctl", "status", "--no-pager", "--lines=0", scope]).stdout.contains(command)
        }
    }

    static func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }

    @Test func aRunOutsideAnyUnitLivesInAScopeOfItsOwn() throws {
        let run = try SystemdOracleNext.exec(try Self.brig() + ["run", "--"] + Self.printCgroup)
        #expect(run.status == 0, "\(run.stderr)")
        let cgroup = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(cgroup.wholeMatch(of: /\/system\.slice\/brig-[0-9]+\.scope\/brig\/run-[0-9-]+/) != nil, "\(cgroup)")
        // The scope goes with its last process, cgroups and all.
        let scope = cgroup.split(separator: "/").dropFirst().first.map(String.init) ?? "brig-none.scope"
        let gone = try Self.waitUntil(5) { try Self.scopes(scope).isEmpty }
        #expect(gone, "systemd still lists \(scope)")
        let left = try SystemdOracleNext.exec(["/bin/sh", "-c", "test -e /sys/fs/cgroup/system.slice/\(scope) && echo left || true"])
        #expect(left.stdout.isEmpty)
    }

    @Test func systemctlSeesTheJailedProcessesAndStopsThem() throws {
        let run = try Subprocess([SystemdOracleNext.script, "exec"] + Self.brig() + ["run", "--", "/bin/sleep", "97"], timeout: 60)
        var scope = ""
        #expect(try Self.waitUntil(10) { scope = try Self.scope(running: "/bin/sleep 97") ?? ""; return !scope.isEmpty })
        let status = try SystemdOracleNext.exec(["systemctl", "status", "--no-pager", "--lines=0", scope])
        #expect(status.stdout.contains("CGroup: /system.slice/\(scope)"), "\(status.stdout)")
        #expect(status.stdout.contains("/bin/sleep 97"), "\(status.stdout)")
        let stop = try SystemdOracleNext.exec(["systemctl", "stop", scope])
        #expect(stop.status == 0, "\(stop.stderr)")
        let ended = run.wait()
        #expect(!ended.timedOut)
        // This run's sleep alone: other suites keep sleepers in the instance (namespace holders).
        let sleeping = try SystemdOracleNext.exec(["/bin/sh", "-c", "pgrep -f '^/bin/sleep 97$' || true"])
        #expect(sleeping.stdout.isEmpty)
    }

    /// The device and IP firewall programs attach in the scope's subtree and answer as systemd
    /// 262's own do for a service with the same settings.
    @Test func devicesAndFirewallHoldInTheScopeAsUnderSystemd() throws {
        let settings = ["DevicePolicy=strict", "DeviceAllow=/dev/null rw", "IPAddressDeny=any"]
        let probe = ["/usr/bin/python3", "-c", """
            import errno
            for d in ("/dev/null", "/dev/zero"):
                try: open(d, "rb").close(); print(d, "ok")
                except OSError as e: print(d, errno.errorcode[e.errno])
            """]
        let network = NetworkProbe.command(["udp/127.0.0.1/9", "tcp/127.0.0.1/1"])
        for actions in [probe, network] {
            let systemd = try SystemdOracleNext.run(settings, actions)
            let brig = try SystemdOracleNext.exec(try Self.brig() + ["run"] + settings.flatMap { ["-p", $0] } + ["--"] + actions)
            #expect(systemd.status == 0 && brig.status == 0, "systemd: \(systemd.stderr) brig: \(brig.stderr)")
            #expect(brig.stdout == systemd.stdout && !brig.stdout.isEmpty, "brig:\n\(brig.stdout)systemd 262:\n\(systemd.stdout)")
        }
    }

    @Test func aDelegatedUnitKeepsItsRunsBelowIt() throws {
        let brig = try Self.brig()
        let unit = try SystemdOracleNext.run(["Delegate=yes", "Environment=\(brig[1])"],
                                             ["/bin/sh", "-c", "\"$@\"; sed -n 's/^0:://p' /proc/self/cgroup", "sh"]
                                             + Array(brig.dropFirst(2)) + ["run", "--"] + Self.printCgroup)
        #expect(unit.status == 0, "\(unit.stderr)")
        let lines = unit.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(unit.stdout)")
        if lines.count == 2 {
            #expect(lines[0].hasPrefix(lines[1] + "/brig/run-"), "run \(lines[0]), unit \(lines[1])")
            #expect(lines[1].hasSuffix(".service"))
        }
    }
}

import Foundation
import TestSupport
import Testing

/// What these tests drive: a bus daemon, and a Python that speaks D-Bus.
enum DBusTools {
    static let python = "/usr/bin/python3"
    static let present: Bool = FileManager.default.isExecutableFile(atPath: "/usr/bin/dbus-daemon")
        && (try? Subprocess.run([python, "-c", "import dbus"]))?.status == 0
}

/// Type=dbus (and BusName= without Type=, which implies it): the service is started once its
/// name has an owner on the system bus, and stopped when a running service loses it. brig watches
/// a private bus of the test's own (DBUS_SYSTEM_BUS_ADDRESS); the oracle's systemd 252 watches
/// its own system bus; the probe's log must read the same under both.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt && DBusTools.present,
                "needs root, a built brig, dbus-daemon and Debian's python3 with its dbus module"))
struct DBusServiceTests {
    static let python = DBusTools.python

    /// Does its arguments in order: own, release, sleep:S, log:TEXT, exit:N (at once, so the
    /// name goes with the process). The bus is $PROBE_BUS, else the system bus.
    static let probe: String = {
        let path = "/usr/local/libexec/brig-tests/dbus-name-probe"
        let script = """
            #!\(python)
            import os, sys, time, dbus
            name, log = sys.argv[1], sys.argv[2]
            address = os.environ.get("PROBE_BUS")
            bus = dbus.bus.BusConnection(address) if address else dbus.SystemBus()
            for step in sys.argv[3:]:
                verb, _, rest = step.partition(":")
                if verb == "sleep": time.sleep(float(rest))
                elif verb == "own": bus.request_name(name)
                elif verb == "release": bus.release_name(name)
                elif verb == "exit": os._exit(int(rest))
                elif verb == "log":
                    with open(log, "a") as f: f.write(rest + "\\n")

            """
        try? FileManager.default.createDirectory(atPath: "/usr/local/libexec/brig-tests", withIntermediateDirectories: true)
        if (try? String(contentsOfFile: path, encoding: .utf8)) != script {
            try? script.write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o755)
        }
        return path
    }()

    /// The oracle's system bus lets no one own a name a policy file does not grant: this one
    /// grants the names the tests use (org.brig.Test and below), and the bus rereads its policy.
    static let oracleReady: Bool = {
        guard SystemdOracle.isAvailable else { return false }
        let policy = "/etc/dbus-1/system.d/brig-tests.conf"
        let text = """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <!-- brig's tests: Type=dbus services own names below org.brig.Test. -->
              <policy context="default"><allow own_prefix="org.brig.Test"/></policy>
            </busconfig>

            """
        if (try? String(contentsOfFile: policy, encoding: .utf8)) != text {
            guard (try? text.write(toFile: policy, atomically: true, encoding: .utf8)) != nil else { return false }
        }
        let reload = try? SystemdOracle.exec(["busctl", "call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                              "org.freedesktop.DBus", "ReloadConfig"])
        return reload?.status == 0
    }()

    /// A bus of the test's own, with a policy that lets anyone own any name.
    final class PrivateBus {
        let directory = "/run/brig-test-bus-\(UUID().uuidString.prefix(8))"
        var address: String { "unix:path=\(directory)/socket" }
        let daemon: Subprocess

        init() throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let config = """
                <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
                 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
                <busconfig>
                  <type>system</type>
                  <listen>unix:path=\(directory)/socket</listen>
                  <auth>EXTERNAL</auth>
                  <policy context="default">
                    <allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/>
                  </policy>
                </busconfig>
                """
            try config.write(toFile: directory + "/bus.conf", atomically: true, encoding: .utf8)
            daemon = try Subprocess(["/usr/bin/dbus-daemon", "--config-file=\(directory)/bus.conf", "--nofork", "--nopidfile"], timeout: 120)
            Poll.until(seconds: 2) { FileManager.default.fileExists(atPath: directory + "/socket") }
        }

        deinit {
            kill(daemon.pid, SIGTERM)
            _ = daemon.wait()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    typealias Runner = (_ properties: [String], _ command: [String]) throws -> Subprocess.Output

    /// brig on a private bus, and systemd on its own when the oracle is there.
    static func runners(_ bus: PrivateBus) -> [(name: String, run: Runner)] {
        var all: [(String, Runner)] = [("brig", { properties, command in
            let arguments = ["run"] + (properties + ["Environment=PROBE_BUS=\(bus.address)"]).flatMap { ["-p", $0] } + ["--"] + command
            var environment = ProcessInfo.processInfo.environment
            environment["DBUS_SYSTEM_BUS_ADDRESS"] = bus.address
            return try BuiltBrig.run(arguments, environment: environment)
        })]
        if oracleReady { all.append(("systemd", { try SystemdOracle.run(properties: $0, $1) })) }
        return all
    }

    @Test func aDBusServiceIsStartedWhenItsNameAppears() throws {
        let bus = try PrivateBus(), log = ServiceLifecycleTests.Scratch()
        for (name, run) in Self.runners(bus) {
            log.reset()
            let out = try run(["Type=dbus", "BusName=org.brig.Test.Ready", "ExecStartPost=/bin/sh -c 'echo post >> \(log.path)'"],
                              [Self.probe, "org.brig.Test.Ready", log.path, "log:before", "sleep:0.5", "log:owning", "own",
                               "sleep:0.5", "log:end", "exit:0"])
            #expect(out.status == 0, "\(name): \(out.stderr)")
            #expect(log.lines == ["before", "owning", "post", "end"], "\(name)")
        }
    }

    /// systemd picks Type=dbus for a unit with BusName= and no Type=.
    @Test func busNameWithoutTypeMeansDBus() throws {
        let bus = try PrivateBus(), log = ServiceLifecycleTests.Scratch()
        for (name, run) in Self.runners(bus) {
            log.reset()
            let out = try run(["BusName=org.brig.Test.Implied", "ExecStartPost=/bin/sh -c 'echo post >> \(log.path)'"],
                              [Self.probe, "org.brig.Test.Implied", log.path, "sleep:0.5", "log:owning", "own", "sleep:0.3", "exit:0"])
            #expect(out.status == 0, "\(name): \(out.stderr)")
            #expect(log.lines == ["owning", "post"], "\(name)")
        }
    }

    @Test func aNameThatNeverAppearsTimesOut() throws {
        let bus = try PrivateBus(), log = ServiceLifecycleTests.Scratch()
        for (name, run) in Self.runners(bus) {
            let start = Date()
            let out = try run(["Type=dbus", "BusName=org.brig.Test.Never", "TimeoutStartSec=1"],
                              [Self.probe, "org.brig.Test.Never", log.path, "sleep:10"])
            let seconds = Date().timeIntervalSince(start)
            #expect(out.status != 0 && seconds >= 0.9 && seconds < 5, "\(name): \(out.status) after \(seconds) s")
            if name == "brig" { #expect(out.stderr.contains("start operation timed out (TimeoutStartSec=1s)")) }
        }
    }

    @Test func aRunningServiceThatLosesItsNameIsStopped() throws {
        let bus = try PrivateBus(), log = ServiceLifecycleTests.Scratch()
        for (name, run) in Self.runners(bus) {
            log.reset()
            let start = Date()
            let out = try run(["Type=dbus", "BusName=org.brig.Test.Lost"],
                              [Self.probe, "org.brig.Test.Lost", log.path, "own", "sleep:0.5", "log:releasing", "release",
                               "sleep:5", "log:still running"])
            #expect(Date().timeIntervalSince(start) < 4, "\(name)")
            #expect(log.lines == ["releasing"], "\(name): \(out.stderr)")
        }
    }

    /// Without a bus, systemd would wait for one that may never come; brig refuses at once.
    @Test func withoutABusTypeDBusIsRefused() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=/run/no-bus-here/socket"
        let out = try BuiltBrig.run(["run", "-p", "Type=dbus", "-p", "BusName=org.brig.Test.None", "--", "/bin/true"],
                                    environment: environment)
        #expect(out.status == 203)
        #expect(out.stderr.contains("BusName=org.brig.Test.None"))
        #expect(out.stderr.contains("no bus listens at unix:path=/run/no-bus-here/socket"))
        let nameless = try BuiltBrig.run(["run", "-p", "Type=dbus", "--", "/bin/true"], environment: environment)
        #expect(nameless.status == 203)
        #expect(nameless.stderr.contains("there is no BusName="))
    }
}

import Foundation
import TestSupport
import Testing

/// A service's life as systemd 252 leads it: readiness by Type=, the watchdog, ExecStop= and
/// ExecStopPost= with the variables they see, reloads, Restart= and the start limit. Each probe
/// runs under `brig run` and, where the oracle can answer, under systemd, and what the probe wrote
/// (in /var/lib, which both see) is compared line for line.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct ServiceLifecycleTests {
    /// A daemon that does its arguments in order: sleep:S, notify:MESSAGE, log:FILE:TEXT,
    /// pid:FILE (writes "main PID"), exit:N, trap:N (exit N on SIGTERM), pings:N (N watchdog
    /// pings 0.2 s apart), spawn:COMMAND (in the background), reloadable:SIG:FILE (on SIG: logs
    /// "reload", says RELOADING=1 with the time, logs "reloaded", says READY=1), deaf:SIG:FILE (on
    /// SIG: logs "signal" only). A sleep sleeps its whole time, signals or not. Perl, so that its messages come from
    /// the main process itself and systemd-run leaves its words alone.
    static let daemon: String = {
        let path = "/usr/local/libexec/brig-tests/lifecycle-daemon"
        let script = #"""
            #!/usr/bin/perl
            use strict; use Socket; use Time::HiRes qw(sleep time clock_gettime CLOCK_MONOTONIC);
            sub notify { my $s; socket($s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
                         send($s, $_[0], 0, pack_sockaddr_un($ENV{NOTIFY_SOCKET})) or die "send: $!"; }
            sub append { my ($f, $t) = @_; open(my $h, '>>', $f) or die "$f: $!"; print $h "$t\n"; close $h; }
            $| = 1;
            for my $a (@ARGV) {
                my ($verb, $rest) = split(/:/, $a, 2);
                if ($verb eq 'sleep') { my $end = time() + $rest; while ((my $left = $end - time()) > 0) { sleep($left) } }
                elsif ($verb eq 'notify') { notify($rest) }
                elsif ($verb eq 'log') { my ($f, $t) = split(/:/, $rest, 2); append($f, $t) }
                elsif ($verb eq 'pid') { append($rest, "main $$") }
                elsif ($verb eq 'exit') { exit($rest) }
                elsif ($verb eq 'trap') { my $n = $rest; $SIG{TERM} = sub { exit($n) } }
                elsif ($verb eq 'pings') { for (1..$rest) { notify("WATCHDOG=1"); sleep(0.2) } }
                elsif ($verb eq 'spawn') { system("$rest &") }
                elsif ($verb eq 'reloadable') {
                    my ($sig, $f) = split(/:/, $rest, 2);
                    $SIG{$sig} = sub { append($f, "reload");
                                       notify("RELOADING=1\nMONOTONIC_USEC=" . int(clock_gettime(CLOCK_MONOTONIC) * 1e6));
                                       sleep(0.2); append($f, "reloaded"); notify("READY=1") } }
                elsif ($verb eq 'deaf') { my ($sig, $f) = split(/:/, $rest, 2); $SIG{$sig} = sub { append($f, "signal") } }
            }
            """#
        try? FileManager.default.createDirectory(atPath: "/usr/local/libexec/brig-tests", withIntermediateDirectories: true)
        if (try? String(contentsOfFile: path, encoding: .utf8)) != script {
            try? script.write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o755)
        }
        return path
    }()

    /// A file both brig's jail and the oracle's services can write, gone after the test.
    final class Scratch {
        let path = "/var/lib/brig-life-\(UUID().uuidString.prefix(8))"
        var lines: [String] {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        func reset() { unlink(path) }
        /// Waits (10 s at most) for `line`, then a moment for the message that follows it.
        func waitFor(_ line: String) {
            Poll.until(seconds: 10) { lines.contains(line) }
            usleep(300_000)
        }
        deinit { unlink(path) }
    }

    typealias Runner = (_ properties: [String], _ command: [String]) throws -> Subprocess.Output

    /// brig, and systemd when the oracle is there.
    static var runners: [(name: String, run: Runner)] {
        var all: [(String, Runner)] = [("brig", { try Brig.run(properties: $0, $1) })]
        if Oracle.isAvailable { all.append(("systemd", { try Oracle.run(properties: $0, $1) })) }
        return all
    }

    func timed(_ run: () throws -> Subprocess.Output) rethrows -> (Subprocess.Output, Double) {
        let start = Date()
        let out = try run()
        return (out, Date().timeIntervalSince(start))
    }

    @Test func aNotifyServiceIsStartedWhenItSaysReady() throws {
        let log = Scratch()
        for (name, run) in Self.runners {
            log.reset()
            let out = try run(["Type=notify", "ExecStartPost=/bin/sh -c 'echo post >> \(log.path)'"],
                              [Self.daemon, "log:\(log.path):before", "sleep:0.5", "log:\(log.path):ready", "notify:READY=1",
                               "sleep:0.5", "log:\(log.path):end"])
            #expect(out.status == 0, "\(name): \(out.stderr)")
            #expect(log.lines == ["before", "ready", "post", "end"], "\(name)")
        }
    }

    @Test func aNotifyServiceThatNeverGetsReadyTimesOut() throws {
        for (name, run) in Self.runners {
            let (out, seconds) = try timed { try run(["Type=notify", "TimeoutStartSec=1"], [Self.daemon, "sleep:10"]) }
            #expect(out.status != 0 && seconds >= 0.9 && seconds < 4, "\(name): \(out.status) after \(seconds) s")
            if name == "brig" {
                #expect(out.status == 128 + SIGTERM)
                #expect(out.stderr.contains("start operation timed out (TimeoutStartSec=1s)"))
            }
        }
    }

    /// EXTEND_TIMEOUT_USEC= gives a slow start more time than TimeoutStartSec=.
    @Test func aServiceMayExtendItsStartTimeout() throws {
        let log = Scratch()
        for (name, run) in Self.runners {
            log.reset()
            let out = try run(["Type=notify", "TimeoutStartSec=1"],
                              [Self.daemon, "notify:EXTEND_TIMEOUT_USEC=3000000", "sleep:2", "notify:READY=1", "log:\(log.path):ready"])
            #expect(out.status == 0 && log.lines == ["ready"], "\(name): \(out.stderr)")
        }
    }

    /// KillMode=mixed: KillSignal= to the main process only, then SIGKILL to the rest at once,
    /// so a child that ignores SIGTERM does not hold the stop for TimeoutStopSec=.
    @Test func killModeMixedKillsTheRestAtOnce() throws {
        let marker = CleanupTests.uniqueSleep()
        for (name, run) in Self.runners {
            let (out, seconds) = try timed {
                try run(["KillMode=mixed", "RuntimeMaxSec=0.5", "TimeoutStopSec=5"],
                        [Self.daemon, "spawn:/bin/sh -c 'trap \"\" TERM; sleep \(marker)'", "trap:0", "sleep:10"])
            }
            #expect(seconds < 3, "\(name): \(seconds) s, \(out.stderr)")
            #expect(CleanupTests.remaining(marker).isEmpty, "\(name)")
        }
    }

    /// Exiting cleanly before READY=1 is a protocol failure: the service never became active.
    @Test func aNotifyServiceThatExitsUnreadyFails() throws {
        for (name, run) in Self.runners {
            let out = try run(["Type=notify"], [Self.daemon, "exit:0"])
            #expect(out.status == 1, "\(name): \(out.stderr)")
        }
    }

    /// The watchdog: pings keep the service alive; when they stop, WatchdogSignal= ends it and
    /// ExecStopPost= sees the result "watchdog".
    @Test func aServiceThatStopsPingingIsStoppedByTheWatchdog() throws {
        let log = Scratch()
        for (name, run) in Self.runners {
            log.reset()
            let (out, seconds) = try timed {
                try run(["WatchdogSec=1", "WatchdogSignal=SIGUSR1",
                         "ExecStopPost=/bin/sh -c 'echo $SERVICE_RESULT $EXIT_CODE $EXIT_STATUS >> \(log.path)'"],
                        [Self.daemon, "pings:8", "log:\(log.path):pinged", "sleep:10"])
            }
            #expect(log.lines == ["pinged", "watchdog killed USR1"], "\(name): \(out.stderr)")
            #expect(seconds > 2.2 && seconds < 5, "\(name): \(seconds) s")
            if name == "brig" { #expect(out.status == 128 + SIGUSR1 && out.stderr.contains("watchdog timeout")) }
        }
    }

    /// ExecStop= runs when the main process has exited cleanly (without $MAINPID), not after a
    /// failure; ExecStopPost= always, with the result and how the main process ended.
    @Test(arguments: [("exit:0", ["stop MAINPID=", "post success exited 0"]),
                      ("exit:3", ["post exit-code exited 3"])])
    func stopCommandsSeeTheResult(_ ending: String, _ expected: [String]) throws {
        let log = Scratch()
        for (name, run) in Self.runners {
            log.reset()
            let out = try run(["ExecStop=/bin/sh -c 'echo stop MAINPID=$MAINPID >> \(log.path)'",
                               "ExecStopPost=/bin/sh -c 'echo post $SERVICE_RESULT $EXIT_CODE $EXIT_STATUS >> \(log.path)'"],
                              [Self.daemon, ending])
            #expect(log.lines == expected, "\(name): \(out.stderr)")
        }
    }

    /// SIGTERM to brig is `systemctl stop`: ExecStop= with $MAINPID, KillSignal=, ExecStopPost=.
    @Test func stoppingBrigRunsTheStopCommands() throws {
        let log = Scratch()
        let brig = try Subprocess([Brig.path, "run",
                                   "-p", "ExecStop=/bin/sh -c 'echo stop $MAINPID >> \(log.path)'",
                                   "-p", "ExecStopPost=/bin/sh -c 'echo post $SERVICE_RESULT $EXIT_CODE $EXIT_STATUS >> \(log.path)'",
                                   "--", Self.daemon, "pid:\(log.path)", "sleep:30"])
        Poll.until(seconds: 3) { !log.lines.isEmpty }
        brig.send(SIGTERM)
        let out = brig.wait()
        let main = log.lines.first?.split(separator: " ").last.map(String.init) ?? "?"
        #expect(log.lines == ["main \(main)", "stop \(main)", "post success killed TERM"], "\(out.stderr)")
        #expect(out.status == 128 + SIGTERM)
    }

    /// Type=notify-reload (systemd 253, so under --rules 261): SIGHUP to brig sends ReloadSignal= to
    /// the main process, which says RELOADING=1 (stamped after the request) and READY=1.
    @Test func notifyReloadSignalsTheMainProcess() throws {
        let log = Scratch()
        let brig = try Subprocess([Brig.path, "run", "--rules", "261", "-p", "Type=notify-reload", "-p", "ReloadSignal=SIGUSR1",
                                   "--", Self.daemon, "reloadable:USR1:\(log.path)", "log:\(log.path):ready", "notify:READY=1",
                                   "sleep:1.5", "log:\(log.path):end"])
        log.waitFor("ready")
        brig.send(SIGHUP)
        let out = brig.wait()
        #expect(out.status == 0, "\(out.stderr)")
        #expect(log.lines == ["ready", "reload", "reloaded", "end"], "\(out.stderr)")
        #expect(!out.stderr.contains("reload timed out"), "\(out.stderr)")
    }

    /// A notify-reload service that takes the signal but never says RELOADING=1 keeps running;
    /// the reload gives up after TimeoutStartSec=.
    @Test func anUnconfirmedReloadTimesOut() throws {
        let log = Scratch()
        let brig = try Subprocess([Brig.path, "run", "--rules", "261", "-p", "Type=notify-reload", "-p", "TimeoutStartSec=0.5",
                                   "--", Self.daemon, "deaf:HUP:\(log.path)", "log:\(log.path):ready", "notify:READY=1", "sleep:2",
                                   "log:\(log.path):end"])
        log.waitFor("ready")
        brig.send(SIGHUP)
        let out = brig.wait()
        #expect(out.status == 0, "\(out.stderr)")
        #expect(log.lines == ["ready", "signal", "end"])
        #expect(out.stderr.contains("reload timed out"), "\(out.stderr)")
    }

    /// systemd 252 has no notify-reload: brig reads the unit as 252 does unless told otherwise.
    @Test func notifyReloadNeedsLaterRules() throws {
        let out = try Brig.run(properties: ["Type=notify-reload"], ["/bin/true"])
        #expect(out.status != 0)
        #expect(out.stderr.contains("notify-reload is a type of systemd 253 and later"), "\(out.stderr)")
    }

    /// SIGHUP to brig is `systemctl reload`: ExecReload= with $MAINPID; the service runs on.
    @Test func aHangupReloads() throws {
        let log = Scratch()
        let brig = try Subprocess([Brig.path, "run", "-p", "ExecReload=/bin/sh -c 'echo reload $MAINPID >> \(log.path)'",
                                   "--", Self.daemon, "pid:\(log.path)", "sleep:2", "log:\(log.path):end"])
        Poll.until(seconds: 3) { !log.lines.isEmpty }
        brig.send(SIGHUP)
        let out = brig.wait()
        let main = log.lines.first?.split(separator: " ").last.map(String.init) ?? "?"
        #expect(log.lines == ["main \(main)", "reload \(main)", "end"], "\(out.stderr)")
        #expect(out.status == 0)
    }

    /// Restart=on-failure restarts a crashing service until StartLimitBurst= starts have been
    /// made within StartLimitIntervalSec=.
    @Test func aCrashingServiceIsRestartedUntilTheStartLimit() throws {
        let log = Scratch()
        for (name, run) in Self.runners {
            log.reset()
            let out = try run(["Restart=on-failure", "RestartSec=0.1", "StartLimitBurst=3", "StartLimitIntervalSec=10"],
                              [Self.daemon, "log:\(log.path):start", "exit:1"])
            #expect(log.lines == ["start", "start", "start"], "\(name): \(out.stderr)")
            #expect(out.status != 0)
            if name == "brig" { #expect(out.stderr.contains("start request repeated too quickly")) }
        }
    }

    /// RestartPreventExitStatus= beats Restart=always; SuccessExitStatus= makes an exit clean, so
    /// Restart=on-failure leaves it; RestartForceExitStatus= restarts even under Restart=no.
    @Test(arguments: [(["Restart=always", "RestartPreventExitStatus=5"], 1),
                      (["Restart=on-failure", "SuccessExitStatus=5"], 1),
                      (["RestartForceExitStatus=5", "StartLimitBurst=2"], 2),
                      (["Restart=on-abnormal", "StartLimitBurst=2"], 1)])
    func exitStatusesDecideTheRestart(_ properties: [String], _ starts: Int) throws {
        let log = Scratch()
        for (name, run) in Self.runners {
            log.reset()
            let out = try run(properties + ["RestartSec=0.1"], [Self.daemon, "log:\(log.path):start", "exit:5"])
            #expect(log.lines.count == starts, "\(name) \(properties): \(out.stderr)")
        }
    }

    /// A restart gets its jail anew: an empty private /tmp, and RuntimeDirectory= recreated empty
    /// unless RuntimeDirectoryPreserve=restart keeps it.
    @Test(arguments: [("no", ["first", "first"]), ("restart", ["first", "second old"])])
    func aRestartedServiceStartsAfresh(_ preserve: String, _ expected: [String]) throws {
        let log = Scratch()
        let runtime = "brig-restart-\(UUID().uuidString.prefix(6))"
        let script = "test -e /run/\(runtime)/old && echo second old >> \(log.path) || "
            + "{ test -e /tmp/old && echo second >> \(log.path) || echo first >> \(log.path); }; "
            + "touch /tmp/old /run/\(runtime)/old; exit 1"
        for (name, run) in Self.runners {
            log.reset()
            let out = try run(["Restart=on-failure", "RestartSec=0.1", "StartLimitBurst=2", "PrivateTmp=yes",
                               "RuntimeDirectory=\(runtime)", "RuntimeDirectoryPreserve=\(preserve)"],
                              ["/bin/sh", "-c", script])
            #expect(log.lines == expected, "\(name): \(out.stderr)")
        }
    }

    /// KillMode=process stops the main process only: what it started outlives the service, as
    /// under systemd, and brig says so.
    @Test func killModeProcessLeavesTheRestRunning() throws {
        let marker = CleanupTests.uniqueSleep()
        defer { for pid in CleanupTests.running(marker) { kill(pid_t(pid)!, SIGKILL) } }
        let runtime = "/run/brig-linger-\(getpid())"
        let out = try Brig.run(properties: ["KillMode=process", "RuntimeDirectory=\(runtime.dropFirst(5))"],
                               [Self.daemon, "spawn:/bin/sleep \(marker)", "sleep:0.3"])
        #expect(out.status == 0)
        #expect(CleanupTests.running(marker).count == 1)
        #expect(out.stderr.contains("processes remain"))
        // The run's cgroup stays with them, as brig says, until they end.
        let cgroup = try #require(out.stderr.components(separatedBy: "processes remain in ").dropFirst().first?.prefix { $0 != ";" })
        defer {
            for pid in CleanupTests.running(marker) { kill(pid_t(pid)!, SIGKILL) }
            Poll.until(seconds: 2) { rmdir(String(cgroup)) == 0 || errno == ENOENT }
            rmdir(runtime)
        }
        // A later start, which sweeps what killed brigs left, leaves them alone: they were left on purpose.
        let all = try Brig.run(properties: [], [Self.daemon, "spawn:/bin/sleep \(marker)x", "sleep:0.3"])
        #expect(all.status == 0 && CleanupTests.remaining(marker + "x").isEmpty)
        #expect(CleanupTests.running(marker).count == 1 && FileManager.default.fileExists(atPath: String(cgroup)))
        #expect(FileManager.default.fileExists(atPath: runtime), "RuntimeDirectory= was removed under its process")
        // Once they have ended, the next start removes the cgroup they kept.
        for pid in CleanupTests.running(marker) { kill(pid_t(pid)!, SIGKILL) }
        Poll.until(seconds: 2) { CleanupTests.running(marker).isEmpty }
        _ = try Brig.run(properties: [], ["/bin/true"])
        #expect(!FileManager.default.fileExists(atPath: String(cgroup)), "\(cgroup) is still there")
        #expect(!FileManager.default.fileExists(atPath: runtime), "\(runtime) is still there")
    }

    /// MAINPID= naming a process outside the service is ignored: brig would otherwise signal it
    /// as root when the service stops.
    @Test func aMainPIDOutsideTheServiceIsIgnored() throws {
        let marker = CleanupTests.uniqueSleep()
        let victim = try Subprocess(["/bin/sleep", marker])
        defer { victim.send(SIGKILL); _ = victim.wait() }
        // Until it has exec'd sleep: a moment earlier its words are still the test process's.
        Poll.until(seconds: 2) { !CleanupTests.running(marker).isEmpty }
        let pid = try #require(CleanupTests.running(marker).first)
        let out = try Brig.run(properties: ["Type=notify"],
                               [Self.daemon, "notify:MAINPID=\(pid)", "notify:READY=1", "sleep:0.3", "exit:0"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(CleanupTests.running(marker) == [pid])
    }

    /// Type=oneshot runs each ExecStart= in turn, then ExecStartPost=.
    @Test func aOneshotRunsItsCommandsInTurn() throws {
        let log = Scratch()
        let units = try UnitDirectory()
        try units.write("oneshot.service", """
            [Service]
            Type=oneshot
            ExecStart=/bin/sh -c 'sleep 0.2; echo one >> \(log.path)'
            ExecStart=/bin/sh -c 'echo two >> \(log.path)'
            ExecStartPost=/bin/sh -c 'echo post >> \(log.path)'
            """)
        let out = try Brig.run(["run", units.path + "/oneshot.service"])
        #expect(out.status == 0)
        #expect(log.lines == ["one", "two", "post"])
        #expect(out.stderr.contains("oneshot.service: result success"))
    }

    /// ERRNO= is why the service says it failed: brig tells it with the result.
    @Test func theErrnoAServiceSendsIsTold() throws {
        let units = try UnitDirectory()
        try units.write("errno.service", """
            [Service]
            Type=notify
            ExecStart=\(Self.daemon) notify:READY=1 notify:ERRNO=2 exit:1
            """)
        let out = try Brig.run(["run", units.path + "/errno.service"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("errno.service: result exit-code, main process exited, status=1, the service said errno 2 (No such file or directory)"),
                "\(out.stderr)")
    }
}

import Foundation
import TestSupport
import Testing

/// What many connections, bad clients, bad instances and bad units leave of brig listen: it keeps
/// serving, keeps nothing it should have let go (children, descriptors, cgroups, mounts, memory),
/// stops within the instances' TimeoutStopSec=, and refuses a unit it cannot serve before binding
/// anything. Ports 9200-9299, below the ephemeral range (32768 up), where a connection of another test could hold one.
@Suite(.serialized, .enabled(if: getuid() == 0 && BuiltBrig.isBuilt, "needs root and a built brig"))
struct ListenRobustnessTests {
    /// An Accept=yes socket on `port` whose instances run `command` (StandardInput=socket) with
    /// the extra [Service] lines.
    static func socket(port: Int, _ socketLines: [String] = [], command: String, service: [String] = []) throws -> ListenTests.Example {
        let example = try ListenTests.echoSocket(port: port, socketLines, command: command)
        try (["[Service]", "StandardInput=socket", "ExecStart=\(command)"] + service).joined(separator: "\n")
            .write(toFile: "\(example.path)/callout@.service", atomically: true, encoding: .utf8)
        return example
    }

    static func started(_ example: ListenTests.Example, port: Int) throws -> Subprocess {
        let listen = try Subprocess([BuiltBrig.path, "listen", "\(example.path)/callout.socket"], timeout: 600)
        ListenTests.waitFor(port: port)
        return listen
    }

    /// `count` connections, `parallel` at a time, each reading to the end; the answers that were not `expected`.
    static func connect(port: Int, count: Int, parallel: Int, expected: String) throws -> String {
        let script = """
            use IO::Socket::INET; my ($port, $n, $p, $want) = @ARGV; my $bad = 0;
            for my $w (1..$p) { if (!fork) { for (1..$n/$p) { my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port");
              my $r = $s ? do { local $/; <$s> } : "connect: $!"; print "[$r]" unless $r eq $want } exit 0 } }
            for (1..$p) { wait }
            """
        return try Subprocess.run(["/usr/bin/perl", "-e", script, "\(port)", "\(count)", "\(parallel)", expected], timeout: 600).stdout
    }

    static func descriptors(of pid: pid_t) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    static func residentKilobytes(of pid: pid_t) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ")[safe: 1] ?? "") ?? -1
    }

    /// What a run of `pid` leaves on the host: its cgroups, owner locks and private /tmp directories.
    static func leftovers(of pid: pid_t) -> [String] {
        let places = [runs(of: pid), "\(runs(of: pid))/listen-\(pid)-instances", "/run/brig/runs", "/tmp", "/var/tmp"]
        return places.flatMap { place in
            ((try? FileManager.default.contentsOfDirectory(atPath: place)) ?? [])
                .filter { $0.hasPrefix("run-\(pid)-") || $0.hasPrefix("brig-private-run-\(pid)-") }.map { "\(place)/\($0)" }
        }
    }

    /// Where the runs of `pid` (alive) go: "brig" below its own cgroup in the cgroup2 tree.
    static func runs(of pid: pid_t) -> String {
        let own = ((try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? "")
            .split(separator: "\n").first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) } ?? "/"
        let root = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified/cgroup.procs") ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup"
        return "\(root)\(own == "/" ? "" : own)/brig"
    }

    /// A listener that waits holds little of brig's code: what only start-up ran is unmapped once
    /// the listeners are ready, and `ps` shows what the loop uses. (Left mapped, start-up and the
    /// kernel's fault-around keep 45% of the release build's code and 69% of the debug build's.)
    @Test func anIdleListenerHoldsLittleOfItsCode() throws {
        let port = 9_205
        let listen = try Self.started(try Self.socket(port: port, command: "/bin/echo hi"), port: port)
        defer { listen.send(SIGTERM); _ = listen.wait() }
        usleep(200_000)   // the listening line comes just before the unmapping
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(listen.pid)/exe")) ?? ""
        // smaps: a header line per mapping, then "Size:" and "Rss:" among its fields (kB).
        var size = 0, resident = 0, inCode = false
        for line in ((try? String(contentsOfFile: "/proc/\(listen.pid)/smaps", encoding: .utf8)) ?? "").split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.first?.contains("-") == true, fields.count >= 5 {
                inCode = fields[1] == "r-xp" && fields.last.map(String.init) == executable
            } else if inCode, fields.count >= 2, let kilobytes = Int(fields[1]) {
                if fields[0] == "Size:" { size += kilobytes }
                if fields[0] == "Rss:" { resident += kilobytes }
            }
        }
        #expect(size > 0, "no code mapping of \(executable)")
        #expect(resident * 100 < size * 35, "\(resident) of \(size) kB of code resident")
    }

    /// What brig run would warn about in the service's files is said once, at the first start,
    /// with its file and line, not at every connection.
    @Test func aServiceWarningIsSaidOnce() throws {
        let port = 9_207
        let listen = try Self.started(try Self.socket(port: port, command: "/bin/echo hi", service: ["SysVStartPriority=1"]), port: port)
        #expect(try Self.connect(port: port, count: 3, parallel: 1, expected: "hi\n") == "")
        listen.send(SIGTERM)
        let out = listen.wait()
        let warnings = out.stderr.split(separator: "\n").filter { $0.contains("SysVStartPriority=") }
        #expect(warnings.count == 1 && warnings.first?.contains("callout@.service:4:1: warning: SysVStartPriority= is no longer supported") == true,
                "\(out.stderr)")
    }

    /// A listener idle again after a burst gives back, within SocketServer.idleRelease (5 s) and
    /// a poll, what the burst mapped: the code its loop ran (faulted in with its neighbours) and
    /// the heap it freed. Its resident size is back near what it was before the burst.
    @Test func aListenerIdleAfterABurstGivesItsMemoryBack() throws {
        let port = 9_206
        let listen = try Self.started(try Self.socket(port: port, command: "/bin/echo hi"), port: port)
        defer { listen.send(SIGTERM); _ = listen.wait() }
        usleep(500_000)   // the listening line, then start-up's pages released
        let before = Self.residentKilobytes(of: listen.pid)
        #expect(try Self.connect(port: port, count: 400, parallel: 4, expected: "hi\n") == "")
        let busy = Self.residentKilobytes(of: listen.pid)
        #expect(busy > before + 1024, "\(before) kB before the burst, \(busy) kB after it")
        Poll.until(seconds: 10) { Self.residentKilobytes(of: listen.pid) < before + 1024 }
        let idle = Self.residentKilobytes(of: listen.pid)
        #expect(idle < before + 1024, "\(before) kB before the burst, \(busy) kB after it, \(idle) kB idle")
    }

    /// 1,000 connections one after another and 200 at once, each to a strict instance (a dynamic
    /// user, private /tmp, no network, a read-only system): every one answered, and afterwards no
    /// child, descriptor, cgroup, lock, private directory or mount is left, and memory stays put.
    /// (bench/listen's figures run to 10,000 with the release build.)
    @Test func manyConnectionsLeaveNothingBehind() throws {
        let port = 9_201
        // No trigger limit: 1,220 connections come faster than 200 in 2 s, which would pause the socket.
        let example = try Self.socket(port: port, ["MaxConnections=256", "TriggerLimitIntervalSec=0"], command: "/bin/echo hi",
                                      service: ["DynamicUser=yes", "PrivateTmp=yes", "PrivateNetwork=yes", "ProtectSystem=strict",
                                                "SystemCallFilter=@system-service"])
        let listen = try Self.started(example, port: port)
        let mounts = MountTable()
        #expect(try Self.connect(port: port, count: 20, parallel: 4, expected: "hi\n") == "")   // what brig opens once is open by now
        Poll.until(seconds: 4) { ListenTests.instances(of: listen.pid) == 0 }
        let fds = Self.descriptors(of: listen.pid)
        let burst = try Self.connect(port: port, count: 200, parallel: 200, expected: "hi\n")
        #expect(burst == "", "answers other than hi: \(burst)")
        Poll.until(seconds: 4) { ListenTests.instances(of: listen.pid) == 0 }
        let memory = Self.residentKilobytes(of: listen.pid)
        #expect(try Self.connect(port: port, count: 1000, parallel: 4, expected: "hi\n") == "")
        Poll.until(seconds: 4) { ListenTests.instances(of: listen.pid) == 0 }
        #expect(ListenTests.instances(of: listen.pid) == 0)   // zombies are children too
        #expect(Self.descriptors(of: listen.pid) == fds)
        #expect(Self.leftovers(of: listen.pid) == [])
        #expect(MountTable().added(since: mounts).isEmpty, "\(MountTable().added(since: mounts))")
        let grown = Self.residentKilobytes(of: listen.pid) - memory
        #expect(grown < 1024, "RSS grew by \(grown) kB over 1,000 connections")
        listen.send(SIGTERM)
        let out = listen.wait()
        #expect(out.status == 0)
        let failures = out.stderr.split(separator: "\n").filter { !$0.hasSuffix("status 0") && !$0.hasSuffix("started") }
        #expect(out.stderr.contains("stopped; 1220 accepted, 0 refused, 0 throttled, 0 failed"), "\(failures.suffix(20).joined(separator: "\n"))")
    }

    /// SIGTERM closes the listener at once and stops every instance as systemd would: one that
    /// ignores SIGTERM is killed once its TimeoutStopSec= is over, and brig listen is gone then.
    @Test func aStopEndsInstancesWithinTheirTimeoutStopSec() throws {
        let port = 9_202
        let example = try Self.socket(port: port, command: "/bin/sh -c 'trap \"\" TERM; echo up; sleep 30'", service: ["TimeoutStopSec=1"])
        let listen = try Self.started(example, port: port)
        let holders = try Subprocess(["/usr/bin/perl", "-e", "use IO::Socket::INET; my @s = map { IO::Socket::INET->new(PeerAddr => '127.0.0.1:\(port)') } 1..3; sleep 20"], timeout: 30)
        defer { holders.send(SIGKILL); _ = holders.wait() }
        Poll.until(seconds: 4) { ListenTests.instances(of: listen.pid) >= 3 }
        usleep(200_000)
        let start = Date()
        listen.send(SIGTERM)
        let out = listen.wait()
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds >= 0.9 && seconds < 3, "\(seconds) s")
        #expect(out.stderr.contains("stopping 3 instance(s)"), "\(out.stderr)")
        #expect(out.stderr.components(separatedBy: "stop-sigterm timed out, killing").count == 4, "\(out.stderr)")
        #expect(out.stderr.contains("stopped; 3 accepted, 0 refused, 0 throttled, 0 failed"), "\(out.stderr)")
        #expect(try ListenTests.ask(port: port).hasPrefix("connect: "))   // nothing listens any more
    }

    /// brig listen killed outright takes its instances with it: its keeper kills them and
    /// removes their cgroups.
    @Test func instancesEndWithAKilledListener() throws {
        let port = 9_204
        let example = try Self.socket(port: port, command: "/bin/sleep 30")
        let listen = try Self.started(example, port: port)
        let holder = try Subprocess(["/usr/bin/perl", "-e", "use IO::Socket::INET; my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:\(port)'); sleep 20"], timeout: 30)
        defer { holder.send(SIGKILL); _ = holder.wait() }
        let sleepers = { ListenTests.children(of: listen.pid).filter { (try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8)) == "sleep\n" } }
        Poll.until(seconds: 4) { !sleepers().isEmpty }
        let sleeper = sleepers().first, instances = "\(Self.runs(of: listen.pid))/listen-\(listen.pid)-instances"
        #expect(sleeper != nil && FileManager.default.fileExists(atPath: instances))
        listen.send(SIGKILL)
        _ = listen.wait()
        let gone = Poll.until(seconds: 2) {
            let state = (try? String(contentsOfFile: "/proc/\(sleeper ?? 0)/stat", encoding: .utf8))?.split(separator: ")").last?.split(separator: " ").first
            return state == nil || state == "Z"
        }
        #expect(gone, "the instance outlived brig listen")
        Poll.until(seconds: 2) { !FileManager.default.fileExists(atPath: instances) }
        #expect(!FileManager.default.fileExists(atPath: instances), "the instances' cgroup outlived brig listen")
    }

    /// An instance that crashes, one that hangs and a client that connects and says nothing
    /// leave the listener and every other connection served at once.
    @Test func badInstancesAndSilentClientsHarmNoOther() throws {
        let port = 9_203
        // "$$$$" is the shell's "$$" once the unit file's "$$" is read as "$".
        let script = "read line; case $line in crash) kill -SEGV $$$$;; hang) sleep 30;; *) echo ok: $line;; esac"
        let example = try Self.socket(port: port, command: "/bin/sh -c '\(script)'")
        let listen = try Self.started(example, port: port)
        let silent = try Subprocess(["/usr/bin/perl", "-e", "use IO::Socket::INET; my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:\(port)'); sleep 20"], timeout: 30)
        defer { silent.send(SIGKILL); _ = silent.wait() }
        let hang = try Subprocess(["/usr/bin/perl", "-e", "use IO::Socket::INET; my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:\(port)'); print $s \"hang\\n\"; sleep 20"], timeout: 30)
        defer { hang.send(SIGKILL); _ = hang.wait() }
        #expect(try ListenTests.ask(port: port, ["crash"]) == "")
        let start = Date()
        #expect(try ListenTests.ask(port: port, ["one"]) == "ok: one\n")
        #expect(try ListenTests.ask(port: port, ["two"]) == "ok: two\n")
        #expect(Date().timeIntervalSince(start) < 2)
        listen.send(SIGTERM)
        let out = listen.wait()
        // The crash, told with its result; an instance that served tells its start and its end, a line each.
        let lines = out.stderr.split(separator: "\n")
        #expect(lines.contains { $0.contains("ended, status 139 (result ") && $0.hasSuffix("signal=SEGV)") }, "\(out.stderr)")
        let served = lines.filter { $0.hasSuffix(" ended, status 0") }.map { $0.dropLast(" ended, status 0".count) + " " }
        #expect(served.count >= 2, "\(out.stderr)")
        for name in served { #expect(lines.filter { $0.contains(name) }.count == 2, "\(out.stderr)") }
        #expect(out.stderr.contains("stopped; 5 accepted, 0 refused, 0 throttled, 1 failed"), "\(out.stderr)")
    }

    /// A unit brig listen cannot serve stops it before it serves: with a clear message, exit
    /// status 1, and none of its listeners left bound (the port listed first is free again).
    @Test(arguments: ["directory", "port", "service"])
    func aUnitThatCannotBeServedBindsNothing(_ fault: String) throws {
        let port = 9_210, busy = 9_211
        let example = try ListenTests.Example("callout")
        let file = example.path + "/file"
        try "".write(toFile: file, atomically: true, encoding: .utf8)
        let second = switch fault {
        case "directory": "ListenStream=\(file)/sub/socket"    // its directory would be inside a file
        case "port": "ListenStream=127.0.0.1:\(busy)"
        default: "ListenStream=127.0.0.1:\(busy + 1)"
        }
        try ["[Socket]", "ListenStream=127.0.0.1:\(port)", second].joined(separator: "\n")
            .write(toFile: "\(example.path)/\(fault).socket", atomically: true, encoding: .utf8)
        if fault != "service" {
            try "[Service]\nExecStart=/bin/true\n".write(toFile: "\(example.path)/\(fault).service", atomically: true, encoding: .utf8)
        }
        let holder = try Subprocess(["/usr/bin/perl", "-e", "use IO::Socket::INET; my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1:\(busy)', Listen => 1, ReuseAddr => 1) or die; print \"bound\\n\"; sleep 20"], timeout: 30)
        defer { holder.send(SIGKILL); _ = holder.wait() }
        ListenTests.waitFor(port: busy)
        let out = try Subprocess.run([BuiltBrig.path, "listen", "\(example.path)/\(fault).socket"], timeout: 30)
        let expected = switch fault {
        case "directory": "ListenStream=\(file)/sub/socket: DirectoryMode= creating \(file)/sub: Not a directory"
        case "port": "ListenStream=127.0.0.1:\(busy): bind: Address already in use"
        default: "service.socket: its service service.service"
        }
        #expect(out.status == 1)
        #expect(out.stderr.contains(expected), "\(out.stderr)")
        // The port bound before the failure is free again.
        let probe = try Subprocess.run(["/usr/bin/perl", "-e", "use IO::Socket::INET; print IO::Socket::INET->new(LocalAddr => '127.0.0.1:\(port)', Listen => 1) ? 'free' : 'busy'"], timeout: 20)
        #expect(probe.stdout == "free")
    }
}

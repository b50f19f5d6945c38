import Foundation
import TestSupport
import Testing

/// What a supervisor or a script drives `brig listen` with: a descriptor told when every
/// listener is bound, JSON events, services started at once, and the per-source limit.
@Suite(.serialized, .enabled(if: getuid() == 0 && BuiltBrig.isBuilt, "needs root and a built brig"))
struct ListenControlTests {
    /// The events of a --json run, by name.
    static func events(_ stdout: String) -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    /// READY=1 reaches the --ready-fd only once the listener is bound (a client connecting as
    /// soon as it appears is served), and --json tells the run as events.
    @Test func readyFdAndJsonEvents() throws {
        let port = Int.random(in: 20_000...30_000)   // below the ephemeral range (32768 up)
        let example = try ListenTests.echoSocket(port: port, [], command: "/bin/echo hi")
        let ready = example.path + "/ready"
        let listen = try Subprocess(["/bin/sh", "-c", "exec \(BuiltBrig.path) listen --ready-fd 3 --json \(example.path)/callout.socket 3>\(ready)"],
                                    timeout: 60)
        Poll.until(seconds: 5) { !((try? String(contentsOfFile: ready, encoding: .utf8)) ?? "").isEmpty }
        #expect(try String(contentsOfFile: ready, encoding: .utf8) == "READY=1\n")
        #expect(try ListenTests.ask(port: port) == "hi\n")
        Poll.until(seconds: 2) { ListenTests.instances(of: listen.pid) == 0 }
        listen.send(SIGUSR1)
        usleep(200_000)
        listen.send(SIGTERM)
        let out = listen.wait()
        #expect(out.status == 0, "\(out.stderr)")
        let events = Self.events(out.stdout)
        #expect(events.map { $0["event"] as? String } == ["listening", "started", "ended", "counters", "stopping", "stopped"], "\(out.stdout)")
        #expect(events.first?["listeners"] as? [String] == ["ListenStream=127.0.0.1:\(port)"], "\(out.stdout)")
        #expect((events[safe: 1]?["service"] as? String)?.hasPrefix("\(example.path)/callout@0-127.0.0.1:\(port)-127.0.0.1:") == true)
        #expect(events[safe: 2]?["status"] as? Int == 0)
        #expect(events[safe: 3]?["accepted"] as? Int == 1 && events[safe: 3]?["running"] as? Int == 0, "\(out.stdout)")
        #expect(events.last?["accepted"] as? Int == 1 && events.last?["failed"] as? Int == 0)
    }

    /// An instance that writes to its standard output without StandardOutput=socket writes to
    /// the log (brig listen's standard error), as a service of systemd's writes to the journal,
    /// and standard output carries the --json events alone; its input is /dev/null, not brig's.
    @Test func anInstancesOwnOutputGoesToTheLogAndItsInputIsNull() throws {
        let port = Int.random(in: 20_000...30_000)
        let example = try ListenTests.echoSocket(port: port, [], command: "/bin/true")
        try ["[Service]", "ExecStart=/bin/sh -c 'echo instance says hi; readlink /proc/self/fd/0'"].joined(separator: "\n")
            .write(toFile: "\(example.path)/callout@.service", atomically: true, encoding: .utf8)
        // brig listen's own input is a file.
        let listen = try Subprocess(["/bin/sh", "-c", "exec \(BuiltBrig.path) listen --json \(example.path)/callout.socket < /etc/hostname"],
                                    timeout: 60)
        ListenTests.waitFor(port: port)
        #expect(try ListenTests.ask(port: port) == "")
        Poll.until(seconds: 2) { ListenTests.instances(of: listen.pid) == 0 }
        listen.send(SIGTERM)
        let out = listen.wait()
        #expect(Self.events(out.stdout).count == out.stdout.split(separator: "\n").count, "\(out.stdout)")
        // brig's own lines may come between the instance's.
        #expect(out.stderr.contains("\ninstance says hi\n") && out.stderr.contains("\n/dev/null\n"), "\(out.stderr)")
    }

    /// --now: an Accept=no service is started before any connection.
    @Test func nowStartsTheServiceAtOnce() throws {
        let port = Int.random(in: 20_000...30_000)
        let example = try ListenTests.Example("callout")
        let marker = example.path + "/started"
        try ["[Socket]", "ListenStream=127.0.0.1:\(port)"].joined(separator: "\n")
            .write(toFile: "\(example.path)/eager.socket", atomically: true, encoding: .utf8)
        try ["[Service]", "ExecStart=/bin/sh -c 'echo $LISTEN_FDS > \(marker); sleep 30'"].joined(separator: "\n")
            .write(toFile: "\(example.path)/eager.service", atomically: true, encoding: .utf8)
        let out = try ListenTests.listenNow("\(example.path)/eager.socket", until: marker)
        #expect((try? String(contentsOfFile: marker, encoding: .utf8)) == "1\n", "\(out.stderr)")
        #expect(out.stderr.contains("eager.service started"), "\(out.stderr)")
    }

    /// The sockets go to ExecStart= alone, as systemd passes descriptors to the main process
    /// only: ExecStartPre= and ExecStartPost= see no $LISTEN_FDS and no descriptor 3.
    @Test func onlyTheMainProcessIsHandedTheSockets() throws {
        let port = Int.random(in: 20_000...30_000)
        let example = try ListenTests.Example("callout")
        let log = example.path + "/seen", marker = example.path + "/done"
        let report = { (who: String) in
            "/bin/sh -c 'echo \(who) ${LISTEN_FDS:-none} $(test -e /dev/fd/3 && echo fd3 || echo no-fd3) >> \(log)'"
        }
        try ["[Socket]", "ListenStream=127.0.0.1:\(port)"].joined(separator: "\n")
            .write(toFile: "\(example.path)/handed.socket", atomically: true, encoding: .utf8)
        // A oneshot: ExecStartPost= follows the main process's exit, and writes the marker last.
        try ["[Service]", "Type=oneshot", "ExecStartPre=" + report("pre"), "ExecStart=" + report("main"),
             "ExecStartPost=" + report("post").dropLast() + "; touch \(marker)'"].joined(separator: "\n")
            .write(toFile: "\(example.path)/handed.service", atomically: true, encoding: .utf8)
        let out = try ListenTests.listenNow("\(example.path)/handed.socket", until: marker)
        let seen = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(seen.split(separator: "\n").sorted() == ["main 1 fd3", "post none no-fd3", "pre none no-fd3"], "\(seen)\(out.stderr)")
    }

    /// MaxConnectionsPerSource=1: a second connection from the same address is closed at once,
    /// one from another address is served.
    @Test func maxConnectionsPerSourceCountsEachAddress() throws {
        let port = Int.random(in: 20_000...30_000)
        let example = try ListenTests.echoSocket(port: port, ["MaxConnectionsPerSource=1"],
                                                 command: "/bin/sh -c 'echo hi; sleep 5'")
        let listen = try Subprocess([BuiltBrig.path, "listen", "\(example.path)/callout.socket"], timeout: 60)
        ListenTests.waitFor(port: port)
        // Hold one connection from 127.0.0.1, then ask again from it and from 127.0.0.3.
        let script = """
            use IO::Socket::INET; $SIG{PIPE} = "IGNORE";
            sub first_line { my ($from) = @_; my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]", LocalAddr => $from) or return "connect: $!";
                             my $l = <$s>; return defined $l ? $l : "closed\\n"; }
            my $held = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]", LocalAddr => "127.0.0.1") or die; my $l = <$held>; print "held $l";
            print "again ", first_line("127.0.0.1"); print "other ", first_line("127.0.0.3");
            """
        let out = try Subprocess.run(["/usr/bin/perl", "-e", script, "\(port)"], timeout: 30)
        listen.send(SIGTERM)
        let log = listen.wait()
        #expect(out.stdout == "held hi\nagain closed\nother hi\n", "\(out.stdout)\(out.stderr)")
        #expect(log.stderr.contains("MaxConnectionsPerSource=1 reached for 127.0.0.1, connection refused"), "\(log.stderr)")
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

/// IPAddressAllow=/IPAddressDeny= of a socket unit filter the traffic of its listeners, as under
/// systemd: a peer outside the allow list never gets a connection.
@Suite(.serialized, .enabled(if: getuid() == 0 && BuiltBrig.isBuilt, "needs root and a built brig"))
struct ListenFirewallTests {
    @Test func aSocketsFirewallAdmitsOnlyItsAllowList() throws {
        let port = Int.random(in: 20_000...30_000)
        let example = try ListenTests.echoSocket(port: port, ["IPAddressAllow=127.0.0.3", "IPAddressDeny=any"],
                                                 command: "/bin/echo hi")
        let listen = try Subprocess([BuiltBrig.path, "listen", "\(example.path)/callout.socket"], timeout: 60)
        ListenTests.waitFor(port: port)
        let script = """
            use IO::Socket::INET; $SIG{PIPE} = "IGNORE";
            for my $from ("127.0.0.3", "127.0.0.1") {
                my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]", LocalAddr => $from, Timeout => 2);
                if (!$s) { print "$from: no connection\\n"; next }
                my $l = <$s>; print "$from: ", (defined $l ? $l : "closed\\n");
            }
            """
        let out = try Subprocess.run(["/usr/bin/perl", "-e", script, "\(port)"], timeout: 30)
        listen.send(SIGTERM)
        let log = listen.wait()
        #expect(out.stdout == "127.0.0.3: hi\n127.0.0.1: no connection\n", "\(out.stdout)\(out.stderr)\(log.stderr)")
        #expect(log.status == 0, "\(log.stderr)")
        // The socket's cgroup goes with brig listen.
        let own = ((try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? "").split(separator: "\n")
            .first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) } ?? "/"
        let root = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified/cgroup.procs") ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup"
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)\(own == "/" ? "" : own)/brig")) ?? []
        #expect(!leftovers.contains { $0.hasPrefix("listen-\(listen.pid)-") }, "\(leftovers)")
    }
}

/// A socket unit's own commands run around its life, each in the socket unit's jail, as systemd
/// runs them: ExecStartPre= before the listeners are bound, ExecStartPost= after, ExecStopPre=
/// and ExecStopPost= around their closing.
@Suite(.serialized, .enabled(if: getuid() == 0 && BuiltBrig.isBuilt, "needs root and a built brig"))
struct ListenCommandTests {
    @Test func aSocketsCommandsRunAroundItsLife() throws {
        let port = Int.random(in: 20_000...30_000)
        let log = "/run/brig-socket-commands-\(UUID().uuidString.prefix(6))"
        defer { unlink(log) }
        #expect(FileManager.default.createFile(atPath: log, contents: nil, attributes: [.posixPermissions: 0o666]))   // for User=daemon
        func step(_ word: String) -> String { "/bin/sh -c 'echo \(word) $(id -un) >> \(log)'" }
        let example = try ListenTests.echoSocket(port: port, [
            "ExecStartPre=:" + step("start-pre"), "ExecStartPost=:" + step("start-post"),
            "ExecStopPre=:" + step("stop-pre"), "ExecStopPost=:" + step("stop-post"), "User=daemon",
        ], command: "/bin/echo hi")
        let listen = try Subprocess([BuiltBrig.path, "listen", "\(example.path)/callout.socket"], timeout: 60)
        ListenTests.waitFor(port: port)
        #expect(try ListenTests.ask(port: port) == "hi\n")
        listen.send(SIGTERM)
        let out = listen.wait()
        #expect(out.status == 0, "\(out.stderr)")
        let lines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(lines == ["start-pre daemon", "start-post daemon", "stop-pre daemon", "stop-post daemon"], "\(out.stderr)")
    }

    @Test func aFailingStartPreBindsNothing() throws {
        let port = Int.random(in: 20_000...30_000)
        let example = try ListenTests.echoSocket(port: port, ["ExecStartPre=/bin/false"], command: "/bin/echo hi")
        let out = try Subprocess.run([BuiltBrig.path, "listen", "\(example.path)/callout.socket"], timeout: 60)
        #expect(out.status == 1)
        #expect(out.stderr.contains("callout.socket: ExecStartPre=/bin/false failed with status 1"), "\(out.stderr)")
        #expect(try ListenTests.ask(port: port).hasPrefix("connect:"))
        // '-' lets it fail; a failing stop command is told, and the stop goes on.
        let tolerant = try ListenTests.echoSocket(port: port, ["ExecStartPre=-/bin/false", "ExecStopPost=/bin/false"], command: "/bin/echo hi")
        let listen = try Subprocess([BuiltBrig.path, "listen", "\(tolerant.path)/callout.socket"], timeout: 60)
        ListenTests.waitFor(port: port)
        #expect(try ListenTests.ask(port: port) == "hi\n")
        listen.send(SIGTERM)
        let stopped = listen.wait()
        #expect(stopped.status == 0)
        #expect(stopped.stderr.contains("callout.socket: ExecStopPost=/bin/false failed with status 1"), "\(stopped.stderr)")
    }
}

/// ListenFIFO=, ListenSpecial= and ListenNetlink= are handed to an Accept=no service as systemd
/// hands them: in the unit's order from descriptor 3, the FIFO made with SocketMode= under the
/// umask (systemd does not change a FIFO's mode after making it, as it does a socket's).
@Suite(.serialized, .enabled(if: getuid() == 0 && BuiltBrig.isBuilt, "needs root and a built brig"))
struct ListenFileTests {
    @Test func fifoSpecialAndNetlinkReachTheService() throws {
        let example = try ListenTests.Example("callout")
        let fifo = example.path + "/in.fifo", out = example.path + "/seen"
        try ["[Socket]", "ListenFIFO=\(fifo)", "ListenSpecial=/dev/null", "ListenNetlink=kobject-uevent 1", "SocketMode=0620"]
            .joined(separator: "\n").write(toFile: "\(example.path)/files.socket", atomically: true, encoding: .utf8)
        let script = "echo $LISTEN_FDS $LISTEN_FDNAMES; for fd in 3 4 5; do readlink /proc/self/fd/$fd | cut -d: -f1; done; until read line <&3 2>/dev/null; do sleep 0.05; done; echo got $line; sleep 30"
        try ["[Service]", "ExecStart=/bin/sh -c '{ \(script); } > \(out)'"]
            .joined(separator: "\n").write(toFile: "\(example.path)/files.service", atomically: true, encoding: .utf8)
        let listen = try Subprocess([BuiltBrig.path, "listen", "\(example.path)/files.socket"], timeout: 60)
        ListenTests.waitFor(fifo)
        var st = stat()
        #expect(stat(fifo, &st) == 0 && st.st_mode & S_IFMT == S_IFIFO)
        let mask = umask(0); umask(mask)
        #expect(st.st_mode & 0o777 == 0o620 & ~mask)
        // /dev/null is always readable, so the service starts at once (as under systemd); it waits
        // for what is written into the FIFO (a non-blocking descriptor, as systemd passes it), and
        // stays: a service that ended would be started again at once, /dev/null being readable.
        let writer = open(fifo, O_WRONLY | O_NONBLOCK)
        #expect(writer >= 0)
        _ = "hello\n".withCString { write(writer, $0, 6) }
        close(writer)
        ListenTests.waitFor(out)
        Poll.until(seconds: 2) { ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("got") }
        listen.send(SIGTERM)
        let log = listen.wait()
        let seen = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        #expect(seen == "3 files.socket:files.socket:files.socket\n\(fifo)\n/dev/null\nsocket\ngot hello\n", "\(seen)\(log.stderr)")
    }
}

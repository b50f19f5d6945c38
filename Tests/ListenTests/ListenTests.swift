import Foundation
import TestSupport
import Testing

/// `brig listen` with the examples/ units, real sockets and real clients: a privileged callout
/// behind a Unix socket only one group may call, a network-less service serving the TCP and Unix
/// listeners it is handed, and a honeypot whose visitors are logged and jailed. Each example is
/// copied with its paths and ports moved somewhere private to the test.
@Suite(.serialized, .enabled(if: getuid() == 0 && BuiltBrig.isBuilt, "needs root and a built brig"))
struct ListenTests {
    /// An example's files in a directory of their own, with the replacements (given that
    /// directory) applied to each; its scripts installed in /usr/local/libexec/brig-examples,
    /// where every jail can run them.
    final class Example {
        let path = "/run/brig-listen-\(UUID().uuidString.prefix(6))"
        init(_ name: String, replacing: (String) -> [(String, String)] = { _ in [] }) throws {
            let replacing = replacing(path)
            let source = Repository.path("examples/\(name)")
            let manager = FileManager.default
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
            try manager.createDirectory(atPath: "/usr/local/libexec/brig-examples", withIntermediateDirectories: true)
            for file in try manager.contentsOfDirectory(atPath: source) {
                var text = try String(contentsOfFile: "\(source)/\(file)", encoding: .utf8)
                if file.contains(".") {
                    for (old, new) in replacing { text = text.replacingOccurrences(of: old, with: new) }
                    try text.write(toFile: "\(path)/\(file)", atomically: true, encoding: .utf8)
                } else if (try? String(contentsOfFile: "/usr/local/libexec/brig-examples/\(file)", encoding: .utf8)) != text {
                    try text.write(toFile: "/usr/local/libexec/brig-examples/\(file)", atomically: true, encoding: .utf8)
                    chmod("/usr/local/libexec/brig-examples/\(file)", 0o755)
                }
            }
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// A line to a Unix socket, and what came back (or why connect failed).
    static func ask(unix path: String, _ line: String, as uid: Int? = nil, groups: String = "") throws -> String {
        let script = """
            $SIG{PIPE} = "IGNORE"; use IO::Socket::UNIX; my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $ARGV[0]) or do { print "connect: $!"; exit 0 };
            print $s "$ARGV[1]\\n"; $s->shutdown(1); local $/; my $r = <$s>; print $r;
            """
        var argv = ["/usr/bin/perl", "-e", script, path, line]
        if let uid { argv = ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(uid)", groups.isEmpty ? "--clear-groups" : "--groups=\(groups)"] + argv }
        return try Subprocess.run(argv, timeout: 20).stdout
    }

    /// Lines to a TCP port on loopback, and all that came back.
    static func ask(port: Int, _ lines: [String] = []) throws -> String {
        let script = """
            $SIG{PIPE} = "IGNORE"; use IO::Socket::INET; my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ARGV[0]") or do { print "connect: $!"; exit 0 };
            shift @ARGV; for (@ARGV) { print $s "$_\\n" } $s->shutdown(1); local $/; my $r = <$s>; print $r;
            """
        return try Subprocess.run(["/usr/bin/perl", "-e", script, "\(port)"] + lines, timeout: 20).stdout
    }

    /// Until something listens on the port (read from /proc/net/tcp: a probing connection would
    /// start an instance of its own).
    static func waitFor(port: Int) {
        Poll.until(seconds: 3) { TCPTable.isListening(port: port) }
    }

    static func waitFor(_ path: String) {
        Poll.until(seconds: 3) { FileManager.default.fileExists(atPath: path) }
        usleep(50_000)
    }

    /// `brig listen --now` on a socket unit (its service started at once), stopped with SIGTERM
    /// once the service has written `file`: what brig said.
    static func listenNow(_ socket: String, until file: String) throws -> Subprocess.Output {
        let listen = try Subprocess([BuiltBrig.path, "listen", "--now", socket], timeout: 60)
        waitFor(file)
        listen.send(SIGTERM)
        return listen.wait()
    }

    /// `times` connections to the port, one after the other: what each got back, and how long
    /// they took in all.
    static func askInTurn(port: Int, times: Int) throws -> (answers: [String], seconds: Double) {
        let start = Date()
        let answers = try (0..<times).map { _ in try ask(port: port) }
        return (answers, Date().timeIntervalSince(start))
    }

    @Test func aCalloutAnswersItsGroupOnly() throws {
        let daemonGID = 1  // the "daemon" group of Debian's base system
        let example = try Example("callout") { [("/run/callout", "\($0)/run"), ("callers", "daemon")] }
        let socket = "\(example.path)/run/socket"
        let listen = try Subprocess([BuiltBrig.path, "listen", "\(example.path)/callout.socket"], timeout: 60)
        Self.waitFor(socket)
        var info = stat()
        #expect(stat(socket, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o660 && info.st_gid == daemonGID)
        #expect(stat("\(example.path)/run", &info) == 0 && info.st_mode & 0o7777 == 0o755)  // DirectoryMode= default

        #expect(try Self.ask(unix: socket, "engage", as: 65534, groups: "\(daemonGID)") == "done: engage\n")
        #expect(try Self.ask(unix: socket, "engage", as: 65534) == "connect: Permission denied")

        listen.send(SIGTERM)
        let out = listen.wait()
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stderr.contains("callout@0-"), "\(out.stderr)")   // instance N-PID-UID, N from 0
        #expect(out.stderr.contains("1 accepted, 0 refused, 0 throttled, 0 failed"), "\(out.stderr)")
    }

    @Test func aServiceWithoutNetworkServesTheSocketsItIsHanded() throws {
        let port = Int.random(in: 20_000...30_000)   // below the ephemeral range (32768 up)
        let example = try Example("network-less") { [("8080", "\(port)"), ("/run/web", $0)] }
        let socket = "\(example.path)/web.sock"
        let listen = try Subprocess([BuiltBrig.path, "listen", "\(example.path)/web.socket"], timeout: 60)
        Self.waitFor(socket)
        let expected = "fds=2 names=web:web mine network=no\n"
        #expect(try Self.ask(port: port) == expected)
        #expect(try Self.ask(unix: socket, "") == expected)
        listen.send(SIGTERM)
        let out = listen.wait()
        #expect(out.status == 0, "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: socket))   // RemoveOnStop=yes
    }

    @Test func aHoneypotVisitorIsJailedAndLogged() throws {
        let port = Int.random(in: 20_000...30_000)   // below the ephemeral range (32768 up)
        let example = try Example("honeypot") { _ in [("ListenStream=23", "ListenStream=\(port)")] }
        let listen = try Subprocess([BuiltBrig.path, "listen", "\(example.path)/honeypot.socket"], timeout: 60)
        Self.waitFor(port: port)
        let seen = try Self.ask(port: port, ["id -u", "touch /usr/visited", "ls /home", "cat /proc/net/dev"])
        listen.send(SIGTERM)
        let out = listen.wait()
        let log = out.stderr
        #expect(log.contains("visitor from 127.0.0.1:"), "\(log)")
        #expect(log.contains("command: touch /usr/visited"))
        #expect(log.contains("output: touch: cannot touch '/usr/visited': Read-only file system"))
        #expect(seen.contains("Read-only file system"))
        let uid = seen.split(separator: "\n").first.map { $0.replacingOccurrences(of: "$ ", with: "") }.flatMap { Int($0) }
        #expect(uid.map { (61184...65519).contains($0) } == true, "\(seen)")   // a dynamic user
        #expect(!FileManager.default.fileExists(atPath: "/usr/visited"))
        // /proc/net/dev: a line per interface of the visitor's network namespace, loopback only.
        let interfaces = seen.split(separator: "\n").compactMap { line -> String? in
            let parts = line.replacingOccurrences(of: "$ ", with: "").split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let first = parts[1].split(separator: " ").first, Int(first) != nil else { return nil }
            return parts[0].trimmingCharacters(in: .whitespaces)
        }
        #expect(interfaces == ["lo"], "\(seen)")
        #expect(!seen.contains("root"))   // /home shows nothing of the host
    }

    /// An Accept=yes TCP socket serving `command` per connection, with extra [Socket] lines.
    static func echoSocket(port: Int, _ socketLines: [String], command: String) throws -> Example {
        let example = try Example("callout")
        try (["[Socket]", "ListenStream=127.0.0.1:\(port)", "Accept=yes"] + socketLines).joined(separator: "\n")
            .write(toFile: "\(example.path)/callout.socket", atomically: true, encoding: .utf8)
        try ["[Service]", "StandardInput=socket", "ExecStart=\(command)"].joined(separator: "\n")
            .write(toFile: "\(example.path)/callout@.service", atomically: true, encoding: .utf8)
        return example
    }

    /// Throttled, never dead: past TriggerLimitBurst= the socket pauses for the rest of the
    /// interval, then every waiting connection is served. TriggerLimitIntervalSec=infinity is
    /// systemd's mark for an unset interval, the default 2 s: its pause ends too.
    @Test(arguments: [("1", 0.9), ("infinity", 1.8)])
    func aTriggerLimitPausesTheSocketAndResumes(interval: String, pause: Double) throws {
        let port = Int.random(in: 20_000...30_000)   // below the ephemeral range (32768 up)
        let example = try Self.echoSocket(port: port, ["TriggerLimitIntervalSec=\(interval)", "TriggerLimitBurst=3"], command: "/bin/echo hi")
        let listen = try Subprocess([BuiltBrig.path, "listen", "\(example.path)/callout.socket"], timeout: 60)
        Self.waitFor(port: port)
        let (answers, seconds) = try Self.askInTurn(port: port, times: 6)
        listen.send(SIGTERM)
        let out = listen.wait()
        #expect(answers.allSatisfy { $0 == "hi\n" }, "\(answers)")
        #expect(seconds >= pause && seconds < 10, "\(seconds) s")
        #expect(out.stderr.contains("TriggerLimitBurst=3 reached"), "\(out.stderr)")
        #expect(out.status == 0)
    }

    /// MaxConnections= counts live instances: two that hang hold both places, a third connection
    /// is closed at once, and none of it blocks the listener.
    @Test func maxConnectionsHoldsWithoutBlockingTheListener() throws {
        let port = Int.random(in: 20_000...30_000)   // below the ephemeral range (32768 up)
        let example = try Self.echoSocket(port: port, ["MaxConnections=2"], command: "/bin/sleep 30")
        let listen = try Subprocess([BuiltBrig.path, "listen", "\(example.path)/callout.socket"], timeout: 60)
        Self.waitFor(port: port)
        let hold = "use IO::Socket::INET; my @s = map { IO::Socket::INET->new(PeerAddr => '127.0.0.1:\(port)') } 1..2; sleep 5;"
        let holders = try Subprocess(["/usr/bin/perl", "-e", hold], timeout: 30)
        defer { holders.send(SIGKILL); _ = holders.wait() }
        Poll.until(seconds: 4) {   // both holders served, or brig listen gone
            Self.instances(of: listen.pid) >= 2 || ((try? String(contentsOfFile: "/proc/\(listen.pid)/status", encoding: .utf8)) ?? "").isEmpty
        }
        let start = Date()
        #expect(try Self.ask(port: port) == "")   // accepted and closed
        #expect(Date().timeIntervalSince(start) < 2)
        listen.send(SIGUSR1)   // the counters, while both instances run
        usleep(200_000)
        listen.send(SIGTERM)
        let out = listen.wait()
        #expect(out.stderr.contains("brig listen: 2 accepted, 1 refused, 0 throttled, 0 failed, 2 running"), "\(out.stderr)")
        #expect(out.stderr.contains("stopped; 2 accepted, 1 refused"), "\(out.stderr)")
    }

    /// Fifty connections in a row leave brig listen with the descriptors it started with and no
    /// child that was not reaped.
    @Test func connectionsLeaveNoDescriptorOrZombieBehind() throws {
        let port = Int.random(in: 20_000...30_000)   // below the ephemeral range (32768 up)
        let example = try Self.echoSocket(port: port, [], command: "/bin/echo hi")
        let listen = try Subprocess([BuiltBrig.path, "listen", "\(example.path)/callout.socket"], timeout: 120)
        Self.waitFor(port: port)
        #expect(try Self.ask(port: port) == "hi\n")   // what brig opens once is open by now
        Poll.until(seconds: 2) { Self.instances(of: listen.pid) == 0 }
        let before = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(listen.pid)/fd").count
        for _ in 0..<50 { #expect(try Self.ask(port: port) == "hi\n") }
        Poll.until(seconds: 2) { Self.instances(of: listen.pid) == 0 }
        usleep(300_000)
        let after = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(listen.pid)/fd").count
        #expect(after == before)
        #expect(Self.instances(of: listen.pid) == 0)   // zombies are children too
        listen.send(SIGTERM)
        #expect(listen.wait().status == 0)
    }

    /// A script printing `ls -l /proc/self/fd` as "fd -> target" lines, without ls's own handle
    /// on the directory, installed in the example's directory (a unit file would unescape it).
    static func descriptorLister(in example: Example) throws -> String {
        let path = example.path + "/fds.sh"
        try "ls -l /proc/self/fd | sed -n 's|.* \\([0-9]*\\) -> \\(.*\\)$|\\1 -> \\2|p' | grep -v ' -> /proc/[0-9]*/fd$'\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    static func descriptors(_ listing: String) -> [Int] {
        listing.split(separator: "\n").compactMap { Int($0.prefix { $0 != " " }) }
    }

    /// An Accept=yes instance holds its streams and its connection, and nothing of brig listen's:
    /// not its listeners, the connections of other instances, or its signal and child descriptors.
    /// With StandardInput=socket the connection is 0 and 1 (and nothing at 3); else it is 3.
    @Test(arguments: [true, false])
    func anAcceptedInstanceHoldsOnlyItsStreamsAndConnection(socketInput: Bool) throws {
        let port = socketInput ? 31_011 : 31_012
        let example = try Self.echoSocket(port: port, [], command: "/bin/true")
        let lister = try Self.descriptorLister(in: example)
        try ["[Service]", socketInput ? "StandardInput=socket\nExecStart=/bin/sh \(lister)" : "ExecStart=/bin/sh -c \"/bin/sh \(lister) >&3\""]
            .joined(separator: "\n").write(toFile: "\(example.path)/callout@.service", atomically: true, encoding: .utf8)
        let listen = try Subprocess([BuiltBrig.path, "listen", "\(example.path)/callout.socket"], timeout: 60)
        Self.waitFor(port: port)
        // A connection left open while the probe's runs: its instance must not be seen by the next.
        let hold = try Subprocess(["/usr/bin/perl", "-e", "use IO::Socket::INET; my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1:\(port)'); sleep 5"], timeout: 30)
        defer { hold.send(SIGKILL); _ = hold.wait() }
        usleep(200_000)
        let answer = try Self.ask(port: port)
        listen.send(SIGTERM)
        _ = listen.wait()
        #expect(Self.descriptors(answer) == (socketInput ? [0, 1, 2] : [0, 1, 2, 3]), "\(answer)")
        #expect(answer.split(separator: "\n").filter { $0.contains("socket:") }.count == (socketInput ? 2 : 1), "\(answer)")
    }

    /// An Accept=no service is handed each of its socket's listeners, from 3 on, and nothing else.
    @Test func aServiceHoldsOnlyItsStreamsAndListeners() throws {
        let port = 31_013
        let example = try Example("callout")
        let report = "/run/brig-listen-fds-\(UUID().uuidString.prefix(6))"
        defer { unlink(report) }
        try ["[Socket]", "ListenStream=127.0.0.1:\(port)", "ListenDatagram=127.0.0.1:\(port)", "Accept=no"].joined(separator: "\n")
            .write(toFile: "\(example.path)/fdcount.socket", atomically: true, encoding: .utf8)
        let lister = try Self.descriptorLister(in: example)
        try ["[Service]", "ExecStart=/bin/sh -c \"/bin/sh \(lister) > \(report); exec sleep 30\""].joined(separator: "\n")
            .write(toFile: "\(example.path)/fdcount.service", atomically: true, encoding: .utf8)
        let listen = try Subprocess([BuiltBrig.path, "listen", "\(example.path)/fdcount.socket"], timeout: 60)
        Self.waitFor(port: port)
        // A connection starts the service (which never answers it).
        _ = try Subprocess.run(["/usr/bin/perl", "-e", "use IO::Socket::INET; IO::Socket::INET->new(PeerAddr => '127.0.0.1:\(port)')"], timeout: 20)
        Self.waitFor(report)
        listen.send(SIGTERM)
        _ = listen.wait()
        let listing = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
        #expect(Self.descriptors(listing) == [0, 1, 2, 3, 4], "\(listing)")
    }

    /// Children of `pid` but its keeper (a fork of brig), zombies included.
    static func instances(of pid: pid_t) -> Int {
        children(of: pid).filter { (try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8)) != "brig\n" }.count
    }

    static func children(of pid: pid_t) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { entry in
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == pid
        }
    }

    /// What an Accept=yes instance is given, under brig listen and under systemd's own socket
    /// units: its instance name, $REMOTE_ADDR and $REMOTE_PORT, and either the connection as
    /// stdin and stdout (StandardInput=socket, no $LISTEN_*) or as descriptor 3 with $LISTEN_FDS.
    @Test(.enabled(if: SystemdOracle.isAvailable, "the reference systemd is not available"),
          arguments: [true, false])
    func anInstanceIsGivenWhatSystemdGivesIt(_ socketInput: Bool) throws {
        let port = Int.random(in: 20_000...30_000)   // below the ephemeral range (32768 up)
        let name = "brigenv\(UInt32.random(in: 1000...9999))"
        let report = "echo instance=%i; env | grep -E \"^(LISTEN_FDS|LISTEN_FDNAMES|REMOTE_ADDR|REMOTE_PORT)=\" | sort; "
            + "test \"$$LISTEN_PID\" = \"$$$$\" && echo pid=mine"
        let service = socketInput
            ? "[Service]\nStandardInput=socket\nExecStart=/bin/sh -c '\(report)'\n"
            : "[Service]\nExecStart=/bin/sh -c '{ \(report); } >&3'\n"
        let socket = "[Socket]\nListenStream=127.0.0.1:\(port)\nAccept=yes\n"
        func normalized(_ answer: String) -> String {
            // The client's port differs from run to run.
            answer.split(separator: "\n").map { line in
                line.hasPrefix("REMOTE_PORT=") ? "REMOTE_PORT=N"
                    : line.hasPrefix("instance=") ? String(line[..<line.lastIndex(of: ":")!]) + ":N" : String(line)
            }.joined(separator: "\n")
        }

        let example = try Example("callout")
        try socket.write(toFile: "\(example.path)/\(name).socket", atomically: true, encoding: .utf8)
        try service.write(toFile: "\(example.path)/\(name)@.service", atomically: true, encoding: .utf8)
        let listen = try Subprocess([BuiltBrig.path, "listen", "\(example.path)/\(name).socket"], timeout: 60)
        Self.waitFor(port: port)
        let brig = try Self.ask(port: port)
        listen.send(SIGTERM)
        _ = listen.wait()

        let units = "/etc/systemd/system/\(name)"
        let install = "printf '\(socket)' > \(units).socket && printf '%s' \"$1\" > '\(units)@.service' && "
            + "systemctl daemon-reload && systemctl start \(name).socket"
        _ = try SystemdOracle.exec(["/bin/sh", "-c", install, "sh", service])
        defer { _ = try? SystemdOracle.exec(["/bin/sh", "-c", "systemctl stop \(name).socket; rm -f \(units).socket '\(units)@.service'; systemctl daemon-reload"]) }
        Self.waitFor(port: port)
        let systemd = try Self.ask(port: port)

        #expect(normalized(brig) == normalized(systemd), "brig: \(brig)\nsystemd: \(systemd)")
        #expect(brig.contains("instance=0-127.0.0.1:\(port)-127.0.0.1:"))
        #expect(brig.contains("LISTEN_FDS=1") == !socketInput)
    }
}

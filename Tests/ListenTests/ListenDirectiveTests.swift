import Foundation
import TestSupport
import Testing

/// [Socket] directives beyond the listeners themselves: the options of the listening socket as
/// the service sees them, Symlinks=, PollLimitBurst= under the rules of systemd 255 and later,
/// and the directives brig listen refuses. Ports 9300-9399, and 9400-9449 for the comparisons with systemd,
/// below the ephemeral range (32768 up), where a connection of another test could hold one.
@Suite(.serialized, .enabled(if: getuid() == 0 && BuiltBrig.isBuilt, "needs root and a built brig"))
struct ListenDirectiveTests {
    /// A socket unit of these [Socket] `lines` (DIR: the directory of its files, PORT: a port)
    /// whose service, started at once, writes what a Perl `probe` prints about the descriptors it
    /// is handed to DIR/options and sleeps; `seen`: what it prints under brig listen and systemd 252.
    struct ProbedUnit: Sendable, CustomTestStringConvertible {
        let name: String, lines: [String], probe: String, seen: String

        func socket(in dir: String, port: Int) -> String {
            (["[Socket]"] + lines.map { $0.replacingOccurrences(of: "DIR", with: dir).replacingOccurrences(of: "PORT", with: "\(port)") })
                .joined(separator: "\n") + "\n"
        }

        func service(in dir: String) -> String {
            "[Service]\nExecStart=/bin/sh -c '/usr/bin/perl \(dir)/probe.pl > \(dir)/options; exec sleep 30'\n"
        }

        var testDescription: String { name }

        /// The socket options, read back from the listener (fd 3): SO_KEEPALIVE, TCP_KEEPIDLE,
        /// TCP_KEEPINTVL, TCP_KEEPCNT, TCP_DEFER_ACCEPT, SO_PRIORITY, SO_MARK, SO_BROADCAST, IP_TOS,
        /// IP_TTL, by their numbers in the kernel's headers. IP_TOS, set after SO_PRIORITY (in
        /// systemd's order), makes the priority the TOS's own: 6, interactive, for low-delay.
        static let keepAliveAndMarks = ProbedUnit(
            name: "keepAliveAndMarks",
            lines: ["ListenStream=127.0.0.1:PORT", "KeepAlive=yes", "KeepAliveTimeSec=77", "KeepAliveIntervalSec=11",
                    "KeepAliveProbes=5", "DeferAcceptSec=3", "Priority=4", "Mark=42", "Broadcast=yes", "IPTOS=low-delay", "IPTTL=33"],
            probe: "open(my $s, \"+<&=3\") or die; my @o = ([1,9],[6,4],[6,5],[6,6],[6,9],[1,12],[1,36],[1,6],[0,1],[0,2]); "
                + "print join(\" \", map { unpack(\"i\", getsockopt($s, $_->[0], $_->[1])) } @o), \"\\n\"",
            seen: "1 77 11 5 3 6 42 1 16 33\n")

        /// PassPacketInfo=, Timestamping=, TCPCongestion= on a TCP listener, SocketProtocol=udplite
        /// on a datagram one and PipeSize= on a FIFO, read back from descriptors 3, 4 and 5:
        /// IP_PKTINFO, SO_TIMESTAMPNS, TCP_CONGESTION, SO_PROTOCOL and F_GETPIPE_SZ.
        static let packetInfoTimestampsCongestionProtocolAndPipeSize = ProbedUnit(
            name: "packetInfoTimestampsCongestionProtocolAndPipeSize",
            lines: ["ListenStream=127.0.0.1:PORT", "ListenDatagram=127.0.0.1:PORT", "ListenFIFO=DIR/fifo",
                    "PassPacketInfo=yes", "Timestamping=nsec", "TCPCongestion=reno", "SocketProtocol=udplite", "PipeSize=256K"],
            probe: "open(my $t, \"+<&=3\") or die; open(my $u, \"+<&=4\") or die; open(my $f, \"+<&=5\") or die; "
                + "my $c = getsockopt($t, 6, 13); $c =~ s/\\0.*//s; "
                + "print join(\" \", unpack(\"i\", getsockopt($t, 0, 8)), unpack(\"i\", getsockopt($t, 1, 35)), $c, "
                + "unpack(\"i\", getsockopt($u, 1, 38)), fcntl($f, 1032, 0)), \"\\n\"",
            seen: "1 1 reno 136 262144\n")

        /// Backlog=, the buffers, NoDelay=, IPTOS=, Mark=, FreeBind=, ReusePort= and Transparent= on an
        /// IPv4 and an IPv6 TCP listener (fd 3 and 4), a line each: the backlog (tcpi_sacked of a
        /// listener's TCP_INFO), SO_RCVBUF, SO_SNDBUF, TCP_NODELAY, IP_TOS, SO_PRIORITY, SO_MARK,
        /// IP_FREEBIND, SO_REUSEPORT, IP_TRANSPARENT. The kernel doubles a buffer's size; past
        /// net.core.rmem_max (4 MiB where this was written) only SO_RCVBUFFORCE, which systemd then
        /// uses, sets the 8M asked. IP_TOS reaches an IPv6 socket too (for IPv4-mapped peers), and
        /// with it the priority: 2, bulk, for throughput.
        static let backlogBuffersAndBindOptions = ProbedUnit(
            name: "backlogBuffersAndBindOptions",
            lines: ["ListenStream=127.0.0.1:PORT", "ListenStream=[::1]:PORT", "Backlog=42", "ReceiveBuffer=8M", "SendBuffer=96K",
                    "NoDelay=yes", "IPTOS=throughput", "Mark=7", "FreeBind=yes", "ReusePort=yes", "Transparent=yes"],
            probe: "for my $n (3, 4) { open(my $s, \"+<&=$n\") or die; "
                + "my @o = ([1,8],[1,7],[6,1],[0,1],[1,12],[1,36],[0,15],[1,15],[0,19]); "
                + "print join(\" \", unpack(\"x28 L\", getsockopt($s, 6, 11)), map { unpack(\"i\", getsockopt($s, $_->[0], $_->[1])) } @o), \"\\n\" }",
            seen: String(repeating: "42 16777216 196608 1 8 2 7 1 1 1\n", count: 2))

        /// PassCredentials= and PassSecurity= on a Unix stream and a Unix datagram listener (fd 3
        /// and 4), a line each: SO_PASSCRED, SO_PASSSEC.
        static let credentials = ProbedUnit(
            name: "credentials",
            lines: ["ListenStream=DIR/stream", "ListenDatagram=DIR/datagram", "PassCredentials=yes", "PassSecurity=yes"],
            probe: "for my $n (3, 4) { open(my $s, \"+<&=$n\") or die; print join(\" \", map { unpack(\"i\", getsockopt($s, 1, $_)) } 16, 34), \"\\n\" }",
            seen: "1 1\n1 1\n")

        /// BindIPv6Only=, IPTTL= and Broadcast= on an IPv6 datagram listener (fd 3): IPV6_V6ONLY,
        /// IPV6_UNICAST_HOPS, SO_BROADCAST.
        static let ipv6Datagrams = ProbedUnit(
            name: "ipv6Datagrams",
            lines: ["ListenDatagram=[::1]:PORT", "BindIPv6Only=ipv6-only", "IPTTL=44", "Broadcast=yes"],
            probe: "open(my $s, \"+<&=3\") or die; print join(\" \", map { unpack(\"i\", getsockopt($s, $_->[0], $_->[1])) } [41,26],[41,16],[1,6]), \"\\n\"",
            seen: "1 44 1\n")

        static let all = [keepAliveAndMarks, packetInfoTimestampsCongestionProtocolAndPipeSize, backlogBuffersAndBindOptions,
                          credentials, ipv6Datagrams]
    }

    /// What the probe of `unit` printed under brig listen (--now), its ports at `port`; and brig's stderr.
    static func probed(_ unit: ProbedUnit, port: Int) throws -> (seen: String, stderr: String) {
        let example = try ListenTests.Example("callout")
        let report = example.path + "/options"
        try unit.socket(in: example.path, port: port).write(toFile: "\(example.path)/probed.socket", atomically: true, encoding: .utf8)
        try "\(unit.probe)\n".write(toFile: "\(example.path)/probe.pl", atomically: true, encoding: .utf8)
        try unit.service(in: example.path).write(toFile: "\(example.path)/probed.service", atomically: true, encoding: .utf8)
        let out = try ListenTests.listenNow("\(example.path)/probed.socket", until: report)
        return ((try? String(contentsOfFile: report, encoding: .utf8)) ?? "", out.stderr)
    }

    /// What the probe of `unit` printed under the reference systemd 252: the same files in its
    /// /etc/systemd/system and private /run, the socket started, then its service.
    static func probedBySystemd(_ unit: ProbedUnit, port: Int) throws -> Subprocess.Output {
        let name = "brigprobe\(UInt32.random(in: 1000...9999))", dir = "/run/\(name)", units = "/etc/systemd/system/\(name)"
        let run = "mkdir -p \(dir) && printf '%s' \"$1\" > \(units).socket && printf '%s' \"$2\" > \(units).service && "
            + "printf '%s\\n' \"$3\" > \(dir)/probe.pl && systemctl daemon-reload && systemctl start \(name).socket && systemctl start \(name).service && "
            + "for i in $(seq 300); do [ -s \(dir)/options ] && break; sleep 0.02; done; cat \(dir)/options"
        defer {
            _ = try? SystemdOracle.exec(["/bin/sh", "-c", "systemctl stop \(name).service \(name).socket; rm -rf \(dir) \(units).socket \(units).service; systemctl daemon-reload"])
        }
        return try SystemdOracle.exec(["/bin/sh", "-c", run, "sh", unit.socket(in: dir, port: port), unit.service(in: dir), unit.probe])
    }

    /// The socket options of each probed unit, as the service reads them back from the kernel.
    @Test(arguments: ProbedUnit.all.enumerated().map { ($0.element, 9_301 + $0.offset) })
    func optionsReachTheListeners(_ unit: ProbedUnit, port: Int) throws {
        let (seen, stderr) = try Self.probed(unit, port: port)
        #expect(seen == unit.seen, "\(seen)\(stderr)")
    }

    /// The same units and probes under brig listen and under systemd 252: the service
    /// reads the same values from the kernel.
    @Test(.enabled(if: SystemdOracle.isAvailable, "the reference systemd is not available"),
          arguments: ProbedUnit.all.enumerated().map { ($0.element, 9_400 + $0.offset) })
    func theServiceSeesTheOptionsSystemdSets(_ unit: ProbedUnit, port: Int) throws {
        let (brig, stderr) = try Self.probed(unit, port: port)
        let systemd = try Self.probedBySystemd(unit, port: port)
        #expect(systemd.status == 0, "\(systemd.stderr)")
        #expect(brig == systemd.stdout, "brig: \(brig)\(stderr)\nsystemd 252: \(systemd.stdout)")
        #expect(systemd.stdout == unit.seen, "\(systemd.stdout)")
    }

    /// A deliberate difference: an option the kernel refuses (here an unknown TCPCongestion=)
    /// makes systemd 252 warn and start the service without it; brig listen stops, rather than
    /// serve less than the unit says.
    @Test(.enabled(if: SystemdOracle.isAvailable, "the reference systemd is not available"))
    func whereSystemdOnlyWarnsBrigStops() throws {
        let unit = ProbedUnit(name: "unknownCongestion", lines: ["ListenStream=127.0.0.1:PORT", "TCPCongestion=brignone"],
                              probe: "open(my $s, \"+<&=3\") or die; print getsockopt($s, 6, 13) =~ s/\\0.*//sr, \"\\n\"", seen: "")
        let (brig, stderr) = try Self.probed(unit, port: 9_449)
        let systemd = try Self.probedBySystemd(unit, port: 9_449)
        #expect(brig == "" && stderr.contains("ListenStream=127.0.0.1:9449: TCPCongestion=brignone"), "\(brig)\(stderr)")
        let host = try String(contentsOfFile: "/proc/sys/net/ipv4/tcp_congestion_control", encoding: .utf8)
        #expect(systemd.stdout == host, "\(systemd.stdout)\(systemd.stderr)")
    }

    /// Symlinks=: links to the socket's path, through which clients reach it, made with their
    /// directories and removed with RemoveOnStop=yes.
    @Test func symlinksLeadToTheSocketAndGoWithIt() throws {
        let example = try ListenTests.Example("callout")
        let socket = example.path + "/run/socket", links = [example.path + "/a", example.path + "/deep/b"]
        try ["[Socket]", "ListenStream=\(socket)", "Accept=yes", "RemoveOnStop=yes", "Symlinks=\(links.joined(separator: " "))"]
            .joined(separator: "\n").write(toFile: "\(example.path)/linked.socket", atomically: true, encoding: .utf8)
        try ["[Service]", "StandardInput=socket", "ExecStart=/bin/echo hi"].joined(separator: "\n")
            .write(toFile: "\(example.path)/linked@.service", atomically: true, encoding: .utf8)
        let listen = try Subprocess([BuiltBrig.path, "listen", "\(example.path)/linked.socket"], timeout: 60)
        ListenTests.waitFor(socket)
        for link in links {
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == socket)
            #expect(try ListenTests.ask(unix: link, "") == "hi\n")
        }
        listen.send(SIGTERM)
        #expect(listen.wait().status == 0)
        for path in links + [socket] { #expect(!FileManager.default.fileExists(atPath: path), "\(path)") }
    }

    /// Symlinks= with more than one path among the listeners is refused before anything is bound.
    @Test func symlinksNeedOnePath() throws {
        let example = try ListenTests.Example("callout")
        try ["[Socket]", "ListenStream=\(example.path)/one", "ListenStream=\(example.path)/two", "Symlinks=\(example.path)/link"]
            .joined(separator: "\n").write(toFile: "\(example.path)/two.socket", atomically: true, encoding: .utf8)
        try "[Service]\nExecStart=/bin/true\n".write(toFile: "\(example.path)/two.service", atomically: true, encoding: .utf8)
        let out = try Subprocess.run([BuiltBrig.path, "listen", "\(example.path)/two.socket"], timeout: 30)
        #expect(out.status == 1)
        #expect(out.stderr.contains("two.socket:4:1: Symlinks= needs exactly one socket path or FIFO"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: example.path + "/one"))
    }

    /// PollLimitBurst= (systemd 255) pauses a socket found ready too often for the rest of
    /// PollLimitIntervalSec= under --rules 261; systemd 252 does not know it, nor does brig listen
    /// under its rules.
    @Test(arguments: [252, 261])
    func pollLimitPausesUnderTheRulesThatHaveIt(_ rules: Int) throws {
        let port = 9_310 + rules % 2
        let example = try ListenTests.echoSocket(port: port, ["PollLimitIntervalSec=1", "PollLimitBurst=3"], command: "/bin/echo hi")
        let listen = try Subprocess([BuiltBrig.path, "listen", "--rules", "\(rules)", "\(example.path)/callout.socket"], timeout: 60)
        ListenTests.waitFor(port: port)
        let (answers, seconds) = try ListenTests.askInTurn(port: port, times: 6)
        listen.send(SIGTERM)
        let out = listen.wait()
        #expect(answers.allSatisfy { $0 == "hi\n" }, "\(answers)")
        #expect(out.stderr.contains("PollLimitBurst=3 reached") == (rules == 261), "\(out.stderr)")
        if rules == 261 { #expect(seconds >= 0.9, "\(seconds) s") }
    }

    /// What brig listen cannot do is refused with the file and line of each, before anything is
    /// bound: POSIX message queues, USB FunctionFS, and the socket options it does not set.
    @Test func unsupportedDirectivesAreRefused() throws {
        let example = try ListenTests.Example("callout")
        try ["[Socket]", "ListenStream=\(example.path)/s", "ListenMessageQueue=/brig-test", "ListenUSBFunction=/dev/usb-ffs/x",
             "FlushPending=yes", "SmackLabel=brig"]
            .joined(separator: "\n").write(toFile: "\(example.path)/refused.socket", atomically: true, encoding: .utf8)
        try "[Service]\nExecStart=/bin/true\n".write(toFile: "\(example.path)/refused.service", atomically: true, encoding: .utf8)
        let out = try Subprocess.run([BuiltBrig.path, "listen", "\(example.path)/refused.socket"], timeout: 30)
        #expect(out.status == 1)
        for (line, directive) in [(3, "ListenMessageQueue=/brig-test"), (4, "ListenUSBFunction=/dev/usb-ffs/x"), (5, "FlushPending=yes"), (6, "SmackLabel=brig")] {
            #expect(out.stderr.contains("refused.socket:\(line):1: \(directive): not supported by brig listen"), "\(out.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: example.path + "/s"))
    }
}

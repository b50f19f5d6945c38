import Foundation
import TestSupport
import Testing

/// [Socket] directives beyond the listeners themselves: the options of the listening socket as
/// the service sees them, Symlinks=, PollLimitBurst= under the rules of systemd 255 and later,
/// and the directives brig listen refuses. Ports 9300-9399, below the ephemeral range (32768 up), where a connection of another test could hold one.
@Suite(.serialized, .enabled(if: getuid() == 0 && BuiltBrig.isBuilt, "needs root and a built brig"))
struct ListenDirectiveTests {
    /// What a Perl `probe` run by the service (started at once, --now) printed about the
    /// descriptors it was handed by a socket unit of these [Socket] `lines`; and brig's stderr.
    static func probed(_ lines: [String], _ probe: String) throws -> (seen: String, stderr: String) {
        let example = try ListenTests.Example("callout")
        let report = example.path + "/options"
        try (["[Socket]"] + lines.map { $0.replacingOccurrences(of: "DIR", with: example.path) }).joined(separator: "\n")
            .write(toFile: "\(example.path)/probed.socket", atomically: true, encoding: .utf8)
        try "\(probe)\n".write(toFile: "\(example.path)/probe.pl", atomically: true, encoding: .utf8)
        try ["[Service]", "ExecStart=/bin/sh -c '/usr/bin/perl \(example.path)/probe.pl > \(report); exec sleep 30'"].joined(separator: "\n")
            .write(toFile: "\(example.path)/probed.service", atomically: true, encoding: .utf8)
        let out = try ListenTests.listenNow("\(example.path)/probed.socket", until: report)
        return ((try? String(contentsOfFile: report, encoding: .utf8)) ?? "", out.stderr)
    }

    /// The socket options, read back by the service from the listener it is handed (fd 3):
    /// SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_DEFER_ACCEPT, SO_PRIORITY,
    /// SO_MARK, SO_BROADCAST, IP_TOS, IP_TTL, by their numbers in the kernel's headers.
    @Test func socketOptionsReachTheListener() throws {
        let probe = "open(my $s, \"+<&=3\") or die; my @o = ([1,9],[6,4],[6,5],[6,6],[6,9],[1,12],[1,36],[1,6],[0,1],[0,2]); "
            + "print join(\" \", map { unpack(\"i\", getsockopt($s, $_->[0], $_->[1])) } @o), \"\\n\""
        let (seen, stderr) = try Self.probed(["ListenStream=127.0.0.1:9301", "KeepAlive=yes", "KeepAliveTimeSec=77", "KeepAliveIntervalSec=11",
                                              "KeepAliveProbes=5", "DeferAcceptSec=3", "Priority=4", "Mark=42", "Broadcast=yes",
                                              "IPTOS=low-delay", "IPTTL=33"], probe)
        // IP_TOS, set after SO_PRIORITY (in systemd's order), makes the priority the TOS's own:
        // 6, interactive, for low-delay.
        #expect(seen == "1 77 11 5 3 6 42 1 16 33\n", "\(seen)\(stderr)")
    }

    /// PassPacketInfo=, Timestamping=, TCPCongestion= on a TCP listener, SocketProtocol=udplite
    /// on a datagram one and PipeSize= on a FIFO, read back by the service from descriptors 3, 4
    /// and 5: IP_PKTINFO, SO_TIMESTAMPNS, TCP_CONGESTION, SO_PROTOCOL and F_GETPIPE_SZ.
    @Test func packetInfoTimestampsCongestionProtocolAndPipeSizeReachTheListeners() throws {
        let probe = "open(my $t, \"+<&=3\") or die; open(my $u, \"+<&=4\") or die; open(my $f, \"+<&=5\") or die; "
            + "my $c = getsockopt($t, 6, 13); $c =~ s/\\0.*//s; "
            + "print join(\" \", unpack(\"i\", getsockopt($t, 0, 8)), unpack(\"i\", getsockopt($t, 1, 35)), $c, "
            + "unpack(\"i\", getsockopt($u, 1, 38)), fcntl($f, 1032, 0)), \"\\n\""
        let (seen, stderr) = try Self.probed(["ListenStream=127.0.0.1:9302", "ListenDatagram=127.0.0.1:9302", "ListenFIFO=DIR/fifo",
                                              "PassPacketInfo=yes", "Timestamping=nsec", "TCPCongestion=reno", "SocketProtocol=udplite",
                                              "PipeSize=256K"], probe)
        #expect(seen == "1 1 reno 136 262144\n", "\(seen)\(stderr)")
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

import Foundation
import TestSupport
import Testing

/// The [Socket] directives of systemd 256 and 258 that brig listen applies under their rules:
/// PassPIDFD=, AcceptFileDescriptors= and PassFileDescriptorsToExec= (the socket's ExecStartPost=,
/// ExecStopPre= and ExecStopPost= are handed the listeners), compared with systemd 262; and
/// DeferTrigger=, which has nothing to wait for beside brig listen, refused with Accept=yes as
/// systemd refuses it.
@Suite(.serialized, .enabled(if: getuid() == 0 && BuiltBrig.isBuilt, "needs root and a built brig"))
struct NewerSocketDirectiveTests {
    /// Prints what a socket command was handed: $LISTEN_FDS and $LISTEN_FDNAMES, then for each
    /// descriptor SO_PASSPIDFD (76) and SO_PASSRIGHTS (83) as the kernel reports them.
    static let probe = """
        print "$ENV{LISTEN_FDS} $ENV{LISTEN_FDNAMES}\\n";
        for my $n (3 .. 2 + ($ENV{LISTEN_FDS} // 0)) { open(my $s, "+<&=$n") or die "fd $n: $!"; print join(" ", map { unpack("i", getsockopt($s, 1, $_)) } 76, 83), "\\n" }
        """

    /// A socket unit in `dir` whose commands write what they were handed to DIR/post, DIR/stop-pre
    /// and DIR/stop-post, and whose service sleeps.
    static func units(in dir: String) -> (socket: String, service: String) {
        let command = { (file: String) in "/bin/sh -c '/usr/bin/perl \(dir)/probe.pl > \(dir)/\(file)'" }
        let socket = """
            [Socket]
            ListenStream=\(dir)/stream
            ListenDatagram=\(dir)/datagram
            PassPIDFD=yes
            AcceptFileDescriptors=no
            PassFileDescriptorsToExec=yes
            DeferTrigger=patient
            DeferTriggerMaxSec=5s
            ExecStartPost=\(command("post"))
            ExecStopPre=\(command("stop-pre"))
            ExecStopPost=\(command("stop-post"))

            """
        return (socket, "[Service]\nExecStart=/bin/sleep 30\n")
    }

    /// What each command saw, its unit's name written NAME.
    static func seen(in dir: String, unit: String) -> [String] {
        ["post", "stop-pre", "stop-post"].map {
            ((try? String(contentsOfFile: "\(dir)/\($0)", encoding: .utf8)) ?? "(nothing)").replacingOccurrences(of: unit, with: "NAME")
        }
    }

    static let expected = Array(repeating: "2 NAME.socket:NAME.socket\n1 0\n1 0\n", count: 3)

    /// SO_PASSPIDFD came with Linux 6.5, SO_PASSRIGHTS with 6.16.
    static let kernelHasTheOptions: Bool = {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var on: Int32 = 1, off: Int32 = 0
        let size = socklen_t(MemoryLayout<Int32>.size)
        return fd >= 0 && setsockopt(fd, SOL_SOCKET, 76, &on, size) == 0 && setsockopt(fd, SOL_SOCKET, 83, &off, size) == 0
    }()

    @Test(.enabled(if: kernelHasTheOptions, "the kernel has no SO_PASSPIDFD (6.5) or SO_PASSRIGHTS (6.16)"))
    func underRules262TheCommandsGetTheListenersWithTheirOptions() throws {
        let example = try ListenTests.Example("callout")
        let (socket, service) = Self.units(in: example.path)
        try socket.write(toFile: "\(example.path)/handed.socket", atomically: true, encoding: .utf8)
        try service.write(toFile: "\(example.path)/handed.service", atomically: true, encoding: .utf8)
        try "\(Self.probe)\n".write(toFile: "\(example.path)/probe.pl", atomically: true, encoding: .utf8)
        let listen = try Subprocess([BuiltBrig.path, "listen", "--rules", "262", "\(example.path)/handed.socket"], timeout: 60)
        ListenTests.waitFor("\(example.path)/post")
        listen.send(SIGTERM)
        let out = listen.wait()
        #expect(out.status == 0, "\(out.stderr)")
        #expect(Self.seen(in: example.path, unit: "handed") == Self.expected, "\(out.stderr)")

        // Under the rules of 255, before any of them, they are newer directives: ignored with a warning.
        let older = try Subprocess([BuiltBrig.path, "listen", "--rules", "255", "\(example.path)/handed.socket"], timeout: 60)
        ListenTests.waitFor("\(example.path)/stream")
        older.send(SIGTERM)
        let said = older.wait().stderr
        #expect(said.contains("handed.socket:6:1: warning: PassFileDescriptorsToExec= is newer than systemd 255 (it came in 256), which ignores it"), "\(said)")
    }

    @Test(.enabled(if: SystemdOracleNext.instanceUnavailableReason == nil, "systemd 262 cannot run services here"),
          .enabled(if: kernelHasTheOptions, "the kernel has no SO_PASSPIDFD (6.5) or SO_PASSRIGHTS (6.16)"))
    func systemd262HandsTheSameListeners() throws {
        let name = "brighanded\(UInt32.random(in: 1000...9999))", dir = "/run/\(name)", units = "/etc/systemd/system/\(name)"
        let (socket, service) = Self.units(in: dir)
        let run = "mkdir -p \(dir) && printf '%s' \"$1\" > \(units).socket && printf '%s' \"$2\" > \(units).service && "
            + "printf '%s\\n' \"$3\" > \(dir)/probe.pl && systemctl daemon-reload && systemctl start \(name).socket && "
            + "systemctl stop \(name).socket && for f in post stop-pre stop-post; do cat \(dir)/$f 2>/dev/null || echo '(nothing)'; echo =; done"
        defer {
            _ = try? SystemdOracleNext.exec(["/bin/sh", "-c", "systemctl stop \(name).socket; rm -rf \(dir) \(units).socket \(units).service; systemctl daemon-reload"])
        }
        let out = try SystemdOracleNext.exec(["/bin/sh", "-c", run, "sh", socket, service, Self.probe])
        #expect(out.status == 0, "\(out.stderr)")
        let seen = out.stdout.replacingOccurrences(of: name, with: "NAME").components(separatedBy: "=\n").dropLast().map { String($0) }
        #expect(seen == Self.expected, "\(out.stdout)")
    }

    /// systemd refuses a unit that accepts with DeferTrigger= set; so does brig listen, before binding.
    @Test func deferTriggerWithAcceptIsRefused() throws {
        let example = try ListenTests.Example("callout")
        try "[Socket]\nListenStream=\(example.path)/s\nAccept=yes\nDeferTrigger=yes\n"
            .write(toFile: "\(example.path)/deferred.socket", atomically: true, encoding: .utf8)
        try "[Service]\nExecStart=/bin/true\n".write(toFile: "\(example.path)/deferred@.service", atomically: true, encoding: .utf8)
        let out = try Subprocess.run([BuiltBrig.path, "listen", "--rules", "262", "\(example.path)/deferred.socket"], timeout: 30)
        #expect(out.status == 1)
        #expect(out.stderr.contains("deferred.socket: DeferTrigger= is not allowed with Accept=yes"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: example.path + "/s"))
    }
}

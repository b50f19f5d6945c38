import Foundation
import Testing
import TestSupport

/// TTYReset=, TTYVHangup= and TTYVTDisallocate= under brig run and under systemd 252: a probe
/// makes a pseudo-terminal with odd settings (no echo, no canonical input, ^A for ^C), starts
/// /bin/true on it through the runner (TTYPath=), then reports what the terminal's other users
/// see: its settings, whether their descriptor was hung up, what was written to it. systemd's
/// probe runs inside systemd-oracle, whose /dev/pts is its own.
@Suite(.enabled(if: Gate.brig && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"),
                "needs root, systemd-oracle, a built brig and /usr/bin/python3"),
       .serialized)
struct TerminalResetDifferentialTests {
    static let probe = ProbeInstaller.directory + "/terminal-reset.py"

    /// Arguments: the runner's command up to its properties; it is given `-p TTYPath=... -p
    /// SETTING -- /bin/true`. One line per setting.
    static let source = #"""
        #!/usr/bin/python3
        import fcntl, os, subprocess, sys, termios
        for setting in ("TTYReset=yes", "TTYReset=no", "TTYVHangup=yes", "TTYVTDisallocate=yes"):
            controller, follower = os.openpty()
            odd = termios.tcgetattr(follower)
            odd[3] &= ~(termios.ECHO | termios.ICANON)
            odd[6][termios.VINTR] = b"\x01"
            termios.tcsetattr(follower, termios.TCSANOW, odd)
            run = subprocess.run(sys.argv[1:] + ["-p", "TTYPath=" + os.ttyname(follower), "-p", setting, "--", "/bin/true"])
            try:
                now = termios.tcgetattr(follower)
                state = "echo=%d icanon=%d intr=%r" % (now[3] & termios.ECHO != 0, now[3] & termios.ICANON != 0, now[6][termios.VINTR])
            except termios.error as e:
                state = "settings: " + os.strerror(e.args[0])
            fcntl.fcntl(controller, fcntl.F_SETFL, os.O_NONBLOCK)
            try:
                written = os.read(controller, 256)
            except BlockingIOError:
                written = b""
            try:
                os.write(follower, b"x")
                writes = "yes"
            except OSError as e:
                writes = os.strerror(e.errno)
            print(setting, "status=%d" % run.returncode, state, "written=%r" % written, "follower-writes=" + writes)
        """#

    @Test func theTerminalIsLeftAsSystemd252LeavesIt() throws {
        try ProbeInstaller.install(Self.source, at: Self.probe)
        let systemd = try SystemdOracle.exec(["/usr/bin/python3", Self.probe, "systemd-run", "--wait", "--quiet"])
        let brig = try Subprocess.run(["/usr/bin/python3", Self.probe, BuiltBrig.path, "run"], timeout: 60)
        #expect(systemd.status == 0 && systemd.stdout.split(separator: "\n").count == 4, "\(systemd.stderr)")
        #expect(brig.stdout == systemd.stdout, "brig: \(brig.stderr)")
    }
}

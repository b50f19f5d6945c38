import Foundation
import Testing

/// TTYReset=, TTYVHangup= and TTYVTDisallocate= on a pseudo-terminal of the test's own named by
/// TTYPath=: what its other users see of them after `brig run` (systemd 252 does each before the
/// service's process starts and again when the service is dead, whatever its standard input).
@Suite(.enabled(if: geteuid() == 0, "brig run needs root"), .serialized)
struct RunTerminalResetTests {
    typealias Terminal = RunTerminalSizeTests.Terminal

    static func run(on terminal: Terminal, _ properties: [String]) throws -> BrigBinary.Result {
        try BrigBinary.run(["run", "-p", "TTYPath=\(terminal.path)"] + properties.flatMap { ["-p", $0] } + ["--", "/bin/true"])
    }

    /// The terminal's follower side, open as another program on it would hold it.
    static func follower(_ terminal: Terminal) throws -> Int32 {
        let fd = open(terminal.path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return fd
    }

    @Test func ttyResetPutsOddTerminalSettingsBack() throws {
        let terminal = try Terminal()
        let fd = try Self.follower(terminal)
        defer { close(fd) }
        func makeOdd() {
            var t = termios()
            tcgetattr(fd, &t)
            t.c_lflag &= ~tcflag_t(ECHO | ICANON)
            withUnsafeMutableBytes(of: &t.c_cc) { $0[Int(VINTR)] = 1 }
            tcsetattr(fd, TCSANOW, &t)
        }
        func settings() -> (echo: Bool, canonical: Bool, interrupt: UInt8) {
            var t = termios()
            tcgetattr(fd, &t)
            let interrupt = withUnsafeBytes(of: t.c_cc) { $0[Int(VINTR)] }
            return (t.c_lflag & tcflag_t(ECHO) != 0, t.c_lflag & tcflag_t(ICANON) != 0, interrupt)
        }
        makeOdd()
        let kept = try Self.run(on: terminal, ["TTYReset=no"])
        #expect(kept.status == 0 && settings() == (false, false, 1), "\(kept.stderr)")
        let reset = try Self.run(on: terminal, ["TTYReset=yes"])
        #expect(reset.status == 0 && settings() == (true, true, 3), "echo, canonical input and ^C back: \(reset.stderr)")
    }

    @Test func ttyVHangupCutsOffTheTerminalsOtherUsers() throws {
        let terminal = try Terminal()
        let fd = try Self.follower(terminal)
        defer { close(fd) }
        #expect(write(fd, "x", 1) == 1)
        let result = try Self.run(on: terminal, ["TTYVHangup=yes"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(write(fd, "x", 1) == -1 && errno == EIO, "a hung-up descriptor no longer writes")
    }

    @Test func ttyVTDisallocateClearsATerminalThatIsNoVirtualConsole() throws {
        let terminal = try Terminal()
        let result = try Self.run(on: terminal, ["TTYVTDisallocate=yes"])
        #expect(result.status == 0, "\(result.stderr)")
        var buffer = [UInt8](repeating: 0, count: 64)
        _ = fcntl(terminal.controller, F_SETFL, O_NONBLOCK)
        var seen: [UInt8] = []
        while case let n = read(terminal.controller, &buffer, buffer.count), n > 0 { seen += buffer.prefix(n) }
        // Cleared before the start and again at the end: scroll region, cursor home, screen and scroll-back.
        #expect(String(decoding: seen, as: UTF8.self) == String(repeating: "\u{1b}[r\u{1b}[H\u{1b}[3J", count: 2))
    }
}

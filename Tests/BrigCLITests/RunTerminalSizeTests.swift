import Foundation
import TestSupport
import Testing

/// TTYRows= and TTYColumns=: a service whose standard input is a terminal finds that terminal the
/// size the unit says (`stty size` in the service), a dimension left out keeping the terminal's.
@Suite(.enabled(if: geteuid() == 0, "brig run needs root"), .serialized)
struct RunTerminalSizeTests {
    /// A pseudo-terminal of the test's own, 24 rows by 80 columns; its controller stays open.
    final class Terminal {
        let controller: Int32
        let path: String
        init() throws {
            // posix_openpt() and friends, by hand: Glibc's module leaves them out.
            controller = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
            var unlock: Int32 = 0, number: UInt32 = 0
            guard controller >= 0, ioctl(controller, 0x4004_5431 /* TIOCSPTLCK */, &unlock) == 0,
                  ioctl(controller, 0x8004_5430 /* TIOCGPTN */, &number) == 0 else {
                throw POSIXError(.ENODEV)
            }
            path = "/dev/pts/\(number)"
            var size = winsize(ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0)
            _ = ioctl(controller, UInt(TIOCSWINSZ), &size)
        }
        deinit { close(controller) }
    }

    /// What `stty size` printed in the service, its input the terminal and its output a file.
    static func size(on terminal: Terminal, _ properties: [String]) throws -> (status: Int32, printed: String, stderr: String) {
        let scratch = TemporaryDirectory(prefix: "brig-cli")
        let output = scratch.path + "/size"
        let result = try BrigBinary.run(["run", "-p", "TTYPath=\(terminal.path)", "-p", "StandardInput=tty", "-p", "StandardOutput=file:\(output)"]
                                        + properties.flatMap { ["-p", $0] } + ["--", "/bin/sh", "-c", "stty size"])
        return (result.status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "", result.stderr)
    }

    @Test func theServiceFindsItsTerminalTheSizeTheUnitSays() throws {
        let terminal = try Terminal()
        let both = try Self.size(on: terminal, ["TTYRows=50", "TTYColumns=132"])
        #expect(both.status == 0 && both.printed == "50 132\n", "\(both.stderr)")
        let columns = try Self.size(on: terminal, ["TTYColumns=100"])
        #expect(columns.printed == "50 100\n", "rows stay as the terminal had them: \(columns.stderr)")
        let huge = try Self.size(on: terminal, ["TTYRows=70000", "TTYRows="])
        #expect(huge.printed == "50 100\n", "an empty assignment leaves the size alone: \(huge.stderr)")
        let clamped = try Self.size(on: terminal, ["TTYRows=70000"])
        #expect(clamped.printed == "65535 100\n", "the most 16 bits hold: \(clamped.stderr)")
    }

    @Test func aSizeWithoutATerminalChangesNothing() throws {
        let result = try BrigBinary.run(["run", "-p", "StandardInput=file:/etc/hostname", "-p", "TTYRows=5", "--", "/bin/true"])
        #expect(result.status == 0, "\(result.stderr)")
    }
}

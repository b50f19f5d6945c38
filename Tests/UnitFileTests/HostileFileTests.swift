import Foundation
import TestSupport
import Testing
@testable import UnitFile

/// Files made to exhaust the reader: it refuses what is not a regular file without opening it,
/// holds no more than the size cap, and joins continuation lines in linear time.
@Suite(.timeLimit(.minutes(1)))
struct HostileFileTests {
    let tree = TemporaryDirectory(prefix: "brig-unitfile")

    /// Opening a FIFO for reading blocks until a writer comes; the reader must not try.
    @Test func fifoIsRefusedWithoutBlocking() {
        let path = tree.path + "/fifo.service"
        #expect(mkfifo(path, 0o644) == 0)
        #expect(throws: UnitFileError.notRegularFile(path: path, kind: "a FIFO")) { try FileSystem.read(path) }
        #expect(throws: UnitFileError.notRegularFile(path: path, kind: "a FIFO")) { try UnitLoader(root: tree.path).load(path) }
    }

    @Test func deviceIsRefused() {
        #expect(throws: UnitFileError.notRegularFile(path: "/dev/zero", kind: "a character device")) {
            try FileSystem.read("/dev/zero")
        }
    }

    /// The limit holds for a file whose size says nothing, and for one that says too much.
    @Test func sizeLimitHoldsWhileReading() throws {
        let path = tree.write("big.service", String(repeating: "# comment\n", count: 1000))
        #expect(throws: UnitFileError.tooLarge(path: path, limit: 4096)) { try FileSystem.read(path, limit: 4096) }
        #expect(try FileSystem.read(path, limit: 10_000).count == 10_000)
        #expect(truncate(path, off_t(UnitFileParser.maximumFileSize + 1)) == 0)
        #expect(throws: UnitFileError.tooLarge(path: path, limit: UnitFileParser.maximumFileSize)) { try FileSystem.read(path) }
        // /proc files report a size of 0: they are read to their end all the same.
        #expect(try FileSystem.read("/proc/self/status").count > 0)
    }

    /// 80,000 continued lines: the old parser copied the joined text per line (100 s, 12.8 GB).
    @Test func manyContinuationLinesJoinInLinearTime() throws {
        let text = "[Service]\nEnvironment=A=1 \\\n" + String(repeating: "x\\\n", count: 80_000) + "B=2\n"
        let clock = ContinuousClock()
        var result: UnitFileParser.Result?
        let elapsed = try clock.measure { result = try UnitFileParser.parse(Array(text.utf8), path: "c.service") }
        #expect(result?.assignments.map(\.value) == ["A=1  " + String(repeating: "x ", count: 80_000) + "B=2"])
        #expect(elapsed < .seconds(5))
    }

    /// The line that takes a continued line past 1 MiB is where systemd refuses the file.
    @Test func continuedLinePastOneMebibyteIsAnError() {
        let text = "[Service]\nA=" + String(repeating: "y", count: 1000) + "\\\n"
            + String(repeating: String(repeating: "y", count: 1000) + "\\\n", count: 1100)
        // Line 2 holds 1,003 bytes; each next line adds 1,001 more.
        let over = (UnitFileParser.maximumLineLength - 1003) / 1001 + 1
        #expect(throws: UnitFileError.lineTooLong(SourceLocation(file: "l.service", line: 2 + over))) {
            try UnitFileParser.parse(Array(text.utf8), path: "l.service")
        }
    }
}

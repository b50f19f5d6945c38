import Foundation
import TestSupport
import Testing

/// `brig verify` and `brig analyze` on unit files made to exhaust them: memory and time stay linear
/// in the input and within systemd's limits, and a file that is not regular is refused unopened.
/// Each run has a deadline and an address-space cap of 1 GiB: brig needs under 100 MB for any of
/// these, and a regression aborts (exit 134) instead of taking the machine's memory. (getrusage of
/// the child is no measure: posix_spawn's child starts from the test process's peak.)
@Suite(.timeLimit(.minutes(1)))
struct HostileInputTests {
    let scratch = TemporaryDirectory(prefix: "brig-cli")

    static let memoryCap = FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit")
        ? ["/usr/bin/prlimit", "--as=\(1 << 30)"] : []

    func bounded(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> BrigBinary.Result {
        let result = try BrigBinary.run(arguments, wrapper: Self.memoryCap, timeout: 20)
        #expect(!result.timedOut, "brig \(arguments[0]) passed its deadline", sourceLocation: sourceLocation)
        #expect(result.signal == nil, "brig \(arguments[0]) died: \(result.stderr.prefix(200))", sourceLocation: sourceLocation)
        return result
    }

    func verify(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> BrigBinary.Result {
        try bounded(["verify", "--root", scratch.path] + arguments, sourceLocation: sourceLocation)
    }

    func service(_ name: String, _ lines: String) -> String {
        scratch.write(name, "[Service]\nExecStart=/bin/true\n" + lines + "\n")
    }

    /// The lines `brig verify` prints for a service with these lines, which must hold `count` errors.
    func errors(_ name: String, _ lines: String, count: Int,
                sourceLocation: SourceLocation = #_sourceLocation) throws -> (path: String, lines: [Substring]) {
        let path = service(name, lines)
        let result = try verify(path, sourceLocation: sourceLocation)
        #expect(result.status == 1, sourceLocation: sourceLocation)
        let printed = result.stdout.split(separator: "\n")
        #expect(printed.count == count, sourceLocation: sourceLocation)
        #expect(printed.allSatisfy { $0.hasPrefix(path + ":") && $0.contains(": error: ") }, sourceLocation: sourceLocation)
        return (path, printed)
    }

    @Test(arguments: [20_000, 60_000])
    func environmentLineOfManyBadWords(words: Int) throws {
        let line = "Environment=" + Array(repeating: "x", count: words).joined(separator: " ")
        let (path, lines) = try errors("env.service", line, count: words)
        #expect(lines.allSatisfy { $0.hasPrefix("\(path):3:1: error: Environment=x x x") && $0.hasSuffix(
            ": 'x' is not a NAME=VALUE assignment with a valid variable name (left out; the rest applies)") })
    }

    @Test func systemCallFilterOfManyUnknownNames() throws {
        let line = "SystemCallFilter=" + (0..<20_000).map { "nosuch\($0)" }.joined(separator: " ")
        let (_, lines) = try errors("scf.service", line, count: 20_000)
        #expect(lines.last?.hasSuffix(": unknown system call 'nosuch19999' (left out; the rest applies)") == true)
    }

    /// Lines after a fatal setting are still checked; each was read into a fresh copy of the model
    /// whose diagnostics were copied again: quadratic (40,000 lines took 71 s).
    @Test func manyLinesAfterAFatalSetting() throws {
        let text = "WorkingDirectory=relative\n" + String(repeating: "Environment=x\n", count: 30_000)
        let (path, lines) = try errors("fatal.service", text, count: 30_001)
        #expect(lines.first?.hasSuffix("is not an absolute path (systemd refuses to load the unit)") == true)
        #expect(lines.last?.hasPrefix("\(path):30003:1: error: Environment=x: 'x' is not") == true)
    }

    /// 80,000 continued lines (240 KB) make one logical line of 160 KB, within systemd's 1 MiB.
    @Test func manyContinuationLines() throws {
        let text = "Environment=A=1 \\\n" + String(repeating: "x\\\n", count: 80_000)
        let (path, lines) = try errors("cont.service", text, count: 80_000)
        #expect(lines.allSatisfy { $0.hasPrefix("\(path):3:1: error: Environment=A=1  x x x") })
    }

    /// A logical line that passes 1 MiB only through its continuations is refused where it does,
    /// as systemd refuses it ("Continuation line too long").
    @Test func continuedLinePastOneMebibyte() throws {
        let first = "Environment=A=1 \\"
        // Each "x\" line adds two bytes ("x "); the one that takes the total past 1 MiB is reported.
        let over = (1 << 20 - first.utf8.count) / 2 + 1
        let path = service("long.service", first + "\n" + String(repeating: "x\\\n", count: over + 10))
        let result = try verify(path)
        #expect(result.status == 1)
        #expect(result.stdout == "\(path):\(3 + over):1: error: line longer than 1 MiB\n")
    }

    @Test(arguments: [20 << 30, 64 << 20 + 1])
    func sparseFileLargerThanTheCap(size: Int) throws {
        let path = service("sparse.service", "")
        #expect(truncate(path, off_t(size)) == 0)
        let result = try verify(path)
        #expect(result.status == 1)
        #expect(result.stdout == "\(path): error: larger than 64 MiB, not a unit file\n")
    }

    /// A FIFO among the units under --root: opening it for reading would wait for a writer forever.
    func fifoUnderRoot() -> String {
        let directory = scratch.path + "/etc/systemd/system"
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(mkfifo(directory + "/fifo.service", 0o644) == 0)
        return directory + "/fifo.service"
    }

    @Test func fifoIsRefusedByVerify() throws {
        let path = fifoUnderRoot()
        let all = try verify()
        #expect(all.status == 1)
        #expect(all.stdout.contains("\(path): error: is a FIFO, not a unit file\n"))
        let named = try verify(path)
        #expect(named.status == 1)
        #expect(named.stdout == "\(path): error: is a FIFO, not a unit file\n")
    }

    @Test func fifoIsRefusedByAnalyze() throws {
        let path = fifoUnderRoot()
        let overview = try bounded(["analyze", "--root", scratch.path])
        #expect(overview.status == 1)
        #expect(overview.stdout.contains("fifo.service"))
        #expect(overview.stdout.contains("\(path): error: is a FIFO, not a unit file"))
        let named = try bounded(["analyze", "--root", scratch.path, "fifo.service"])
        #expect(named.status == 1)
        #expect(named.stderr == "brig analyze: \(path): error: is a FIFO, not a unit file\n")
    }

    /// systemd skips a drop-in that is not a regular file; so does brig, without opening it.
    @Test func fifoDropInIsSkipped() throws {
        let path = service("d.service", "")
        try FileManager.default.createDirectory(atPath: path + ".d", withIntermediateDirectories: true)
        #expect(mkfifo(path + ".d/fifo.conf", 0o644) == 0)
        let result = try verify(path)
        #expect(result.status == 0)
        #expect(result.stdout == "")
    }
}

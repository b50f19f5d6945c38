import Foundation
import Testing
import TestSupport

/// `brig analyze` reads its plain command lines itself (it is run by scripts over and over) and
/// leaves every other form to ArgumentParser: both must mean the same thing, and ArgumentParser
/// keeps the messages for what it alone reads.
@Suite(.timeLimit(.minutes(1)))
struct AnalyzeCommandLineTests {
    let scratch = TemporaryDirectory(prefix: "brig-cli")

    init() {
        scratch.write("a.service", "[Service]\nExecStart=/bin/true\nPrivateNetwork=yes\n")
        scratch.write("b.service", "[Service]\nExecStart=/bin/true\nUser=nobody\nProtectSystem=strict\n")
    }

    func analyze(_ arguments: [String]) throws -> Subprocess.Output {
        try Subprocess.run(["/usr/bin/env", "-C", scratch.path, "LC_ALL=C.UTF-8", BuiltBrig.path, "analyze"] + arguments)
    }

    /// Each pair: a plain spelling, and one only ArgumentParser reads (`--opt=value`, a repeat).
    @Test(arguments: [
        (["--rules", "252", "--json", "a.service", "b.service"], ["--rules=252", "--json", "a.service", "b.service"]),
        (["--format", "sarif", "a.service"], ["--format=sarif", "a.service"]),
        (["--threshold", "50", "--no-legend", "a.service", "b.service"], ["--threshold=50", "--no-legend", "a.service", "b.service"]),
        (["--fix", "--rules", "252", "b.service"], ["--fix", "--rules=252", "--", "b.service"]),
        (["--format", "prometheus", "--", "a.service"], ["--format", "json", "--format=prometheus", "a.service"]),
    ])
    func plainAndParsedFormsAgree(plain: [String], parsed: [String]) throws {
        let fast = try analyze(plain), slow = try analyze(parsed)
        #expect(fast.status == slow.status)
        #expect(fast.stdout == slow.stdout)
        #expect(fast.stderr == slow.stderr)
        #expect(!fast.stdout.isEmpty)
    }

    @Test func thresholdSetsTheStatus() throws {
        #expect(try analyze(["--threshold", "95", "a.service"]).status == 0)
        #expect(try analyze(["--threshold", "50", "a.service"]).status == 1)
    }

    @Test func badValuesGetArgumentParsersMessages() throws {
        let threshold = try analyze(["--threshold", "lots", "a.service"])
        #expect(threshold.status == 64)
        #expect(threshold.stderr.contains("The value 'lots' is invalid for '--threshold <threshold>'"))
        let format = try analyze(["--format", "yaml", "a.service"])
        #expect(format.status == 64)
        #expect(format.stderr.contains("'yaml'"))
        let unknown = try analyze(["--colour", "a.service"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("Unknown option '--colour'"))
    }

    @Test func helpIsArgumentParsers() throws {
        let help = try analyze(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: brig analyze"))
    }
}

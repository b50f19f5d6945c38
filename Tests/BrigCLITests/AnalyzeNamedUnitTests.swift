import Foundation
import Testing
import TestSupport

/// `brig analyze NAME` as a user types it in a folder of unit files: the same score line and exit
/// status as `systemd-analyze security --offline=true NAME` run in the same folder.
@Suite(.timeLimit(.minutes(1)))
struct AnalyzeNamedUnitTests {
    let scratch = TemporaryDirectory(prefix: "brig-cli")

    static let systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let hostUserTemplate = ["/etc/systemd/system/user@.service", "/lib/systemd/system/user@.service",
                                   "/usr/lib/systemd/system/user@.service"].first { FileManager.default.fileExists(atPath: $0) }

    init() {
        scratch.write("foo.service", "[Service]\nExecStart=/bin/true\nPrivateNetwork=yes\n")
        scratch.write("foo@.service", "[Service]\nExecStart=/bin/true\nUser=%i\n")
    }

    /// Runs a command in `directory` with a fixed UTF-8 locale and no colours: status and the overall line.
    static func run(_ command: [String], in directory: String) throws -> (status: Int32, overall: String?, stderr: String) {
        let out = try Subprocess.run(["/usr/bin/env", "-C", directory, "LC_ALL=C.UTF-8", "SYSTEMD_COLORS=0"] + command)
        let overall = out.stdout.split(separator: "\n").last { $0.contains("Overall exposure level for") }.map(String.init)
        return (out.status, overall, out.stderr)
    }

    /// brig's result, checked against `expected`, and against systemd-analyze where it is installed.
    func expectLikeSystemd(_ target: String, in directory: String? = nil, status: Int32 = 0, overall expected: String?) throws {
        let dir = directory ?? scratch.path
        let brig = try Self.run([BuiltBrig.path, "analyze", target], in: dir)
        #expect(brig.status == status, "brig analyze \(target): \(brig.stderr)")
        #expect(brig.overall == expected)
        guard let systemd = Self.systemdAnalyze else { return }
        let reference = try Self.run([systemd, "security", "--offline=true", "--no-pager", target], in: dir)
        #expect(reference.status == brig.status, "systemd-analyze \(target): \(reference.stderr)")
        #expect(reference.overall == brig.overall)
    }

    @Test func aBareNameIsAFileInTheWorkingDirectory() throws {
        try expectLikeSystemd("foo.service", overall: "→ Overall exposure level for foo.service: 9.1 UNSAFE 😨")
        try expectLikeSystemd("./foo.service", overall: "→ Overall exposure level for foo.service: 9.1 UNSAFE 😨")
    }

    @Test func aMissingFileIsNotFoundInBoth() throws {
        try expectLikeSystemd("no-such-unit-here.service", status: 1, overall: nil)
        // Only the file's own directory joins the search path, not the working directory.
        try expectLikeSystemd("sub/foo.service", status: 1, overall: nil)
    }

    @Test func aMaskedFileIsAnErrorInBoth() throws {
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/old.service", withDestinationPath: "/dev/null")
        try expectLikeSystemd("old.service", status: 1, overall: nil)
    }

    @Test func aTemplateIsAnalysedAsItsInstanceI() throws {
        try expectLikeSystemd("foo@.service", overall: "→ Overall exposure level for foo@i.service: 9.2 UNSAFE 😨")
        try expectLikeSystemd("./foo@.service", overall: "→ Overall exposure level for foo@i.service: 9.2 UNSAFE 😨")
        try expectLikeSystemd("foo@web.service", overall: "→ Overall exposure level for foo@web.service: 9.2 UNSAFE 😨")
    }

    @Test(.enabled(if: AnalyzeNamedUnitTests.hostUserTemplate != nil, "the host has no user@.service to analyse"))
    func theHostsUserTemplateScoresAsSystemdPrintsIt() throws {
        let brig = try Self.run([BuiltBrig.path, "analyze", "user@.service"], in: scratch.path)
        #expect(brig.status == 0, "\(brig.stderr)")
        #expect(brig.overall?.hasPrefix("→ Overall exposure level for user@i.service: ") == true)
        try expectLikeSystemd("user@.service", overall: brig.overall)
        let copy = scratch.write("user@.service", try String(contentsOfFile: Self.hostUserTemplate!, encoding: .utf8))
        try expectLikeSystemd("./user@.service", overall: brig.overall)
        try expectLikeSystemd(copy, in: "/", overall: brig.overall)
    }
}

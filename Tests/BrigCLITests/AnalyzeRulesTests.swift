import Foundation
import Testing
import TestSupport

/// `brig analyze --rules N` takes every systemd release brig knows by the number systemd reports,
/// refuses the others with the list, and without it follows the release installed under --root.
@Suite(.timeLimit(.minutes(1)))
struct AnalyzeRulesTests {
    let scratch = TemporaryDirectory(prefix: "brig-cli")
    static let releases = (252...262).map(String.init)

    init() {
        // PrivateMounts= unset: fails under 252 and 253, passes from 254 on (the tri-state quirk).
        scratch.write("plain.service", "[Service]\nExecStart=/bin/true\n")
    }

    func overall(_ arguments: [String]) throws -> (status: Int32, line: String?, stderr: String) {
        let out = try Subprocess.run(["/usr/bin/env", "-C", scratch.path, "LC_ALL=C.UTF-8", "SYSTEMD_COLORS=0", BuiltBrig.path, "analyze"]
                                     + arguments + ["plain.service"])
        return (out.status, out.stdout.split(separator: "\n").last.map(String.init), out.stderr)
    }

    @Test func everyReleaseFrom252To262IsTakenByNumber() throws {
        for release in Self.releases {
            let r = try overall(["--rules", release])
            #expect(r.status == 0, "--rules \(release): \(r.stderr)")
            let want = ["252", "253"].contains(release) ? "9.6" : "9.4"
            #expect(r.line == "→ Overall exposure level for plain.service: \(want) UNSAFE 😨", "--rules \(release)")
        }
    }

    @Test func anUnknownReleaseIsRefusedWithTheList() throws {
        for release in ["251", "263", "261.2"] {
            let r = try overall(["--rules", release])
            #expect(r.status != 0)
            if release != "261.2" { #expect(r.stderr.contains("252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262"), "\(r.stderr)") }
        }
    }

    @Test func helpListsEveryRuleSet() throws {
        let help = try BuiltBrig.run(["analyze", "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for release in Self.releases { #expect(help.contains("\(release) ("), "\(release) missing from --help") }
        #expect(help.contains("Debian unstable's 262"))
    }

    /// The release whose libsystemd-shared-NNN.so lies under --root decides; none: the newest.
    @Test func theDefaultIsTheReleaseInstalledUnderTheRoot() throws {
        let root = scratch.path + "/root"
        try FileManager.default.createDirectory(atPath: root + "/usr/lib/systemd", withIntermediateDirectories: true)
        #expect(try overall(["--root", root]).line?.contains(": 9.4 UNSAFE") == true)   // nothing installed: 262
        #expect(FileManager.default.createFile(atPath: root + "/usr/lib/systemd/libsystemd-shared-253.so", contents: Data()))
        #expect(try overall(["--root", root]).line?.contains(": 9.6 UNSAFE") == true)
        try FileManager.default.removeItem(atPath: root + "/usr/lib/systemd/libsystemd-shared-253.so")
        #expect(FileManager.default.createFile(atPath: root + "/usr/lib/systemd/libsystemd-shared-254.so", contents: Data()))
        #expect(try overall(["--root", root]).line?.contains(": 9.4 UNSAFE") == true)
    }
}

import Foundation
import Testing
import TestSupport

/// `brig analyze` with no units: every service under the root, where a masked unit is a state shown
/// in the table, not a failure.
@Suite(.timeLimit(.minutes(1)))
struct AnalyzeOverviewTests {
    let scratch = TemporaryDirectory(prefix: "brig-cli")

    init() throws {
        scratch.write("etc/systemd/system/web.service", "[Service]\nExecStart=/bin/true\nPrivateNetwork=yes\n")
        try FileManager.default.createSymbolicLink(
            atPath: scratch.path + "/etc/systemd/system/old.service", withDestinationPath: "/dev/null")
    }

    func overview(_ extra: String...) throws -> Subprocess.Output {
        try BuiltBrig.run(["analyze", "--root", scratch.path] + extra, environment: ["LC_ALL": "C.UTF-8"])
    }

    /// The root holds no systemd, so the newest rules apply: 9.0 is systemd 262's score.
    @Test func aMaskedUnitIsMarkedAndTheOverviewSucceeds() throws {
        let result = try overview()
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(result.stdout == """
            UNIT        EXPOSURE PREDICATE HAPPY
            web.service      9.0 UNSAFE    😨
            old.service          masked

            """)
    }

    @Test func machineFormatsLeaveMaskedUnitsOutAndSucceed() throws {
        for format in ["json", "sarif", "prometheus"] {
            let result = try overview("--format", format)
            #expect(result.status == 0, "\(format): \(result.stderr)")
            #expect(result.stderr == "")
            #expect(!result.stdout.contains("old.service"))
        }
    }

    @Test func theThresholdStillFails() throws {
        let result = try overview("--threshold", "50")
        #expect(result.status == 1)
        #expect(result.stdout.contains("old.service          masked\n"))
    }

    @Test func aMaskedUnitNamedOnTheCommandLineIsStillAnError() throws {
        // As `systemd-analyze security --offline=true old.service`: "Unit old.service is masked.", status 1.
        let result = try BuiltBrig.run(["analyze", "--root", scratch.path, "old.service"])
        #expect(result.status == 1)
        #expect(result.stderr == "brig analyze: old.service: unit is masked\n")
    }
}

import Foundation
import Testing
import Directives
import UnitFile
@testable import Exposure

/// What a user sees from the scoring, the remedies, the policy and the renderers.
struct BehaviourTests {
    static let rules = SystemdRelease.v252

    func assessed(_ lines: [String]) throws -> AssessedUnit {
        let dir = NSTemporaryDirectory() + "brig-behaviour-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = "[Service]\nExecStart=/bin/true\n" + lines.joined(separator: "\n") + "\n"
        try text.write(toFile: dir + "/t.service", atomically: false, encoding: .utf8)
        return try AssessedUnit(UnitLoader(extraDirectories: [dir]).load("t.service"), rules: Self.rules)
    }

    @Test func anEmptyServiceIsUnsafeAtNinePointSix() throws {
        // systemd-analyze 252 prints 9.6 UNSAFE for a unit that sets nothing.
        let a = try Assessment(assessed([]), rules: Self.rules)
        #expect(tenthsText(a.exposure) == "9.6")
        #expect(a.level == .unsafe)
        #expect(a.rows.filter(\.applies).count == 79)   // SupplementaryGroups= and RemoveIPC= do not apply to root
    }

    @Test func dynamicUserImpliesTheStrictSandbox() throws {
        let exec = try assessed(["DynamicUser=yes"]).config.exec
        #expect(exec.filesystem.protectSystem == .strict && exec.filesystem.protectHome == .readOnly)
        #expect(exec.filesystem.privateTmp == true && exec.sandbox.noNewPrivileges == true)
        #expect(exec.identity.user == "t")
    }

    @Test func aPolicyCanDropAndReweighRows() throws {
        let json = #"{"PrivateNetwork": {"weight": 0}, "UMask": {"range": 20, "description_bad": "umask!"}}"#
        let policy = try SecurityPolicy(json: Data(json.utf8), source: "p.json")
        let a = try Assessment(assessed([]), rules: Self.rules, policy: policy)
        #expect(!a.rows.contains { $0.check.jsonField == "PrivateNetwork" })
        #expect(a.rows.first { $0.check.jsonField == "UMask" }?.range == 20)
    }

    @Test func aPolicyRangeBelowABadnessIsAnErrorNotACrash() throws {
        let policy = try SecurityPolicy(json: Data(#"{"UserOrDynamicUser": {"range": 3}}"#.utf8), source: "p.json")
        #expect(throws: AssessmentError.badnessBeyondRange(jsonField: "UserOrDynamicUser", badness: 10, range: 3)) {
            try Assessment(assessed([]), rules: Self.rules, policy: policy)
        }
    }

    /// Found by the security-policy fuzz target (SeededFuzzTests): a weight of 2^64-1 overflowed the score's products.
    @Test func aPolicyWeightOrRangeTooLargeToScoreIsRejected() throws {
        for (json, message) in [
            (#"{"ProtectSystem": {"weight": 18446744073709551615}}"#, "p.json: ProtectSystem.weight must be at most 1073741824"),
            (#"{"UMask": {"range": 4294967296}}"#, "p.json: UMask.range must be at most 1048576"),
        ] {
            #expect(throws: SecurityPolicy.ParseError.self) { try SecurityPolicy(json: Data(json.utf8), source: "p.json") }
            do { _ = try SecurityPolicy(json: Data(json.utf8), source: "p.json") } catch { #expect(error.description == message) }
        }
        let heaviest = try SecurityPolicy(json: Data(#"{"ProtectSystem": {"weight": 1073741824, "range": 1048576}}"#.utf8), source: "p.json")
        #expect(try Assessment(assessed([]), rules: Self.rules, policy: heaviest).exposure <= 100)
    }

    @Test func malformedPoliciesAreRejectedWithTheirName() {
        #expect(throws: SecurityPolicy.ParseError.self) { try SecurityPolicy(json: Data("[1]".utf8), source: "p.json") }
        #expect(throws: SecurityPolicy.ParseError.self) {
            try SecurityPolicy(json: Data(#"{"UMask": {"weight": "heavy"}}"#.utf8), source: "p.json")
        }
    }

    @Test func theFixPassesEveryFixableCheck() throws {
        let written = try ParityTests.writeGenerated(count: 300, seed: 7)
        defer { try? FileManager.default.removeItem(atPath: written.root) }
        let analyzer = Analyzer(rules: Self.rules)
        var fixed = 0
        for path in written.paths {
            guard let unit = try? analyzer.load(path), (try? analyzer.assess(unit, target: path)) != nil else { continue }
            let fix = try Fix(unit: unit, analyzer: analyzer)
            // Only the device row may stay partly open: ProtectClock= itself allows the RTC device.
            let open = fix.assessment.rows.filter { $0.failed && $0.check.jsonField != "DeviceAllow" }
            #expect(open.isEmpty, "\(path): \(open.map(\.check.id)) still fail after \(fix.lines)")
            fixed += 1
        }
        #expect(fixed > 200)
    }

    @Test func renderersCarryScoresLocationsAndMetrics() throws {
        let dir = NSTemporaryDirectory() + "brig-render-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[Service]\nExecStart=/bin/true\nProtectSystem=full\n".write(toFile: dir + "/r.service", atomically: false, encoding: .utf8)
        let report = try Analyzer(rules: Self.rules).report(dir + "/r.service")
        let table = TableRenderer(colors: false, utf8: false, legend: true).detail(report)
        #expect(table.contains("-> Overall exposure level for r.service: 9.5 UNSAFE :-{"))
        #expect(table.contains("-> ProtectSystem=strict"))
        let sarif = MachineRenderers.sarif([report])
        #expect(sarif.contains("\"startLine\":3") && sarif.contains("\"ruleId\":\"ProtectSystem\""))
        let prom = MachineRenderers.prometheus([report])
        #expect(prom.contains("brig_unit_exposure{unit=\"r.service\"} 9.5"))
        #expect(prom.contains("brig_check_failing{unit=\"r.service\",check=\"ProtectSystem\"} 0.3"))
        let json = try JSONSerialization.jsonObject(with: Data(MachineRenderers.json([report]).utf8)) as? [[String: Any]]
        #expect((json?.first?["exposure"] as? NSNumber)?.doubleValue == 9.5)
    }
}

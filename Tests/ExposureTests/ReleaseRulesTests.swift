import Foundation
import Testing
import Directives
import UnitFile
@testable import Exposure

/// `--rules 252` and `--rules 261` read the same unit differently where systemd changed.
struct ReleaseRulesTests {
    func badness(_ lines: [String], _ field: String, rules: SystemdRelease) throws -> UInt64? {
        let dir = NSTemporaryDirectory() + "brig-rules-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ("[Service]\nExecStart=/bin/true\n" + lines.joined(separator: "\n") + "\n")
            .write(toFile: dir + "/r.service", atomically: false, encoding: .utf8)
        let a = try Analyzer(rules: rules).report(dir + "/r.service").assessment
        return a.rows.first { $0.check.jsonField == field }?.badness
    }

    @Test func groupMembersFollowTheRelease() throws {
        // open_tree is in @mount in 252 and not in 261: letting it through breaks ~@mount only in 252.
        let lines = ["SystemCallFilter=~@mount", "SystemCallFilter=open_tree"]
        #expect(try badness(lines, "SystemCallFilter_mount", rules: .v252) == 10)
        #expect(try badness(lines, "SystemCallFilter_mount", rules: .v261) == 0)
    }

    @Test func newerModesCountOnlyUnderNewerRules() throws {
        #expect(try badness(["PrivateTmp=disconnected"], "PrivateTmp", rules: .v252) == 1)
        #expect(try badness(["PrivateTmp=disconnected"], "PrivateTmp", rules: .v261) == 0)
        #expect(try badness(["ProtectHostname=private"], "ProtectHostname", rules: .v261) == 0)
    }

    @Test func theInstalledReleaseIsDetectedUnderARoot() throws {
        let empty = NSTemporaryDirectory() + "brig-root-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: empty + "/usr/lib/systemd", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(Analyzer.installedSystemdVersion(root: empty) == nil)
        FileManager.default.createFile(atPath: empty + "/usr/lib/systemd/libsystemd-shared-257.so", contents: Data())
        #expect(Analyzer.installedSystemdVersion(root: empty) == 257)
    }
}

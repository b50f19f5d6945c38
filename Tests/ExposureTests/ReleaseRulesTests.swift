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

    /// Each fact of `ReleaseFacts` and each generated table, at the release that brought it and the
    /// one before. 252 and 262 are also compared with the real analyzers (ParityTests,
    /// NextParityTests); the releases between are read from systemd's sources at their tags.
    @Test func privateMountsPassesUnsetFrom254() throws {
        #expect(try badness([], "PrivateMounts", rules: .v253) == 1)
        #expect(try badness([], "PrivateMounts", rules: .v254) == 0)
        #expect(try badness(["PrivateMounts=no"], "PrivateMounts", rules: .v262) == 1)
        // An empty value returns the tri-state to unset.
        #expect(try badness(["PrivateMounts=no", "PrivateMounts="], "PrivateMounts", rules: .v253) == 1)
        #expect(try badness(["PrivateMounts=no", "PrivateMounts="], "PrivateMounts", rules: .v254) == 0)
    }

    @Test func theCapBPFRowIsMissingFromUpstream253And254() throws {
        for release: SystemdRelease in [.v253, .v254] {
            #expect(CheckTable.checks(for: release).count == 80)
            #expect(!CheckTable.checks(for: release).contains { $0.jsonField == "CapabilityBoundingSet_CAP_BPF" })
        }
        for release: SystemdRelease in [.v252, .v255, .v262] { #expect(CheckTable.checks(for: release).count == 81) }
    }

    @Test func everyReleaseHasTheRowsItsAnalyzerHas() {
        for release in SystemdRelease.allCases {
            let rows = checkRows(of: release)
            let checks = CheckTable.checks(for: release)
            #expect(Set(rows.map(\.jsonField)) == Set(checks.map(\.jsonField)), "\(release.number)")
            for check in checks {
                let row = rows.first { $0.jsonField == check.jsonField }
                #expect(row?.weight == check.weight && row?.range == check.range, "\(release.number) \(check.jsonField)")
            }
        }
    }

    @Test func modesCountFromTheReleaseThatBroughtThem() throws {
        #expect(try badness(["PrivateTmp=disconnected"], "PrivateTmp", rules: .v256) == 1)
        #expect(try badness(["PrivateTmp=disconnected"], "PrivateTmp", rules: .v257) == 0)
        #expect(try badness(["PrivateUsers=identity"], "PrivateUsers", rules: .v256) == 1)
        #expect(try badness(["PrivateUsers=identity"], "PrivateUsers", rules: .v257) == 0)
        #expect(try badness(["ProtectControlGroups=strict"], "ProtectControlGroups", rules: .v256) == 1)
        #expect(try badness(["ProtectControlGroups=strict"], "ProtectControlGroups", rules: .v257) == 0)
        #expect(try badness(["ProtectHostname=private"], "ProtectHostname", rules: .v257) == 1)
        #expect(try badness(["ProtectHostname=private"], "ProtectHostname", rules: .v258) == 0)
        #expect(try badness(["PrivateUsers=full"], "PrivateUsers", rules: .v257) == 1)
        #expect(try badness(["PrivateUsers=full"], "PrivateUsers", rules: .v258) == 0)
        #expect(try badness(["PrivateUsers=managed"], "PrivateUsers", rules: .v259) == 1)
        #expect(try badness(["PrivateUsers=managed"], "PrivateUsers", rules: .v260) == 0)
    }

    @Test func privateUsersManagedWithAUserIsRefusedFrom260() throws {
        #expect(try badness(["PrivateUsers=managed", "User=foo"], "PrivateUsers", rules: .v259) == 1)
        #expect(throws: (any Error).self) { try badness(["PrivateUsers=managed", "User=foo"], "PrivateUsers", rules: .v260) }
    }

    /// `~` alone leaves every known capability from 259 on, and the next list merges into it.
    @Test func anInvertedEmptyCapabilityListMergesFrom259() throws {
        let lines = ["CapabilityBoundingSet=~", "CapabilityBoundingSet=CAP_KILL"]
        #expect(try badness(lines, "CapabilityBoundingSet_CAP_SYS_ADMIN", rules: .v258) == 0)
        #expect(try badness(lines, "CapabilityBoundingSet_CAP_SYS_ADMIN", rules: .v259) == 1)
    }

    /// An unknown family ends the list from 261 on; before, it was skipped.
    @Test func anUnknownAddressFamilyEndsTheListFrom261() throws {
        let lines = ["RestrictAddressFamilies=AF_UNIX AF_BOGUS AF_INET"]
        #expect(try badness(lines, "RestrictAddressFamilies_AF_INET_INET6", rules: .v260) == 1)
        #expect(try badness(lines, "RestrictAddressFamilies_AF_INET_INET6", rules: .v261) == 0)
    }

    /// A service with nothing to run is refused unless SuccessAction= names an action the release
    /// knows; 254 added halt, kexec and soft-reboot.
    @Test func aServiceWithoutCommandsNeedsAKnownSuccessAction() throws {
        func load(_ text: String, _ rules: SystemdRelease) throws -> UInt64? {
            let dir = NSTemporaryDirectory() + "brig-rules-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try text.write(toFile: dir + "/h.service", atomically: false, encoding: .utf8)
            return try Analyzer(rules: rules).report(dir + "/h.service").assessment.exposure
        }
        let halt = "[Unit]\nSuccessAction=halt-force\n[Service]\nType=oneshot\n"
        #expect(throws: (any Error).self) { try load(halt, .v253) }
        #expect(try load(halt, .v254) != nil)
        #expect(throws: (any Error).self) { try load("[Service]\nType=oneshot\n", .v262) }
        #expect(try load("[Unit]\nSuccessAction=poweroff\n[Service]\nType=oneshot\n", .v252) != nil)
    }

    @Test func releasesAreTakenByNumber() {
        #expect(SystemdRelease(number: 257) == .v257)
        #expect(SystemdRelease(number: 251) == nil)
        #expect(SystemdRelease(version: 250) == .v252)
        #expect(SystemdRelease(version: 270) == .newest)
        #expect(SystemdRelease.newest == .v262)
    }

    @Test func theInstalledReleaseIsDetectedUnderARoot() throws {
        let empty = NSTemporaryDirectory() + "brig-root-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: empty + "/usr/lib/systemd", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(Analyzer.installedSystemdVersion(root: empty) == nil)
        #expect(FileManager.default.createFile(atPath: empty + "/usr/lib/systemd/libsystemd-shared-257.so", contents: Data()))
        #expect(Analyzer.installedSystemdVersion(root: empty) == 257)
    }
}

import Foundation
import TestSupport
import Testing
@testable import Directives

@Suite struct SyscallGroupsTests {
    @Test func directMembersKeepNestedGroups() throws {
        let members = try #require(SyscallGroups.members(of: "@system-service", rules: .v252))
        #expect(members.count == 61)
        #expect(members.first == "@aio")
        #expect(members.contains("@default"))
        #expect(SyscallGroups.members(of: "@sandbox", rules: .v252) == nil)
        #expect(SyscallGroups.members(of: "@sandbox", rules: .v261) != nil)
    }

    // Counts: distinct names after recursive expansion of `systemd-analyze syscall-filter`
    // 252.39 output on this machine (each group, nested groups followed).
    @Test(arguments: [
        ("@system-service", 376), ("@default", 63), ("@privileged", 53), ("@known", 536),
        ("@raw-io", 7), ("@clock", 6), ("@mount", 12),
    ])
    func expansionCountsMatchSystemdAnalyze(group: String, count: Int) throws {
        let names = try #require(SyscallGroups.expand(group, rules: .v252))
        #expect(names.count == count)
        #expect(!names.contains { $0.hasPrefix("@") })
    }

    @Test func expansionDiffersBetweenRuleSets() throws {
        let old = try #require(SyscallGroups.expand("@default", rules: .v252))
        let new = try #require(SyscallGroups.expand("@default", rules: .v261))
        #expect(!old.contains("landlock_create_ruleset"))
        #expect(new.contains("landlock_create_ruleset"))  // via @sandbox
    }

    @Test func unknownGroupIsNil() {
        #expect(SyscallGroups.expand("@nonsense", rules: .v252) == nil)
        #expect(!SyscallGroups.isGroup("@nonsense", rules: .v261))
    }

    /// Differential: every group and its direct members equal what the installed
    /// systemd-analyze prints.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"),
                   "needs systemd-analyze"))
    func v252DataEqualsInstalledSystemdAnalyze() throws {
        let listing = try Subprocess.run(["/usr/bin/systemd-analyze", "syscall-filter", "--no-pager"]).stdout
        var printed: [String: [String]] = [:]
        var order: [String] = []
        var current: String?
        for line in listing.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("#") { continue }
            if line.hasPrefix("@") { current = text; order.append(text); printed[text] = [] }
            else if let group = current { printed[group]!.append(text) }
        }
        #expect(order == SyscallGroups.names(rules: .v252))
        for group in order {
            #expect(printed[group] == SyscallGroups.members(of: group, rules: .v252), "\(group)")
        }
    }
}

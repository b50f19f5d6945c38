import Foundation
import Testing
import TestSupport

extension HardenTests {
    /// A daemon that starts as root and switches to nobody itself: the ids it used are in the
    /// JSON, and neither User= nor DynamicUser= is proposed over its own choice, with the reason.
    @Test func aServiceThatSwitchesUserItselfKeepsItsChoiceAndTheIdsAreShown() async throws {
        let (unit, workload) = try Self.doingServerUnit("brig-harden-become.service", port: 9510, ["--become", "65534:65534"])
        let (output, result, dropIn) = try await Self.hardenJSON([unit.path, "--workload", workload], label: "user switcher")
        let observed = try #require(result["observed"] as? [String: Any])
        #expect(observed["uids"] as? [Int] == [0, 65534] && observed["gids"] as? [Int] == [0, 65534])
        #expect(output.stderr.contains("observe: it switched itself to user nobody (uid 65534) and group "))
        #expect(!dropIn.contains("\nDynamicUser=") && !dropIn.contains("\nUser="))
        #expect(dropIn.contains("# Not set: DynamicUser=: the service switches itself to user nobody (uid 65534) and group ")
                && dropIn.contains("(gid 65534), which takes root: the user is its own choice, not User='s or DynamicUser='s\n"))
        // What switching takes, and nothing more.
        #expect(dropIn.contains("\nCapabilityBoundingSet=\nCapabilityBoundingSet=CAP_SETGID CAP_SETUID\n"))
        try await Self.expectPassesUnderSystemd(unit: "brig-harden-become.service", file: unit.path, dropIn: dropIn, workload: workload)
    }
}

import Foundation
import Testing
@testable import Jail

@Suite(.enabled(if: Privileges.canCreateNamespaces, "needs root and namespaces"))
struct ExecutorTests {
    @Test func exitStatusPassesThrough() throws {
        #expect(try runPlan([], script: "exit 7").status == 7)
        #expect(try runPlan([], script: "kill -USR1 $$").status == 128 + SIGUSR1)
    }

    @Test func childRunsInItsOwnCgroup() throws {
        let site = RunSite()
        let result = try runPlan([], script: "cat /proc/self/cgroup", site: site)
        #expect(result.output.contains("0::/brig/\(site.id)"))
        #expect(!FileManager.default.fileExists(atPath: site.cgroup))
    }

    @Test func networkNamespaceHasOnlyLoopbackUp() throws {
        let result = try runPlan([
            JailStep(.unshare(flags: Namespaces.network), for: "PrivateNetwork=yes", failing: .network),
            JailStep(.loopbackUp, for: "PrivateNetwork=yes", failing: .network),
        ], script: "cat /sys/class/net/lo/operstate; ls /sys/class/net | wc -l; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '")
        #expect(result.output == "unknown\n1\nlo\n" || result.output.hasSuffix("lo\n"))
    }

    @Test func failedStepReportsStepAndErrno() throws {
        #expect {
            _ = try runPlan([
                JailStep(.chdir("/nonexistent-brig"), for: "WorkingDirectory=/nonexistent-brig", failing: .chdir),
            ], script: "true")
        } throws: { error in
            guard case .step(let failure) = error as? JailError else { return false }
            return failure.errno == ENOENT && failure.step.failure == .chdir && failure.index == 4
        }
    }

    @Test func optionalStepSkipsMissingPath() throws {
        let result = try runPlan([
            JailStep(.chdir("/nonexistent-brig"), for: "WorkingDirectory=-/nonexistent-brig", failing: .chdir, optional: true),
        ], script: "echo ran")
        #expect(result.output == "ran\n")
    }
}

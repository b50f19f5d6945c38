import Foundation
import Testing
import TestSupport
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
            return failure.errno == ENOENT && failure.step.failure == .chdir
                && failure.step.directive == "WorkingDirectory=/nonexistent-brig"
        }
    }

    @Test func optionalStepSkipsMissingPath() throws {
        let result = try runPlan([
            JailStep(.chdir("/nonexistent-brig"), for: "WorkingDirectory=-/nonexistent-brig", failing: .chdir, optional: true),
        ], script: "echo ran")
        #expect(result.output == "ran\n")
    }
}

@Suite(.enabled(if: Privileges.canCreateNamespaces, "needs root and namespaces"))
struct CleanupTests {
    /// A sleep duration no other process uses, to find our sleeps by.
    static func uniqueSleep() -> String { "1000.\(UInt32.random(in: 100_000...999_999))" }

    /// Processes whose command line carries the marker.
    /// The processes with `marker` in their words once those that are ending have gone (brig's
    /// keeper, a fork of brig whose words hold the marker too, follows brig out a moment later).
    static func remaining(_ marker: String) -> [String] {
        Poll.until(seconds: 1) { running(marker).isEmpty }
        return running(marker)
    }

    static func running(_ marker: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.filter { pid in
            let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            return String(decoding: cmdline, as: UTF8.self).contains(marker)
        }
    }

    @Test func backgroundChildrenDieWithTheMainProcess() throws {
        let marker = Self.uniqueSleep()
        let r = try runPlan([], script: "sleep \(marker) & sleep \(marker) & sleep 0.2; ps -eo args | grep -c '^sleep \(marker)'; exit 3")
        #expect(r.status == 3)
        #expect(r.output == "2\n")  // they were running while the main process was
        #expect(Self.running(marker).isEmpty)
    }

    @Test func failedStartLeavesNoCgroupAndNoMounts() throws {
        let mountsBefore = MountTable()
        let site = RunSite()
        var settings = MountSettings()
        settings.protectSystem = .strict
        settings.privateTmp = true
        settings.inaccessiblePaths = ["/nonexistent-brig-path"]
        #expect(throws: JailError.self) {
            _ = try runPlan(MountSteps.steps(settings, site: site), script: "true", usesPrivateTmp: true, site: site)
        }
        #expect(!FileManager.default.fileExists(atPath: site.cgroup))
        #expect(!FileManager.default.fileExists(atPath: site.privateTmp))
        #expect(MountTable().added(since: mountsBefore).isEmpty, "\(MountTable().added(since: mountsBefore))")
    }

    @Test func missingExecutableFailsWith203() throws {
        #expect {
            var plan = JailPlan(arguments: ["/nonexistent/brig-binary"], environment: [])
            let site = RunSite()
            plan.add(.joinCgroup(procsFile: site.cgroupProcs), for: "(brig)", failing: .cgroup)
            plan.add(.exec(path: "/nonexistent/brig-binary"), for: "ExecStart=", failing: .exec)
            try site.prepare(privateTmp: false)
            defer { site.remove() }
            _ = try JailRunner.run(plan, site: site)
        } throws: { error in
            guard let error = error as? JailError, case .step(let failure) = error else { return false }
            return error.exitStatus == 203 && failure.errno == ENOENT
        }
    }

    /// A filter the kernel will not install (here: one whose only instruction jumps out of the
    /// program, which the verifier rejects) stops the start with 228; the command never runs
    /// without its filter.
    @Test func refusedSeccompFilterFailsWith228AndNothingRuns() throws {
        let marker = "/run/brig-unfiltered-\(UUID().uuidString)"
        defer { unlink(marker) }
        // BPF_JMP|BPF_JA with k = 5: a jump past the end of a one-instruction program.
        let invalid: [UInt8] = [0x05, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00]
        #expect {
            _ = try runPlan([
                JailStep(.noNewPrivileges, for: "NoNewPrivileges=yes", failing: .noNewPrivileges),
                JailStep(.seccomp(program: invalid, flags: 0), for: "SystemCallFilter=", failing: .seccomp),
            ], script: "touch \(marker)")
        } throws: { error in
            guard let error = error as? JailError, case .step(let failure) = error else { return false }
            return error.exitStatus == 228 && failure.errno == EINVAL
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}

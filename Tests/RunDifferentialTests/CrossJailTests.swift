import Foundation
import Testing
import TestSupport

/// One jail against another running beside it, and against the brigs that run them: what the
/// kernel lets a jailed program do to those processes (signal, ptrace, process_vm_readv,
/// /proc/PID/mem). brig's real and saved uid while it supervises (`Shield`) and a jail's own
/// uid are what keep them apart; two jails that share a uid are as open to each other as two
/// systemd services of one user.
@Suite(.enabled(if: getuid() == 0 && BuiltBrig.isBuilt && ProbeInstaller.failure == nil,
                "needs root, a built brig and the probes"))
struct CrossJailTests {
    /// A jail left running (a sleep as its main process): its brig, and brig's keeper.
    struct Target {
        let brig: Subprocess
        let jail: pid_t
        let keeper: pid_t

        init(_ properties: [String]) throws {
            brig = try Subprocess([BuiltBrig.path, "run"] + properties.flatMap { ["-p", $0] } + ["--", "/bin/sleep", "60"])
            var children: [pid_t: String] = [:]
            for _ in 0..<500 where children.values.sorted() != ["brig", "sleep"] {
                usleep(10_000)
                let list = (try? String(contentsOfFile: "/proc/\(brig.pid)/task/\(brig.pid)/children", encoding: .utf8)) ?? ""
                children = [:]
                for pid in list.split(separator: " ").compactMap({ pid_t($0) }) {
                    children[pid] = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
                        .trimmingCharacters(in: .newlines)
                }
            }
            guard let jail = children.first(where: { $0.value == "sleep" })?.key,
                  let keeper = children.first(where: { $0.value == "brig" })?.key else {
                brig.send(SIGKILL)
                throw SubprocessError("the target jail did not start: \(brig.wait().stderr)")
            }
            (self.jail, self.keeper) = (jail, keeper)
        }

        func stop() -> Int32 {
            brig.send(SIGTERM)
            return brig.wait().status
        }
    }

    /// What a jail with `properties` may do to the target, its brig and keeper, and its own brig.
    func reach(from properties: [String], to target: Target) throws -> [String] {
        let labels = "jail=\(target.jail) brig=\(target.brig.pid) keeper=\(target.keeper) own-brig=$PPID"
        let out = try BuiltBrig.run(properties: properties, ["/bin/sh", "-c", "exec \(ReachProbe.path) \(labels)"])
        #expect(out.status == 0, "\(out.stderr)")
        return out.stdout.split(separator: "\n").map(String.init)
    }

    static let refused = "signal EPERM ptrace EPERM vm-read EPERM mem EACCES"
    static let allowed = "signal ok ptrace ok vm-read EFAULT mem ok"

    /// Jails of distinct uids (DynamicUser= gives each its own), or a jailed root without
    /// CAP_KILL and CAP_SYS_PTRACE, reach neither one another nor any brig.
    @Test(arguments: [["DynamicUser=yes"], ["User=nobody"], ["CapabilityBoundingSet="]])
    func aJailCannotReachAnotherJailOrAnyBrig(_ attacker: [String]) throws {
        let target = try Target(["DynamicUser=yes"])
        let seen = try reach(from: attacker, to: target)
        #expect(seen == ["jail", "brig", "keeper", "own-brig"].map { "\($0) \(Self.refused)" })
        #expect(target.stop() == 143)   // the target lived on untouched, until stopped here
    }

    /// The limit of the guarantee, as under systemd: two jails of one user may signal and trace
    /// each other (the kernel's rule for one uid), though still not each other's brig.
    @Test func jailsOfOneUserReachEachOtherButNoBrig() throws {
        let target = try Target(["User=nobody"])
        let seen = try reach(from: ["User=nobody"], to: target)
        #expect(seen == ["jail \(Self.allowed)"] + ["brig", "keeper", "own-brig"].map { "\($0) \(Self.refused)" })
        #expect(target.stop() == 143)
    }
}

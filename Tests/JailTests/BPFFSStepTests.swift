import Directives
import Foundation
import Testing
import TestSupport
@testable import Jail

/// CJ_BPFFS and CJ_BPFFS_HELPER on their own: a bpffs made with the mount API carries the
/// delegation options, set by the child or by the helper, and a failure names the step and the
/// kernel's errno, with the helper gone either way.
@Suite(.enabled(if: Privileges.canCreateNamespaces, "needs root and namespaces"))
struct BPFFSStepTests {
    static let delegation = BPFDelegation(commands: 1, maps: 1 << 2)

    static func steps(target: String, byHelper: Bool) -> [JailStep] {
        (byHelper ? [JailStep(.bpffsHelper(delegation), for: "PrivateBPF=yes", failing: .bpf)] : []) + [
            JailStep(.unshare(flags: Namespaces.mount), for: "(mount namespace)", failing: .namespace),
            JailStep(.mount(source: "none", target: "/", fstype: nil, flags: MountFlags.slave | MountFlags.recursive, data: nil),
                     for: "(mount namespace)", failing: .namespace),
            JailStep(.bpffs(target: target, delegation: delegation, byHelper: byHelper), for: "PrivateBPF=yes", failing: .namespace),
        ]
    }

    @Test(arguments: [false, true])
    func theBpffsCarriesTheOptions(byHelper: Bool) throws {
        let result = try runPlan(Self.steps(target: "/sys/fs/bpf", byHelper: byHelper),
                                 script: "grep ' /sys/fs/bpf ' /proc/self/mountinfo | tail -n 1 | sed 's/.* - //'; ps --ppid $$ -o comm= | grep -vx -e ps -e grep; true")
        // And no helper is left behind among the shell's children.
        #expect(result.status == 0 && result.output == "bpf none rw,delegate_cmds=map_create,delegate_maps=array\n",
                "\(result.status): \(result.output)")
    }

    @Test(arguments: [false, true])
    func aFailureNamesTheStepAndTheErrno(byHelper: Bool) throws {
        #expect {
            _ = try runPlan(Self.steps(target: "/nonexistent-brig-bpffs", byHelper: byHelper), script: "true")
        } throws: { error in
            guard case .step(let failure) = error as? JailError else { return false }
            return failure.errno == ENOENT && failure.step.failure == .namespace && failure.step.directive == "PrivateBPF=yes"
                && failure.step.action == .bpffs(target: "/nonexistent-brig-bpffs", delegation: Self.delegation, byHelper: byHelper)
        }
    }
}

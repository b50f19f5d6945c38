import Testing
import Directives
@testable import Seccomp

/// RestrictSUIDSGID= (which DynamicUser= implies) looks at the mode of every call that sets one,
/// on every ABI the program filters: a call the rule forgets, such as fchmodat2() of Linux 6.6,
/// makes set-user-ID files as if the directive were not there.
@Suite struct SetIDModeRuleTests {
    /// Each call of the x86 ABIs that takes a file mode, with the argument that holds it.
    static let modeArguments: [(call: String, argument: UInt32)] = [
        ("chmod", 1), ("fchmod", 1), ("fchmodat", 2), ("fchmodat2", 2), ("mkdir", 1), ("mkdirat", 2),
        ("mknod", 1), ("mknodat", 2), ("creat", 1), ("open", 2), ("openat", 3),
    ]

    @Test func everyModeSettingCallIsCheckedOnEveryABI() throws {
        let policy = try #require(try SeccompPolicy.forUnit(try UnitFixture.exec(["RestrictSUIDSGID=yes"])))
        #expect(policy.abis == SyscallABI.allCases)
        let program = try SeccompCompiler.compile(policy)
        for (call, argument) in Self.modeArguments {
            let rules = policy.rules.filter { $0.syscall == call }
            #expect(rules.contains { $0.action == .errno(1) && $0.conditions.contains { $0.argument == argument && $0.mask & 0o6000 != 0 } },
                    "\(call)(): no EPERM rule on argument \(argument)")
            for abi in policy.abis where SyscallTable.table(for: abi).contains(call) {
                #expect(!program.alwaysAllows(call, abi: abi), "\(call)() passes unchecked on \(abi.rawValue)")
            }
        }
        // openat2() keeps its mode in a structure the filter cannot read.
        #expect(policy.rules.contains(SeccompRule("openat2", .errno(38))))
    }

    @Test func dryRunShowsTheFchmodat2Rule() throws {
        let policy = try #require(try SeccompPolicy.forUnit(try UnitFixture.exec(["RestrictSUIDSGID=yes"])))
        #expect(policy.description.contains("fchmodat2: errno EPERM if arg2 & 0x800 == 0x800 | arg2 & 0x400 == 0x400"))
    }
}

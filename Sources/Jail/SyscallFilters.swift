import Directives
import Seccomp
import Synchronization

/// The seccomp slot: the unit's syscall directives compiled (in the parent,
/// through libseccomp) into the one BPF program the child installs last.
public enum SyscallFilters {
    /// The compiled program (nil when no directive asks for one), with its policy for printing.
    public static func program(_ exec: ExecContext, rules: SystemdRelease = .v252) throws(JailError) -> SeccompProgram? {
        try program(SeccompInputs(exec, rules: rules))
    }

    /// The program of what a unit's filter is made from (see `SyscallFilterCache`).
    static func program(_ inputs: SeccompInputs) throws(JailError) -> SeccompProgram? {
        let policy: SeccompPolicy?
        do { policy = try SeccompPolicy.forUnit(inputs) } catch { throw refusal(error) }
        return try policy.map { p throws(JailError) in try compile(p) }
    }

    private static func compile(_ policy: SeccompPolicy) throws(JailError) -> SeccompProgram {
        do { return try SeccompCompiler.compile(policy) } catch { throw refusal(error) }
    }

    private static func refusal(_ error: any Error) -> JailError {
        .refused(directive: "SystemCallFilter= & co", reason: "\(error)", status: .seccomp)
    }
}

/// The last syscall filter made, reused while units have the same `SeccompInputs`: every
/// instance of a template has, and building the policy and compiling it through libseccomp
/// cost more than the rest of an instance's start. brig listen starts instances on several
/// threads at once, which share the cache.
public final class SyscallFilterCache: Sendable {
    private let last = Mutex<(inputs: SeccompInputs, program: SeccompProgram?)?>(nil)

    public init() {}

    func program(_ exec: ExecContext, rules: SystemdRelease) throws(JailError) -> SeccompProgram? {
        let inputs = SeccompInputs(exec, rules: rules)
        if let cached = last.withLock({ $0 }), cached.inputs == inputs { return cached.program }
        let program = try SyscallFilters.program(inputs)
        last.withLock { $0 = (inputs, program) }
        return program
    }
}

import Directives
import Seccomp

/// The seccomp slot: the unit's syscall directives compiled (in the parent,
/// through libseccomp) into the one BPF program the child installs last.
public enum SyscallFilters {
    /// The compiled program (nil when no directive asks for one), with its policy for printing.
    public static func program(_ exec: ExecContext, rules: SystemdRelease = .v252) throws(JailError) -> SeccompProgram? {
        guard let policy = try policy(exec, rules: rules) else { return nil }
        return try compile(policy)
    }

    /// The policy the unit's syscall directives make; nil when they ask for no filter.
    static func policy(_ exec: ExecContext, rules: SystemdRelease) throws(JailError) -> SeccompPolicy? {
        do { return try SeccompPolicy.forUnit(exec, rules: rules) } catch { throw refusal(error) }
    }

    static func compile(_ policy: SeccompPolicy) throws(JailError) -> SeccompProgram {
        do { return try SeccompCompiler.compile(policy) } catch { throw refusal(error) }
    }

    private static func refusal(_ error: any Error) -> JailError {
        .refused(directive: "SystemCallFilter= & co", reason: "\(error)", status: .seccomp)
    }
}

/// The last syscall filter compiled, reused while units ask for the same policy: every
/// instance of a template asks for the same one, and libseccomp's compilation costs more than
/// the rest of an instance's start.
public final class SyscallFilterCache {
    private var last: (policy: SeccompPolicy, program: SeccompProgram)? = nil

    public init() {}

    func program(_ exec: ExecContext, rules: SystemdRelease) throws(JailError) -> SeccompProgram? {
        guard let policy = try SyscallFilters.policy(exec, rules: rules) else { return nil }
        if let last, last.policy == policy { return last.program }
        let program = try SyscallFilters.compile(policy)
        last = (policy, program)
        return program
    }
}

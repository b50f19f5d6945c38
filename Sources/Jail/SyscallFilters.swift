import Directives
import Seccomp

/// The seccomp slot: the unit's syscall directives compiled (in the parent,
/// through libseccomp) into the one BPF program the child installs last.
public enum SyscallFilters {
    /// The compiled program (nil when no directive asks for one), with its policy for printing.
    public static func program(_ exec: ExecContext, rules: SystemdRelease = .v252) throws(JailError) -> SeccompProgram? {
        do {
            guard let policy = try SeccompPolicy.forUnit(exec, rules: rules) else { return nil }
            return try SeccompCompiler.compile(policy)
        } catch {
            throw .refused(directive: "SystemCallFilter= & co", reason: "\(error)", status: .seccomp)
        }
    }
}

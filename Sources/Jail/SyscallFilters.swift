import Directives
import Seccomp

/// The seccomp slot: the unit's syscall directives compiled (in the parent,
/// through libseccomp) into the one BPF program the child installs last.
public enum SyscallFilters {
    public static func programs(_ exec: ExecContext) throws(JailError) -> [[UInt8]] {
        do {
            guard let policy = try SeccompPolicy.forUnit(exec) else { return [] }
            return [try SeccompCompiler.compile(policy).bytes]
        } catch {
            throw .refused(directive: "SystemCallFilter= & co", reason: "\(error)", status: .seccomp)
        }
    }
}

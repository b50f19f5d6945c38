/// The system-call ABIs a process on this x86-64 machine can use, named as
/// systemd's SystemCallArchitectures= names them.
public enum SyscallArchitecture: String, CaseIterable, Sendable, Hashable {
    case x86_64 = "x86-64"
    case x86 = "x86"
    case x32 = "x32"

    /// The ABI this machine's programs use by default (`native` in SystemCallArchitectures=).
    public static let native: SyscallArchitecture = .x86_64
}

/// The system-call ABIs a process on this x86-64 machine can use, with the names
/// SystemCallArchitectures= gives them.
public enum SyscallABI: String, CaseIterable, Sendable, Hashable {
    case x86_64 = "x86-64"
    case x86 = "x86"
    case x32 = "x32"

    /// The ABI this machine's programs use by default (`native` in SystemCallArchitectures=).
    public static let native: SyscallABI = .x86_64
}

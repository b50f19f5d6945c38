#if canImport(Glibc)
import Glibc
#endif
import Directives

/// Why a seccomp program could not be built. Every case stops the start (fail closed).
public enum SeccompError: Error, Hashable, Sendable, CustomStringConvertible {
    /// libseccomp.so.2 (or one of its functions) is not there.
    case libraryUnavailable(String)
    case invalidPolicy(String)
    /// libseccomp refused a rule (negative errno it returned).
    case ruleRejected(syscall: String, abi: SyscallABI, errno: Int32)
    /// A libseccomp step other than adding a rule failed.
    case libseccompFailed(step: String, errno: Int32)
    /// The kernel has the call on that ABI but the loaded libseccomp does not know it, and can
    /// take a rule by number only for the native ABI.
    case syscallUnknownToLibrary(syscall: String, abi: SyscallABI)

    public var description: String {
        switch self {
        case .libraryUnavailable(let reason):
            "system call filtering needs libseccomp.so.2, which cannot be loaded: \(reason) (install the libseccomp2 package)"
        case .invalidPolicy(let reason):
            "invalid seccomp policy: \(reason)"
        case .ruleRejected(let syscall, let abi, let errno):
            "libseccomp refused the rule for \(syscall)() on \(abi.rawValue): \(Self.message(errno))"
        case .libseccompFailed(let step, let errno):
            "libseccomp failed to \(step): \(Self.message(errno))"
        case .syscallUnknownToLibrary(let syscall, let abi):
            "this libseccomp does not know \(syscall)(), so it cannot filter the \(abi.rawValue) ABI's; "
                + "a newer libseccomp2, or SystemCallArchitectures=native, lets the filter be built"
        }
    }

    private static func message(_ errno: Int32) -> String {
        String(cString: strerror(errno < 0 ? -errno : errno))
    }
}

import Directives
#if canImport(Glibc)
import Glibc
#endif

/// The prctl() settings of a process's memory that systemd makes just before execve: MemoryKSM=
/// (254) and MemoryTHP= (260). Both survive execve, so the program starts with them.
enum ProcessControls {
    static let setTHPDisable: Int32 = 41          // PR_SET_THP_DISABLE
    static let setMemoryMerge: Int32 = 67         // PR_SET_MEMORY_MERGE
    static let thpExceptAdvised: UInt64 = 1 << 1  // PR_THP_DISABLE_EXCEPT_ADVISED (kernel 6.18)

    /// The errnos systemd reads as "this kernel cannot do it" and passes over for MemoryKSM=.
    static let notSupported: [Int32] = [EOPNOTSUPP, ENOTTY, ENOSYS, EAFNOSUPPORT, EPFNOSUPPORT, EPROTONOSUPPORT,
                                        ESOCKTNOSUPPORT, ENOPROTOOPT]

    static func steps(ksm: Bool?, thp: MemoryTHP?, into plan: inout JailPlan) {
        if let ksm {
            plan.add(.processControl(option: setMemoryMerge, arg2: ksm ? 1 : 0, arg3: 0, unsupported: notSupported),
                     for: "MemoryKSM=\(ksm ? "yes" : "no")", failing: .ksm)
        }
        let thpArguments: (UInt64, UInt64)? = switch thp {
        case .disable: (1, 0)
        case .madvise: (1, thpExceptAdvised)
        case .system: (0, 0)
        case .inherit, nil: nil
        }
        if let (disable, flags) = thpArguments, let thp {
            // An older kernel answers EINVAL to a flag it does not know: systemd passes over that too.
            plan.add(.processControl(option: setTHPDisable, arg2: disable, arg3: flags, unsupported: [EINVAL, EOPNOTSUPP]),
                     for: "MemoryTHP=\(thp.rawValue)", failing: .memoryTHP)
        }
    }

    static func name(of option: Int32) -> String {
        switch option {
        case setTHPDisable: "PR_SET_THP_DISABLE"
        case setMemoryMerge: "PR_SET_MEMORY_MERGE"
        default: String(option)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Why `brig harden` stopped; each ends the command with a non-zero status and nothing written.
public enum HardenError: Error, CustomStringConvertible, Equatable {
    case system(String, Int32)
    case unit(String)
    /// The unit sets directives brig run refuses.
    case refused(String)
    case workloadFailsUnhardened(String)
    case serviceDidNotStart(String)
    case timeout(String)
    /// The drop-in held under brig run, not under the systemd that is PID 1.
    case failsUnderSystemd(String)
    /// A signal ended it (the service and workload under way were stopped first).
    case interrupted(Int32)

    public var description: String {
        switch self {
        case .system(let what, let code): "\(what): \(String(cString: strerror(code)))"
        case .unit(let message): message
        case .refused(let message): "brig run cannot run this unit: \(message)"
        case .workloadFailsUnhardened(let detail):
            "the workload fails with the service as it is, before any hardening: nothing to prove against (\(detail))"
        case .serviceDidNotStart(let detail): "the service did not start: \(detail)"
        case .timeout(let detail): detail
        case .failsUnderSystemd(let detail): "the drop-in held under brig run but not under systemd (PID 1), so nothing is written: \(detail)"
        case .interrupted(let signal): "stopped by signal \(signal); the service and workload under way were stopped, nothing written"
        }
    }

    /// Exit statuses: 1 a run failed, 2 bad input, 3 the system refused.
    public var exitStatus: Int32 {
        switch self {
        case .system: 3
        case .unit, .refused: 2
        case .workloadFailsUnhardened, .serviceDidNotStart, .timeout, .failsUnderSystemd: 1
        case .interrupted(let signal): 128 + signal
        }
    }
}

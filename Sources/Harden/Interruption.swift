#if canImport(Glibc)
import Glibc
#endif

/// SIGINT, SIGTERM and SIGHUP to brig harden: the trial under way stops its workload and its
/// service (which are in process groups of their own, so the signal does not reach them) before
/// brig harden ends, so nothing it started is left running.
public enum Interruption {
    nonisolated(unsafe) static var signal: sig_atomic_t = 0

    public static func install() {
        for number in [SIGINT, SIGTERM, SIGHUP] {
            Glibc.signal(number) { Interruption.signal = $0 }
        }
    }

    static var requested: Bool { signal != 0 }
}

import CJail
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// What IPAccounting= counted for one run: the IP packets that passed the firewall and their
/// bytes (IP header included), into the service and out of it, as systemd counts them. The
/// caller makes one, puts it in the `LaunchRequest`, and reads `traffic` whenever it likes:
/// the run's counters' maps stay open as long as this object lives, so the figures can be
/// read after the run has ended (`brig run --stats` reads them at exit).
public final class IPAccounting: Sendable {
    public struct Traffic: Sendable, Equatable, CustomStringConvertible {
        public var ingressBytes: UInt64 = 0, ingressPackets: UInt64 = 0
        public var egressBytes: UInt64 = 0, egressPackets: UInt64 = 0
        public init() {}
        /// systemd-run's words for the same figures.
        public var description: String {
            "IP traffic received: \(ingressBytes)B\nIP traffic sent: \(egressBytes)B"
        }
    }

    private let maps = Mutex<(ingress: Int32, egress: Int32)?>(nil)

    public init() {}

    deinit { maps.withLock { if let m = $0 { close(m.ingress); close(m.egress) } } }

    /// Keeps descriptors of its own on the run's counters' maps.
    func adopt(ingress: Int32, egress: Int32) {
        maps.withLock {
            if let old = $0 { close(old.ingress); close(old.egress) }
            $0 = (fcntl(ingress, F_DUPFD_CLOEXEC, 3), fcntl(egress, F_DUPFD_CLOEXEC, 3))
        }
    }

    /// The counts so far; nil when no run has made its maps.
    public var traffic: Traffic? {
        maps.withLock { maps -> Traffic? in
            guard let maps else { return nil }
            func read(_ fd: Int32, _ key: UInt32) -> UInt64 {
                var key = key, value: UInt64 = 0
                return cjail_bpf_map_lookup(fd, &key, &value) == 0 ? value : 0
            }
            var t = Traffic()
            (t.ingressPackets, t.ingressBytes) = (read(maps.ingress, 0), read(maps.ingress, 1))
            (t.egressPackets, t.egressBytes) = (read(maps.egress, 0), read(maps.egress, 1))
            return t
        }
    }
}

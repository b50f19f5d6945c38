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
            let ingress = Self.sum(maps.ingress), egress = Self.sum(maps.egress)
            var t = Traffic()
            (t.ingressPackets, t.ingressBytes) = ingress
            (t.egressPackets, t.egressBytes) = egress
            return t
        }
    }

    /// The per-CPU {packets, bytes} entries of one map, added up.
    private static func sum(_ map: Int32) -> (packets: UInt64, bytes: UInt64) {
        var values = [UInt64](repeating: 0, count: 2 * possibleCPUs)
        var key: UInt32 = 0
        guard cjail_bpf_map_lookup(map, &key, &values) == 0 else { return (0, 0) }
        var packets: UInt64 = 0, bytes: UInt64 = 0
        for cpu in 0..<possibleCPUs { packets &+= values[2 * cpu]; bytes &+= values[2 * cpu + 1] }
        return (packets, bytes)
    }

    /// How many CPUs a per-CPU map has a slot for: those the kernel could ever bring up
    /// ("0-3" in /sys/devices/system/cpu/possible means 4).
    static let possibleCPUs: Int = {
        let text = SystemFiles.read("/sys/devices/system/cpu/possible") ?? "0"
        let last = text.split(whereSeparator: { $0 == "," || $0 == "-" || $0 == "\n" }).compactMap { Int($0) }.max() ?? 0
        return last + 1
    }()
}

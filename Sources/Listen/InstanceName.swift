#if canImport(Glibc)
import Glibc
#endif

/// The instance systemd 252 names a connection's service after (instance_from_socket):
/// `N-LOCAL:PORT-REMOTE:PORT` for IP, `N-PID-UID` of the peer for AF_UNIX, N counting the
/// socket's connections from 0; plus the peer's address for $REMOTE_ADDR and $REMOTE_PORT, and
/// the source MaxConnectionsPerSource= counts by: the peer's address, or its uid for AF_UNIX.
enum InstanceName {
    static func of(connection fd: Int32, number: UInt64)
        -> (instance: String, remote: (address: String, port: UInt16)?, source: String) {
        var local = sockaddr_storage(), remote = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) } }
        length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getpeername(fd, $0, &length) } }
        if Int32(local.ss_family) == AF_UNIX {
            // struct ucred: pid, uid, gid.
            var credentials: [UInt32] = [0, 0, 0]
            var size = socklen_t(12)
            _ = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size)
            return ("\(number)-\(credentials[0])-\(credentials[1])", nil, "uid \(credentials[1])")
        }
        let l = address(local), r = address(remote)
        return ("\(number)-\(l.address):\(l.port)-\(r.address):\(r.port)", r, r.address)
    }

    /// An IP socket address as text; an IPv4-mapped IPv6 address is shown as IPv4.
    static func address(_ storage: sockaddr_storage) -> (address: String, port: UInt16) {
        var s = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        if Int32(s.ss_family) == AF_INET {
            return withUnsafeBytes(of: &s) { raw in
                var a = raw.load(as: sockaddr_in.self)
                inet_ntop(AF_INET, &a.sin_addr, &text, socklen_t(text.count))
                return (String(cString: text), UInt16(bigEndian: a.sin_port))
            }
        }
        return withUnsafeBytes(of: &s) { raw in
            var a = raw.load(as: sockaddr_in6.self)
            let bytes = withUnsafeBytes(of: &a.sin6_addr) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
                return (bytes[12...].map(String.init).joined(separator: "."), UInt16(bigEndian: a.sin6_port))
            }
            inet_ntop(AF_INET6, &a.sin6_addr, &text, socklen_t(text.count))
            return (String(cString: text), UInt16(bigEndian: a.sin6_port))
        }
    }
}

import CJail
import Directives
import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// The instance systemd names a connection's service after (instance_from_socket in
/// src/core/socket.c): N counting the socket's connections from 0, then for IP the local and the
/// remote address (`N-LOCAL:PORT-REMOTE:PORT`, shown as IPv4 when both are IPv4-mapped), for
/// AF_UNIX the peer's pid and uid (`N-PID-UID`, `N-unknown` for a peer in another namespace).
/// From systemd 258 on the socket's cookie follows N, and an AF_UNIX peer's pid is followed by
/// the inode number of its pidfd (`N-COOKIE-PID_INODE-UID`), so that a name is never reused.
/// Also the peer's address for $REMOTE_ADDR and $REMOTE_PORT, and the source
/// MaxConnectionsPerSource= counts by: the peer's address, or its uid for AF_UNIX.
struct InstanceName {
    let instance: String
    let remote: (address: String, port: UInt16)?
    let source: String

    init(connection fd: Int32, number: UInt64, rules: SystemdRelease) {
        var local = sockaddr_storage(), peer = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) } }
        length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutablePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getpeername(fd, $0, &length) } }
        var prefix = "\(number)"
        if rules.facts.instanceNamesHaveCookie { prefix += "-\(Self.cookie(fd))" }
        if Int32(local.ss_family) == AF_UNIX {
            // struct ucred: pid, uid, gid. A pid of 0 (a peer in another PID namespace) is no
            // credentials at all for systemd; an unmapped uid comes as the overflow uid and is kept.
            var credentials: [UInt32] = [0, 0, 0]
            var size = socklen_t(12)
            let known = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) == 0 && credentials[0] > 0
            guard known else {
                (instance, remote, source) = ("\(prefix)-unknown", nil, "uid unknown")
                return
            }
            var pid = "\(credentials[0])"
            if rules.facts.instanceNamesHaveCookie, let inode = Self.peerPidfdInode(fd) { pid += "_\(inode)" }
            (instance, remote, source) = ("\(prefix)-\(pid)-\(credentials[1])", nil, "uid \(credentials[1])")
            return
        }
        let bothMapped = Self.isIPv4Mapped(local) && Self.isIPv4Mapped(peer)
        let l = Self.address(local, unmapping: bothMapped), r = Self.address(peer, unmapping: bothMapped)
        instance = "\(prefix)-\(l.address):\(l.port)-\(r.address):\(r.port)"
        // $REMOTE_ADDR shows a mapped peer as IPv4 whatever the local side is.
        remote = bothMapped ? r : Self.address(peer, unmapping: true)
        source = remote!.address
    }

    /// SO_COOKIE: the number the kernel gives the socket, unique until reboot.
    static func cookie(_ fd: Int32) -> UInt64 {
        var cookie: UInt64 = 0
        var size = socklen_t(MemoryLayout<UInt64>.size)
        _ = getsockopt(fd, SOL_SOCKET, 57 /* SO_COOKIE */, &cookie, &size)
        return cookie
    }

    /// The inode number of a pidfd for the peer (SO_PEERPIDFD): unique for the process until
    /// reboot, where pidfds live on pidfs (Linux 6.9 and later); nil elsewhere, as in systemd.
    static func peerPidfdInode(_ fd: Int32) -> UInt64? {
        var pidfd: Int32 = -1
        var size = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, 77 /* SO_PEERPIDFD */, &pidfd, &size) == 0, pidfd >= 0 else { return nil }
        defer { close(pidfd) }
        var status = stat()
        guard cjail_filesystem_type(pidfd) == 0x5049_4446 /* PID_FS_MAGIC */, fstat(pidfd, &status) == 0 else { return nil }
        return UInt64(status.st_ino)
    }

    static func isIPv4Mapped(_ storage: sockaddr_storage) -> Bool {
        guard Int32(storage.ss_family) == AF_INET6 else { return false }
        var s = storage
        return withUnsafeBytes(of: &s) { raw in
            var a = raw.load(as: sockaddr_in6.self)
            let bytes = withUnsafeBytes(of: &a.sin6_addr) { Array($0) }
            return bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
        }
    }

    /// An IP socket address as text; an IPv4-mapped IPv6 address as IPv4 when `unmapping`.
    static func address(_ storage: sockaddr_storage, unmapping: Bool) -> (address: String, port: UInt16) {
        var s = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        if Int32(s.ss_family) == AF_INET {
            return withUnsafeBytes(of: &s) { raw in
                var a = raw.load(as: sockaddr_in.self)
                inet_ntop(AF_INET, &a.sin_addr, &text, socklen_t(text.count))
                return (String(cText: text), UInt16(bigEndian: a.sin_port))
            }
        }
        return withUnsafeBytes(of: &s) { raw in
            var a = raw.load(as: sockaddr_in6.self)
            if unmapping && isIPv4Mapped(storage) {
                let bytes = withUnsafeBytes(of: &a.sin6_addr) { Array($0) }
                return (bytes[12...].map(String.init).joined(separator: "."), UInt16(bigEndian: a.sin6_port))
            }
            inet_ntop(AF_INET6, &a.sin6_addr, &text, socklen_t(text.count))
            return (String(cText: text), UInt16(bigEndian: a.sin6_port))
        }
    }
}

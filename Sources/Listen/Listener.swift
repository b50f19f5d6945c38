import Directives
import Jail
#if canImport(Glibc)
import Glibc
#endif

/// One bound socket of a socket unit, as systemd 252 makes it (socket_address_listen): the
/// address family from the address, SO_REUSEADDR, the unit's socket options, then bind and, for
/// streams and packets, listen with Backlog=. A path socket replaces a stale one, its directory
/// made with DirectoryMode=, the socket given SocketMode=, SocketUser= and SocketGroup=. Besides
/// sockets: a FIFO (ListenFIFO=), a character device or file (ListenSpecial=), a netlink socket
/// (ListenNetlink=), each handed to the service as it is.
struct Listener {
    let spec: ListenSpec
    let fd: Int32
    /// The kind of an IP or Unix socket; nil for a FIFO, special file or netlink socket.
    let kind: ListenSpec.Kind?
    /// The file of a path socket or FIFO, removed at the end with RemoveOnStop=.
    let path: String?

    /// Whether connections are accepted from it (Accept=yes takes only these).
    var accepts: Bool { kind == .stream || kind == .sequentialPacket }

    static func bind(_ spec: ListenSpec, options: SocketConfig) throws(ListenError) -> Listener {
        let kind: ListenSpec.Kind, address: SocketAddress
        switch spec {
        case .socket(let k, let a): (kind, address) = (k, a)
        case .fifo(let path): return try fifo(path, options: options, spec: spec)
        case .special(let path): return try special(path, options: options, spec: spec)
        case .netlink(let family, let group): return try netlink(family, group: group, options: options, spec: spec)
        case .messageQueue, .usbFunction:
            throw ListenError("\(spec): POSIX message queues and USB FunctionFS are not supported by brig listen")
        }
        let type = switch kind {
        case .stream: SOCK_STREAM
        case .datagram: SOCK_DGRAM
        case .sequentialPacket: SOCK_SEQPACKET
        }
        var family: Int32
        var storage = sockaddr_storage()
        var length: socklen_t
        var path: String? = nil
        switch address {
        case .unix(let p), .abstract(let p):
            family = AF_UNIX
            let isPath = if case .unix = address { true } else { false }
            let bytes = (isPath ? [] : [UInt8(0)]) + Array(p.utf8)
            guard bytes.count < 108 else { throw ListenError("\(spec): the path is too long for a socket") }
            length = withUnsafeMutableBytes(of: &storage) { raw in
                raw.storeBytes(of: sa_family_t(AF_UNIX), as: sa_family_t.self)
                for (i, b) in bytes.enumerated() { raw[2 + i] = b }
                return socklen_t(2 + bytes.count + (isPath ? 1 : 0))
            }
            if isPath { path = p }
        case .port(let port):
            family = AF_INET6
            length = inet(&storage, [UInt8](repeating: 0, count: 16), port)
        case .inet(let bytes, let port, _):
            family = bytes.count == 4 ? AF_INET : AF_INET6
            length = inet(&storage, bytes, port)
        case .vsock:
            throw ListenError("\(spec): vsock sockets are not supported by brig listen")
        }
        // SocketProtocol=: SCTP for stream and sequential-packet IP sockets, UDP-Lite for datagram ones.
        let proto: Int32 = switch (options.socketProtocol, kind) {
        case (132?, .stream), (132?, .sequentialPacket): family == AF_UNIX ? 0 : 132
        case (136?, .datagram): family == AF_UNIX ? 0 : 136
        default: 0
        }
        var fd = socket(family, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), proto)
        if fd < 0, family == AF_INET6, case .port(let port) = address, errno == EAFNOSUPPORT {
            // No IPv6 in this kernel: every IPv4 address then, as systemd falls back.
            family = AF_INET
            length = inet(&storage, [0, 0, 0, 0], port)
            fd = socket(family, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), proto)
        }
        guard fd >= 0 else { throw ListenError("\(spec): socket", errno) }
        do throws(ListenError) {
            try configure(fd, family: family, kind: kind, options: options, spec: spec)
            if let path { try preparePath(path, options: options, spec: spec) }
            let bound = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) }
            }
            guard bound == 0 else { throw ListenError("\(spec): bind", errno) }
            if let path { try ownPath(path, options: options, spec: spec) }
            if kind != .datagram, listen(fd, Int32(clamping: options.backlog ?? UInt64(SOMAXCONN))) != 0 {
                throw ListenError("\(spec): listen", errno)
            }
        } catch {
            close(fd)
            throw error
        }
        return Listener(spec: spec, fd: fd, kind: kind, path: path)
    }

    /// ListenFIFO=: made with SocketMode= (under the umask, as systemd makes it) if it is not
    /// there, opened for reading and writing, and refused unless it is a FIFO brig owns.
    private static func fifo(_ path: String, options: SocketConfig, spec: ListenSpec) throws(ListenError) -> Listener {
        let mode = mode_t(options.socketMode ?? 0o666) & 0o777
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !directory.isEmpty {
            let code = SystemFiles.makeDirectories(directory, mode: mode_t(options.directoryMode ?? 0o755))
            if code != 0 { throw ListenError("\(spec): DirectoryMode= creating \(directory)", code) }
        }
        let mask = umask(0)
        umask(mask)
        if mkfifo(path, mode & ~mask) != 0 && errno != EEXIST { throw ListenError("\(spec): mkfifo", errno) }
        let fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW)
        guard fd >= 0 else { throw ListenError("\(spec): open", errno) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFIFO, st.st_uid == getuid() else {
            close(fd)
            throw ListenError("\(spec): \(path) exists and is not a FIFO of brig's", EEXIST)
        }
        do { try chown(path, options: options, spec: spec) } catch { close(fd); throw error }
        if let size = options.pipeSize, fcntl(fd, 1031 /* F_SETPIPE_SZ */, Int32(clamping: size)) < 0 {
            let code = errno
            close(fd)
            throw ListenError("\(spec): PipeSize=\(size)", code)
        }
        return Listener(spec: spec, fd: fd, kind: nil, path: path)
    }

    /// ListenSpecial=: a character device or a file (/proc, /sys), read-only unless Writable=yes.
    private static func special(_ path: String, options: SocketConfig, spec: ListenSpec) throws(ListenError) -> Listener {
        let fd = open(path, (options.writable == true ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW)
        guard fd >= 0 else { throw ListenError("\(spec): open", errno) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG || st.st_mode & S_IFMT == S_IFCHR else {
            close(fd)
            throw ListenError("\(spec): \(path) is neither a character device nor a regular file", EEXIST)
        }
        return Listener(spec: spec, fd: fd, kind: nil, path: nil)
    }

    /// The protocol numbers of the netlink families systemd names.
    static let netlinkProtocols: [String: Int32] = [
        "route": 0, "firewall": 3, "inet-diag": 4, "nflog": 5, "xfrm": 6, "selinux": 7, "iscsi": 8, "audit": 9,
        "fib-lookup": 10, "connector": 11, "netfilter": 12, "ip6-fw": 13, "dnrtmsg": 14, "kobject-uevent": 15,
        "generic": 16, "scsitransport": 18, "ecryptfs": 19, "rdma": 20,
    ]

    /// ListenNetlink=FAMILY GROUP: a raw netlink socket of that family bound to the multicast group.
    private static func netlink(_ family: String, group: UInt32, options: SocketConfig, spec: ListenSpec) throws(ListenError) -> Listener {
        guard let proto = netlinkProtocols[family] ?? Int32(family) else { throw ListenError("\(spec): unknown netlink family") }
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), proto)
        guard fd >= 0 else { throw ListenError("\(spec): socket", errno) }
        // struct sockaddr_nl (linux/netlink.h): family, pad, pid (0: the kernel picks), groups.
        var address = [UInt8](repeating: 0, count: 12)
        address.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: sa_family_t(AF_NETLINK), as: sa_family_t.self)
            raw.storeBytes(of: group, toByteOffset: 8, as: UInt32.self)
        }
        do throws(ListenError) {
            try configure(fd, family: AF_NETLINK, kind: .datagram, options: options, spec: spec)
            let bound = address.withUnsafeBytes { raw in
                Glibc.bind(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
            }
            guard bound == 0 else { throw ListenError("\(spec): bind", errno) }
        } catch {
            close(fd)
            throw error
        }
        return Listener(spec: spec, fd: fd, kind: nil, path: nil)
    }

    /// An IPv4 (4 bytes) or IPv6 (16 bytes) address and port. Both sockaddr_in and sockaddr_in6
    /// start with the family and the port; the address follows at 4, or at 8 after the flow label.
    private static func inet(_ storage: inout sockaddr_storage, _ bytes: [UInt8], _ port: UInt16) -> socklen_t {
        let v4 = bytes.count == 4
        withUnsafeMutableBytes(of: &storage) { raw in
            raw.storeBytes(of: sa_family_t(v4 ? AF_INET : AF_INET6), as: sa_family_t.self)
            raw.storeBytes(of: port.bigEndian, toByteOffset: 2, as: UInt16.self)
            for (i, b) in bytes.enumerated() { raw[(v4 ? 4 : 8) + i] = b }
        }
        return socklen_t(v4 ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
    }

    /// The options systemd sets before bind(): what the unit asks for, and SO_REUSEADDR always.
    private static func configure(_ fd: Int32, family: Int32, kind: ListenSpec.Kind, options o: SocketConfig,
                                  spec: ListenSpec) throws(ListenError) {
        func set(_ level: Int32, _ name: Int32, _ value: Int32, _ what: String) throws(ListenError) {
            var v = value
            guard setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
                throw ListenError("\(spec): \(what)", errno)
            }
        }
        if family != AF_UNIX { try set(SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR") }
        if family == AF_INET6, let only = o.bindIPv6Only, only != .default {
            try set(Int32(IPPROTO_IPV6), IPV6_V6ONLY, only == .ipv6Only ? 1 : 0, "BindIPv6Only=")
        }
        if o.reusePort == true { try set(SOL_SOCKET, SO_REUSEPORT, 1, "ReusePort=") }
        if o.freeBind == true, family != AF_UNIX {
            try set(family == AF_INET ? Int32(IPPROTO_IP) : Int32(IPPROTO_IPV6), family == AF_INET ? IP_FREEBIND : 78 /* IPV6_FREEBIND */, 1, "FreeBind=")
        }
        if o.transparent == true, family != AF_UNIX {
            try set(family == AF_INET ? Int32(IPPROTO_IP) : Int32(IPPROTO_IPV6), family == AF_INET ? IP_TRANSPARENT : IPV6_TRANSPARENT, 1, "Transparent=")
        }
        if o.keepAlive == true { try set(SOL_SOCKET, SO_KEEPALIVE, 1, "KeepAlive=") }
        // TCP's own: keep-alive timing and deferred accept, in whole seconds (rounded up, as systemd does).
        func seconds(_ t: TimeSpan) -> Int32 { t.isInfinite ? Int32.max : Int32(clamping: (t.microseconds + 999_999) / 1_000_000) }
        if family != AF_UNIX, kind == .stream {
            if let t = o.keepAliveTime { try set(Int32(IPPROTO_TCP), TCP_KEEPIDLE, seconds(t), "KeepAliveTimeSec=") }
            if let t = o.keepAliveInterval { try set(Int32(IPPROTO_TCP), TCP_KEEPINTVL, seconds(t), "KeepAliveIntervalSec=") }
            if let n = o.keepAliveProbes { try set(Int32(IPPROTO_TCP), TCP_KEEPCNT, Int32(clamping: n), "KeepAliveProbes=") }
            if let t = o.deferAccept { try set(Int32(IPPROTO_TCP), TCP_DEFER_ACCEPT, seconds(t), "DeferAcceptSec=") }
        }
        if let p = o.priority { try set(SOL_SOCKET, SO_PRIORITY, p, "Priority=") }
        if let m = o.mark { try set(SOL_SOCKET, SO_MARK, Int32(bitPattern: m), "Mark=") }
        if o.broadcast == true { try set(SOL_SOCKET, SO_BROADCAST, 1, "Broadcast=") }
        if o.passSecurity == true { try set(SOL_SOCKET, SO_PASSSEC, 1, "PassSecurity=") }
        // Packet information is IP's (systemd only warns where a family has none).
        if o.passPacketInfo == true, family != AF_UNIX {
            if family == AF_INET { try set(Int32(IPPROTO_IP), IP_PKTINFO, 1, "PassPacketInfo=") }
            else { try set(Int32(IPPROTO_IPV6), IPV6_RECVPKTINFO, 1, "PassPacketInfo=") }
        }
        if let t = o.timestamping {
            try set(SOL_SOCKET, t == .nanoseconds ? SO_TIMESTAMPNS : SO_TIMESTAMP, 1, "Timestamping=")
        }
        // IP_TOS on an IPv6 socket too (systemd sets it whatever the family): it is the TOS of
        // IPv4-mapped peers, and the socket's priority.
        if family == AF_INET || family == AF_INET6, let tos = o.ipTOS { try set(Int32(IPPROTO_IP), IP_TOS, tos, "IPTOS=") }
        if let ttl = o.ipTTL, family != AF_UNIX {
            try set(family == AF_INET ? Int32(IPPROTO_IP) : Int32(IPPROTO_IPV6), family == AF_INET ? IP_TTL : IPV6_UNICAST_HOPS, ttl, "IPTTL=")
        }
        if o.noDelay == true, family != AF_UNIX, kind == .stream { try set(Int32(IPPROTO_TCP), TCP_NODELAY, 1, "NoDelay=") }
        if o.passCredentials == true { try set(SOL_SOCKET, SO_PASSCRED, 1, "PassCredentials=") }
        if o.passPIDFD == true { try set(SOL_SOCKET, 76 /* SO_PASSPIDFD */, 1, "PassPIDFD=") }
        if o.acceptFileDescriptors == false { try set(SOL_SOCKET, 83 /* SO_PASSRIGHTS */, 0, "AcceptFileDescriptors=no") }
        // A buffer the kernel holds below what was asked (net.core.rmem_max, wmem_max) is forced,
        // where privilege allows, as systemd's fd_set_rcvbuf() and fd_set_sndbuf() do.
        func buffer(_ name: Int32, force: Int32, _ size: UInt64, _ what: String) throws(ListenError) {
            let asked = Int32(clamping: size)
            try set(SOL_SOCKET, name, asked, what)
            var value: Int32 = 0, length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, name, &value, &length) == 0, Int64(value) != Int64(asked) * 2 else { return }
            var v = asked
            if setsockopt(fd, SOL_SOCKET, force, &v, socklen_t(MemoryLayout<Int32>.size)) != 0, errno != EPERM {
                throw ListenError("\(spec): \(what)", errno)
            }
        }
        if let size = o.receiveBuffer { try buffer(SO_RCVBUF, force: SO_RCVBUFFORCE, size, "ReceiveBuffer=") }
        if let size = o.sendBuffer { try buffer(SO_SNDBUF, force: SO_SNDBUFFORCE, size, "SendBuffer=") }
        if let algorithm = o.tcpCongestion, family != AF_UNIX, kind == .stream {
            let ok = algorithm.withCString { setsockopt(fd, Int32(IPPROTO_TCP), TCP_CONGESTION, $0, socklen_t(strlen($0) + 1)) }
            guard ok == 0 else { throw ListenError("\(spec): TCPCongestion=\(algorithm)", errno) }
        }
        if let device = o.bindToDevice, family != AF_UNIX {
            let ok = device.withCString { setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, $0, socklen_t(strlen($0) + 1)) }
            guard ok == 0 else { throw ListenError("\(spec): BindToDevice=\(device)", errno) }
        }
    }

    /// The socket's directory (with DirectoryMode=, 0755 by default) and no stale socket in its place.
    private static func preparePath(_ path: String, options: SocketConfig, spec: ListenSpec) throws(ListenError) {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !directory.isEmpty {
            let code = SystemFiles.makeDirectories(directory, mode: mode_t(options.directoryMode ?? 0o755))
            if code != 0 { throw ListenError("\(spec): DirectoryMode= creating \(directory)", code) }
        }
        var st = stat()
        if lstat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFSOCK else { throw ListenError("\(spec): \(path) exists and is not a socket", EEXIST) }
            unlink(path)
        }
    }

    /// SocketMode= (0666 by default), SocketUser=, SocketGroup=.
    private static func ownPath(_ path: String, options: SocketConfig, spec: ListenSpec) throws(ListenError) {
        guard chmod(path, mode_t(options.socketMode ?? 0o666)) == 0 else { throw ListenError("\(spec): SocketMode=", errno) }
        try chown(path, options: options, spec: spec)
    }

    /// SocketUser=, SocketGroup=.
    private static func chown(_ path: String, options: SocketConfig, spec: ListenSpec) throws(ListenError) {
        guard options.socketUser != nil || options.socketGroup != nil else { return }
        var uid = uid_t.max, gid = gid_t.max
        if let user = options.socketUser {
            guard let identity = Identity.lookupUser(user) else { throw ListenError("SocketUser=\(user): no such user") }
            uid = identity.uid
        }
        if let group = options.socketGroup {
            guard let g = Identity.lookupGroup(group) else { throw ListenError("SocketGroup=\(group): no such group") }
            gid = g
        }
        guard lchown(path, uid, gid) == 0 else { throw ListenError("\(spec): SocketUser=/SocketGroup=", errno) }
    }
}

/// Why `brig listen` could not serve: what failed, with the errno where there is one.
public struct ListenError: Error, CustomStringConvertible {
    public let description: String
    init(_ what: String, _ code: Int32? = nil) {
        description = code.map { "\(what): \(SystemFiles.errorName($0))" } ?? what
    }
}

import Foundation

/// What a jailed program can do on the network, as one line per question, the same under
/// `brig run` and under systemd: a Python script (the interpreter's own path, so it runs in any
/// jail that sees /usr) that tries each action it is given and prints the outcome by errno name.
///
/// Actions: `tcp/HOST/PORT` (connect, 0.5 s), `udp/HOST/PORT` (one datagram), `send/HOST/PORT/N`
/// (connect, send N bytes, and wait until the server has read them all and closed: nothing is
/// still in flight when the probe exits), `bind/4|6/tcp|udp/PORT`, `socket6` (make an AF_INET6 socket).
public enum NetworkProbe {
    public static let python = "/usr/bin/python3"
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: python) }

    static let script = #"""
import errno, socket, sys
def name(e):
    if isinstance(e, socket.timeout): return "timeout"
    return errno.errorcode.get(e.errno, str(e.errno))
def family(host): return socket.AF_INET6 if ":" in host else socket.AF_INET
for action in sys.argv[1:]:
    parts = action.split("/")
    try:
        if parts[0] == "tcp":
            s = socket.socket(family(parts[1]), socket.SOCK_STREAM); s.settimeout(0.5)
            s.connect((parts[1], int(parts[2]))); s.close()
        elif parts[0] == "udp":
            s = socket.socket(family(parts[1]), socket.SOCK_DGRAM)
            s.sendto(b"probe", (parts[1], int(parts[2])))
        elif parts[0] == "send":
            s = socket.socket(family(parts[1]), socket.SOCK_STREAM); s.settimeout(2)
            s.connect((parts[1], int(parts[2]))); s.sendall(b"x" * int(parts[3])); s.shutdown(socket.SHUT_WR)
            while s.recv(65536): pass
            s.close()
        elif parts[0] == "bind":
            fam = socket.AF_INET if parts[1] == "4" else socket.AF_INET6
            s = socket.socket(fam, socket.SOCK_STREAM if parts[2] == "tcp" else socket.SOCK_DGRAM)
            s.bind(("127.0.0.1" if parts[1] == "4" else "::1", int(parts[3])))
        elif parts[0] == "socket6":
            socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        print(action, "ok")
    except OSError as e:
        print(action, name(e))
"""#

    /// The command that asks `actions`.
    public static func command(_ actions: [String]) -> [String] {
        [python, "-c", script] + actions
    }

    /// The outcome of each action, keyed by the action, from the probe's output.
    public static func outcomes(_ output: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 2 { result[String(words[0])] = String(words[1]) }
        }
        return result
    }
}

/// A TCP server on every IPv4 and IPv6 address of this host, one port for both, that accepts
/// every connection and reads it to its end: what a jailed client is or is not let reach.
public final class LoopbackServer: @unchecked Sendable {
    public let port: UInt16
    private let sockets: [Int32]
    private let stopped = NSLock()
    private var isStopped = false

    public init() throws {
        var sockets: [Int32] = []
        var port: UInt16 = 0
        for v6 in [false, true] {
            let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, 4)
            var result: Int32
            if v6 {
                setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, 4)
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = port.bigEndian
                result = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
            } else {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                result = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
                var bound = sockaddr_in(), length = socklen_t(MemoryLayout<sockaddr_in>.size)
                _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
                port = UInt16(bigEndian: bound.sin_port)
            }
            guard fd >= 0, result == 0, listen(fd, 128) == 0 else {
                for s in sockets + [fd] where s >= 0 { close(s) }
                throw SubprocessError("cannot listen on port \(port): errno \(errno)")
            }
            sockets.append(fd)
        }
        self.port = port
        self.sockets = sockets
        for fd in sockets {
            Thread.detachNewThread {
                while true {
                    let connection = accept(fd, nil, nil)
                    if connection < 0 { if errno == EINTR { continue } else { return } }
                    _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
                    Thread.detachNewThread {
                        var buffer = [UInt8](repeating: 0, count: 65536)
                        while read(connection, &buffer, buffer.count) > 0 {}
                        close(connection)
                    }
                }
            }
        }
    }

    /// Stops accepting (the threads end) and closes the sockets.
    public func stop() {
        stopped.lock()
        defer { stopped.unlock() }
        if isStopped { return }
        isStopped = true
        for fd in sockets { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    /// An IPv4 address of this host that is not a loopback one (traffic to it still stays on
    /// this host), or nil.
    public static var hostAddress: String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return nil }
        defer { freeifaddrs(list) }
        var entry = list
        while let e = entry {
            defer { entry = e.pointee.ifa_next }
            guard let address = e.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            var text = [CChar](repeating: 0, count: 64)
            address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a in
                var ip = a.pointee.sin_addr
                _ = inet_ntop(AF_INET, &ip, &text, 64)
            }
            let string = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !string.hasPrefix("127.") { return string }
        }
        return nil
    }

    deinit { stop() }
}

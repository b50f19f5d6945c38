/// One Listen*= line of a socket unit (systemd.socket(5)).
public enum ListenSpec: Hashable, Sendable, CustomStringConvertible {
    /// The socket type of ListenStream=, ListenDatagram= and ListenSequentialPacket=.
    public enum Kind: String, Sendable { case stream = "ListenStream", datagram = "ListenDatagram", sequentialPacket = "ListenSequentialPacket" }

    /// ListenStream=/ListenDatagram=/ListenSequentialPacket= with its address.
    case socket(Kind, SocketAddress)
    case fifo(String)
    case special(String)
    case messageQueue(String)
    case usbFunction(String)
    /// ListenNetlink=: family name and multicast group.
    case netlink(family: String, group: UInt32)

    public var description: String {
        switch self {
        case .socket(let k, let a): return "\(k.rawValue)=\(a)"
        case .fifo(let p): return "ListenFIFO=\(p)"
        case .special(let p): return "ListenSpecial=\(p)"
        case .messageQueue(let p): return "ListenMessageQueue=\(p)"
        case .usbFunction(let p): return "ListenUSBFunction=\(p)"
        case .netlink(let f, let g): return "ListenNetlink=\(f) \(g)"
        }
    }
}

/// A socket address as Listen*= writes it: a path, `@abstract`, a port, `ADDR:PORT`, `[V6]:PORT`,
/// or `vsock:CID:PORT`; `%IFNAME` may follow an IP address.
public enum SocketAddress: Hashable, Sendable, CustomStringConvertible {
    case unix(path: String)
    case abstract(name: String)
    /// A port alone: every address (IPv6 when the kernel has it, dual-stack by default).
    case port(UInt16)
    case inet(address: [UInt8], port: UInt16, interface: String?)
    case vsock(cid: UInt32?, port: UInt32)

    public init(parsing value: String) throws(ValueError) {
        if value.hasPrefix("/") { try Paths.checkAbsolute(value); self = .unix(path: value); return }
        if value.hasPrefix("@") {
            guard value.count > 1 else { throw ValueError("empty abstract socket name") }
            self = .abstract(name: String(value.dropFirst())); return
        }
        if let rest = value.dropPrefix("vsock:") {
            let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let port = UInt32(parts[1]) else { throw ValueError("'\(value)' is not vsock:CID:PORT") }
            let cid: UInt32?
            if parts[0].isEmpty { cid = nil } else if let c = UInt32(parts[0]) { cid = c } else { throw ValueError("'\(value)' has an invalid CID") }
            self = .vsock(cid: cid, port: port); return
        }
        if let port = UInt16(value) {
            guard port > 0 else { throw ValueError("port 0 is not valid") }
            self = .port(port); return
        }
        var host: Substring, portText: Substring
        if value.hasPrefix("[") {
            guard let close = value.firstIndex(of: "]"), value[value.index(after: close)...].first == ":" else {
                throw ValueError("'\(value)' is not [IPV6]:PORT")
            }
            host = value[value.index(after: value.startIndex)..<close]
            portText = value[value.index(close, offsetBy: 2)...]
        } else {
            guard let colon = value.lastIndex(of: ":") else { throw ValueError("'\(value)' is not a socket address (path, port, ADDRESS:PORT)") }
            host = value[..<colon]
            portText = value[value.index(after: colon)...]
        }
        var interface: String?
        if let pct = host.firstIndex(of: "%") {
            interface = String(host[host.index(after: pct)...])
            host = host[..<pct]
        }
        guard let port = UInt16(portText), port > 0 else { throw ValueError("'\(value)' has an invalid port") }
        guard let bytes = IPPrefix.parseAddress(String(host)) else { throw ValueError("'\(host)' is not an IP address") }
        self = .inet(address: bytes, port: port, interface: interface)
    }

    public var description: String {
        switch self {
        case .unix(let p): return p
        case .abstract(let n): return "@" + n
        case .port(let p): return "\(p)"
        case .inet(let a, let p, let i):
            let host = IPPrefix(address: a, length: a.count * 8).description.split(separator: "/")[0]
            let withIf = i.map { "\(host)%\($0)" } ?? String(host)
            return a.count == 16 ? "[\(withIf)]:\(p)" : "\(withIf):\(p)"
        case .vsock(let c, let p): return "vsock:\(c.map(String.init) ?? ""):\(p)"
        }
    }
}

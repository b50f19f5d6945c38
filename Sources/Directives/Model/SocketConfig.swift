/// The [Socket] directives of systemd.socket(5) that `brig listen` implements.
public struct SocketConfig: Sendable {
    public var listen: [ListenSpec] = []
    public var accept: Bool?
    public var socketMode: UInt32?
    public var directoryMode: UInt32?
    public var socketUser: String?
    public var socketGroup: String?
    public var maxConnections: UInt64?
    public var maxConnectionsPerSource: UInt64?
    public var backlog: UInt64?
    public var bindIPv6Only: BindIPv6Only?
    public var bindToDevice: String?
    public var freeBind: Bool?
    public var transparent: Bool?
    public var reusePort: Bool?
    public var noDelay: Bool?
    public var keepAlive: Bool?
    public var passCredentials: Bool?
    public var passSecurity: Bool?
    public var receiveBuffer: UInt64?
    public var sendBuffer: UInt64?
    /// TriggerLimitIntervalSec=; "infinity" is unset, as systemd keeps its unset interval as
    /// infinity (then 2 s): it never means no limit.
    public var triggerLimitIntervalSec: TimeSpan?
    public var triggerLimitBurst: UInt64?
    /// PollLimitIntervalSec=, PollLimitBurst= (systemd 255); "infinity" is unset, as above.
    public var pollLimitIntervalSec: TimeSpan?
    public var pollLimitBurst: UInt64?
    /// KeepAliveTimeSec=, KeepAliveIntervalSec=, DeferAcceptSec=: whole seconds, as the kernel takes them.
    public var keepAliveTime: TimeSpan?
    public var keepAliveInterval: TimeSpan?
    public var keepAliveProbes: UInt64?
    public var deferAccept: TimeSpan?
    public var priority: Int32?
    public var mark: UInt32?
    public var ipTOS: Int32?
    public var ipTTL: Int32?
    public var broadcast: Bool?
    /// Service=: the unit to activate instead of the socket's namesake.
    public var service: String?
    public var fileDescriptorName: String?
    public var removeOnStop: Bool?
    public var symlinks: [String] = []
    /// Commands run around the socket's lifetime (ExecStartPre= ... ExecStopPost=).
    public var execStartPre: [ExecCommand] = []
    public var execStartPost: [ExecCommand] = []
    public var execStopPre: [ExecCommand] = []
    public var execStopPost: [ExecCommand] = []
    public var origins: [String: SourceLocation] = [:]

    /// Writable=: a ListenSpecial= file is opened for writing too.
    public var writable: Bool?
    /// PassPacketInfo=: IP_PKTINFO (IPV6_RECVPKTINFO, NETLINK_PKTINFO) on the socket.
    public var passPacketInfo: Bool?
    /// Timestamping=: SO_TIMESTAMP (microseconds) or SO_TIMESTAMPNS (nanoseconds); nil is off.
    public var timestamping: Timestamping?
    public enum Timestamping: Sendable, Equatable { case microseconds, nanoseconds }
    /// TCPCongestion=: the congestion control algorithm of TCP listeners.
    public var tcpCongestion: String?
    /// PipeSize=: the size of a ListenFIFO= pipe's buffer.
    public var pipeSize: UInt64?
    /// SocketProtocol=: IPPROTO_UDPLITE (datagram listeners) or IPPROTO_SCTP (stream and
    /// sequential-packet ones), the only two systemd takes.
    public var socketProtocol: Int32?
    /// PassPIDFD= (258): SO_PASSPIDFD, the sender's pidfd with each message of a Unix socket.
    public var passPIDFD: Bool?
    /// AcceptFileDescriptors= (258): false sets SO_PASSRIGHTS off, so peers cannot send descriptors.
    public var acceptFileDescriptors: Bool?
    /// PassFileDescriptorsToExec= (256): the socket's ExecStartPost=, ExecStopPre= and
    /// ExecStopPost= get its listeners, with $LISTEN_FDS, as its service would.
    public var passFileDescriptorsToExec: Bool?
    /// DeferTrigger= (258): start the service without displacing a conflicting unit, waiting up
    /// to DeferTriggerMaxSec= for the conflict to end; only with Accept=no.
    public var deferTrigger: DeferTrigger = .no
    public var deferTriggerMaxSec: TimeSpan?
    public enum DeferTrigger: Sendable, Equatable { case no, yes, patient }

    public init() {}

    /// The netlink families ListenNetlink= names (or a number).
    static let netlinkFamilies: Set<String> = [
        "route", "firewall", "inet-diag", "nflog", "xfrm", "selinux", "iscsi", "audit", "fib-lookup", "connector",
        "netfilter", "ip6-fw", "dnrtmsg", "kobject-uevent", "generic", "scsitransport", "ecryptfs", "rdma",
    ]

    private static func int32(_ value: String, _ what: String) throws(ValueError) -> Int32 {
        guard let n = Int32(value) else { throw ValueError("'\(value)' is not a \(what)") }
        return n
    }

    /// A rate limit's interval: infinity is systemd's own mark for "not set" (socket_init(),
    /// socket_add_extras() in socket.c), so writing it gives the default, as in systemd.
    private static func limitInterval(_ d: DirectiveInput) throws(ValueError) -> TimeSpan? {
        let t = try d.time()
        return t.isInfinite ? nil : t
    }

    public mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        switch d.key {
        case "Writable": writable = try d.bool()
        case "ListenStream", "ListenDatagram", "ListenSequentialPacket":
            if d.value.isEmpty { listen = []; break }
            let kind = ListenSpec.Kind(rawValue: d.key)!
            listen.append(.socket(kind, try SocketAddress(parsing: d.expanded())))
        case "ListenFIFO", "ListenSpecial", "ListenMessageQueue", "ListenUSBFunction":
            if d.value.isEmpty { listen = []; break }
            let path = try absolute(d.expanded())
            switch d.key {
            case "ListenFIFO": listen.append(.fifo(path))
            case "ListenSpecial": listen.append(.special(path))
            case "ListenMessageQueue": listen.append(.messageQueue(path))
            default: listen.append(.usbFunction(path))
            }
        case "ListenNetlink":
            if d.value.isEmpty { listen = []; break }
            let parts = try words(d.value)
            guard (1...2).contains(parts.count), parts.count == 1 || UInt32(parts[1]) != nil else {
                throw ValueError("'\(d.value)' is not FAMILY [GROUP]")
            }
            guard Self.netlinkFamilies.contains(parts[0]) || Int32(parts[0]).map({ $0 >= 0 }) == true else {
                throw ValueError("unknown netlink family '\(parts[0])'")
            }
            listen.append(.netlink(family: parts[0], group: parts.count == 2 ? UInt32(parts[1])! : 0))
        case "Accept": accept = try d.bool()
        case "SocketMode": socketMode = try Numbers.mode(d.value)
        case "DirectoryMode": directoryMode = try Numbers.mode(d.value)
        case "SocketUser": socketUser = try d.optional { v throws(ValueError) in try AccountName.check(d.expand(v)) }
        case "SocketGroup": socketGroup = try d.optional { v throws(ValueError) in try AccountName.check(d.expand(v)) }
        case "MaxConnections": maxConnections = try Numbers.unsigned(d.value, "connection count")
        case "MaxConnectionsPerSource": maxConnectionsPerSource = try Numbers.unsigned(d.value, "connection count")
        case "Backlog": backlog = try Numbers.unsigned(d.value, "backlog")
        case "BindIPv6Only": bindIPv6Only = try BindIPv6Only(parsing: d.value)
        case "BindToDevice": bindToDevice = try d.optional { v throws(ValueError) in try d.expand(v) }
        case "FreeBind": freeBind = try d.bool()
        case "Transparent": transparent = try d.bool()
        case "ReusePort": reusePort = try d.bool()
        case "NoDelay": noDelay = try d.bool()
        case "KeepAlive": keepAlive = try d.bool()
        case "PassCredentials": passCredentials = try d.bool()
        case "PassSecurity": passSecurity = try d.bool()
        case "ReceiveBuffer": receiveBuffer = try ByteSize.parse(d.value)
        case "SendBuffer": sendBuffer = try ByteSize.parse(d.value)
        case "TriggerLimitIntervalSec": triggerLimitIntervalSec = try Self.limitInterval(d)
        case "TriggerLimitBurst": triggerLimitBurst = try Numbers.unsigned(d.value, "burst")
        case "PollLimitIntervalSec": pollLimitIntervalSec = try Self.limitInterval(d)
        case "PollLimitBurst": pollLimitBurst = try Numbers.unsigned(d.value, "burst")
        case "KeepAliveTimeSec": keepAliveTime = try d.time()
        case "KeepAliveIntervalSec": keepAliveInterval = try d.time()
        case "KeepAliveProbes": keepAliveProbes = try Numbers.unsigned(d.value, "probe count")
        case "DeferAcceptSec": deferAccept = try d.time()
        case "Priority": priority = try Self.int32(d.value, "priority")
        case "Mark":
            guard let value = UInt32(exactly: try Numbers.unsigned(d.value, "mark")) else { throw ValueError("'\(d.value)' is not a 32-bit mark") }
            mark = value
        case "IPTTL": ipTTL = try Self.int32(d.value, "TTL")
        case "IPTOS":
            // The names systemd knows (ip_tos_from_string), or a number.
            let names: [String: Int32] = ["low-delay": 0x10, "throughput": 0x08, "reliability": 0x04, "low-cost": 0x02]
            guard let tos = names[d.value] ?? Int32(d.value), (0...255).contains(tos) else { throw ValueError("'\(d.value)' is not a type of service") }
            ipTOS = tos
        case "Broadcast": broadcast = try d.bool()
        case "PassPacketInfo": passPacketInfo = try d.bool()
        case "Timestamping":
            // socket_timestamping_from_string_harder(): its names, their time-unit aliases, or a boolean (yes is ns).
            switch d.value {
            case "us", "usec", "µs": timestamping = .microseconds
            case "ns", "nsec": timestamping = .nanoseconds
            case "off": timestamping = nil
            default: timestamping = try d.bool() ? .nanoseconds : nil
            }
        case "TCPCongestion": tcpCongestion = d.value.isEmpty ? nil : d.value
        case "PassPIDFD": passPIDFD = try d.bool()
        case "AcceptFileDescriptors": acceptFileDescriptors = try d.bool()
        case "PassFileDescriptorsToExec": passFileDescriptorsToExec = try d.bool()
        case "DeferTrigger": deferTrigger = try d.value == "patient" ? .patient : (d.bool() ? .yes : .no)
        case "DeferTriggerMaxSec": deferTriggerMaxSec = try d.time()
        case "PipeSize": pipeSize = try ByteSize.parse(d.value)
        case "SocketProtocol":
            let names: [String: Int32] = ["udplite": 136, "sctp": 132]
            guard let number = names[d.value.lowercased()] ?? Int32(d.value), [136, 132].contains(number) else {
                throw ValueError("'\(d.value)' is not udplite or sctp")
            }
            socketProtocol = number
        case "Service":
            service = try {() throws(ValueError) -> String in
                let name = try d.expanded()
                guard name.hasSuffix(".service"), !name.contains("/") else { throw ValueError("'\(name)' is not a service unit name") }
                return name
            }()
        case "FileDescriptorName":
            fileDescriptorName = try d.optional { v throws(ValueError) in
                let name = try d.expand(v)
                guard name.utf8.count <= 255, name.allSatisfy({ $0.isASCII && !$0.isBlank && $0 != ":" && ($0.asciiValue ?? 0) >= 32 }) else {
                    throw ValueError("'\(name)' is not a valid descriptor name (printable ASCII, no ':' or blanks, at most 255)")
                }
                return name
            }
        case "RemoveOnStop": removeOnStop = try d.bool()
        case "Symlinks": try d.appendWords(to: &symlinks, absolute)
        case "ExecStartPre": try ServiceConfig.commands(&execStartPre, d)
        case "ExecStartPost": try ServiceConfig.commands(&execStartPost, d)
        case "ExecStopPre": try ServiceConfig.commands(&execStopPre, d)
        case "ExecStopPost": try ServiceConfig.commands(&execStopPost, d)
        default: return false
        }
        origins[d.key] = d.location
        return true
    }
}

import Directives
#if canImport(Glibc)
import Glibc
#endif

/// BindNetworkInterface= (260) on the cgroup's sock_create hook: every AF_INET and AF_INET6
/// socket a process of the service creates is bound to the interface, as if it had set
/// SO_BINDTOIFINDEX itself (what `ip vrf exec` does). Other families are not touched: the hook
/// runs only for IP sockets. The name is resolved to its index when the run starts.
public struct InterfaceBinding: Sendable, Equatable {
    public var name: String
    /// Where the (last) line of the directive is, for messages.
    public var origin: String?

    public init(name: String, origin: String? = nil) {
        self.name = name
        self.origin = origin
    }

    /// nil when the unit binds no interface.
    public init?(_ resources: ResourceControl) {
        guard let name = resources.bindNetworkInterface else { return nil }
        self.init(name: name, origin: resources.origins["BindNetworkInterface"].map { "\($0): " })
    }

    public var summary: String {
        let index = if_nametoindex(name)
        return "interface binding (cgroup sock_create): every IP socket bound to \(name) "
            + (index == 0 ? "(no such interface here)" : "(index \(index))")
    }

    /// The interface's index. One that does not exist refuses the start: systemd 262 warns and
    /// leaves the sockets unbound, free to use any interface the service was meant to keep off.
    func index() throws(JailError) -> UInt32 {
        let index = if_nametoindex(name)
        if index == 0 {
            throw .refused(directive: (origin ?? "") + "BindNetworkInterface=\(name)",
                           reason: "no network interface '\(name)' on this host", status: .cgroup)
        }
        return index
    }

    /// ctx->bound_dev_if (offset 0 of struct bpf_sock) = index; the socket is kept (1). The
    /// verifier takes a store into the context from a register only.
    static func program(index: UInt32) -> [UInt8] {
        var code = EBPFCode()
        code.move(2, Int32(bitPattern: index))
        code.store32(to: 1, 0, register: 2)
        code.exit(with: 1)
        return code.bytes
    }
}

import Directives
#if canImport(Glibc)
import Glibc
#endif

/// RestrictNetworkInterfaces= on the cgroup's ingress and egress hooks: a packet passes only
/// through a listed interface (allow list), or only through an unlisted one (`~` deny list),
/// judged by the index of the interface it arrives on or leaves by. Names are resolved to
/// indices when the run starts; an interface made later with a listed name is not covered.
public struct InterfaceFilter: Sendable, Equatable {
    public var names: [String]
    public var isAllowList: Bool
    /// Where the (last) line of the directive is, for messages.
    public var origin: String?

    public init(names: [String], isAllowList: Bool, origin: String? = nil) {
        self.names = names
        self.isAllowList = isAllowList
        self.origin = origin
    }

    /// nil when the unit does not restrict interfaces. A list that later lines emptied again
    /// (`lo`, then `~lo`) restricts nothing, allow list or deny list: systemd 262 installs no
    /// filter for it (checked in SocketBindDifferentialTests).
    public init?(_ resources: ResourceControl) {
        let origin = resources.origins["RestrictNetworkInterfaces"].map { "\($0): " }
        switch resources.restrictNetworkInterfaces {
        case nil: return nil
        case .allowOnly(let names):
            if names.isEmpty { return nil }
            self.init(names: names.sorted(), isAllowList: true, origin: origin)
        case .deny(let names):
            if names.isEmpty { return nil }
            self.init(names: names.sorted(), isAllowList: false, origin: origin)
        }
    }

    public var summary: String {
        let list = names.isEmpty ? "(none)" : names.map { name in
            let index = if_nametoindex(name)
            return index == 0 ? "\(name) (no such interface here)" : "\(name) (index \(index))"
        }.joined(separator: " ")
        return "network interfaces (cgroup_skb ingress/egress by interface index): "
            + (isAllowList ? "only through \(list)" : "not through \(list)")
    }

    /// The indices of the names; a name with no interface on this host refuses the start
    /// (systemd 252 leaves it out with a warning, which would turn a deny list into no filter).
    func indices() throws(JailError) -> [UInt32] {
        var result: [UInt32] = []
        for name in names {
            let index = if_nametoindex(name)
            if index == 0 {
                throw .refused(directive: (origin ?? "") + "RestrictNetworkInterfaces=\(isAllowList ? "" : "~")\(names.joined(separator: " "))",
                               reason: "no network interface '\(name)' on this host", status: .cgroup)
            }
            result.append(index)
        }
        return result
    }

    /// skb->ifindex is at offset 40 of struct __sk_buff.
    static func program(indices: [UInt32], isAllowList: Bool) -> [UInt8] {
        var code = EBPFCode()
        code.load32(2, from: 1, 40)
        var listed: [Int] = []
        for index in indices { listed.append(code.jump(if: 2, .equal, Int32(bitPattern: index))) }
        code.exit(with: isAllowList ? 0 : 1)
        if !listed.isEmpty {
            code.land(listed)
            code.exit(with: isAllowList ? 1 : 0)
        }
        return code.bytes
    }
}

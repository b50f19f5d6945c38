/// SocketBindAllow=/SocketBindDeny= rule: `[ipv4|ipv6:][tcp|udp:](PORT|LOW-HIGH|any)`, or just `any`.
public struct SocketBindRule: Hashable, Sendable {
    /// 4 or 6; nil for both families.
    public var ipVersion: Int?
    /// "tcp" or "udp"; nil for both.
    public var transport: String?
    /// nil for any port.
    public var ports: ClosedRange<UInt16>?

    public init(parsing value: String) throws(ValueError) {
        let fail = ValueError("'\(value)' is not a bind rule ([ipv4|ipv6:][tcp|udp:]PORT|LOW-HIGH|any)")
        var tokens = value.split(separator: ":", omittingEmptySubsequences: false)[...]
        guard !value.isEmpty, !tokens.contains(where: \.isEmpty) else { throw fail }
        if let t = tokens.first, t == "ipv4" || t == "ipv6" { ipVersion = t == "ipv4" ? 4 : 6; tokens = tokens.dropFirst() }
        if let t = tokens.first, t == "tcp" || t == "udp" { transport = String(t); tokens = tokens.dropFirst() }
        if let t = tokens.first {
            tokens = tokens.dropFirst()
            if t != "any" {
                let ends = t.split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count <= 2, let low = UInt16(ends[0]), let high = UInt16(ends.last!), low > 0, low <= high else { throw fail }
                ports = low...high
            }
        }
        guard tokens.isEmpty else { throw fail }
    }
}

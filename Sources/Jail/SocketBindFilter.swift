import Directives

/// SocketBindAllow=/SocketBindDeny= on the cgroup's bind4 and bind6 hooks: a bind() of an
/// AF_INET or AF_INET6 socket is allowed if an allow rule matches it, else refused with EPERM
/// if a deny rule matches it, else allowed (systemd's order). A rule matches by family,
/// transport protocol and port range, each unset part matching anything (a bind to port 0,
/// an ephemeral port, matches only rules without ports). systemd 252 ships this as a compiled
/// BPF object with the rules in maps; brig emits the rules as instructions, one program per
/// family, holding only that family's rules.
public struct SocketBindFilter: Sendable, Equatable {
    public var allow: [SocketBindRule]
    public var deny: [SocketBindRule]

    public init(allow: [SocketBindRule], deny: [SocketBindRule]) {
        self.allow = allow
        self.deny = deny
    }

    /// nil when the unit sets no rule.
    public init?(_ resources: ResourceControl) {
        if resources.socketBindAllow.isEmpty && resources.socketBindDeny.isEmpty { return nil }
        self.init(allow: resources.socketBindAllow, deny: resources.socketBindDeny)
    }

    public var summary: String {
        func list(_ rules: [SocketBindRule]) -> String { rules.isEmpty ? "(none)" : rules.map(Self.describe).joined(separator: " ") }
        return "socket bind (cgroup bind4/bind6): allow \(list(allow)); then deny \(list(deny)); otherwise allow; denied bind() fails with EPERM"
    }

    static func describe(_ rule: SocketBindRule) -> String {
        var parts: [String] = []
        if let v = rule.ipVersion { parts.append("ipv\(v)") }
        if let t = rule.transport { parts.append(t) }
        if let p = rule.ports { parts.append(p.count == 1 ? "\(p.lowerBound)" : "\(p.lowerBound)-\(p.upperBound)") } else { parts.append("any") }
        return parts.joined(separator: ":")
    }

    /// The hooks that need a program: a family no rule names keeps the default (allow).
    var families: [Int] {
        [4, 6].filter { v in (allow + deny).contains { $0.ipVersion == nil || $0.ipVersion == v } }
    }

    /// The program for bind() of IPv`version` sockets. ctx is struct bpf_sock_addr:
    /// user_family at 0, user_port at 24 (network order), family at 28, protocol at 36.
    func program(ipVersion version: Int) -> [UInt8] {
        let family: Int32 = version == 4 ? 2 : 10       // AF_INET, AF_INET6
        var code = EBPFCode()
        code.move(6, fromRegister: 1)
        var toAllow: [Int] = [], toDeny: [Int] = []
        code.load32(1, from: 6, 0)
        toAllow.append(code.jump(if: 1, .notEqual, family))   // not ours to judge, as systemd's
        code.load32(1, from: 6, 28)
        toAllow.append(code.jump(if: 1, .notEqual, family))
        code.load32(7, from: 6, 36)                             // protocol
        code.load32(8, from: 6, 24)
        code.fromBigEndian16(8)                                 // port, host order
        // A rule without transport or ports decides every bind of the family: nothing after it
        // is reachable, and the verifier refuses unreachable instructions.
        var decided = false
        for (rules, exits) in [(allow, true), (deny, false)] where !decided {
            for rule in rules where !decided && (rule.ipVersion == nil || rule.ipVersion == version) {
                decided = rule.transport == nil && rule.ports == nil
                var toNext: [Int] = []
                if let transport = rule.transport {
                    toNext.append(code.jump(if: 7, .notEqual, transport == "tcp" ? 6 : 17))
                }
                if let ports = rule.ports {
                    toNext.append(code.jump(if: 8, .less, Int32(ports.lowerBound)))
                    toNext.append(code.jump(if: 8, .greater, Int32(ports.upperBound)))
                }
                if exits { toAllow.append(code.jumpAlways()) } else { toDeny.append(code.jumpAlways()) }
                code.land(toNext)
            }
        }
        if !decided || !toAllow.isEmpty {
            code.land(toAllow)
            code.exit(with: 1)
        }
        if !toDeny.isEmpty {
            code.land(toDeny)
            code.exit(with: 0)
        }
        return code.bytes
    }
}

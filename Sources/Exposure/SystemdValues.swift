import Foundation
import Directives

/// The value grammars the exposure facts depend on, as systemd's config parsers accept them.
enum SystemdValues {
    /// parse_boolean(): "1"/"0" exactly, the words in any case.
    static func boolean(_ s: String) -> Bool? {
        if s == "1" { return true }
        if s == "0" { return false }
        switch s.lowercased() {
        case "yes", "y", "true", "t", "on": return true
        case "no", "n", "false", "f", "off": return false
        default: return nil
        }
    }

    static let capabilityNames = [
        "cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid", "cap_kill",
        "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable", "cap_net_bind_service",
        "cap_net_broadcast", "cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner", "cap_sys_module",
        "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot",
        "cap_sys_nice", "cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease",
        "cap_audit_write", "cap_audit_control", "cap_setfcap", "cap_mac_override", "cap_mac_admin", "cap_syslog",
        "cap_wake_alarm", "cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf", "cap_checkpoint_restore",
    ]
    private static let capabilityNumbers = Dictionary(uniqueKeysWithValues: capabilityNames.enumerated().map { ($1, $0) })

    /// capability_from_name(): a name in any case, or a number below 64.
    static func capability(_ s: String) -> Int? {
        if let n = capabilityNumbers[s.lowercased()] { return n }
        if let n = Int(s), n >= 0, n < 63 { return n }
        return nil
    }

    /// The address families systemd's af_from_name() knows (Linux's AF_* names).
    static let addressFamilies: [String: Int] = [
        "AF_UNIX": 1, "AF_LOCAL": 1, "AF_INET": 2, "AF_AX25": 3, "AF_IPX": 4, "AF_APPLETALK": 5, "AF_NETROM": 6,
        "AF_BRIDGE": 7, "AF_ATMPVC": 8, "AF_X25": 9, "AF_INET6": 10, "AF_ROSE": 11, "AF_DECnet": 12,
        "AF_NETBEUI": 13, "AF_SECURITY": 14, "AF_KEY": 15, "AF_NETLINK": 16, "AF_ROUTE": 16, "AF_PACKET": 17,
        "AF_ASH": 18, "AF_ECONET": 19, "AF_ATMSVC": 20, "AF_RDS": 21, "AF_SNA": 22, "AF_IRDA": 23, "AF_PPPOX": 24,
        "AF_WANPIPE": 25, "AF_LLC": 26, "AF_IB": 27, "AF_MPLS": 28, "AF_CAN": 29, "AF_TIPC": 30,
        "AF_BLUETOOTH": 31, "AF_IUCV": 32, "AF_RXRPC": 33, "AF_ISDN": 34, "AF_PHONET": 35, "AF_IEEE802154": 36,
        "AF_CAIF": 37, "AF_ALG": 38, "AF_NFC": 39, "AF_VSOCK": 40, "AF_KCM": 41, "AF_QIPCRTR": 42, "AF_SMC": 43,
        "AF_XDP": 44, "AF_MCTP": 45,
    ]

    /// The namespace types RestrictNamespaces= names, with their CLONE_NEW* bits.
    static let namespaces: [String: UInt64] = [
        "cgroup": 0x0200_0000, "ipc": 0x0800_0000, "net": 0x4000_0000, "mnt": 0x0002_0000,
        "pid": 0x2000_0000, "user": 0x1000_0000, "uts": 0x0400_0000, "time": 0x0000_0080,
    ]
    static let allNamespaces: UInt64 = namespaces.values.reduce(0, |)

    /// seccomp_arch_from_string(): the names SystemCallArchitectures= takes, canonical spelling.
    static let architectures: Set<String> = [
        "native", "x86", "x86-64", "x32", "arm", "arm64", "loongarch64", "mips", "mips64", "mips64-n32", "mips-le",
        "mips64-le", "mips64-le-n32", "parisc", "parisc64", "ppc", "ppc64", "ppc64-le", "riscv64", "s390", "s390x",
    ]

    /// valid_user_group_name() in systemd's relaxed mode, numeric ids allowed.
    static func validUserName(_ s: String) -> Bool {
        guard !s.isEmpty, s != ".", s != "..", !s.hasPrefix("-"), s.utf8.count <= 256 else { return false }
        if s.allSatisfy(\.isNumber) { return UInt32(s) != nil && s != "4294967295" && s != "65535" }
        return !s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0 == ":" || $0 == "/" }
    }

    /// An IPv4 or IPv6 address with optional /prefix, as in_addr_prefix_from_string_auto() reads it.
    struct IPPrefix { var v6: Bool; var bytes: [UInt8]; var length: Int }

    static func ipPrefix(_ s: String) -> IPPrefix? {
        let parts = s.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let address = String(parts[0])
        let v6 = address.contains(":")
        guard let bytes = v6 ? ipv6(address) : ipv4(address) else { return nil }
        let full = v6 ? 128 : 32
        var length = full
        if parts.count == 2 {
            guard let n = Int(parts[1]), n >= 0, n <= full, parts[1].allSatisfy(\.isNumber) else { return nil }
            length = n
        }
        return IPPrefix(v6: v6, bytes: bytes, length: length)
    }

    private static func ipv4(_ s: String) -> [UInt8]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let bytes = parts.compactMap { $0.allSatisfy(\.isNumber) ? UInt8($0) : nil }
        return bytes.count == 4 ? bytes : nil
    }

    private static func ipv6(_ s: String) -> [UInt8]? {
        let halves = s.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ t: String) -> [UInt16]? {
            if t.isEmpty { return [] }
            let g = t.split(separator: ":", omittingEmptySubsequences: false)
            let values = g.compactMap { $0.count <= 4 ? UInt16($0, radix: 16) : nil }
            return values.count == g.count ? values : nil
        }
        guard let head = groups(halves[0]) else { return nil }
        var words = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            words += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard words.count == 8 else { return nil }
        return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// "name" or "name:errno"; nil when the errno part does not parse. errno -1 means none.
    static func syscallAndErrno(_ word: String) -> (name: String, errno: Int32)? {
        guard let colon = word.firstIndex(of: ":") else { return (word, -1) }
        let name = String(word[..<colon]), e = String(word[word.index(after: colon)...])
        if e == "kill" { return (name, 10000) }
        guard let n = ErrnoName.parse(e) else { return nil }
        return (name, n)
    }
}

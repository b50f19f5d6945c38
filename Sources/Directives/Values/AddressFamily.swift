/// Socket address families by their AF_* names, numbered as glibc's sys/socket.h numbers them.
public enum AddressFamily {
    /// Every AF_* name systemd accepts (aliases included), with its number.
    public static let numbers: [String: Int] = [
        "AF_UNIX": 1, "AF_LOCAL": 1, "AF_FILE": 1, "AF_INET": 2, "AF_AX25": 3, "AF_IPX": 4, "AF_APPLETALK": 5,
        "AF_NETROM": 6, "AF_BRIDGE": 7, "AF_ATMPVC": 8, "AF_X25": 9, "AF_INET6": 10, "AF_ROSE": 11,
        "AF_DECnet": 12, "AF_NETBEUI": 13, "AF_SECURITY": 14, "AF_KEY": 15, "AF_NETLINK": 16, "AF_ROUTE": 16,
        "AF_PACKET": 17, "AF_ASH": 18, "AF_ECONET": 19, "AF_ATMSVC": 20, "AF_RDS": 21, "AF_SNA": 22,
        "AF_IRDA": 23, "AF_PPPOX": 24, "AF_WANPIPE": 25, "AF_LLC": 26, "AF_IB": 27, "AF_MPLS": 28, "AF_CAN": 29,
        "AF_TIPC": 30, "AF_BLUETOOTH": 31, "AF_IUCV": 32, "AF_RXRPC": 33, "AF_ISDN": 34, "AF_PHONET": 35,
        "AF_IEEE802154": 36, "AF_CAIF": 37, "AF_ALG": 38, "AF_NFC": 39, "AF_VSOCK": 40, "AF_KCM": 41,
        "AF_QIPCRTR": 42, "AF_SMC": 43, "AF_XDP": 44, "AF_MCTP": 45,
    ]
    private static let byUppercase: [String: Int] =
        Dictionary(numbers.map { ($0.key.uppercased(), $0.value) }, uniquingKeysWith: { a, _ in a })

    /// The number of a family name, looked up case-insensitively as systemd does.
    public static func number(_ name: String) throws(ValueError) -> Int {
        guard let n = byUppercase[name.uppercased()] else { throw ValueError("unknown address family '\(name)'") }
        return n
    }

    /// The canonical name of a family number (AF_UNIX for 1, AF_NETLINK for 16).
    public static func name(_ number: Int) -> String {
        let preferred = ["AF_UNIX", "AF_NETLINK"]
        let all = numbers.filter { $0.value == number }.map(\.key)
        return all.first(where: preferred.contains) ?? all.first ?? "\(number)"
    }
}

/// RestrictAddressFamilies=: which socket families a service may create.
/// `none` is `.allowOnly([])`.
public enum AddressFamilyRestriction: Hashable, Sendable {
    /// Only these family numbers are allowed (`none` allows none).
    case allowOnly(Set<Int>)
    /// Every family but these is allowed.
    case deny(Set<Int>)

    /// Applies one more line the way systemd merges them; returns nil for an empty line (reset).
    /// `listed` is whether a list line has begun the set since the last reset: the first list
    /// decides between allow and deny (even when none of its names is known), later ones add to
    /// or take from it. `none` allows nothing but begins no list, so a list after it decides
    /// anew. Unknown family names are left out and noted in `skipped`; so is a quoting error,
    /// which ends the list there (systemd keeps the names before it, and a list it began). With
    /// `unknownEndsList` (261 and later, `ReleaseFacts.unknownAddressFamilyEndsList`) an unknown
    /// name ends the list there too.
    public static func merge(_ current: AddressFamilyRestriction?, listed: inout Bool, _ line: String,
                             unknownEndsList: Bool = false,
                             skipped: inout [ValueError]) -> AddressFamilyRestriction? {
        if line.isEmpty || line == "none" {
            listed = false
            return line.isEmpty ? nil : .allowOnly([])
        }
        var text = Substring(line)
        let invert = text.first == "~"
        if invert { text = text.dropFirst() }
        let names = listWords(String(text), skipped: &skipped)
        var result = listed ? current ?? .allowOnly([]) : invert ? .deny([]) : .allowOnly([])
        listed = true
        for name in names {
            let family: Int
            do throws(ValueError) { family = try AddressFamily.number(name) } catch {
                skipped.append(error)
                if unknownEndsList { break } else { continue }
            }
            switch result {
            case .allowOnly(var s): if invert { s.remove(family) } else { s.insert(family) }; result = .allowOnly(s)
            case .deny(var s): if invert { s.insert(family) } else { s.remove(family) }; result = .deny(s)
            }
        }
        return result
    }
}

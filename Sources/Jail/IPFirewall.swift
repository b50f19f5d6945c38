import CJail
import Directives
#if canImport(Glibc)
import Glibc
#endif

/// IPAddressAllow=/IPAddressDeny= and IPAccounting= as systemd enforces them: one cgroup_skb
/// program per direction on the run's cgroup, which looks up the packet's source address
/// (ingress) or destination address (egress) in LPM-trie maps of the listed prefixes. A packet
/// passes if an allow prefix matches it, else is dropped if a deny prefix matches it, else passes
/// (systemd's precedence: allow beats deny, default allow). A dropped outgoing packet fails the
/// sending call with EPERM. With accounting, the bytes and packets that pass are counted per
/// direction in an array map the run reads at its end (`IPAccounting`).
public struct IPFirewall: Sendable, Equatable {
    public var allow: [IPPrefix]
    public var deny: [IPPrefix]
    public var accounting: Bool

    public init(allow: [IPPrefix] = [], deny: [IPPrefix] = [], accounting: Bool = false) {
        self.allow = allow
        self.deny = deny
        self.accounting = accounting
    }

    /// nil when the unit asks for neither filtering nor accounting.
    public init?(_ resources: ResourceControl) {
        let allow = resources.ipAddressAllow ?? [], deny = resources.ipAddressDeny ?? []
        let accounting = resources.ipAccounting ?? false
        if allow.isEmpty && deny.isEmpty && !accounting { return nil }
        self.init(allow: allow, deny: deny, accounting: accounting)
    }

    /// What --dry-run says about it.
    public var summary: String {
        func list(_ prefixes: [IPPrefix]) -> String { prefixes.isEmpty ? "(none)" : prefixes.map(\.description).joined(separator: " ") }
        var text = "IP firewall (cgroup_skb ingress: source, egress: destination): allow \(list(allow)); deny \(list(deny))"
        text += allow.isEmpty && deny.isEmpty ? "" : "; otherwise allow"
        if accounting { text += "; IP accounting (bytes and packets each way)" }
        return text
    }

    /// The fixed facts of one address family inside a packet as cgroup_skb programs see it
    /// (the data starts at the IP header).
    struct Family {
        var etherType: UInt16     // skb->protocol, an ETH_P_* number
        var size: Int32           // address bytes
        var sourceOffset: Int32, destinationOffset: Int32
        static let v4 = Family(etherType: 0x0800, size: 4, sourceOffset: 12, destinationOffset: 16)
        static let v6 = Family(etherType: 0x86dd, size: 16, sourceOffset: 8, destinationOffset: 24)
        /// skb->protocol holds the number in network order.
        var protocolImmediate: Int32 { Int32(etherType.bigEndian) }
    }

    /// The prefixes of one family, and whether one of them covers the whole family.
    static func prefixes(_ list: [IPPrefix], in family: Family) -> (all: Bool, prefixes: [IPPrefix]) {
        let mine = Set(list.filter { $0.address.count == Int(family.size) })
        return (mine.contains { $0.length == 0 }, mine.sorted { $0.description < $1.description })
    }

    /// Whether a list covers every address of both families (`any`): then it needs no lookup,
    /// and it matches a packet of any protocol, as systemd's does.
    static func coversEverything(_ list: [IPPrefix]) -> Bool {
        prefixes(list, in: .v4).all && prefixes(list, in: .v6).all
    }

    /// Maps and programs loaded, not yet attached; their descriptors close with it.
    final class Loaded {
        var programs: [(fd: Int32, attachType: UInt32)] = []
        var maps: [Int32] = []
        /// The counters' maps (ingress, egress), kept open past the run for reading.
        var accounting: (ingress: Int32, egress: Int32)?
        deinit { for fd in programs.map(\.fd) + maps { close(fd) } }
    }

    static let allowedBit: Int32 = 1, deniedBit: Int32 = 2

    /// Creates the maps and loads the two programs. The counters' maps go to `counters`.
    func load(counters: IPAccounting?) throws(JailError) -> Loaded {
        let loaded = Loaded()
        var lookups: [(family: Family, deny: Int32?, allow: Int32?, denyAll: Bool, allowAll: Bool)] = []
        let allowEverything = Self.coversEverything(allow), denyEverything = Self.coversEverything(deny)
        for family in [Family.v4, .v6] {
            let allowed = Self.prefixes(allow, in: family), denied = Self.prefixes(deny, in: family)
            let allowMap = allowEverything || allowed.all || allowed.prefixes.isEmpty ? nil : try Self.trie(allowed.prefixes, family, loaded)
            let denyMap = denyEverything || denied.all || denied.prefixes.isEmpty ? nil : try Self.trie(denied.prefixes, family, loaded)
            lookups.append((family, denyMap, allowMap, !denyEverything && denied.all, !allowEverything && allowed.all))
        }
        if accounting {
            let ingress = try Self.counterMap(loaded), egress = try Self.counterMap(loaded)
            loaded.accounting = (ingress, egress)
            counters?.adopt(ingress: ingress, egress: egress)
        }
        for ingress in [true, false] {
            let code = program(ingress: ingress, lookups: lookups, allowEverything: allowEverything, denyEverything: denyEverything,
                               counters: accounting ? (ingress ? loaded.accounting!.ingress : loaded.accounting!.egress) : nil)
            let fd = try NetworkPrograms.load(code, type: BPFNumbers.programCgroupSKB, directive: "IPAddressDeny=")
            loaded.programs.append((fd, ingress ? BPFNumbers.attachIngress : BPFNumbers.attachEgress))
        }
        return loaded
    }

    /// An LPM trie of `prefixes`: key {u32 prefix length; address}, value u64 1.
    static func trie(_ prefixes: [IPPrefix], _ family: Family, _ loaded: Loaded) throws(JailError) -> Int32 {
        let fd = cjail_bpf_map_create(BPFNumbers.mapLPMTrie, UInt32(4 + family.size), 8, UInt32(prefixes.count), BPFNumbers.noPreallocation)
        if fd < 0 { throw NetworkPrograms.failure("IPAddressAllow=", "cannot create an LPM trie map", -fd) }
        loaded.maps.append(fd)
        for prefix in prefixes {
            var key = withUnsafeBytes(of: UInt32(prefix.length)) { Array($0) } + prefix.address
            var value: UInt64 = 1
            let result = cjail_bpf_map_update(fd, &key, &value)
            if result < 0 { throw NetworkPrograms.failure("IPAddressAllow=", "cannot add \(prefix) to an LPM trie map", -result) }
        }
        return fd
    }

    /// One entry per CPU of {u64 packets; u64 bytes}: each packet costs one lookup and two adds
    /// to a line no other CPU writes (systemd keeps one shared array of two counters, which
    /// costs two lookups and makes the CPUs contend for the line).
    static func counterMap(_ loaded: Loaded) throws(JailError) -> Int32 {
        let fd = cjail_bpf_map_create(BPFNumbers.mapPerCPUArray, 4, 16, 1, 0)
        if fd < 0 { throw NetworkPrograms.failure("IPAccounting=", "cannot create the counters' map", -fd) }
        loaded.maps.append(fd)
        return fd
    }

    /// r6 = skb, r7 = skb->protocol, r8 = the verdict bits the lookups set.
    func program(ingress: Bool, lookups: [(family: Family, deny: Int32?, allow: Int32?, denyAll: Bool, allowAll: Bool)],
                 allowEverything: Bool, denyEverything: Bool, counters: Int32?) -> [UInt8] {
        var code = EBPFCode()
        code.move(6, fromRegister: 1)
        code.load32(7, from: 6, 16)                       // skb->protocol
        code.move(8, 0)
        if allowEverything { code.or(8, Self.allowedBit) }
        if denyEverything { code.or(8, Self.deniedBit) }
        for lookup in lookups where lookup.deny != nil || lookup.allow != nil || lookup.denyAll || lookup.allowAll {
            let family = lookup.family
            let otherFamily = code.jump(if: 7, .notEqual, family.protocolImmediate)
            if lookup.denyAll { code.or(8, Self.deniedBit) }
            if lookup.allowAll { code.or(8, Self.allowedBit) }
            if lookup.deny != nil || lookup.allow != nil {
                // The key on the stack: {prefix length = all bits, address}, below the frame pointer.
                code.move(1, fromRegister: 6)
                code.move(2, ingress ? family.sourceOffset : family.destinationOffset)
                code.move(3, fromRegister: 10)
                code.add(3, -family.size)
                code.move(4, family.size)
                code.call(BPFNumbers.helperLoadBytes)
                code.store32(to: 10, Int16(-family.size - 4), family.size * 8)
                for (map, bit) in [(lookup.deny, Self.deniedBit), (lookup.allow, Self.allowedBit)] {
                    guard let map else { continue }
                    code.loadMap(1, fd: map)
                    code.move(2, fromRegister: 10)
                    code.add(2, -family.size - 4)
                    code.call(BPFNumbers.helperMapLookup)
                    let miss = code.jump(if: 0, .equal, 0)
                    code.or(8, bit)
                    code.land([miss])
                }
            }
            code.land([otherFamily])
        }
        // Dropped only when a deny prefix matched and no allow prefix did.
        code.move(0, 1)
        let passes = code.jump(if: 8, .notEqual, Self.deniedBit)
        code.exit(with: 0)
        code.land([passes])
        if let counters {
            code.store32(to: 10, -4, 0)
            code.move(2, fromRegister: 10)
            code.add(2, -4)
            code.loadMap(1, fd: counters)
            code.call(BPFNumbers.helperMapLookup)
            let missing = code.jump(if: 0, .equal, 0)
            code.move(1, 1)
            code.atomicAdd64(to: 0, 0, fromRegister: 1)      // packets
            code.load32(1, from: 6, 0)                        // skb->len
            code.atomicAdd64(to: 0, 8, fromRegister: 1)      // bytes
            code.land([missing])
        }
        code.exit(with: 1)
        return code.bytes
    }
}

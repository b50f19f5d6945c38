/// BPFDelegateCommands=, BPFDelegateMaps=, BPFDelegatePrograms=, BPFDelegateAttachments= (258):
/// what a PrivateBPF=yes bpffs lets a BPF token created from it do, as the four masks systemd
/// writes into the mount options delegate_cmds, delegate_maps, delegate_progs and delegate_attachs.
public struct BPFDelegation: Equatable, Sendable {
    public var commands: UInt64 = 0
    public var maps: UInt64 = 0
    public var programs: UInt64 = 0
    public var attachments: UInt64 = 0

    public init(commands: UInt64 = 0, maps: UInt64 = 0, programs: UInt64 = 0, attachments: UInt64 = 0) {
        self.commands = commands; self.maps = maps; self.programs = programs; self.attachments = attachments
    }

    /// Whether anything is delegated: with nothing, the bpffs needs no options at all.
    public var isEmpty: Bool { commands == 0 && maps == 0 && programs == 0 && attachments == 0 }

    /// The four masks in the order of the mount options.
    public var masks: [UInt64] { [commands, maps, programs, attachments] }

    /// The directive's mask from `d`'s value: "any" is every bit; else names joined by commas,
    /// each setting the bit of its index in the release's table. systemd warns about an unknown
    /// word and leaves it out (noted in `d.skipped`); no "~" inversion, no numbers. An empty
    /// value is no bit. A later line replaces an earlier one.
    mutating func apply(_ d: DirectiveInput) -> Bool {
        guard let table = BPFDelegationNames.table(d.key) else { return false }
        var mask: UInt64 = 0
        if d.value == "any" {
            mask = .max
        } else {
            for word in d.value.split(separator: ",", omittingEmptySubsequences: true).map(String.init) {
                guard let bit = BPFDelegationNames.bit(of: word, in: table, rules: d.rules) else {
                    d.skipped.problems.append(ValueError("unknown BPF delegation name '\(word)' for \(d.key)="))
                    continue
                }
                mask |= UInt64(1) << UInt64(bit)
            }
        }
        switch d.key {
        case "BPFDelegateCommands": commands = mask
        case "BPFDelegateMaps": maps = mask
        case "BPFDelegatePrograms": programs = mask
        default: attachments = mask
        }
        return true
    }
}

/// The names each BPFDelegate*= directive takes: a bit number's name is its kernel constant
/// (enum bpf_cmd, bpf_map_type, bpf_prog_type, bpf_attach_type in linux/bpf.h, as systemd ships
/// it) with its first word kept and the others capitalized: BPF_MAP_TYPE_ARRAY is
/// BPFMapTypeArray, bit 2. systemd numbers the names by their place in its list, which leaves out
/// aliases and, in the header it reads, every constant followed by a comment on its line: so
/// BPF_PROG_TYPE_SYSCALL has no name and BPFProgTypeNetfilter means bit 31, its number (32) less
/// one, as under systemd (its mount shows delegate_progs=syscall). Newer releases only append.
enum BPFDelegationNames {
    struct Table {
        let names: [String]
        /// Names appended after 258, with the release that added each.
        let since: [String: SystemdRelease]
    }

    static func table(_ key: String) -> Table? {
        switch key {
        case "BPFDelegateCommands": commands
        case "BPFDelegateMaps": maps
        case "BPFDelegatePrograms": programs
        case "BPFDelegateAttachments": attachments
        default: nil
        }
    }

    /// The bit `name` stands for under `rules`, or nil when that release does not know it
    /// (names are matched exactly, case included).
    static func bit(of name: String, in table: Table, rules: SystemdRelease) -> Int? {
        guard let index = table.names.firstIndex(of: name), rules >= table.since[name] ?? .v258 else { return nil }
        return index
    }

    static let commands = Table(names: [
        "BPFMapCreate",
        "BPFMapLookupElem",
        "BPFMapUpdateElem",
        "BPFMapDeleteElem",
        "BPFMapGetNextKey",
        "BPFProgLoad",
        "BPFObjPin",
        "BPFObjGet",
        "BPFProgAttach",
        "BPFProgDetach",
        "BPFProgTestRun",
        "BPFProgGetNextId",
        "BPFMapGetNextId",
        "BPFProgGetFdById",
        "BPFMapGetFdById",
        "BPFObjGetInfoByFd",
        "BPFProgQuery",
        "BPFRawTracepointOpen",
        "BPFBtfLoad",
        "BPFBtfGetFdById",
        "BPFTaskFdQuery",
        "BPFMapLookupAndDeleteElem",
        "BPFMapFreeze",
        "BPFBtfGetNextId",
        "BPFMapLookupBatch",
        "BPFMapLookupAndDeleteBatch",
        "BPFMapUpdateBatch",
        "BPFMapDeleteBatch",
        "BPFLinkCreate",
        "BPFLinkUpdate",
        "BPFLinkGetFdById",
        "BPFLinkGetNextId",
        "BPFEnableStats",
        "BPFIterCreate",
        "BPFLinkDetach",
        "BPFProgBindMap",
        "BPFTokenCreate",
        "BPFProgStreamReadByFd",
        "BPFProgAssocStructOps"
    ], since: ["BPFProgAssocStructOps": .v260])

    static let maps = Table(names: [
        "BPFMapTypeUnspec",
        "BPFMapTypeHash",
        "BPFMapTypeArray",
        "BPFMapTypeProgArray",
        "BPFMapTypePerfEventArray",
        "BPFMapTypePercpuHash",
        "BPFMapTypePercpuArray",
        "BPFMapTypeStackTrace",
        "BPFMapTypeCgroupArray",
        "BPFMapTypeLruHash",
        "BPFMapTypeLruPercpuHash",
        "BPFMapTypeLpmTrie",
        "BPFMapTypeArrayOfMaps",
        "BPFMapTypeHashOfMaps",
        "BPFMapTypeDevmap",
        "BPFMapTypeSockmap",
        "BPFMapTypeCpumap",
        "BPFMapTypeXskmap",
        "BPFMapTypeSockhash",
        "BPFMapTypeCgroupStorageDeprecated",
        "BPFMapTypeReuseportSockarray",
        "BPFMapTypePercpuCgroupStorageDeprecated",
        "BPFMapTypeQueue",
        "BPFMapTypeStack",
        "BPFMapTypeSkStorage",
        "BPFMapTypeDevmapHash",
        "BPFMapTypeStructOps",
        "BPFMapTypeRingbuf",
        "BPFMapTypeInodeStorage",
        "BPFMapTypeTaskStorage",
        "BPFMapTypeBloomFilter",
        "BPFMapTypeUserRingbuf",
        "BPFMapTypeCgrpStorage",
        "BPFMapTypeArena",
        "BPFMapTypeInsnArray",
        "BPFMapTypeRhash"
    ], since: ["BPFMapTypeInsnArray": .v259, "BPFMapTypeRhash": .v262])

    static let programs = Table(names: [
        "BPFProgTypeUnspec",
        "BPFProgTypeSocketFilter",
        "BPFProgTypeKprobe",
        "BPFProgTypeSchedCls",
        "BPFProgTypeSchedAct",
        "BPFProgTypeTracepoint",
        "BPFProgTypeXdp",
        "BPFProgTypePerfEvent",
        "BPFProgTypeCgroupSkb",
        "BPFProgTypeCgroupSock",
        "BPFProgTypeLwtIn",
        "BPFProgTypeLwtOut",
        "BPFProgTypeLwtXmit",
        "BPFProgTypeSockOps",
        "BPFProgTypeSkSkb",
        "BPFProgTypeCgroupDevice",
        "BPFProgTypeSkMsg",
        "BPFProgTypeRawTracepoint",
        "BPFProgTypeCgroupSockAddr",
        "BPFProgTypeLwtSeg6local",
        "BPFProgTypeLircMode2",
        "BPFProgTypeSkReuseport",
        "BPFProgTypeFlowDissector",
        "BPFProgTypeCgroupSysctl",
        "BPFProgTypeRawTracepointWritable",
        "BPFProgTypeCgroupSockopt",
        "BPFProgTypeTracing",
        "BPFProgTypeStructOps",
        "BPFProgTypeExt",
        "BPFProgTypeLsm",
        "BPFProgTypeSkLookup",
        "BPFProgTypeNetfilter"
    ], since: [:])

    static let attachments = Table(names: [
        "BPFCgroupInetIngress",
        "BPFCgroupInetEgress",
        "BPFCgroupInetSockCreate",
        "BPFCgroupSockOps",
        "BPFSkSkbStreamParser",
        "BPFSkSkbStreamVerdict",
        "BPFCgroupDevice",
        "BPFSkMsgVerdict",
        "BPFCgroupInet4Bind",
        "BPFCgroupInet6Bind",
        "BPFCgroupInet4Connect",
        "BPFCgroupInet6Connect",
        "BPFCgroupInet4PostBind",
        "BPFCgroupInet6PostBind",
        "BPFCgroupUdp4Sendmsg",
        "BPFCgroupUdp6Sendmsg",
        "BPFLircMode2",
        "BPFFlowDissector",
        "BPFCgroupSysctl",
        "BPFCgroupUdp4Recvmsg",
        "BPFCgroupUdp6Recvmsg",
        "BPFCgroupGetsockopt",
        "BPFCgroupSetsockopt",
        "BPFTraceRawTp",
        "BPFTraceFentry",
        "BPFTraceFexit",
        "BPFModifyReturn",
        "BPFLsmMac",
        "BPFTraceIter",
        "BPFCgroupInet4Getpeername",
        "BPFCgroupInet6Getpeername",
        "BPFCgroupInet4Getsockname",
        "BPFCgroupInet6Getsockname",
        "BPFXdpDevmap",
        "BPFCgroupInetSockRelease",
        "BPFXdpCpumap",
        "BPFSkLookup",
        "BPFXdp",
        "BPFSkSkbVerdict",
        "BPFSkReuseportSelect",
        "BPFSkReuseportSelectOrMigrate",
        "BPFPerfEvent",
        "BPFTraceKprobeMulti",
        "BPFLsmCgroup",
        "BPFStructOps",
        "BPFNetfilter",
        "BPFTcxIngress",
        "BPFTcxEgress",
        "BPFTraceUprobeMulti",
        "BPFCgroupUnixConnect",
        "BPFCgroupUnixSendmsg",
        "BPFCgroupUnixRecvmsg",
        "BPFCgroupUnixGetpeername",
        "BPFCgroupUnixGetsockname",
        "BPFNetkitPrimary",
        "BPFNetkitPeer",
        "BPFTraceKprobeSession",
        "BPFTraceUprobeSession",
        "BPFTraceFsession",
        "BPFTraceFentryMulti",
        "BPFTraceFexitMulti",
        "BPFTraceFsessionMulti"
    ], since: ["BPFTraceFsession": .v260, "BPFTraceFentryMulti": .v262, "BPFTraceFexitMulti": .v262, "BPFTraceFsessionMulti": .v262])
}

extension BPFDelegation {
    /// The mount options as brig sets them (and systemd: every one, in hexadecimal), for plans.
    public var mountOptions: String {
        zip(["delegate_cmds", "delegate_maps", "delegate_progs", "delegate_attachs"], masks)
            .map { "\($0)=0x\(String($1, radix: 16))" }.joined(separator: ",")
    }
}

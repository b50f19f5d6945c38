/// Who owns an exec directory (StateDirectory= and the like) on the host, and whether the
/// service sees it through an id-mapped bind. Before 257 the tree is always the service's.
/// systemd 257 and later (setup_exec_directory() in exec-invoke.c) keep it nobody's wherever the
/// file system takes an id-mapped mount and the service runs as neither uid nor gid 0: a
/// directory nobody owns already stays so; a DynamicUser= private one still root's (just made)
/// becomes nobody's; any other keeps being changed to the service's ids, without a mapping, so
/// a directory a service owned before the upgrade goes on working as it did.
enum ExecDirectoryOwnership: Equatable {
    /// Changed to the service's uid and gid; a plain bind.
    case service
    /// Changed to nobody; bound id-mapped.
    case nobody
    /// Nobody's already, left as it is; bound id-mapped.
    case keptNobody

    var idMapped: Bool { self != .service }

    /// `idMappingSupported`: the rules follow 257 and the directory's file system takes the
    /// mapping. `owner`: the directory's uid and gid now. `isPrivate`: under DynamicUser='s
    /// "private/".
    static func decide(uid: UInt32, gid: UInt32, idMappingSupported: Bool, isPrivate: Bool,
                       owner: (uid: UInt32, gid: UInt32)) -> ExecDirectoryOwnership {
        guard uid != 0, gid != 0, idMappingSupported else { return .service }
        if owner.uid == IdMapping.nobody && owner.gid == IdMapping.nobody { return .keptNobody }
        if isPrivate && owner.uid == 0 && owner.gid == 0 { return .nobody }
        return .service
    }
}

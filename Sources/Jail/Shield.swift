import CJail
#if canImport(Glibc)
import Glibc
#endif

/// What keeps a jail's hands off the brig that runs it. The kernel lets a process without
/// CAP_KILL signal another only when their real or saved uids meet, and ptrace or read the
/// memory of another without CAP_SYS_PTRACE only when all its uids match: so while it supervises,
/// `brig run` keeps root as its effective uid (and every capability with it) but gives its real
/// and saved uid to one no service runs as. A jailed root without those capabilities, or any
/// other user, can then neither stop, kill nor trace it. Each child takes root's uids back first.
public enum Shield {
    /// brig's real and saved uid while shielded; `User=` may not name it.
    public static let uid: uid_t = 0x7FFF_FFFE

    /// Best effort: where the uid cannot be taken (a user namespace that does not map it),
    /// brig runs as before.
    public static func raise() {
        if geteuid() == 0 && getuid() == 0 { _ = cjail_setresuid(uid, 0, uid) }
    }

    static var isRaised: Bool { getuid() == uid && geteuid() == 0 }
}

import CJail
#if canImport(Glibc)
import Glibc
#endif

/// An id-mapped mount of an exec directory (systemd 257 and later, `ReleaseFacts.execDirectoriesIdMapped`):
/// the directory stays owned by nobody on the host, and the service's bind of it shows nobody's
/// files as its own. The mapping is a user namespace whose maps carry nobody to the service's
/// uid and gid, and root to root (so root's own files inside stay root's); brig makes it before
/// the fork and the child's `.idMappedMount` steps use it.
public struct IdMapping: Sendable, Equatable {
    /// The owner the directory keeps on the host (systemd's UID_NOBODY and GID_NOBODY).
    public static let nobody: UInt32 = 65534
    /// What the id-mapped bind carries besides the mapping: no set-uid, no devices, no execution.
    public static let attributes = MountFlags.attrNoSUID | MountFlags.attrNoDev | MountFlags.attrNoExec

    public var uid: UInt32
    public var gid: UInt32
    /// The user namespace holding the maps, opened by the run (nil in a dry run, which makes none).
    public var userNamespace: Int32?

    public init(uid: UInt32, gid: UInt32, userNamespace: Int32? = nil) {
        self.uid = uid; self.gid = gid; self.userNamespace = userNamespace
    }

    var uidMap: String { "\(Self.nobody) \(uid) 1\n0 0 1\n" }
    var gidMap: String { "\(Self.nobody) \(gid) 1\n0 0 1\n" }

    /// The mapping with its user namespace made (close-on-exec; the caller closes it). nil when
    /// the kernel gives no user namespace for want of support, privilege or room (EINVAL, EPERM,
    /// ENOSPC, ...): then no file system supports the mapping, as systemd concludes.
    static func make(uid: UInt32, gid: UInt32) throws(SystemError) -> IdMapping? {
        var mapping = IdMapping(uid: uid, gid: gid)
        let fd = cjail_mapping_userns(mapping.uidMap, mapping.gidMap)
        if fd < 0 {
            if [EINVAL, EPERM, EACCES, ENOSPC, EOPNOTSUPP, ENOSYS].contains(-fd) { return nil }
            throw SystemError(-fd)
        }
        mapping.userNamespace = fd
        return mapping
    }

    /// Whether the directory's file system takes this mapping (tried on a detached copy).
    func supports(_ directory: OpenDirectory) throws(SystemError) -> Bool {
        guard let fd = userNamespace else { return false }
        let answer = cjail_idmap_supported(directory.fd, fd)
        if answer < 0 { throw SystemError(-answer) }
        return answer == 1
    }
}

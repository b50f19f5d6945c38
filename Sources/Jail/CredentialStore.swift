#if canImport(Glibc)
import Glibc
#endif

/// /run/credentials/UNIT while the service runs, made as systemd 252 makes it: a ramfs of its own
/// (tmpfs where ramfs is missing: ramfs is never swapped out), mounted nodev, noexec and nosuid
/// in brig's (the host's) mount namespace, so a jail without a mount namespace of its own sees it
/// too. Each credential is a file of mode 0400, the directory 0500, both owned by the service's
/// user (root's group), and the mount is made read-only before anything runs: the owner cannot
/// chmod its way to writing. Every step on the tree goes by descriptor (OpenDirectory).
final class CredentialStore {
    static let base = "/run/credentials"
    let unitName: String
    var path: String { Self.base + "/" + unitName }

    init(unitName: String) { self.unitName = unitName }

    /// `claimed` is called once the mount point is this run's, before anything is mounted on it.
    static func create(unitName: String, credentials: [Credential], uid: uid_t, label: String,
                       claimed: () -> Void) throws(JailError) -> CredentialStore {
        let store = CredentialStore(unitName: unitName)
        var step = "creating \(base)"
        do throws(SystemError) {
            if mkdir(base, 0o755) != 0 && errno != EEXIST { throw SystemError(errno) }
            let top = try OpenDirectory(trusted: base)
            step = "creating \(store.path)"
            if top.exists(unitName) {
                var st = stat()
                let here = try top.status()
                // Another run of the same unit uses it, or one killed before its clean-up: brig
                // neither shares a store nor takes one over.
                if fstatat(top.fd, unitName, &st, AT_SYMLINK_NOFOLLOW) == 0, st.st_dev != here.st_dev {
                    step = "\(store.path) is mounted already (by another run of \(unitName), or one that was killed)"
                    throw SystemError(EBUSY)
                }
                let code = top.removeTree(unitName)
                if code != 0 { throw SystemError(code) }
            }
            if mkdirat(top.fd, unitName, 0o700) != 0 { throw SystemError(errno) }
            claimed()
            step = "mounting ramfs on \(store.path)"
            let flags = UInt(MS_NODEV | MS_NOEXEC | MS_NOSUID)
            if mount("ramfs", store.path, "ramfs", flags, "mode=0700") != 0 {
                step = "mounting tmpfs on \(store.path)"
                let options = "mode=0700,nr_inodes=1024,size=\(CredentialSources.totalSizeMax)"
                if mount("tmpfs", store.path, "tmpfs", flags, options) != 0 {
                    let code = errno
                    _ = unlinkat(top.fd, unitName, AT_REMOVEDIR)
                    throw SystemError(code)
                }
            }
            do throws(SystemError) {
                let directory = try top.child(unitName).directory
                for credential in credentials {
                    step = "writing \(store.path)/\(credential.id)"
                    try write(credential, in: directory, uid: uid)
                }
                step = "chmod \(store.path)"
                try directory.setMode(0o500)
                step = "chown \(store.path)"
                // As systemd: a root service's store stays root's; the group is never changed.
                if uid != 0, fchown(directory.fd, uid, gid_t.max) != 0 { throw SystemError(errno) }
                step = "remounting \(store.path) read-only"
                if mount(nil, store.path, nil, UInt(MS_BIND | MS_REMOUNT | MS_RDONLY) | flags, nil) != 0 { throw SystemError(errno) }
            } catch {
                store.remove()
                throw error
            }
        } catch {
            throw CredentialRequest.failure(label, "\(step): \(CredentialRequest.errnoText(error.code))")
        }
        return store
    }

    private static func write(_ credential: Credential, in directory: OpenDirectory, uid: uid_t) throws(SystemError) {
        let fd = openat(directory.fd, credential.id, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0o600)
        if fd < 0 { throw SystemError(errno) }
        defer { close(fd) }
        var written = 0
        while written < credential.data.count {
            let n = credential.data[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw SystemError(errno) }
            written += n
        }
        if fchmod(fd, 0o400) != 0 { throw SystemError(errno) }
        if uid != 0, fchown(fd, uid, gid_t.max) != 0 { throw SystemError(errno) }
    }

    /// Unmounts the store and removes its mount point; nothing of it stays. The directory
    /// left under the mount is removed by descriptor, following nothing.
    func remove() {
        _ = umount2(path, Int32(MNT_DETACH) | 8 /* UMOUNT_NOFOLLOW */)
        guard let top = try? OpenDirectory(trusted: Self.base) else { return }
        top.removeTree(unitName)
    }
}

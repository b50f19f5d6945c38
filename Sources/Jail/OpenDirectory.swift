import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// A directory held by descriptor, for work as root in trees a jailed service may write to
/// (its managed directories, its private /tmp). Every name below it is opened without following
/// a symlink, so a link the service planted cannot turn brig's chown, chmod or unlink onto a
/// file elsewhere; and the checked directory is the one changed, whatever is renamed meanwhile.
final class OpenDirectory {
    let fd: Int32

    /// A directory brig trusts, such as /var/lib or /run: a symlink on the way is followed.
    init(trusted path: String) throws(SystemError) {
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw SystemError(errno) }
    }

    private init(descriptor: Int32) { fd = descriptor }

    deinit { close(fd) }

    /// The directory `name` below this one, made with `mode` if `create` and missing; a symlink
    /// or a non-directory there fails (ELOOP, ENOTDIR). `created` tells whether it was made now.
    func child(_ name: String, create mode: mode_t? = nil) throws(SystemError) -> (directory: OpenDirectory, created: Bool) {
        var created = false
        if let mode {
            if mkdirat(fd, name, mode) == 0 { created = true } else if errno != EEXIST { throw SystemError(errno) }
        }
        let child = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if child < 0 { throw SystemError(errno == ENOTDIR && isSymlink(name) ? ELOOP : errno) }
        return (OpenDirectory(descriptor: child), created)
    }

    /// Walks `relative` ("a/b/c") down from here; with `mode`, what is missing is made: the
    /// parents with 0755, the last with `mode`.
    func descend(_ relative: String, create mode: mode_t? = nil) throws(SystemError) -> (directory: OpenDirectory, created: Bool) {
        let parts = relative.split(separator: "/").map(String.init)
        guard !parts.isEmpty else { throw SystemError(EINVAL) }
        var current: (directory: OpenDirectory, created: Bool) = (self, false)
        for (index, part) in parts.enumerated() {
            current = try current.directory.child(part, create: index == parts.count - 1 ? mode : mode.map { _ in 0o755 })
        }
        return current
    }

    func isSymlink(_ name: String) -> Bool {
        var st = stat()
        return fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    /// Whether `name` is a directory itself, not a symlink to one.
    func isRealDirectory(_ name: String) -> Bool {
        var status = stat()
        return fstatat(fd, name, &status, AT_SYMLINK_NOFOLLOW) == 0 && status.st_mode & S_IFMT == S_IFDIR
    }

    func exists(_ name: String) -> Bool {
        var st = stat()
        return fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0
    }

    func status() throws(SystemError) -> stat {
        var st = stat()
        if fstat(fd, &st) != 0 { throw SystemError(errno) }
        return st
    }

    func setMode(_ mode: mode_t) throws(SystemError) {
        if fchmod(fd, mode & 0o7777) != 0 { throw SystemError(errno) }
    }

    /// systemd's path_chown_recursive(): the owner of this directory and of everything below
    /// it, each mode cut to `mask` (DynamicUser= drops set-uid and set-gid bits); a tree whose
    /// top already fits is left alone. Links are changed themselves, never followed.
    func setOwnerOfTree(uid: uid_t, gid: gid_t, mask: mode_t) throws(SystemError) {
        let top = try status()
        if top.st_uid == uid && top.st_gid == gid && top.st_mode & ~mask & 0o7777 == 0 { return }
        try setOwnerBelow(uid: uid, gid: gid, mask: mask)
        try Self.setOwner(fd: fd, name: "", st: top, uid: uid, gid: gid, mask: mask)
    }

    private func setOwnerBelow(uid: uid_t, gid: gid_t, mask: mode_t) throws(SystemError) {
        for name in try names() {
            var st = stat()
            if fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 { throw SystemError(errno) }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                let sub = try child(name).directory
                try sub.setOwnerBelow(uid: uid, gid: gid, mask: mask)
                try Self.setOwner(fd: sub.fd, name: "", st: try sub.status(), uid: uid, gid: gid, mask: mask)
            } else {
                try Self.setOwner(fd: fd, name: name, st: st, uid: uid, gid: gid, mask: mask)
            }
        }
    }

    /// chown, then the mode again (chown clears set-uid bits), as fchmod_and_chown() does;
    /// symlinks have no mode of their own.
    private static func setOwner(fd: Int32, name: String, st: stat, uid: uid_t, gid: gid_t, mask: mode_t) throws(SystemError) {
        let flags = name.isEmpty ? FileFlags.atEmptyPath : AT_SYMLINK_NOFOLLOW
        if st.st_uid != uid || st.st_gid != gid {
            if fchownat(fd, name, uid, gid, flags) != 0 { throw SystemError(errno) }
        }
        if (st.st_mode & S_IFMT) == S_IFLNK { return }
        let mode = st.st_mode & mask & 0o7777
        if st.st_uid != uid || st.st_gid != gid || mode != st.st_mode & 0o7777 {
            // AT_SYMLINK_NOFOLLOW: an entry swapped for a link since it was looked at is refused, not followed.
            if name.isEmpty ? fchmod(fd, mode) != 0 : fchmodat(fd, name, mode, AT_SYMLINK_NOFOLLOW) != 0 { throw SystemError(errno) }
        }
    }

    /// rm -rf of `name` below this directory: nothing is followed, and a mount point (a
    /// directory on another file system) is left where it is. Returns the first errno.
    @discardableResult
    func removeTree(_ name: String) -> Int32 {
        var st = stat(), here = stat()
        guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0, fstat(fd, &here) == 0 else { return errno == ENOENT ? 0 : errno }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { return unlinkat(fd, name, 0) == 0 ? 0 : errno }
        if st.st_dev != here.st_dev { return EXDEV }
        guard let sub = try? child(name).directory else { return errno }
        var first: Int32 = 0
        for entry in (try? sub.names()) ?? [] {
            let code = sub.removeTree(entry)
            if first == 0 { first = code }
        }
        if unlinkat(fd, name, AT_REMOVEDIR) != 0 && first == 0 { first = errno }
        return first
    }

    /// The names in this directory, without "." and "..".
    func names() throws(SystemError) -> [String] { try FileSystem.names(inDirectory: fd) }
}

/// An errno from a system call made in the parent.
struct SystemError: Error {
    let code: Int32
    init(_ code: Int32) { self.code = code }
    var name: String { SystemFiles.errorName(code) }
}

extension FileSystem {
    /// The names in the directory `fd` (left open), without "." and "..".
    static func names(inDirectory fd: Int32) throws(SystemError) -> [String] {
        let copy = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard copy >= 0, let dir = fdopendir(copy) else {
            let code = errno
            if copy >= 0 { close(copy) }
            throw SystemError(code)
        }
        defer { closedir(dir) }
        return names(in: dir)
    }
}

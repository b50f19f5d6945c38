import CJail
#if canImport(Glibc)
import Glibc
#endif

/// A copy of a directory tree as root, by descriptor: every entry keeps its type (directories,
/// files, symlinks, device nodes, fifos, sockets), owner, mode and timestamps, files and
/// directories their extended attributes (ACLs among them), and files linked together stay linked. File data is reflinked where the file
/// system can (cp --reflink=auto). FileManager.copyItem keeps neither owners nor device nodes,
/// and neither Glibc nor Foundation has a routine that does. Entries on another file system
/// (mount points below the tree) are left out, as systemd's COPY_SAME_MOUNT leaves them.
struct TreeCopy {
    /// What failed, where (relative to the tree's top).
    struct Failure: Error {
        let path: String
        let code: Int32
    }

    private let device: dev_t
    private let top: OpenDirectory
    /// Files with more than one link already copied: (device, inode) to the copy's relative path.
    private var linked: [UInt64: [UInt64: String]] = [:]

    /// Copies what `source` holds into the empty directory `destination`, then gives
    /// `destination` the owner, mode, attributes and times of `source`.
    static func copy(_ source: OpenDirectory, into destination: OpenDirectory) throws(Failure) {
        let st = try Self.status(source, "")
        var copy = TreeCopy(device: st.st_dev, top: destination)
        try copy.copyEntries(source, destination, relative: "")
        try copy.finish(fd: destination.fd, name: "", like: st, source: source.fd, path: ".")
    }

    private mutating func copyEntries(_ source: OpenDirectory, _ destination: OpenDirectory, relative: String) throws(Failure) {
        let names: [String]
        do { names = try source.names() } catch { throw Failure(path: relative.isEmpty ? "." : relative, code: error.code) }
        for name in names {
            let path = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            if fstatat(source.fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 { throw Failure(path: path, code: errno) }
            if st.st_dev != device { continue }
            let type = st.st_mode & S_IFMT
            if type != S_IFDIR && st.st_nlink > 1, let first = linked[UInt64(st.st_dev)]?[UInt64(st.st_ino)] {
                if linkat(top.fd, first, destination.fd, name, 0) != 0 { throw Failure(path: path, code: errno) }
                continue
            }
            switch type {
            case S_IFDIR:
                if mkdirat(destination.fd, name, 0o700) != 0 { throw Failure(path: path, code: errno) }
                let from: OpenDirectory, to: OpenDirectory
                do {
                    from = try source.child(name).directory
                    to = try destination.child(name).directory
                } catch { throw Failure(path: path, code: error.code) }
                try copyEntries(from, to, relative: path)
                try finish(fd: to.fd, name: "", like: st, source: from.fd, path: path)
            case S_IFREG:
                let from = openat(source.fd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC)
                if from < 0 { throw Failure(path: path, code: errno) }
                defer { close(from) }
                let to = openat(destination.fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
                if to < 0 { throw Failure(path: path, code: errno) }
                defer { close(to) }
                let code = cjail_copy_data(from, to)
                if code < 0 { throw Failure(path: path, code: -code) }
                try finish(fd: to, name: "", like: st, source: from, path: path)
            case S_IFLNK:
                var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let length = readlinkat(source.fd, name, &buffer, buffer.count - 1)
                if length < 0 { throw Failure(path: path, code: errno) }
                buffer[length] = 0
                if symlinkat(buffer, destination.fd, name) != 0 { throw Failure(path: path, code: errno) }
                try finish(fd: destination.fd, name: name, like: st, source: nil, path: path)
            default:   // device nodes, fifos, sockets: made anew, the same kind and number
                if mknodat(destination.fd, name, st.st_mode & (S_IFMT | 0o7777), st.st_rdev) != 0 { throw Failure(path: path, code: errno) }
                try finish(fd: destination.fd, name: name, like: st, source: nil, path: path)
            }
            if type != S_IFDIR && st.st_nlink > 1 { linked[UInt64(st.st_dev), default: [:]][UInt64(st.st_ino)] = path }
        }
    }

    /// Owner first (chown clears set-id bits), then attributes (an ACL changes the mode), then
    /// the mode, then times (everything before changed them). `name` empty: `fd` is the entry
    /// itself; otherwise the entry `name` below `fd`, never followed.
    private func finish(fd: Int32, name: String, like st: stat, source: Int32?, path: String) throws(Failure) {
        let flags = name.isEmpty ? FileFlags.atEmptyPath : AT_SYMLINK_NOFOLLOW
        if fchownat(fd, name, st.st_uid, st.st_gid, flags) != 0 { throw Failure(path: path, code: errno) }
        if let source {
            let code = cjail_copy_xattrs(source, fd)
            if code < 0 { throw Failure(path: path, code: -code) }
        }
        if st.st_mode & S_IFMT != S_IFLNK {
            let mode = st.st_mode & 0o7777
            if name.isEmpty ? fchmod(fd, mode) != 0 : fchmodat(fd, name, mode, 0) != 0 { throw Failure(path: path, code: errno) }
        }
        let times = [st.st_atim, st.st_mtim]
        if name.isEmpty ? futimens(fd, times) != 0 : utimensat(fd, name, times, AT_SYMLINK_NOFOLLOW) != 0 {
            throw Failure(path: path, code: errno)
        }
    }

    private static func status(_ directory: OpenDirectory, _ path: String) throws(Failure) -> stat {
        do { return try directory.status() } catch { throw Failure(path: path.isEmpty ? "." : path, code: error.code) }
    }
}

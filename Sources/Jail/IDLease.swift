#if canImport(Glibc)
import Glibc
#endif

/// One id held for one run through a lock file named after it in a directory of /run/brig: the
/// file is locked while the run's brig and its keeper live, and names the run's cgroup, so that an
/// id whose processes outlived their brig (killed, or SendSIGKILL=no) is not handed out again until
/// that cgroup is empty. `DynamicUserLease` holds a uid so, `ManagedUserRangeLease` a block's start.
struct IDLease {
    let id: UInt32
    private let path: String
    private let fd: Int32
    private let cgroup: String

    enum Attempt {
        case held(IDLease)
        /// Another run holds the id, or the processes of the last one live on.
        case taken
        /// No lock file can be made, for this id or any: out of descriptors, inodes or memory.
        case impossible(reason: String)
    }

    /// Makes `directory` unless it exists; a start that cannot fails for `directive`.
    static func prepare(_ directory: String, for directive: String) throws(JailError) {
        let code = SystemFiles.makeDirectories(directory, mode: 0o755)
        if code != 0 { throw .refused(directive: directive, reason: "creating \(directory): \(SystemFiles.errorName(code))", status: .user) }
    }

    /// Holds `id` for the run in `cgroup`, unless a user or group of the host has it or another
    /// run holds it (nil); a start fails for `directive` when no lock file can be made at all.
    static func takeUnused(_ id: UInt32, in directory: String, cgroup: String, for directive: String) throws(JailError) -> IDLease? {
        if UserDatabase.user(.id(id), { _ in true }) != nil || UserDatabase.group(.id(id), { _ in true }) != nil { return nil }
        switch take(id, in: directory, cgroup: cgroup) {
        case .held(let lease): return lease
        case .taken: return nil
        case .impossible(let why): throw .refused(directive: directive, reason: why, status: .user)
        }
    }

    /// Tries to hold `id` for the run in `cgroup`.
    private static func take(_ id: UInt32, in directory: String, cgroup: String) -> Attempt {
        let path = "\(directory)/\(id)"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if fd < 0 && [EMFILE, ENFILE, ENOSPC, ENOMEM].contains(errno) {
            return .impossible(reason: "creating \(path): \(SystemFiles.errorName(errno))")
        }
        if fd < 0 { return .taken }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 && isStill(path, fd) {
            let previous = SystemFiles.read(path) ?? ""
            if previous.isEmpty || RunSite.isEmpty(previous) {
                // Written over, then cut to length if the last lease was longer: a truncation to zero
                // would make ext4 write the file out at its close (auto_da_alloc), a disk write per
                // run where /run is not a tmpfs.
                let bytes = Array(cgroup.utf8)
                if pwrite(fd, bytes, bytes.count, 0) == bytes.count
                    && (previous.utf8.count <= bytes.count || ftruncate(fd, off_t(bytes.count)) == 0) {
                    return .held(IDLease(id: id, path: path, fd: fd, cgroup: cgroup))
                }
            }
        }
        close(fd)
        return .taken
    }

    /// Whether the locked file is still the one at `path`: a lease's end unlinks it, and a lock
    /// taken on the unlinked file would hold nothing.
    private static func isStill(_ path: String, _ fd: Int32) -> Bool {
        var locked = stat(), current = stat()
        return fstat(fd, &locked) == 0 && lstat(path, &current) == 0
            && locked.st_ino == current.st_ino && locked.st_dev == current.st_dev
    }

    /// Ends the lease; while the run's cgroup still has processes the file stays, naming it.
    func release() {
        if RunSite.isEmpty(cgroup) { unlink(path) }
        close(fd)
    }

    /// Removes the lease files of runs whose brig was killed: a file of an id `isLeased` accepts
    /// that nobody holds and whose run cgroup is empty or gone (or that names none). Each is locked
    /// while it is removed, and `take` checks that the file it locked is still in place.
    static func sweep(_ directory: String, isLeased: (UInt32) -> Bool) {
        guard let listing = try? OpenDirectory(trusted: directory), let names = try? listing.names() else { return }
        for name in names where UInt32(name).map(isLeased) == true {
            let path = "\(directory)/\(name)"
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                let cgroup = SystemFiles.read(path) ?? ""
                if cgroup.isEmpty || RunSite.isEmpty(cgroup) { unlink(path) }
            }
            close(fd)
        }
    }
}

import CJail
import Directives
#if canImport(Glibc)
import Glibc
#endif

/// StateDirectoryQuota=, CacheDirectoryQuota=, LogsDirectoryQuota= and the *DirectoryAccounting=
/// beside them (systemd 258), done as systemd's apply_exec_quotas() does them: the directories of
/// one kind share a project id, set on every directory and regular file below them with
/// FS_XFLAG_PROJINHERIT on the directories, and the file system's project quota for that id gets
/// the hard limits. The id is kept in the directory, so the next start, and systemd, find it.
/// Where the file system has no project ids or no project quota turned on, nothing is set and
/// the start goes on, as systemd's does (it logs that at debug level only).
enum ProjectQuota {
    /// The ids systemd hands out, from 2^31 to 2^32 - 2; below are the administrator's.
    static let ids: ClosedRange<UInt32> = 0x8000_0000...0xFFFF_FFFE

    /// What one kind's directories share while they are prepared one after the other.
    struct KindState {
        /// The project id of the kind's directories, once one is known (0 before).
        var project: UInt32 = 0
        var enforced = false
    }

    /// Why a directory got no quota: a result, not an error (systemd goes on too).
    enum Skipped: Equatable {
        case noProjectIDs(Int32)
        case noProjectQuota
    }

    /// The first id systemd tries for a kind of directory of the unit whose cgroup is `cgroupPath`:
    /// SipHash-2-4 of "PATH|state" (or cache, logs) under systemd's fixed key, brought into `ids`.
    static func candidate(cgroupPath: String, kind: ManagedDirectoryKind) -> UInt32 {
        let key: [UInt8] = [0xe1, 0x4a, 0x79, 0x9b, 0x64, 0x40, 0x41, 0x4a, 0xa8, 0x46, 0xc2, 0xf3, 0xf9, 0x19, 0x4f, 0x01]
        let hash = SipHash.hash(Array((cgroupPath + "|" + kind.rawValue.lowercased()).utf8), key: key)
        return UInt32(hash % UInt64(ids.upperBound - ids.lowerBound + 1)) + ids.lowerBound
    }

    /// Applies `quota` (nil: off) and `accounting` to `directory`; an error is a failed start.
    @discardableResult
    static func apply(to directory: some ProjectDirectory, quota: DirectoryQuota?, accounting: Bool, cgroupPath: String,
                      kind: ManagedDirectoryKind, state: inout KindState) throws(SystemError) -> Skipped? {
        let (read, current) = directory.projectID()
        if isUnsupportedIoctl(read) { return .noProjectIDs(-read) }
        if read < 0 { throw SystemError(-read) }
        let hasID = ids.contains(current)
        if hasID && state.project == 0 { state.project = current }
        var project = current

        if quota == nil {
            // Off: limits set by an earlier start go, and the id too unless accounting keeps it.
            if hasID { try release(directory, project: current, keepID: accounting) }
            if !accounting { return nil }
        }

        var supported = false
        if state.project != 0 && state.project != current {
            project = state.project
            try directory.setProjectOfTree(project)
        } else if state.project == 0 {
            project = candidate(cgroupPath: cgroupPath, kind: kind)
            var attempts = 0
            while true {
                if attempts == 10 { throw SystemError(EBUSY) }
                attempts += 1
                guard let usage = try query(directory, project: project) else { return .noProjectQuota }
                supported = true
                // An id nothing on the file system uses yet, and that no one else takes meanwhile.
                if !isInUse(usage), try claim(directory, project: project) {
                    state.project = project
                    break
                }
                project = UInt32.random(in: ids)
            }
        }

        if let quota, !state.enforced {
            if !supported, try query(directory, project: project) == nil { return .noProjectQuota }
            let (blocks, inodes) = try directory.hardLimits(quota)
            let set = directory.setQuotaLimits(project, blocks: (0, blocks), inodes: (0, inodes))
            if set < 0 { throw SystemError(-set) }
            state.enforced = true
        }
        return nil
    }

    /// The hard limits, in 1K quota blocks and in inodes (0: none). A share is of the file
    /// system the directory's parent is on; the parent itself must not be in a project (its
    /// statvfs would then report the project's limit, not the file system's size).
    static func limits(_ quota: DirectoryQuota, for directory: OpenDirectory) throws(SystemError) -> (blocks: UInt64, inodes: UInt64) {
        switch quota {
        case .bytes(0), .share(0):
            return (1, 1)   // nothing may be written; 0 would be no limit at all
        case .bytes(let bytes):
            return (bytes / 1024 + (bytes % 1024 == 0 ? 0 : 1), 0)
        case .share(let scale):
            let parent = openat(directory.fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if parent < 0 { throw SystemError(errno) }
            defer { close(parent) }
            var flags: UInt32 = 0
            let read = cjail_project_get(parent, &flags, nil)
            if read < 0 { throw SystemError(-read) }
            if flags & projectInherit != 0 { throw SystemError(ENOMEDIUM) }
            var fs = statvfs()
            if fstatvfs(parent, &fs) != 0 { throw SystemError(errno) }
            // In systemd's order of operations, so that the rounding is the same.
            let bytes = UInt64(Double(UInt64(fs.f_frsize) &* UInt64(fs.f_blocks)) / Double(UInt32.max) * Double(scale))
            return (bytes / 1024 + (bytes % 1024 == 0 ? 0 : 1), UInt64(Double(fs.f_files) / Double(UInt32.max) * Double(scale)))
        }
    }

    /// The project's quota, or nil where the file system keeps none (not turned on, not
    /// supported, or not ours to read).
    static func query(_ directory: some ProjectDirectory, project: UInt32) throws(SystemError) -> cjail_project_quota? {
        let (r, usage) = directory.quota(of: project)
        if r == -ESRCH || isUnsupported(r) || r == -EPERM || r == -EACCES { return nil }
        if r < 0 { throw SystemError(-r) }
        return usage
    }

    /// Whether anything is counted or limited under the id already.
    private static func isInUse(_ q: cjail_project_quota) -> Bool {
        q.complete != 0 && (q.block_hard > 0 || q.block_soft > 0 || q.inode_hard > 0 || q.inode_soft > 0
                            || q.space > 0 || q.inodes > 0 || q.block_grace > 0 || q.inode_grace > 0)
    }

    /// Sets a fresh id on the directory alone first: if the quota then counts more than this
    /// one inode, another directory took the id meanwhile and a new one is drawn (false).
    private static func claim(_ directory: some ProjectDirectory, project: UInt32) throws(SystemError) -> Bool {
        let set = directory.setProjectID(project)
        if set < 0 { throw SystemError(-set) }
        guard let usage = try query(directory, project: project) else { throw SystemError(ESRCH) }
        if usage.inodes == 0 { throw SystemError(ENOTRECOVERABLE) }
        if usage.inodes != 1 { return false }
        try directory.setProjectOfTree(project)
        return true
    }

    /// Lifts the hard limits an earlier start set on `project`; unless `keepID`, the tree leaves
    /// the project (a failure there is only reported, as systemd only logs it).
    private static func release(_ directory: some ProjectDirectory, project: UInt32, keepID: Bool) throws(SystemError) {
        if let usage = try query(directory, project: project), usage.block_hard > 0 || usage.inode_hard > 0 {
            let set = directory.setQuotaLimits(project, blocks: (usage.block_soft, 0), inodes: (usage.inode_soft, 0))
            if set < 0 { throw SystemError(-set) }
        }
        if keepID { return }
        do throws(SystemError) {
            try directory.setProjectOfTree(0)
        } catch {
            SystemFiles.warn("brig run: releasing project id \(project): \(error.name), ignored")
        }
    }

    /// The errors systemd reads as "the file system does not do this".
    static func isUnsupported(_ r: Int32) -> Bool {
        [EOPNOTSUPP, ENOTTY, ENOSYS, EAFNOSUPPORT, EPFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, ENOPROTOOPT].contains(-r)
    }

    /// An ioctl a file system does not know may also fail with EINVAL.
    static func isUnsupportedIoctl(_ r: Int32) -> Bool { isUnsupported(r) || r == -EINVAL }

    /// FS_XFLAG_PROJINHERIT.
    static let projectInherit: UInt32 = 0x200
}

/// What ProjectQuota asks of a directory: an OpenDirectory, or a test's stand-in for a file
/// system with project quotas where the kernel has none. Results are 0 or -errno.
protocol ProjectDirectory {
    /// FS_IOC_FSGETXATTR's project id.
    func projectID() -> (result: Int32, id: UInt32)
    /// The id on this directory alone, with FS_XFLAG_PROJINHERIT.
    func setProjectID(_ project: UInt32) -> Int32
    /// The id on this directory and every directory and regular file below it.
    func setProjectOfTree(_ project: UInt32) throws(SystemError)
    /// Q_GETQUOTA of the project.
    func quota(of project: UInt32) -> (result: Int32, usage: cjail_project_quota)
    /// Q_SETQUOTA of the limits alone (soft, hard).
    func setQuotaLimits(_ project: UInt32, blocks: (soft: UInt64, hard: UInt64), inodes: (soft: UInt64, hard: UInt64)) -> Int32
    /// The hard limits a quota means here (ProjectQuota.limits).
    func hardLimits(_ quota: DirectoryQuota) throws(SystemError) -> (blocks: UInt64, inodes: UInt64)
}

extension OpenDirectory: ProjectDirectory {
    func projectID() -> (result: Int32, id: UInt32) {
        var project: UInt32 = 0
        let r = cjail_project_get(fd, nil, &project)
        return (r, project)
    }

    func setProjectID(_ project: UInt32) -> Int32 { cjail_project_set(fd, project) }

    func quota(of project: UInt32) -> (result: Int32, usage: cjail_project_quota) {
        var usage = cjail_project_quota()
        let r = cjail_project_quota_get(fd, project, &usage)
        return (r, usage)
    }

    func setQuotaLimits(_ project: UInt32, blocks: (soft: UInt64, hard: UInt64), inodes: (soft: UInt64, hard: UInt64)) -> Int32 {
        cjail_project_quota_set(fd, project, blocks.hard, blocks.soft, inodes.hard, inodes.soft)
    }

    func hardLimits(_ quota: DirectoryQuota) throws(SystemError) -> (blocks: UInt64, inodes: UInt64) {
        try ProjectQuota.limits(quota, for: self)
    }

    /// The project id of this directory and of every directory and regular file below it, on
    /// this file system; nothing is followed, and files are opened by O_PATH first so that no
    /// device or FIFO swapped in is ever opened for real.
    func setProjectOfTree(_ project: UInt32) throws(SystemError) {
        let set = cjail_project_set(fd, project)
        if set < 0 { throw SystemError(-set) }
        let here = try status()
        for name in try names() {
            var st = stat()
            if fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 { throw SystemError(errno) }
            guard st.st_dev == here.st_dev else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                try child(name).directory.setProjectOfTree(project)
            case S_IFREG:
                let path = openat(fd, name, FileFlags.pathOnly | O_NOFOLLOW | O_CLOEXEC)
                if path < 0 { throw SystemError(errno) }
                defer { close(path) }
                var again = stat()
                if fstat(path, &again) != 0 { throw SystemError(errno) }
                guard again.st_mode & S_IFMT == S_IFREG else { continue }
                let file = Glibc.open("/proc/self/fd/\(path)", O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
                if file < 0 { throw SystemError(errno) }
                defer { close(file) }
                let r = cjail_project_set(file, project)
                if r < 0 { throw SystemError(-r) }
            default:
                continue
            }
        }
    }
}

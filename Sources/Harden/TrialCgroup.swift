import Jail
#if canImport(Glibc)
import Glibc
#endif

/// The cgroup (v2) one trial's `brig run` starts in: its runs' cgroups are made below it, which
/// is how the observer tells the service's processes from everything else on the machine.
struct TrialCgroup {
    let path: String
    /// The cgroup's id: its directory's inode number.
    let id: UInt64
    /// Its depth below the root of the hierarchy (the root is 0).
    let level: Int

    init() throws(HardenError) {
        // RunSite.cgroupParent is "<brig's own cgroup>/brig"; the trial's sits beside it.
        let own = String(RunSite.cgroupParent.dropLast("/brig".count))
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        path = "\(own)/brig-harden-\(getpid())-\(ts.tv_sec)\(ts.tv_nsec)"
        if mkdir(path, 0o755) != 0 { throw .system("creating cgroup \(path)", errno) }
        var status = stat()
        if stat(path, &status) != 0 { throw .system("cgroup \(path)", errno) }
        id = UInt64(status.st_ino)
        level = path.dropFirst(RunSite.cgroupRoot.count).split(separator: "/").count
    }

    /// Removes the cgroup and what brig run made in it ("brig", and a device policy's cgroup
    /// below that), deepest first: all empty once the run has ended and brig run's keeper, which
    /// outlives it by a moment, is gone too (so a busy cgroup is tried again for up to a second).
    func remove() {
        for _ in 0..<200 {
            Self.removeTree(path)
            if access(path, F_OK) != 0 { return }
            usleep(5_000)
        }
    }

    private static func removeTree(_ directory: String) {
        if let stream = opendir(directory) {
            var children: [String] = []
            while let entry = readdir(stream) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if entry.pointee.d_type == UInt8(DT_DIR), name != ".", name != ".." { children.append(name) }
            }
            closedir(stream)
            for child in children { removeTree(directory + "/" + child) }
        }
        rmdir(directory)
    }
}

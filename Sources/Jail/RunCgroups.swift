#if canImport(Glibc)
import Glibc
#endif

/// The run's cgroups beyond its v2 one: one per v1 hierarchy a limit needs (each holding the
/// whole process tree, which the child joins before anything else), the v2 controllers enabled
/// for it, and the limits written into them. Made before the fork, removed after the run.
enum RunCgroups {
    /// The v1 directories of a run, by the controllers it uses (one per hierarchy: "cpu" and
    /// "cpuacct" mounted together share one).
    static func v1Directories(_ limits: CgroupLimits, runID: String) -> [String] {
        var seen: [String] = []
        for controller in limits.controllers {
            if let dir = limits.hierarchy.v1Directory(of: controller, runID: runID), !seen.contains(dir) { seen.append(dir) }
        }
        return seen
    }

    /// Creates the run's v1 cgroups, enables its v2 controllers, writes every limit and hands a
    /// delegated cgroup to the service's user. Any required write the kernel refuses fails the
    /// start (219, with the errno): a limit is never left half-applied.
    static func prepare(_ limits: CgroupLimits, site: RunSite, uid: UInt32, gid: UInt32) throws(JailError) {
        for dir in site.controllerCgroups {
            let parent = String(dir[..<dir.lastIndex(of: "/")!])
            if mkdir(parent, 0o755) != 0 && errno != EEXIST { throw .system("cgroup \(parent)", errno) }
            if mkdir(dir, 0o755) != 0 { throw .system("cgroup \(dir)", errno) }
        }
        let v2 = limits.controllers.filter { limits.hierarchy.isV2($0) } + (limits.delegated ?? [])
        if !v2.isEmpty {
            // Each level from brig's own "brig" cgroup down to the run's parent passes them on.
            let enable = Set(v2).sorted().map { "+" + $0 }.joined(separator: " ")
            var level = RunSite.cgroupParent
            let runParent = String(site.cgroup[..<site.cgroup.lastIndex(of: "/")!])
            while true {
                let code = SystemFiles.write(level + "/cgroup.subtree_control", enable)
                if code != 0 { throw .system("cgroup \(level)/cgroup.subtree_control: enabling \(enable)", code) }
                if level == runParent || !runParent.hasPrefix(level + "/") { break }
                let rest = runParent.dropFirst(level.count + 1)
                level += "/" + (rest.split(separator: "/").first.map(String.init) ?? "")
            }
        }
        for w in limits.writes {
            let dir = limits.hierarchy.isV2(w.controller) ? site.cgroup : limits.hierarchy.v1Directory(of: w.controller, runID: site.id)
            guard let dir else { continue }
            let code = SystemFiles.write(dir + "/" + w.file, w.value)
            if code == 0 || (w.bestEffort && code == ENOENT) { continue }
            throw .refused(directive: w.directive,
                           reason: "the kernel refused \(w.value) for \(dir)/\(w.file): \(SystemFiles.errorName(code))",
                           status: .cgroup)
        }
        if limits.delegated != nil {
            // As systemd hands a delegated cgroup over: the directory and the files that let its
            // owner move processes and enable controllers below it.
            for path in [site.cgroup] + ["cgroup.procs", "cgroup.threads", "cgroup.subtree_control"].map({ site.cgroup + "/" + $0 }) {
                if chown(path, uid, gid) != 0 { throw .system("cgroup \(path): delegating it to \(uid)", errno) }
            }
        }
    }

    /// Removes a run's v1 cgroups once their processes are gone (they leave them as they leave
    /// the v2 one; a child cgroup a delegated service made goes first).
    static func remove(_ directories: [String]) {
        for dir in directories {
            for _ in 0..<100 {
                if rmdir(dir) == 0 || errno == ENOENT { break }
                if errno != EBUSY { break }
                usleep(1000)
            }
        }
    }

    /// The v1 cgroups a run of a vanished brig left, by the run's name (see RunSite.sweepOrphans).
    static func sweep(named name: String) {
        guard CgroupHierarchy.current.layout != .unified else { return }
        var dirs: [String] = []
        for (controller, _) in CgroupHierarchy.current.controllers {
            if let dir = CgroupHierarchy.current.v1Directory(of: controller, runID: name), !dirs.contains(dir) { dirs.append(dir) }
        }
        remove(dirs.filter(SystemFiles.exists))
    }
}

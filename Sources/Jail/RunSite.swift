import CJail
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The host-side places one run uses: its cgroup and its PrivateTmp= directories.
/// Named before planning (the plan refers to them), created just before the fork,
/// removed after the run.
public struct RunSite: Sendable {
    /// Where the cgroup2 hierarchy is mounted: /sys/fs/cgroup/unified on a
    /// hybrid host (like this one), /sys/fs/cgroup on a unified one.
    public static let cgroupRoot: String = {
        let hybrid = "/sys/fs/cgroup/unified"
        return SystemFiles.exists(hybrid + "/cgroup.procs") ? hybrid : "/sys/fs/cgroup"
    }()
    /// Shared, read-only nodes that InaccessiblePaths= mounts over a path.
    public static let inaccessibleNodes = "/run/brig/inaccessible"
    /// Where PrivateDevices= assembles /dev: each run mounts its own tmpfs here inside its
    /// own mount namespace, so one empty directory serves every run at once.
    public static let devStaging = "/run/brig/dev-staging"
    /// Where a sysfs of a run's own network namespace is assembled (PrivateNetwork= from 254 on),
    /// likewise inside each run's mount namespace.
    public static let sysStaging = "/run/brig/sys-staging"

    public var id: String
    public var cgroup: String
    /// Held (flock) by brig and its keeper while the run may have processes: the mark by which a
    /// later start tells a run whose owners are gone from one of a brig it cannot see (another
    /// PID namespace sharing the cgroup tree names its runs by PIDs that mean nothing here).
    let ownerLock = OwnerLock()
    /// Whether the run takes its owner lock (a brig listen instance may do without: ServiceRun).
    var claimsOwnerLock = true
    /// Where each run's owner lock lives.
    static let ownerLocks = "/run/brig/runs"
    /// The last line of the record of a run whose processes were left running on purpose.
    static let lingeringMark = "lingering"
    /// The cgroup's cgroup.procs, kept open once read: a run reads it at each step of its stop
    /// (five times for a brig listen instance that simply exits) and then at its cleanup.
    let processList = CgroupProcesses()
    public var privateTmp: String
    public var privateVarTmp: String
    /// The run's cgroups in v1 hierarchies, which its limits need (RunCgroups); none otherwise.
    public var controllerCgroups: [String] = []

    /// `cgroupParent`: brig's own cgroup, or the one of the run's device policy below it.
    public init(id: String = RunSite.freshID(), cgroupParent: String = RunSite.cgroupParent) {
        self.id = id
        cgroup = "\(cgroupParent)/\(id)"
        privateTmp = "/tmp/brig-private-\(id)"
        privateVarTmp = "/var/tmp/brig-private-\(id)"
    }

    /// Unique within the process even for starts made at the same nanosecond on two threads
    /// (brig listen's), which would otherwise share a cgroup: the sequence number goes last.
    public static func freshID() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let sequence = startSequence.add(1, ordering: .relaxed).newValue
        return "run-\(getpid())-\(ts.tv_sec)\(ts.tv_nsec)-\(sequence)"
    }

    private static let startSequence = Atomic<UInt64>(0)

    public var cgroupProcs: String { cgroup + "/cgroup.procs" }

    /// Runs get cgroups below "brig" in brig's home on the cgroup tree (`CgroupHome`: brig's own
    /// cgroup, or on a host systemd manages one it delegated), so a service manager that placed
    /// brig keeps seeing its processes as its own.
    public static let cgroupParent: String = {
        let home = (try? CgroupHome.current.get()) ?? CgroupHome.preview
        return Paths.normalized(cgroupRoot + "/" + home.path) + "/brig"
    }()

    /// Makes brig's home on the cgroup tree (once per process; see `CgroupHome`), or says why it
    /// cannot: a run never makes cgroups where they would not be its own.
    public static func enterHome() throws(JailError) {
        if case .failure(let error) = CgroupHome.current { throw error }
    }

    /// The `cgroupParent` a run would have, named without making anything (`--dry-run`).
    public static var plannedCgroupParent: String {
        Paths.normalized(cgroupRoot + "/" + CgroupHome.preview.path) + "/brig"
    }

    /// The cgroup brig's own process is in once its home is made (the v2 tree's path).
    public static var ownCgroup: String {
        Paths.normalized(cgroupRoot + "/" + ((try? CgroupHome.current.get()) ?? CgroupHome.preview).ownCgroup)
    }

    /// Takes the run's owner lock, whose file names the cgroup: from here on, whatever the run
    /// makes can be undone by a later start if brig and its keeper are killed (`sweepOrphans`).
    func claim() throws(JailError) {
        try ownerLock.take(RunSite.ownerLocks + "/" + id, naming: cgroup)
    }

    /// Notes in the owner lock file something the run is about to make that only its end
    /// removes. Best effort: a note that cannot be written leaves it to be removed by hand.
    func note(_ leftover: RunLeftover) {
        ownerLock.append(leftover.line)
    }

    /// Creates what the plan needs. Directories of features the plan does not
    /// use are not created.
    func prepare(privateTmp usesPrivateTmp: Bool, privateDevices: Bool = true, privateSysfs: Bool = false) throws(JailError) {
        try RunSite.enterHome()
        let parent = RunSite.cgroupParent
        if mkdir(parent, 0o755) != 0 && errno != EEXIST { throw .system("cgroup \(parent)", errno) }
        if claimsOwnerLock { try claim() }
        if mkdir(cgroup, 0o755) != 0 { throw .system("cgroup \(cgroup)", errno) }
        for (wanted, staging) in [(privateDevices, RunSite.devStaging), (privateSysfs, RunSite.sysStaging)] where wanted {
            let code = SystemFiles.makeDirectories(staging, mode: 0o755)
            if code != 0 { throw .system("creating \(staging)", code) }
        }
        try RunSite.prepareInaccessibleNodes()
        if mkdir(MountSteps.stagingRoot, 0o700) != 0 && errno != EEXIST { throw .system("creating \(MountSteps.stagingRoot)", errno) }
        if usesPrivateTmp { try makePrivateTmp() }
    }

    private func makePrivateTmp() throws(JailError) {
        for base in [privateTmp, privateVarTmp] {
            if mkdir(base, 0o700) != 0 { throw .system("creating \(base)", errno) }
            if mkdir(base + "/tmp", 0o1777) != 0 || chmod(base + "/tmp", 0o1777) != 0 {
                throw .system("creating \(base)/tmp", errno)
            }
        }
    }

    /// Between automatic restarts: fresh private /tmp and /var/tmp, as systemd gives a restarted
    /// service (the old ones go by descriptor, as in `remove`).
    func renewPrivateTmp() throws(JailError) {
        removePrivateTmp()
        try makePrivateTmp()
    }

    func removePrivateTmp() {
        // Most runs made none: a look is cheaper than opening /tmp and /var/tmp to find out.
        for path in [privateTmp, privateVarTmp] where SystemFiles.exists(path) {
            let slash = path.lastIndex(of: "/")!
            (try? OpenDirectory(trusted: String(path[..<slash])))?.removeTree(String(path[path.index(after: slash)...]))
        }
    }

    /// One node of each file type, mode 0000, like /run/systemd/inaccessible.
    static func prepareInaccessibleNodes() throws(JailError) {
        let dir = inaccessibleNodes
        if SystemFiles.exists(dir + "/sock") { return }
        let code = SystemFiles.makeDirectories(dir, mode: 0o755)
        if code != 0 { throw .system("creating \(dir)", code) }
        let old = umask(0)
        defer { umask(old) }
        _ = mkdir(dir + "/dir", 0)
        let nodes: [(String, mode_t, dev_t)] = [
            ("reg", S_IFREG, 0), ("fifo", S_IFIFO, 0), ("sock", S_IFSOCK, 0),
            ("chr", S_IFCHR, 0), ("blk", S_IFBLK, 0),
        ]
        for (name, type, device) in nodes where !SystemFiles.exists(dir + "/" + name) {
            if mknod(dir + "/" + name, type, device) != 0 && errno != EEXIST { throw .system("creating \(dir)/\(name)", errno) }
        }
    }

    /// The processes in the run's cgroup (none once it is gone).
    var processes: [pid_t] { processList.read(cgroupProcs) }

    /// Whether no process of the run is left in its cgroup.
    var isEmpty: Bool { processes.isEmpty }

    /// A cgroup that is gone counts as empty.
    static func isEmpty(_ cgroup: String) -> Bool {
        guard let procs = SystemFiles.read(cgroup + "/cgroup.procs") else { return true }
        return procs.isEmpty
    }

    /// Removes everything this run created, once its cgroup is empty: the private /tmp
    /// directories are the service's, and are not cleared under a process still using them.
    /// `lingering`: processes were left on purpose (KillMode=process, SendSIGKILL=no); the run's
    /// record stays, marked, and the first start after they have ended removes it all
    /// (`sweepOrphans`), where it would end an unmarked run's processes as an orphan's.
    func remove(lingering: Bool = false) {
        processList.close()
        guard !lingering else { return ownerLock.leave(marking: RunSite.lingeringMark) }
        defer { ownerLock.release(RunSite.ownerLocks + "/" + id) }
        // A process reaped a moment ago can keep the cgroup busy (EBUSY) until the kernel has
        // switched it out for the last time, a window a loaded machine widens: up to a second.
        var tries = 0
        while rmdir(cgroup) != 0 && errno == EBUSY && tries < 1000 {
            usleep(1000)
            tries += 1
        }
        RunCgroups.remove(controllerCgroups)
        removePrivateTmp()
    }
}

/// A cgroup's processes, read through a descriptor kept open between reads (see
/// `RunSite.processList`): a read of an open cgroup.procs costs a tenth of opening it again.
final class CgroupProcesses: @unchecked Sendable {
    private var fd: Int32 = -1

    /// The processes listed by `path`; none once the cgroup is gone.
    func read(_ path: String) -> [pid_t] {
        if fd < 0 { fd = open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0, lseek(fd, 0, SEEK_SET) == 0, let text = SystemFiles.read(descriptor: fd) else { return [] }
        return text.split(separator: "\n").compactMap { pid_t($0) }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}

/// The lock a run's owners hold; see `RunSite.ownerLock`.
final class OwnerLock: @unchecked Sendable {
    /// The open lock file, or -1; inherited by the keeper, which holds the lock with brig.
    private(set) var fd: Int32 = -1

    /// Creates the file already locked and naming the run's cgroup, for a later sweep.
    func take(_ path: String, naming cgroup: String) throws(JailError) {
        if fd >= 0 { return }
        var file = cjail_create_locked(RunSite.ownerLocks, path, cgroup)
        if file == -ENOENT {   // the first run since boot makes the directory
            let code = SystemFiles.makeDirectories(RunSite.ownerLocks, mode: 0o755)
            if code != 0 { throw .system("creating \(RunSite.ownerLocks)", code) }
            file = cjail_create_locked(RunSite.ownerLocks, path, cgroup)
        }
        if file < 0 { throw .system("creating \(path)", -file) }
        fd = file
    }

    /// Lets go of the lock and keeps the file, with `mark` as its last line, for a later sweep.
    func leave(marking mark: String) {
        guard fd >= 0 else { return }
        append(mark)
        close(fd)
        fd = -1
    }

    /// One more line of the run's record.
    func append(_ line: String) {
        guard fd >= 0 else { return }
        let bytes = Array(("\n" + line).utf8)
        _ = pwrite(fd, bytes, bytes.count, lseek(fd, 0, SEEK_END))
    }

    func release(_ path: String) {
        guard fd >= 0 else { return }
        unlink(path)
        close(fd)
        fd = -1
    }
}

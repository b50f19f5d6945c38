#if canImport(Glibc)
import Glibc
#endif

/// One run of a service with everything it holds: its cgroup and private /tmp (`RunSite`), its
/// dynamic user, directories, streams, credentials and prepared namespaces, and the supervisor
/// that leads its processes. Made ready by `init`, led by whoever polls its `descriptors` (brig
/// run for its one service, brig listen for all its instances in one loop) and released by
/// `finish`, which returns brig run's status for it.
public final class ServiceRun {
    private let request: LaunchRequest
    private let site: RunSite
    private let held: Held
    private let supervisor: ServiceSupervisor

    /// What the run holds until its end; released whether it started or not.
    private final class Held {
        var lease: DynamicUserLease? = nil
        var managedRange: ManagedUserRangeLease? = nil
        let streams = OpenStreams()
        var ipcOwner: UInt32? = nil
        var credentialStore: CredentialStore? = nil
        var namespaces: [Int32] = []
        var files: [Int32] = []
        var ephemeralRoot: EphemeralRoot.Copy? = nil

        func release(_ request: LaunchRequest, site: RunSite) {
            if request.removeIPC, let uid = ipcOwner { RemoveIPC.removeObjects(ownedBy: uid) }
            streams.close()
            for fd in namespaces + files { close(fd) }
            // Processes left running (KillMode=process, SendSIGKILL=no) keep what they use: their
            // directories are not cleaned under them, and their uid stays leased while the cgroup
            // lives; the first start after they have ended removes it all.
            let lingering = !site.isEmpty
            // The last look at the cgroup: its descriptor is not held through the cleanup, which
            // may need every one brig has left (brig under a low RLIMIT_NOFILE).
            site.processList.close()
            if !lingering {
                request.directories.cleanUp()
                credentialStore?.remove()
                ephemeralRoot?.remove()
            } else {
                SystemFiles.warn("brig run: processes remain in \(site.cgroup); RuntimeDirectory=, PrivateTmp=, the credentials"
                                 + (ephemeralRoot.map { " and RootEphemeral='s copy \(EphemeralRoot.path($0.name))" } ?? "")
                                 + " are left in place until they end (the next start of brig after that removes them)")
            }
            lease?.release()
            managedRange?.release()
            site.remove(lingering: lingering)
        }
    }

    /// The process a run lives in, and what it does for the run.
    public enum Host {
        /// `brig run`: the process is the run's. brig's signals stop it, every orphan is reaped.
        case brigRun
        /// `brig listen`: one of many runs led from one loop, which takes the signals, reaps what
        /// no run collects (`collectedPIDs`) and keeps the cgroup all its runs go below.
        case listener
        /// A test process, shared with other threads and runs: nothing of it is changed.
        case guest
    }

    /// Under brig run and brig listen, brig's real uid is shielded from the jail (once the
    /// credentials are read); brig run sweeps the runs of brigs that are gone, and forks a keeper
    /// that ends the run if brig is ended first (brig listen has one for all its runs, which go
    /// below `cgroupParent`).
    public init(_ unpicked: LaunchRequest, commands: [LaunchCommand], host: Host,
                cgroupParent: String = RunSite.cgroupParent) throws(JailError) {
        // First: a versioned root with nothing to pick stops the start before anything is made.
        let request = try unpicked.pickingVersionedRoot()
        self.request = request
        let credentials = try request.credentials?.acquire()
        if host != .guest { Shield.raise() }
        // brig listen sweeps once, as it starts (`RunSite.sweepOrphans`), not at each connection.
        if host == .brigRun { RunSite.sweepOrphans() }
        // The device program lives in its policy's cgroup, which the run's cgroup goes into.
        let policyCgroup = try request.deviceFilter?.sharedCgroup(under: cgroupParent)
        var site = RunSite(cgroupParent: policyCgroup ?? cgroupParent)
        if let limits = request.cgroupLimits { site.controllerCgroups = RunCgroups.v1Directories(limits, runID: site.id) }
        var spec = request.spec
        spec.mounts.privateTmpOnTmpfs = commands.count == 1
        if host == .listener {
            // brig listen's keeper ends its instances and removes their cgroups should brig listen
            // be killed: an instance needs an owner lock only for what else a later start must sweep.
            site.claimsOwnerLock = request.credentials != nil || request.ephemeralRoot != nil || spec.mounts.usesHostPrivateTmp
                || !site.controllerCgroups.isEmpty || request.service.wantsNotifySocket
                || (request.directories.preserveRuntime != .yes && request.directories.entries.contains { $0.kind == .runtime })
        }
        self.site = site
        let held = Held()
        self.held = held
        do {
            // First, so that whatever follows is undone by a later start should brig be killed.
            if site.claimsOwnerLock { try site.claim() }
            if request.directories.preserveRuntime != .yes {
                for entry in request.directories.entries where entry.kind == .runtime { site.note(.runtimeDirectory(entry.path)) }
            }
            if let name = request.dynamicUserName {
                spec.identity = try Identity.dynamic(name: name, group: request.dynamicGroup, supplementary: request.dynamicSupplementaryGroups) {
                    () throws(JailError) -> UInt32 in
                    let l = try DynamicUserLease.acquire(name: name, cgroup: site.cgroup)
                    held.lease = l
                    return l.uid
                }
            }
            if spec.privateUsersManaged && spec.privateUsers {
                let l = try ManagedUserRangeLease.acquire(cgroup: site.cgroup)
                held.managedRange = l
                spec.managedRangeStart = l.start
            }
            let uid = spec.identity?.uid ?? 0, gid = spec.identity?.gid ?? 0
            held.ipcOwner = uid
            let idMapsNobody = request.rules.facts.execDirectoriesIdMapped
            let prepared = try request.directories.prepare(uid: uid, gid: gid, dynamicUser: request.dynamicUserName != nil,
                                                           idMapsNobody: idMapsNobody)
            if let fd = prepared.userNamespace { held.namespaces.append(fd) }
            // The directories are bound into the jail only when it has a mount
            // namespace anyway; they never create one (as in systemd).
            if spec.mounts.needsMountNamespace {
                spec.mounts.bindMounts += prepared.binds
                spec.mounts.emptyDirectories += prepared.emptyDirectories
            }
            spec.environment += prepared.environment
            if let credentialRequest = request.credentials, let credentials {
                held.credentialStore = try CredentialStore.create(unitName: credentialRequest.unitName, credentials: credentials, uid: uid,
                                                                  label: "credentials of \(credentialRequest.unitName)") {
                    site.note(.credentials(unit: credentialRequest.unitName))
                }
                spec.environment.append("CREDENTIALS_DIRECTORY=\(credentialRequest.directory)")
                spec.mounts.credentialsDirectory = credentialRequest.directory
            }
            spec.environment += LoginEnvironment.variables(for: request.namesUser ? spec.identity : nil,
                                                           dynamicUser: request.dynamicUserName != nil,
                                                           setLoginEnvironment: request.setLoginEnvironment, rules: request.rules, workingDirectoryHome: request.workingDirectoryHome)
            // Before the terminal is opened for the service, as systemd's child does it first.
            request.terminalReset?.apply()
            let stdio = try held.streams.resolve(stdin: request.stdin, stdout: request.stdout, stderr: request.stderr, umask: spec.umask,
                                                 terminalSize: request.terminalSize)
            (spec.stdin, spec.stdout, spec.stderr) = (stdio[0], stdio[1], stdio[2])
            if let root = request.ephemeralRoot {
                // Noted before it is made: a brig killed while copying leaves the part copied to the next start.
                let name = root.name()
                site.note(.ephemeralRoot(name))
                held.ephemeralRoot = try root.make(named: name)
                spec.mounts.rootDirectory = EphemeralRoot.path(name)
            }
            try site.prepare(privateTmp: spec.mounts.usesHostPrivateTmp,
                             privateDevices: spec.mounts.privateDevices, privateSysfs: spec.mounts.privateSysfs)
            if request.rules.facts.memoryPressureWatch,
               let watch = PressureWatch.environment(cgroup: site.cgroup, uid: uid, gid: gid, ownNamespace: spec.privateCgroup) {
                spec.environment += watch.variables
                // Writable in a jail whose /sys/fs/cgroup is read-only, as systemd makes it.
                if spec.mounts.needsMountNamespace { spec.mounts.readWritePaths.append(watch.path) }
            }
            let mountStack = spec.mounts.mountStack
            if let stack = mountStack { try MountStackSteps.prepare(stack, readOnly: spec.mounts.mountStackReadOnly) }
            if policyCgroup == nil { try request.deviceFilter?.attach(to: site.cgroup) }
            if let limits = request.cgroupLimits { try RunCgroups.prepare(limits, site: site, uid: uid, gid: gid) }
            try request.networkPolicy?.install(in: site.cgroup, counters: request.ipAccounting)
            let namespaces = PreparedNamespaces.take()
            held.namespaces += [namespaces.network, namespaces.ipc].compactMap { $0 }
            spec.preparedNetwork = spec.privateNetwork ? namespaces.network : nil
            spec.preparedIPC = spec.privateIPC ? namespaces.ipc : nil
            for index in spec.namespaceFiles.indices {
                try spec.namespaceFiles[index].open()
                held.namespaces.append(spec.namespaceFiles[index].fd!)
            }
            spec.openedFiles = try OpenedFiles.open(request.openFiles)
            held.files = spec.openedFiles.map(\.fd)

            // A restarted service gets its jail anew: fresh private /tmp, RuntimeDirectory= recreated
            // unless RuntimeDirectoryPreserve= keeps it.
            let hostPrivateTmp = spec.mounts.usesHostPrivateTmp
            let renew = { () throws(JailError) in
                request.directories.cleanUp(restarting: true)
                // The plans keep the first start's id mapping: the same ids, so the same maps.
                let again = try request.directories.prepare(uid: uid, gid: gid, dynamicUser: request.dynamicUserName != nil,
                                                            idMapsNobody: idMapsNobody)
                if let fd = again.userNamespace { close(fd) }
                if hostPrivateTmp { try site.renewPrivateTmp() }
                if let stack = mountStack { try MountStackSteps.prepare(stack, readOnly: spec.mounts.mountStackReadOnly) }
                // A fresh copy of the root, under the name the plans already use.
                if let root = request.ephemeralRoot, let old = held.ephemeralRoot {
                    old.remove()
                    held.ephemeralRoot = try root.make(named: old.name)
                }
            }
            supervisor = try ServiceSupervisor(policy: request.service, commands: commands, site: site, reaper: Reaper(any: host == .brigRun),
                                               signals: host == .brigRun ? JailRunner.forwardedSignals ?? -1 : -1, keeper: host == .brigRun,
                                               beforeRestart: renew) { [spec] command, extra in
                // The variables a start adds ($MAINPID, $NOTIFY_SOCKET, ...) may be used in the command line.
                var s = spec
                s.environment += extra
                return JailPlanner.plan(Launcher.specialise(s, for: command), site: site)
            }
        } catch {
            held.release(request, site: site)
            throw error
        }
    }

    /// Starts the service's first command (a jail that fails to start is a result too).
    public func begin() { supervisor.begin() }

    /// What the next wait polls, and for how long at most (milliseconds, -1 for ever).
    public var descriptors: [pollfd] { supervisor.descriptors }
    public var timeout: Int32 { supervisor.timeout }

    /// Acts on what a poll of `descriptors` returned.
    public func handle(_ fds: [pollfd]) { supervisor.handle(fds) }

    /// Whether the service is dead for good (then `finish`).
    public var isDead: Bool { supervisor.isDead }

    /// Stops the service as SIGTERM to brig run would: ExecStop=, KillMode=, TimeoutStopSec=.
    public func requestStop() { supervisor.requestStop() }

    /// The processes the run waits for itself: whoever reaps for it must leave them.
    public var collectedPIDs: [pid_t] { supervisor.collectedPIDs }

    /// How the service ended, as the result line of brig run tells it (once `isDead`).
    public var resultLine: String { supervisor.resultLine() }

    /// The run's status, as brig run exits with it; everything the run held is released.
    public func finish() -> Int32 {
        let status = supervisor.finish()
        request.terminalReset?.apply()   // the service is dead: the terminal is tidied for the next user
        request.usage?.collect(site, limits: request.cgroupLimits)
        held.release(request, site: site)
        return status
    }
}

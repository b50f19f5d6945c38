#if canImport(Glibc)
import Glibc
#endif

/// One command line of a service (ExecStart= and friends) with systemd's
/// prefixes: "-" failure ignored, "+" no sandbox at all, "!"/"!!" run as root
/// but otherwise jailed, "@" argv[0] given separately, ":" no $VAR expansion.
public struct LaunchCommand: Sendable {
    public enum Phase: String, Sendable {
        case startPre = "ExecStartPre", start = "ExecStart", startPost = "ExecStartPost", reload = "ExecReload"
        case stop = "ExecStop", stopPost = "ExecStopPost"
    }

    public var phase: Phase
    public var executable: String
    public var arguments: [String]
    public var ignoreFailure = false
    public var fullPrivileges = false
    public var privilegedIdentity = false
    /// $NAME and ${NAME} are replaced from the service's environment (not with ":").
    public var expandEnvironment = true

    public init(phase: Phase, executable: String, arguments: [String]) {
        self.phase = phase
        self.executable = executable
        self.arguments = arguments
    }
}

/// Everything needed to start a unit's commands: the jail (identity still
/// unresolved when DynamicUser= is on), its directories and streams.
public struct LaunchRequest: Sendable {
    public var spec: JailSpec
    /// DynamicUser=yes: the name the allocated uid is known by.
    public var dynamicUserName: String? = nil
    public var directories = ExecDirectories()
    public var stdin = StreamTarget.inherit
    public var stdout = StreamTarget.inherit
    public var stderr = StreamTarget.inherit
    /// Type=, timeouts, kill and restart settings.
    public var service = ServicePolicy()
    /// RemoveIPC=: the user's IPC objects go when the run ends.
    public var removeIPC = false
    /// The cgroup's device policy (DevicePolicy=closed as systemd derives it).
    public var deviceFilter: DeviceFilter? = nil
    /// LoadCredential= and friends: the store at $CREDENTIALS_DIRECTORY.
    public var credentials: CredentialRequest? = nil
    /// The resource-control limits of the run's cgroups (CgroupLimits); nil when none are set.
    public var cgroupLimits: CgroupLimits? = nil
    /// Filled at the end of the run with what its cgroups counted (`brig run --stats`).
    public var usage: RunUsage? = nil
    /// The cgroup's network programs (IPAddressAllow=, SocketBindDeny=, ...), on the run's own cgroup.
    public var networkPolicy: NetworkPolicy? = nil
    /// Where IPAccounting= counts go; read it after the run (set by whoever wants the figures).
    public var ipAccounting: IPAccounting? = nil

    public init(spec: JailSpec) { self.spec = spec }
}

/// Runs a service in the foreground, as systemd would (`ServiceSupervisor`): ExecStartPre=,
/// ExecStart=, ExecStartPost=, and once it ends or is stopped ExecStop=, ExecStopPost=. The
/// result is the main command's status, or the status of the start command that failed.
public enum Launcher {
    public static func run(_ request: LaunchRequest, commands: [LaunchCommand], ownsProcess: Bool = true) throws(JailError) -> Int32 {
        let credentials = try request.credentials?.acquire()
        if ownsProcess {
            Shield.raise()
            RunSite.sweepOrphans()
        }
        // The device program lives in its policy's cgroup, which the run's cgroup goes into.
        let policyCgroup = try request.deviceFilter?.sharedCgroup(under: RunSite.cgroupParent)
        var site = RunSite(cgroupParent: policyCgroup ?? RunSite.cgroupParent)
        if let limits = request.cgroupLimits { site.controllerCgroups = RunCgroups.v1Directories(limits, runID: site.id) }
        var lease: DynamicUserLease? = nil
        let streams = OpenStreams()
        var ipcOwner: UInt32? = nil
        var credentialStore: CredentialStore? = nil
        defer {
            if request.removeIPC, let uid = ipcOwner { RemoveIPC.removeObjects(ownedBy: uid) }
            streams.close()
            // Processes left running (SendSIGKILL=no) keep what they use: their directories
            // are not cleaned under them, and their uid stays leased while the cgroup lives.
            if site.isEmpty {
                request.directories.cleanUp()
                credentialStore?.remove()
            } else {
                SystemFiles.warn("brig run: processes remain in \(site.cgroup); RuntimeDirectory=, PrivateTmp= and the credentials are left in place")
            }
            lease?.release()
            site.remove()
        }
        // First, so that whatever follows is undone by a later start should brig be killed.
        try site.claim()
        if request.directories.preserveRuntime != .yes {
            for entry in request.directories.entries where entry.kind == .runtime { site.note(.runtimeDirectory(entry.path)) }
        }
        var spec = request.spec
        if let name = request.dynamicUserName {
            let l = try DynamicUserLease.acquire(name: name, cgroup: site.cgroup)
            lease = l
            spec.identity = Identity(userName: name, uid: l.uid, gid: l.uid, groups: [], home: "/", shell: "/usr/sbin/nologin")
        }
        let uid = spec.identity?.uid ?? 0, gid = spec.identity?.gid ?? 0
        ipcOwner = uid
        let prepared = try request.directories.prepare(uid: uid, gid: gid, dynamicUser: request.dynamicUserName != nil)
        // The directories are bound into the jail only when it has a mount
        // namespace anyway; they never create one (as in systemd).
        if spec.mounts.needsMountNamespace {
            spec.mounts.bindMounts += prepared.binds
            spec.mounts.emptyDirectories += prepared.emptyDirectories
        }
        spec.environment += prepared.environment
        if let request = request.credentials, let credentials {
            credentialStore = try CredentialStore.create(unitName: request.unitName, credentials: credentials, uid: uid,
                                                         label: "credentials of \(request.unitName)") {
                site.note(.credentials(unit: request.unitName))
            }
            spec.environment.append("CREDENTIALS_DIRECTORY=\(request.directory)")
            spec.mounts.credentialsDirectory = request.directory
        }
        if let id = spec.identity, id.uid != 0 { spec.environment += ["USER=\(id.userName)", "LOGNAME=\(id.userName)"] }
        let stdio = try streams.resolve(stdin: request.stdin, stdout: request.stdout, stderr: request.stderr, umask: spec.umask)
        (spec.stdin, spec.stdout, spec.stderr) = (stdio[0], stdio[1], stdio[2])
        spec.mounts.privateTmpOnTmpfs = commands.count == 1
        try site.prepare(privateTmp: spec.mounts.privateTmp && !spec.mounts.privateTmpOnTmpfs,
                         privateDevices: spec.mounts.privateDevices)
        if policyCgroup == nil { try request.deviceFilter?.attach(to: site.cgroup) }
        if let limits = request.cgroupLimits { try RunCgroups.prepare(limits, site: site, uid: uid, gid: gid) }
        try request.networkPolicy?.install(in: site.cgroup, counters: request.ipAccounting)
        let namespaces = PreparedNamespaces.take()
        defer { for fd in [namespaces.network, namespaces.ipc].compactMap({ $0 }) { close(fd) } }
        spec.preparedNetwork = spec.privateNetwork ? namespaces.network : nil
        spec.preparedIPC = spec.privateIPC ? namespaces.ipc : nil

        // A restarted service gets its jail anew: fresh private /tmp, RuntimeDirectory= recreated
        // unless RuntimeDirectoryPreserve= keeps it.
        let hostPrivateTmp = spec.mounts.privateTmp && !spec.mounts.privateTmpOnTmpfs
        let renew = { () throws(JailError) in
            request.directories.cleanUp(restarting: true)
            _ = try request.directories.prepare(uid: uid, gid: gid, dynamicUser: request.dynamicUserName != nil)
            if hostPrivateTmp { try site.renewPrivateTmp() }
        }
        let status = try JailRunner.supervise(commands, policy: request.service, site: site, ownsProcess: ownsProcess,
                                              beforeRestart: renew) { command, extra in
            // The variables a start adds ($MAINPID, $NOTIFY_SOCKET, ...) may be used in the command line.
            var s = spec
            s.environment += extra
            return JailPlanner.plan(specialise(s, for: command), site: site)
        }
        request.usage?.collect(site, limits: request.cgroupLimits)
        return status
    }

    /// The plans `run` would execute, for --dry-run (no uid is leased: a
    /// dynamic user shows as the start of the range).
    public static func plans(_ request: LaunchRequest, commands: [LaunchCommand]) -> [(LaunchCommand, JailPlan)] {
        var spec = request.spec
        if let name = request.dynamicUserName {
            let uid = DynamicUserLease.range.lowerBound
            spec.identity = Identity(userName: name, uid: uid, gid: uid, groups: [], home: "/", shell: "/usr/sbin/nologin")
        }
        for entry in request.directories.entries where spec.mounts.needsMountNamespace {
            let path = entry.kind.base + "/" + entry.path
            spec.mounts.bindMounts.append(.init(source: path, destination: path, readOnly: false))
        }
        if let credentials = request.credentials {
            spec.environment.append("CREDENTIALS_DIRECTORY=\(credentials.directory)")
            spec.mounts.credentialsDirectory = credentials.directory
        }
        spec.mounts.privateTmpOnTmpfs = commands.count == 1
        let policyCgroup = request.deviceFilter?.sharedCgroupPath(under: RunSite.cgroupParent)
        var site = RunSite(id: "dry-run", cgroupParent: policyCgroup ?? RunSite.cgroupParent)
        if let limits = request.cgroupLimits { site.controllerCgroups = RunCgroups.v1Directories(limits, runID: site.id) }
        return commands.map { ($0, JailPlanner.plan(specialise(spec, for: $0), site: site)) }
    }

    /// The run cgroup --dry-run names (its v2 one).
    public static func dryRunCgroup(_ request: LaunchRequest) -> String {
        let policyCgroup = request.deviceFilter?.sharedCgroupPath(under: RunSite.cgroupParent)
        return RunSite(id: "dry-run", cgroupParent: policyCgroup ?? RunSite.cgroupParent).cgroup
    }

    /// systemd's variable substitution in command lines: "${NAME}" inside a
    /// word, "$NAME" as a whole word split at whitespace into several, "$$"
    /// for a literal "$"; anything else (like "${A:-b}") stays as written.
    static func expand(_ arguments: [String], with environment: [String]) -> [String] {
        var values: [String: String] = [:]
        for entry in environment {
            if let eq = entry.firstIndex(of: "=") { values[String(entry[..<eq])] = String(entry[entry.index(after: eq)...]) }
        }
        func isName(_ s: Substring) -> Bool {
            guard let first = s.first, !first.isNumber else { return false }
            return s.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" }
        }
        var result: [String] = []
        for (index, word) in arguments.enumerated() {
            if index > 0, word.hasPrefix("$"), isName(word.dropFirst()) {
                result += (values[String(word.dropFirst())] ?? "").split(whereSeparator: { $0.isWhitespace }).map(String.init)
                continue
            }
            var out = "", rest = Substring(word)
            while let dollar = rest.firstIndex(of: "$") {
                out += rest[..<dollar]
                let next = rest.index(after: dollar)
                if next < rest.endIndex, rest[next] == "$" {
                    out += "$"
                    rest = rest[rest.index(after: next)...]
                } else if next < rest.endIndex, rest[next] == "{",
                          let end = rest[next...].firstIndex(of: "}"), isName(rest[rest.index(after: next)..<end]) {
                    out += values[String(rest[rest.index(after: next)..<end])] ?? ""
                    rest = rest[rest.index(after: end)...]
                } else {
                    out += "$"
                    rest = rest[next...]
                }
            }
            result.append(out + rest)
        }
        return result
    }

    /// The jail one command gets. "+" lifts the sandbox as systemd 252's exec_child() does: the
    /// identity, capabilities, resource limits, seccomp, no_new_privs, securebits, user and UTS
    /// namespaces and the protective mounts; what is not sandboxing stays (environment, Nice=,
    /// OOMScoreAdjust=, personality, keyring, umask, the network and IPC namespaces, the unit's
    /// own bind and temporary mounts). "!" keeps root and nothing else changes.
    static func specialise(_ spec: JailSpec, for command: LaunchCommand) -> JailSpec {
        var s = spec
        s.command = command.expandEnvironment ? expand(command.arguments, with: spec.environment) : command.arguments
        s.executable = command.executable
        if command.fullPrivileges {
            s.sandboxed = false
            s.identity = nil
            s.limits = []
            s.seccompPrograms = []
            s.noNewPrivileges = false
            s.secureBits = 0
            s.privateUsers = false
            s.protectHostname = false
            s.mounts = s.mounts.withoutSandbox
        } else if command.privilegedIdentity {
            s.identity = nil
        }
        return s
    }
}

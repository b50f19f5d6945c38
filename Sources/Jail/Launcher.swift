import Directives
#if canImport(Glibc)
import Glibc
#endif

/// One command line of a service (ExecStart= and friends) and the phase it runs in. Its
/// prefixes are read from the unit's own `ExecCommand`: "-" failure ignored, "+" no sandbox at
/// all, "!" run as root but otherwise jailed ("!!" is no prefix on a kernel with ambient
/// capabilities), "@" argv[0] given separately, ":" no $VAR expansion, "|" through the user's shell.
public struct LaunchCommand: Sendable {
    public enum Phase: String, Sendable {
        case condition = "ExecCondition", startPre = "ExecStartPre", start = "ExecStart", startPost = "ExecStartPost"
        case reload = "ExecReload"
        case stop = "ExecStop", stopPost = "ExecStopPost"
    }

    public var phase: Phase
    /// The command as written; its `path` is the program that runs.
    public var exec: ExecCommand

    public init(_ phase: Phase, _ exec: ExecCommand) {
        self.phase = phase
        self.exec = exec
    }
}

/// Everything needed to start a unit's commands: the jail (identity still
/// unresolved when DynamicUser= is on), its directories and streams.
public struct LaunchRequest: Sendable {
    public var spec: JailSpec
    /// DynamicUser=yes: the name the allocated uid is known by.
    public var dynamicUserName: String? = nil
    /// DynamicUser=yes: Group= and SupplementaryGroups=, resolved with the user (`Identity.dynamic`).
    public var dynamicGroup: String? = nil
    public var dynamicSupplementaryGroups: [String] = []
    /// WorkingDirectory=~: an account without a home of its own gets HOME=/root (`LoginEnvironment`).
    public var workingDirectoryHome = false
    public var directories = ExecDirectories()
    public var stdin = StreamTarget.inherit
    public var stdout = StreamTarget.inherit
    public var stderr = StreamTarget.inherit
    /// Type=, timeouts, kill and restart settings.
    public var service = ServicePolicy()
    /// TTYRows= and TTYColumns=, for a terminal on standard input.
    public var terminalSize: TerminalSize? = nil
    /// TTYVHangup=, TTYReset=, TTYVTDisallocate=: done before the first start and at the end.
    public var terminalReset: TerminalReset? = nil
    /// OpenFile=: opened by the run, before its first start (OpenedFiles).
    public var openFiles: [OpenFile] = []
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
    /// The systemd release whose rules apply where releases differ (`brig run --rules`).
    public var rules = SystemdRelease.v252
    /// SetLoginEnvironment= (255), when the unit says.
    public var setLoginEnvironment: Bool? = nil
    /// User= (or DynamicUser=) names the account: the login variables are its (a Group= alone
    /// runs as root without naming it).
    public var namesUser = false
    /// RootEphemeral=yes with RootDirectory=: the run's root is a copy of it, made before the start.
    public var ephemeralRoot: EphemeralRoot? = nil

    public init(spec: JailSpec) { self.spec = spec }
}

/// Runs a service in the foreground, as systemd would (`ServiceSupervisor`): ExecStartPre=,
/// ExecStart=, ExecStartPost=, and once it ends or is stopped ExecStop=, ExecStopPost=. The
/// result is the main command's status, or the status of the start command that failed.
public enum Launcher {
    public static func run(_ request: LaunchRequest, commands: [LaunchCommand], ownsProcess: Bool = true) throws(JailError) -> Int32 {
        let run = try ServiceRun(request, commands: commands, host: ownsProcess ? .brigRun : .guest)
        run.begin()
        while !run.isDead {
            var fds = run.descriptors
            let ready = poll(&fds, nfds_t(fds.count), run.timeout)
            if ready < 0 && errno == EINTR { continue }
            run.handle(fds)
        }
        return run.finish()
    }

    /// The plans `run` would execute, for --dry-run (no uid is leased: a
    /// dynamic user shows as the start of the range). `request`: with its versioned root picked
    /// (or as written where nothing fits, which the dry run says).
    public static func plans(_ request: LaunchRequest, commands: [LaunchCommand]) -> [(LaunchCommand, JailPlan)] {
        var spec = request.spec
        if let name = request.dynamicUserName {
            let first = DynamicUserLease.range.lowerBound
            spec.identity = (try? Identity.dynamic(name: name, group: request.dynamicGroup, supplementary: request.dynamicSupplementaryGroups) {
                first
            }) ?? Identity(userName: name, uid: first, gid: first, groups: [], home: "/", shell: "/usr/sbin/nologin")
        }
        if spec.mounts.needsMountNamespace {
            let planned = request.directories.planned(uid: spec.identity?.uid ?? 0, gid: spec.identity?.gid ?? 0,
                                                      dynamicUser: request.dynamicUserName != nil,
                                                      idMapsNobody: request.rules.facts.execDirectoriesIdMapped)
            spec.mounts.bindMounts += planned.binds
            spec.mounts.emptyDirectories += planned.emptyDirectories
        }
        if let credentials = request.credentials {
            spec.environment.append("CREDENTIALS_DIRECTORY=\(credentials.directory)")
            spec.mounts.credentialsDirectory = credentials.directory
        }
        spec.mounts.privateTmpOnTmpfs = commands.count == 1
        if let root = request.ephemeralRoot { spec.mounts.rootDirectory = EphemeralRoot.path(root.name(suffix: "dry-run")) }
        let policyCgroup = request.deviceFilter?.sharedCgroupPath(under: RunSite.plannedCgroupParent)
        var site = RunSite(id: "dry-run", cgroupParent: policyCgroup ?? RunSite.plannedCgroupParent)
        if let limits = request.cgroupLimits { site.controllerCgroups = RunCgroups.v1Directories(limits, runID: site.id) }
        return commands.map { ($0, JailPlanner.plan(specialise(spec, for: $0), site: site)) }
    }

    /// The run cgroup --dry-run names (its v2 one).
    public static func dryRunCgroup(_ request: LaunchRequest) -> String {
        let policyCgroup = request.deviceFilter?.sharedCgroupPath(under: RunSite.plannedCgroupParent)
        return RunSite(id: "dry-run", cgroupParent: policyCgroup ?? RunSite.plannedCgroupParent).cgroup
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
        let exec = command.exec
        s.command = exec.noEnvironmentExpansion ? exec.arguments : expand(exec.arguments, with: spec.environment)
        s.executable = exec.path
        if exec.viaShell {
            // argv[0] is "sh", or "-sh" for a login shell, which expansion leaves as it is.
            let line = s.command.dropFirst()
            let shell = LoginEnvironment.shell(of: spec.identity)
            s.executable = shell
            s.command = [(exec.arguments.first?.hasPrefix("-") == true ? "-" : "") + shell]
                + (line.isEmpty ? [] : ["-c", line.joined(separator: " ")])
        }
        if exec.fullPrivileges {
            s.sandboxed = false
            s.identity = nil
            s.limits = []
            s.seccompPrograms = []
            s.noNewPrivileges = false
            s.secureBits = 0
            s.privateUsers = false
            s.namespaceFiles.removeAll { $0.type == Namespaces.user }   // joined only by a sandboxed command
            s.protectHostname = false
            s.mounts = s.mounts.withoutSandbox
            // It pointed at the private /tmp, which "+" does not get.
            if s.suggestsTmpDir { s.environment.removeAll { $0 == "TMPDIR=/tmp" } }
        } else if exec.privilegedIdentity {
            s.identity = nil
        }
        // Only the main process is passed descriptors (systemd spawns ExecStart= alone with
        // EXEC_PASS_FDS) and gets PrivatePIDs= (systemd leaves control processes out), and with
        // it the API file systems, a /proc of that namespace first.
        if command.phase == .start { OpenedFiles.pass(sockets: s.sockets, files: s.openedFiles, into: &s) }
        s.privatePIDs = s.privatePIDs && command.phase == .start && s.sandboxed
        s.mounts.privatePIDs = s.privatePIDs
        return s
    }
}

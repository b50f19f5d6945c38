import Directives
import Exposure
#if canImport(Glibc)
import Glibc
#endif

/// What the rules read: the observations and how the unit runs now.
struct RuleInput: Sendable {
    var observations: Observations
    var writable: WritablePaths
    /// Neither User= (other than root) nor DynamicUser= is set.
    var runsAsRoot: Bool
    /// AmbientCapabilities= as the unit sets it.
    var ambient: CapabilitySet
    var rules: SystemdRelease
    /// Started by a socket unit, which passes it its listeners.
    var socketActivated = false

    /// "called NAME" for the first of `names` the service called.
    func called(_ names: [String]) -> String? { observations.firstMade(names).map { "called \($0)()" } }

    /// "opened PATH" for the first opened path `matching`.
    func opened(_ matching: (String) -> Bool) -> String? {
        observations.openedPaths.sorted().first(where: matching).map { "opened \($0)" }
    }

    var exercisedCapabilities: CapabilitySet { CapabilitySet(observations.capabilities.map(Capability.init(number:))) }
}

/// The rule table: one row per directive, the observation that forbids it (its evidence) or the
/// value it gets. A row returns nil when its directive cannot be had.
enum HardeningRules {
    struct Row: Sendable {
        var directive: String
        var synthesise: @Sendable (RuleInput) -> [Restriction]
        /// What the service did that keeps the directive out, when it is out.
        var forbiddenBy: @Sendable (RuleInput) -> String?

        /// A yes/no directive that is on unless `forbiddenBy` finds what the service did that needs it off.
        init(_ directive: String, _ value: String = "yes", forbiddenBy: @escaping @Sendable (RuleInput) -> String?, evidence: String) {
            self.directive = directive
            self.forbiddenBy = forbiddenBy
            synthesise = { input in forbiddenBy(input) == nil ? [Restriction(directive, value, evidence: evidence)] : [] }
        }

        init(_ directive: String, _ synthesise: @escaping @Sendable (RuleInput) -> [Restriction],
             forbiddenBy: @escaping @Sendable (RuleInput) -> String? = { _ in nil }) {
            self.directive = directive
            self.synthesise = synthesise
            self.forbiddenBy = forbiddenBy
        }
    }

    /// The directives left out, each with what the service did that keeps it out.
    static func omissions(_ input: RuleInput) -> [(directive: String, reason: String)] {
        table.compactMap { row in
            guard row.synthesise(input).isEmpty, let reason = row.forbiddenBy(input) else { return nil }
            return (row.directive, reason)
        }
    }

    /// The candidate: every row's restrictions, in the table's order.
    static func candidate(_ input: RuleInput) -> [Restriction] { table.flatMap { $0.synthesise(input) } }

    /// What the service did that a restriction forbids, for the rows that can tell (nil otherwise).
    static func conflict(_ restriction: Restriction, _ input: RuleInput) -> String? {
        let directive = restriction.directive
        switch directive {
        case "ProtectSystem", "ReadOnlyPaths", "InaccessiblePaths", "TemporaryFileSystem":
            // The paths it wrote below those the restriction names (anywhere, for ProtectSystem=).
            let named = directive == "ProtectSystem" ? ["/"] : restriction.value.split(separator: " ").flatMap { word in
                let path = String(word.drop { "-+".contains($0) }.prefix { $0 != ":" })
                return [path, WritablePaths.resolvingDirectory(path)]
            }
            let below = { (path: String) in named.contains { path == $0 || path.hasPrefix($0 == "/" ? "/" : $0 + "/") } }
            let written = input.observations.writtenPaths.sorted().filter { path in
                !path.hasPrefix("/dev/") && !path.hasPrefix("/proc/") && (below(path) || below(WritablePaths.resolvingDirectory(path)))
            }
            return written.isEmpty ? nil : "the service wrote " + written.prefix(3).joined(separator: ", ")
        case "CapabilityBoundingSet":
            let caps = input.exercisedCapabilities
            return caps.isEmpty ? nil : "the service exercised " + input.observations.capabilityEvidence.joined(separator: "; ")
        default:
            return table.first { $0.directive == directive }.flatMap { row in
                row.synthesise(input).isEmpty ? "what the service did forbids it" : nil
            }
        }
    }

    static let basicDevices: Set<String> = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                                            "/dev/tty", "/dev/ptmx", "/dev/stdin", "/dev/stdout", "/dev/stderr"]

    static func isDevice(_ path: String) -> Bool {
        path.hasPrefix("/dev/") && !basicDevices.contains(path) && !path.hasPrefix("/dev/pts/") && !path.hasPrefix("/dev/shm/")
            && !path.hasPrefix("/dev/fd/") && !path.hasPrefix("/dev/mqueue/") && !path.hasPrefix("/dev/hugepages/")
    }

    /// "for reading and writing" for DeviceAllow='s "rw".
    static func accessText(_ access: String) -> String {
        let words = [("r", "reading"), ("w", "writing"), ("m", "making the node")].filter { access.contains($0.0) }.map(\.1)
        return "for " + (words.count > 1 ? words.dropLast().joined(separator: ", ") + " and " + words.last! : words.first ?? "nothing")
    }

    /// A device node the service opened that only its owner (root) or group may open so: a user
    /// of its own could not.
    static func rootOnlyDevice(_ input: RuleInput) -> String? {
        input.observations.deviceAccess.sorted { $0.key < $1.key }.first { path, access in
            var status = stat()
            guard isDevice(path), stat(path, &status) == 0 else { return false }
            return (access.contains("r") && status.st_mode & S_IROTH == 0) || (access.contains("w") && status.st_mode & S_IWOTH == 0)
        }?.key
    }

    /// What a lookup of a DynamicUser= user makes under systemd: glibc asks nss-systemd, which
    /// asks systemd's io.systemd.DynamicUser over an AF_UNIX socket from an sd-event loop (epoll,
    /// a timerfd). Under brig run no such lookup reaches systemd, so it is not observed there;
    /// Python does one at every start (site.py, as $HOME is not set), killed by the filter else.
    static let dynamicUserLookup: Set<String> = [
        "socket", "connect", "sendto", "recvfrom", "sendmsg", "recvmsg", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
        "timerfd_create", "timerfd_settime", "getrandom", "prctl",
    ]

    /// Whether the service may run as a user of its own: it ran as root without using what root has.
    static func mayDropRoot(_ input: RuleInput) -> Bool {
        input.runsAsRoot && input.exercisedCapabilities.isEmpty
            && input.observations.firstMade(["setuid", "setgid", "setresuid", "setresgid", "setreuid", "setregid",
                                            "setgroups", "chown", "fchown", "lchown", "fchownat"]) == nil
            && input.writable.exact.isEmpty && rootOnlyDevice(input) == nil
    }

    static let table: [Row] = [
        Row("DynamicUser") { input in
            mayDropRoot(input) ? [Restriction("DynamicUser", "yes", evidence: "ran as root, but exercised no capability, changed no identity or owner, and wrote only in directories systemd manages")] : []
        } forbiddenBy: { input in
            guard input.runsAsRoot else { return nil }
            if let switched = Identities.switched(input.observations) {
                return "switches itself to \(switched), which takes root: the user is its own choice, not User='s or DynamicUser='s"
            }
            if let caps = input.observations.capabilityEvidence.first { return "exercised " + caps }
            if let call = input.called(["setuid", "setgid", "setresuid", "setresgid", "setgroups", "chown", "fchown", "fchownat"]) { return call }
            if let device = rootOnlyDevice(input) { return "opened \(device), which other users may not open so" }
            return input.writable.exact.sorted().first.map { "wrote in \($0)" }
        },
        Row("ProtectSystem") { input in
            var result = [Restriction("ProtectSystem", "strict", evidence: "every write fell in the paths listed below")]
            for path in input.writable.exact.sorted() {
                result.append(Restriction("ReadWritePaths", "-" + path, evidence: "written: " + input.observations.writtenPaths.sorted()
                    .filter { $0 == path || $0.hasPrefix(path + "/") }.prefix(3).joined(separator: ", "), isGrant: true))
            }
            // ("-": a path that is gone at the next start, as /run's are after a reboot until
            // something makes them again, does not stop the service.)
            // A user of its own needs the directories systemd makes and gives it; a root service
            // keeps its existing directories (systemd would change their owner to root).
            for (kind, names) in input.writable.managed.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                for name in names.sorted() {
                    let path = kind.base + "/" + name
                    let written = input.observations.writtenPaths.sorted().filter { $0.hasPrefix(path + "/") || $0 == path }
                    let evidence = "written: " + written.prefix(3).joined(separator: ", ")
                    if mayDropRoot(input) || !WritablePaths.exists(path) {
                        result.append(Restriction(kind.rawValue + "Directory", name, evidence: evidence, isGrant: true))
                    } else {
                        result.append(Restriction("ReadWritePaths", "-" + path, evidence: evidence, isGrant: true))
                    }
                }
            }
            return result
        },
        Row("ProtectHome") { input in
            let home = input.opened { $0 == "/home" || $0.hasPrefix("/home/") || $0.hasPrefix("/root") || $0.hasPrefix("/run/user") }
            if home == nil { return [Restriction("ProtectHome", "yes", evidence: "opened nothing under /home, /root or /run/user")] }
            let wrote = input.observations.writtenPaths.contains { $0.hasPrefix("/home/") || $0.hasPrefix("/root/") || $0.hasPrefix("/run/user/") }
            return wrote ? [] : [Restriction("ProtectHome", "read-only", evidence: home! + ", but wrote nothing there")]
        },
        Row("PrivateMounts", forbiddenBy: { $0.called(["mount", "umount2", "move_mount", "fsmount"]) },
            evidence: "mounted nothing the host would need to see"),
        Row("PrivateTmp", forbiddenBy: { _ in nil }, evidence: "files in /tmp and /var/tmp are its own"),
        Row("PrivateDevices") { input in
            // PrivateDevices= would hide every node but the basic ones: a service that opened
            // another gets the closed policy (which allows the basic ones) and exactly its nodes,
            // with the access it took.
            let devices = input.observations.deviceAccess.filter { isDevice($0.key) }.sorted { $0.key < $1.key }
            if devices.isEmpty { return [Restriction("PrivateDevices", "yes", evidence: "opened no device node beyond the basic ones")] }
            return [Restriction("DevicePolicy", "closed", evidence: "opened device nodes beyond the basic ones, so not PrivateDevices=yes: "
                                + devices.map(\.key).joined(separator: ", "))]
                + devices.map { path, access in
                    Restriction("DeviceAllow", path + " " + access, evidence: "opened \(path) " + Self.accessText(access), isGrant: true)
                }
        },
        Row("PrivateNetwork") { input in
            let inet = input.observations.socketFamilies.subtracting([1, 16])
            guard inet.isEmpty else { return [] }
            return [Restriction("PrivateNetwork", "yes", evidence: "opened no IP socket")]
        } forbiddenBy: { input in
            input.observations.socketFamilies.subtracting([1, 16]).sorted().first.map { "opened \(AddressFamily.name($0)) sockets" }
        },
        Row("RestrictAddressFamilies") { input in
            let dynamic = mayDropRoot(input) && !input.observations.socketFamilies.contains(1)
            let families = input.observations.socketFamilies.union(dynamic ? [1] : []).sorted().map(AddressFamily.name)
            let evidence = families.isEmpty ? "opened no socket"
                : dynamic ? "opened sockets of these families only" + (families.count > 1 ? " (AF_UNIX: " : " (") + "a lookup of its dynamic user asks systemd over one)"
                : "opened sockets of these families only"
            return [Restriction("RestrictAddressFamilies", families.isEmpty ? "none" : families.joined(separator: " "), evidence: evidence, resetFirst: true)]
        },
        Row("IPAddressDeny") { input in
            // A server's clients are not known from one workload: only a service that bound no
            // port gets an allow list, of the peers it connected to.
            guard input.observations.boundPorts.isEmpty else { return [] }
            let peers = input.observations.connectedPeers
            // The sockets a socket unit passes in are filtered by the socket unit's lists, never by
            // the service's (systemd.resource-control(5)): these lists are for what it opens itself.
            let passed = input.socketActivated ? " itself (the sockets its socket unit passes it are the socket unit's to filter)" : ""
            return [Restriction("IPAddressDeny", "any", evidence: (peers.isEmpty ? "talked to no IP address" : "talked to these addresses only") + passed)]
                + peers.sorted().map { Restriction("IPAddressAllow", $0, evidence: "connected to \($0)", isGrant: true) }
        } forbiddenBy: { input in
            input.observations.boundPorts.sorted().first.map { "listens on port \($0.port), for clients unknown beforehand" }
        },
        Row("SocketBindDeny") { input in
            let ports = input.observations.boundPorts.sorted()
            return [Restriction("SocketBindDeny", "any", evidence: ports.isEmpty ? "bound no IP port" : "bound no other IP port")]
                + Set(ports.map(\.port)).sorted().map { port in
                    let families = ports.filter { $0.port == port }.map { $0.family == 10 ? "IPv6" : "IPv4" }.joined(separator: " and ")
                    return Restriction("SocketBindAllow", "\(port)", evidence: "bound port \(port) (\(families))", isGrant: true)
                }
        },
        Row("CapabilityBoundingSet") { input in
            let caps = input.exercisedCapabilities
            var result = [Restriction("CapabilityBoundingSet", caps.description,
                                      evidence: caps.isEmpty ? "exercised no capability" : "exercised " + input.observations.capabilityEvidence.joined(separator: "; "),
                                      resetFirst: true)]
            let ambient = CapabilitySet(mask: input.ambient.mask & caps.mask)
            if !input.ambient.isEmpty {
                result.append(Restriction("AmbientCapabilities", ambient.description,
                                          evidence: "of the ambient capabilities it was given, exercised only these", resetFirst: true))
            }
            return result
        },
        Row("NoNewPrivileges", forbiddenBy: { input in
            input.observations.executedPaths.sorted().first { path in
                var status = stat()
                return stat(path, &status) == 0 && status.st_mode & (S_ISUID | S_ISGID) != 0
            }.map { "executed the set-id program \($0)" }
        }, evidence: "executed no set-uid or set-gid program"),
        Row("SystemCallFilter") { input in
            let dynamic = mayDropRoot(input)
            let cover = SyscallCover(observed: input.observations.syscallNames.union(dynamic ? dynamicUserLookup : []), rules: input.rules)
            return [Restriction("SystemCallFilter", cover.entries.joined(separator: " "),
                                evidence: "covers the \(input.observations.syscalls.count) system calls it made"
                                    + (dynamic ? ", and a lookup of its dynamic user through nss-systemd" : ""), resetFirst: true)]
        },
        Row("SystemCallArchitectures", "native", forbiddenBy: { _ in nil }, evidence: "made native system calls"),
        Row("RestrictNamespaces") { input in
            let flags = input.observations.namespaceFlags
            let names: [(UInt64, String)] = [(0x0002_0000, "mnt"), (0x0400_0000, "uts"), (0x0800_0000, "ipc"), (0x1000_0000, "user"),
                                             (0x2000_0000, "pid"), (0x4000_0000, "net"), (0x0200_0000, "cgroup")]
            let used = names.filter { flags & $0.0 != 0 }.map(\.1)
            return [Restriction("RestrictNamespaces", used.isEmpty ? "yes" : used.joined(separator: " "),
                                evidence: used.isEmpty ? "created or joined no namespace" : "created or joined only these namespaces")]
        },
        Row("MemoryDenyWriteExecute", forbiddenBy: { input in
            input.observations.writableExecutableCall.map { "mapped memory writable and executable (\($0)() with PROT_WRITE|PROT_EXEC)" }
        },
            evidence: "mapped no memory writable and executable"),
        Row("LockPersonality", forbiddenBy: { $0.observations.personalityChanges.first.map { "set personality \($0)" } },
            evidence: "changed no execution domain"),
        Row("RestrictRealtime", forbiddenBy: { $0.observations.realtimeScheduling ? "asked for realtime scheduling" : nil },
            evidence: "asked for no realtime scheduling"),
        Row("RestrictSUIDSGID", forbiddenBy: { $0.observations.setIDModes.first.map { "made \($0.path) set-id" } },
            evidence: "made no file set-uid or set-gid"),
        Row("ProtectKernelTunables", forbiddenBy: { $0.writable.kernelTunables.first.map { "wrote \($0)" } },
            evidence: "wrote nothing under /proc/sys or /sys"),
        Row("ProtectKernelModules", forbiddenBy: { $0.called(["init_module", "finit_module", "delete_module"]) },
            evidence: "loaded no kernel module"),
        Row("ProtectKernelLogs", forbiddenBy: { input in
            input.called(["syslog"]) ?? input.opened { $0 == "/dev/kmsg" || $0 == "/proc/kmsg" }
        }, evidence: "read no kernel log"),
        Row("ProtectControlGroups", forbiddenBy: { $0.writable.controlGroups.first.map { "wrote \($0)" } },
            evidence: "wrote nothing under /sys/fs/cgroup"),
        Row("ProtectClock", forbiddenBy: { $0.called(["clock_settime", "settimeofday", "clock_adjtime", "adjtimex"]) },
            evidence: "set no clock"),
        Row("ProtectHostname", forbiddenBy: { $0.called(["sethostname", "setdomainname"]) }, evidence: "set no host name"),
        Row("ProtectProc", "invisible", forbiddenBy: { input in
            input.opened { path in path.hasPrefix("/proc/") && path.dropFirst(6).prefix { $0 != "/" }.allSatisfy(\.isNumber) && path.count > 6 }
        }, evidence: "opened no other process's /proc/PID"),
        Row("ProcSubset", "pid", forbiddenBy: { input in
            input.opened { path in
                guard path.hasPrefix("/proc/") else { return false }
                let first = path.dropFirst(6).prefix { $0 != "/" }
                return !first.isEmpty && !first.allSatisfy(\.isNumber) && first != "self" && first != "thread-self"
            }
        }, evidence: "opened nothing in /proc but processes"),
        Row("PrivateIPC", forbiddenBy: { $0.called(["shmget", "msgget", "semget", "mq_open"]) }, evidence: "used no System V or POSIX IPC"),
        Row("RemoveIPC", forbiddenBy: { _ in nil }, evidence: "IPC objects it leaves are removed at stop"),
        Row("KeyringMode", "private", forbiddenBy: { $0.called(["add_key", "request_key", "keyctl"]) }, evidence: "used no kernel keyring"),
        Row("UMask", "0077", forbiddenBy: { _ in nil }, evidence: "files it creates are its own"),
        Row("PrivateUsers", forbiddenBy: { input in mayDropRoot(input) ? nil : "runs as root or needs capabilities" },
            evidence: "runs as a user of its own and needs no capability"),
    ]
}

import Directives

/// The file-system half of a jail, in systemd's terms (its NamespaceInfo plus
/// the path lists). The planner fills it from the unit's ExecContext.
public struct MountSettings: Sendable {
    public struct BindMount: Sendable, Equatable {
        public var source: String, destination: String
        public var readOnly: Bool, recursive: Bool, optional: Bool
        /// The directive that asked for it, where not BindPaths= (an exec directory names its own).
        public var directive: String? = nil
        /// Bound id-mapped (an exec directory under 257's rules, see `ExecDirectoryOwnership`).
        public var idMapping: IdMapping? = nil
        public init(source: String, destination: String, readOnly: Bool, recursive: Bool = true, optional: Bool = false) {
            self.source = source; self.destination = destination
            self.readOnly = readOnly; self.recursive = recursive; self.optional = optional
        }
    }

    public var readWritePaths: [String] = []
    public var readOnlyPaths: [String] = []
    public var inaccessiblePaths: [String] = []
    public var execPaths: [String] = []
    public var noExecPaths: [String] = []
    public var emptyDirectories: [String] = []
    public var bindMounts: [BindMount] = []
    /// TemporaryFileSystem= entries: path and mount options.
    public var temporaryFileSystems: [(path: String, options: String)] = []
    public var privateTmp = false
    /// PrivateTmp= for a single command: a fresh tmpfs (mode 1777) per
    /// directory instead of systemd's host directories, which only matter when
    /// several commands of a unit share them; it spares creating and removing
    /// directories on disk at every start (see README, "brig run").
    public var privateTmpOnTmpfs = false
    /// PrivateTmp=disconnected (257): /tmp and /var/tmp are tmpfs of the service's own, nodev,
    /// for every command, never the host's directories.
    public var privateTmpDisconnected = false
    /// What /var/tmp gets where systemd derives it apart from /tmp (`PrivateTmpLayout`); nil: as /tmp.
    var privateVarTmp: PrivateTmpLayout.Kind? = nil
    /// PrivatePIDs= for this command: its /proc is of the new PID namespace.
    public var privatePIDs = false
    /// PrivateBPF=yes (258): a bpffs instance of the service's own on /sys/fs/bpf.
    public var privateBPF = false
    /// BPFDelegate*= (258): the options that bpffs is made with.
    public var bpfDelegation = BPFDelegation()
    /// The bpffs is made after the user namespace (DelegateNamespaces= gives it the mount
    /// namespace): the helper forked before (JailPlanner) sets its options and creates it.
    var bpfDelegationByHelper = false
    /// BindLogSockets= in effect (257): journald's three sockets bound onto themselves.
    public var bindLogSockets = false
    /// PrivateNetwork= under rules that give it a sysfs of its own (`ReleaseFacts.privateNetworkMountsSysfs`).
    public var privateSysfs = false
    /// The release's fixed mount tables keep their options (`ReleaseFacts.mountTablesKeepOptions`).
    public var mountTablesKeepOptions = false
    /// The release's table of base directories for a root of the service's own (`ReleaseFacts.baseFilesystem`).
    public var baseFilesystem = BaseFilesystemTable.v252
    public var privateDevices = false
    public var privateMounts = false
    public var privateIPC = false
    public var protectKernelTunables = false
    public var protectKernelModules = false
    public var protectKernelLogs = false
    public var protectControlGroups = false
    /// ProtectControlGroups=private or strict (257): a fresh cgroup2 mount of the service's own
    /// cgroup namespace on /sys/fs/cgroup, read-only when strict.
    public var privateCgroupMount: (readOnly: Bool, directive: String)? = nil
    public var protectHostname = false
    public var protectSystem = ProtectSystem.no
    public var protectHome = ProtectHome.no
    /// ProtectProc=: "default", "noaccess", "invisible" or "ptraceable".
    public var protectProc = "default"
    public var procSubsetPID = false
    public var mountAPIVFS: Bool? = nil
    public var noNewPrivileges = false
    public var rootDirectory: String? = nil
    /// RootMStack= (260) without RootDirectory=, which takes precedence: the root is assembled
    /// from the stack before anything else is mounted on it.
    public var mountStack: MountStack? = nil
    /// The stack is mounted read-only as a whole: `namespaceReadOnly` of the unit's own settings,
    /// decided before brig adds paths of its own (the memory pressure file), as systemd decides it.
    public var mountStackReadOnly = false
    /// /run/credentials/UNIT when the service has credentials: the jail sees that store, read-only,
    /// and nothing else of /run/credentials. It never makes a mount namespace by itself.
    public var credentialsDirectory: String? = nil

    public init() {}

    /// PrivateTmp= served by directories on the host, which every command of the run shares.
    var usesHostPrivateTmp: Bool { privateTmp && !privateTmpOnTmpfs && (!privateTmpDisconnected || privateVarTmp == .connected) }

    /// A root of the service's own (systemd's exec_context_with_rootfs()).
    var hasRootOfItsOwn: Bool { rootDirectory != nil || mountStack != nil }

    var effectiveMountAPIVFS: Bool { mountAPIVFS ?? hasRootOfItsOwn }

    /// systemd's namespace_read_only(): / and /home both end up read-only and nothing is named
    /// writable. A mount stack is then mounted read-only as a whole (MSTACK_RDONLY).
    var namespaceReadOnly: Bool {
        func names(_ paths: [String], _ path: String) -> Bool {
            paths.contains { Paths.normalized(String($0.drop { $0 == "-" || $0 == "+" })) == path }
        }
        let rootReadOnly = protectSystem == .strict || names(readOnlyPaths, "/")
        let homeReadOnly = protectHome != .no || names(readOnlyPaths, "/home") || names(inaccessiblePaths, "/home")
            || emptyDirectories.contains { Paths.normalized($0) == "/home" }
            || temporaryFileSystems.contains { Paths.normalized($0.path) == "/home" }
            || bindMounts.contains { Paths.normalized($0.destination) == "/home" }
        return rootReadOnly && homeReadOnly && readWritePaths.isEmpty
    }

    /// What a "+" command keeps: the unit's own paths, binds and temporary file systems, none of
    /// the protection (systemd passes setup_namespace() no read-only, inaccessible, exec or
    /// noexec paths and an empty NamespaceInfo then).
    var withoutSandbox: MountSettings {
        var kept = MountSettings()
        kept.readWritePaths = readWritePaths
        kept.bindMounts = bindMounts
        kept.temporaryFileSystems = temporaryFileSystems
        kept.emptyDirectories = emptyDirectories
        kept.rootDirectory = rootDirectory
        kept.mountStack = mountStack
        kept.mountStackReadOnly = mountStackReadOnly
        kept.credentialsDirectory = credentialsDirectory
        kept.mountAPIVFS = false
        return kept
    }

    /// systemd's exec_needs_mount_namespace(), for the settings modelled here.
    public var needsMountNamespace: Bool {
        !readWritePaths.isEmpty || !readOnlyPaths.isEmpty || !inaccessiblePaths.isEmpty || !execPaths.isEmpty
            || !noExecPaths.isEmpty || !bindMounts.isEmpty || !temporaryFileSystems.isEmpty || privateTmp
            || privateDevices || privateMounts || protectSystem != .no || protectHome != .no
            || protectKernelTunables || protectKernelModules || protectKernelLogs || protectControlGroups
            || protectProc != "default" || procSubsetPID || privateIPC || !emptyDirectories.isEmpty
            || (rootDirectory != nil && effectiveMountAPIVFS) || mountStack != nil || privateSysfs || privatePIDs || privateBPF || bindLogSockets
    }

    /// The unsorted mount list, as systemd's setup_namespace() collects it.
    func entries(site: RunSite) -> [MountEntry] {
        var list: [MountEntry] = []
        func access(_ paths: [String], _ mode: MountMode, _ directive: String) {
            for raw in paths {
                var path = Substring(raw), optional = false
                if path.hasPrefix("-") { optional = true; path = path.dropFirst() }
                if path.hasPrefix("+") { path = path.dropFirst() }
                list.append(MountEntry(String(path), mode, optional: optional, directive: "\(directive)=\(raw)", namedByUnit: true))
            }
        }
        access(readWritePaths, .readWrite, "ReadWritePaths")
        access(readOnlyPaths, .readOnly, "ReadOnlyPaths")
        access(inaccessiblePaths, .inaccessible, "InaccessiblePaths")
        access(execPaths, .exec, "ExecPaths")
        access(noExecPaths, .noExec, "NoExecPaths")
        for path in emptyDirectories {
            list.append(MountEntry(path, .emptyDir, directive: "DynamicUser=yes", options: "mode=755,size=4m,nr_inodes=1k",
                                   flags: MountFlags.noSUID | MountFlags.noExec | MountFlags.noDev | MountFlags.strictAtime,
                                   readOnly: true))
        }
        for b in bindMounts {
            var e = MountEntry(b.destination, b.recursive ? .bindRecursive : .bind, optional: b.optional,
                               directive: b.directive ?? "\(b.readOnly ? "BindReadOnlyPaths" : "BindPaths")=\(b.source):\(b.destination)",
                               source: b.source, readOnly: b.readOnly, namedByUnit: true)
            e.idMapping = b.idMapping
            list.append(e)
        }
        for t in temporaryFileSystems {
            let (flags, data, ro) = TmpfsOptions.parse(t.options)
            list.append(MountEntry(t.path, .tmpfs, directive: "TemporaryFileSystem=\(t.path)\(t.options.isEmpty ? "" : ":" + t.options)",
                                   options: data, flags: flags, readOnly: ro, namedByUnit: true))
        }
        if privateTmp {
            let tmp: PrivateTmpLayout.Kind = privateTmpDisconnected ? .disconnected : .connected
            for (path, dir, kind) in [("/tmp", site.privateTmp, tmp), ("/var/tmp", site.privateVarTmp, privateVarTmp ?? tmp)] where kind != .none {
                var e = MountEntry(path, .privateTmp, directive: "PrivateTmp=yes")
                e.source = privateTmpOnTmpfs || kind == .disconnected ? nil : dir + "/tmp"
                if kind == .disconnected { e.flags = MountFlags.noDev }
                list.append(e)
            }
        }
        if privateDevices { list.append(MountEntry("/dev", .privateDev, directive: "PrivateDevices=yes")) }
        if privateSysfs { list.append(MountEntry("/sys", .privateSysfs, directive: "PrivateNetwork=yes")) }
        let ignoreProc = procSubsetPID
        func table(_ rows: [(String, MountMode, Bool)], _ directive: String, proc: Bool = false) {
            list += ProtectTables.entries(rows.map { ($0.0, $0.1, $0.2 || (proc && ignoreProc)) }, directive)
        }
        if protectKernelTunables {
            table(ProtectTables.kernelTunablesProc, "ProtectKernelTunables=yes", proc: true)
            // 258 took /sys/fs/bpf out of this table: without PrivateBPF= it is still read-only, with
            // it the service's own bpffs stands there, writable (append_private_bpf() in namespace.c).
            table(ProtectTables.kernelTunablesSys.filter { !privateBPF || $0.0 != "/sys/fs/bpf" }, "ProtectKernelTunables=yes")
        }
        if protectKernelModules { table(ProtectTables.kernelModules, "ProtectKernelModules=yes") }
        if protectKernelLogs {
            table([ProtectTables.kernelLogs[0]], "ProtectKernelLogs=yes", proc: true)
            table([ProtectTables.kernelLogs[1]], "ProtectKernelLogs=yes")
        }
        if let cgroup = privateCgroupMount {
            list.append(MountEntry("/sys/fs/cgroup", .cgroup2fs, directive: cgroup.directive, readOnly: cgroup.readOnly))
        } else if protectControlGroups {
            list.append(MountEntry("/sys/fs/cgroup", .readOnly, directive: "ProtectControlGroups=yes"))
        }
        switch protectHome {
        case .no: break
        case .yes: table(ProtectTables.homeYes, "ProtectHome=yes")
        case .readOnly: table(ProtectTables.homeReadOnly, "ProtectHome=read-only")
        case .tmpfs:
            for (path, mode, optional) in ProtectTables.homeTmpfs {
                var e = MountEntry(path, mode, optional: optional, directive: "ProtectHome=tmpfs")
                if mountTablesKeepOptions {
                    e.readOnly = true
                    e.flags = MountFlags.noDev | MountFlags.strictAtime
                    e.options = path == "/root" ? "mode=0700" : "mode=0755"
                }
                list.append(e)
            }
        }
        switch protectSystem {
        case .no: break
        case .yes: table(ProtectTables.systemYes, "ProtectSystem=yes")
        case .full: table(ProtectTables.systemFull, "ProtectSystem=full")
        case .strict: table(ProtectTables.systemStrict, "ProtectSystem=strict")
        }
        if effectiveMountAPIVFS || protectControlGroups || protectKernelTunables || protectProc != "default" || procSubsetPID
            || privatePIDs || privateBPF {
            var rows = ProtectTables.apiVFS
            // Without a root of its own the host's /dev is already in place.
            if !hasRootOfItsOwn { rows.removeAll { $0.1 == .bindDev } }
            for row in rows {
                var e = MountEntry(row.0, row.1, optional: row.2, directive: apiDirective)
                if row.1 == .procfs && (protectProc != "default" || procSubsetPID) {
                    let hidepid = protectProc == "default" ? "off" : protectProc
                    e.options = "hidepid=\(hidepid)" + (procSubsetPID ? ",subset=pid" : "")
                }
                if row.1 == .run {
                    e.options = "mode=755,size=20%,nr_inodes=800k"
                    e.flags = MountFlags.noSUID | MountFlags.noDev | MountFlags.strictAtime
                }
                list.append(e)
            }
        }
        if protectHostname {
            for path in ["/proc/sys/kernel/hostname", "/proc/sys/kernel/domainname"] {
                list.append(MountEntry(path, .readOnly, optional: ignoreProc, directive: "ProtectHostname=yes"))
            }
        }
        if bindLogSockets {
            for path in ["/run/systemd/journal/socket", "/run/systemd/journal/stdout", "/run/systemd/journal/dev-log"] {
                var e = MountEntry(path, .bind, optional: true, directive: "BindLogSockets=yes", source: path, readOnly: true)
                e.noExec = true
                e.noSUID = true
                list.append(e)
            }
        }
        if privateBPF {
            // systemd passes over a kernel without bpffs instances; brig fails closed (NAMESPACE).
            list.append(MountEntry("/sys/fs/bpf", .bpffs, directive: "PrivateBPF=yes"))
        }
        if privateIPC {
            list.append(MountEntry("/dev/mqueue", .mqueuefs, directive: "PrivateIPC=yes",
                                   flags: MountFlags.noSUID | MountFlags.noDev | MountFlags.noExec))
        }
        if let store = credentialsDirectory {
            // An empty read-only /run/credentials hides other services' stores; this one is bound over it.
            list.append(MountEntry("/run/credentials", .tmpfs, directive: "(credentials)", options: "mode=0755,size=4m,nr_inodes=1k",
                                   flags: MountFlags.noDev | MountFlags.strictAtime | MountFlags.noSUID | MountFlags.noExec,
                                   readOnly: true))
            list.append(MountEntry(store, .bind, directive: "(credentials)", source: store, readOnly: true))
        } else {
            list.append(MountEntry("/run/credentials", .inaccessible, optional: true, directive: "(no credentials)"))
        }
        return list
    }

    /// Which directive turned on the API file systems, for the plan listing.
    private var apiDirective: String {
        if protectProc != "default" { return "ProtectProc=\(protectProc)" }
        if procSubsetPID { return "ProcSubset=pid" }
        if protectKernelTunables { return "ProtectKernelTunables=yes" }
        if protectControlGroups { return "ProtectControlGroups=yes" }
        if privatePIDs { return "PrivatePIDs=yes" }
        if privateBPF { return "PrivateBPF=yes" }
        return "MountAPIVFS=yes"
    }

    /// systemd's drop_unused_mounts(): sort, then drop duplicates (the
    /// stronger mode wins, flags merge), entries hidden below an inaccessible
    /// path, and entries whose parent entry already has the same mode.
    static func normalize(_ input: [MountEntry]) -> [MountEntry] {
        // Each path's sort key is made once, and indices move instead of entries.
        let entries = input.map { entry in
            var e = entry
            e.path = Paths.normalized(entry.path)
            return e
        }
        let keys = entries.map { PathKey($0.path) }
        let sorted = entries.indices.sorted { a, b in
            if entries[a].path != entries[b].path { return keys[a] < keys[b] }
            if entries[a].mode != entries[b].mode { return entries[a].mode < entries[b].mode }
            return a < b
        }.map { entries[$0] }
        var unique: [MountEntry] = []
        for entry in sorted {
            if var previous = unique.last, previous.path == entry.path {
                previous.readOnly = previous.readOnly || entry.isReadOnly
                previous.noExec = previous.noExec || entry.isNoExec
                previous.exec = previous.exec || entry.isExec
                previous.namedByUnit = previous.namedByUnit || entry.namedByUnit
                unique[unique.count - 1] = previous
                continue
            }
            unique.append(entry)
        }
        // Paths as bytes once: the two passes below compare every entry with earlier ones.
        var visible: [(entry: MountEntry, path: [UInt8])] = []
        var clear: [UInt8]? = nil
        for entry in unique {
            let path = Array(entry.path.utf8)
            if let c = clear, Paths.isBelow(path, under: c) { continue }
            clear = entry.mode == .inaccessible ? path : nil
            visible.append((entry, path))
        }
        var kept: [(entry: MountEntry, path: [UInt8])] = []
        for item in visible {
            switch item.entry.mode {
            case .readOnly, .readWrite, .readWriteImplicit:
                if let parent = kept.last(where: { Paths.isBelow(item.path, under: $0.path) }), parent.entry.mode == item.entry.mode {
                    continue
                }
            default: break
            }
            kept.append(item)
        }
        return kept.map(\.entry)
    }
}

/// TemporaryFileSystem= options: the flag words become mount flags, the rest
/// is tmpfs data; "ro" makes the entry read-only after mounting.
enum TmpfsOptions {
    static func parse(_ options: String) -> (flags: UInt, data: String, readOnly: Bool) {
        var flags = MountFlags.noDev | MountFlags.strictAtime
        var data = ["mode=0755", "size=10%", "nr_inodes=400k"]
        var readOnly = false
        for word in options.split(separator: ",").map(String.init) {
            switch word {
            case "ro": readOnly = true
            case "rw": readOnly = false
            case "nosuid": flags |= MountFlags.noSUID
            case "suid": flags &= ~MountFlags.noSUID
            case "nodev": flags |= MountFlags.noDev
            case "dev": flags &= ~MountFlags.noDev
            case "noexec": flags |= MountFlags.noExec
            case "exec": flags &= ~MountFlags.noExec
            default: data.append(word)
            }
        }
        return (flags, data.joined(separator: ","), readOnly)
    }
}

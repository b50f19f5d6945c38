import Directives
#if canImport(Glibc)
import Glibc
#endif

/// Turns the mount table into plan steps the way systemd's setup_namespace()
/// and apply_mounts() do: a private copy of / at a staging root, every entry
/// mounted there, then read-only, noexec and nosuid flipped in three rounds,
/// and finally the staging root moved onto /.
enum MountSteps {
    /// Where the new tree is assembled (systemd uses /run/systemd/unit-root).
    static let stagingRoot = "/run/brig/unit-root"

    static func steps(_ settings: MountSettings, site: RunSite) -> [JailStep] {
        let hostMounts = HostMountTable.current()
        var settings = settings
        settings.rootDirectory = settings.rootDirectory.map { PathChaser(root: "/").chase(Paths.normalized($0)) ?? $0 }
        // ServiceJail has already let RootDirectory= take precedence: at most one of them is set.
        let stack = settings.mountStack
        let ownRoot = settings.hasRootOfItsOwn
        // A stack's root is assembled in the child: there is nothing to follow symlinks in yet.
        let listed = settings.entries(site: site)
        let entries = MountSettings.normalize(stack != nil ? listed : chased(listed, root: settings.rootDirectory ?? "/"))
        let root = settings.rootDirectory.map(Paths.normalized) ?? stagingRoot
        // Entry paths are absolute: no slash is added, so the result is usually normal already.
        func at(_ path: String) -> String {
            root == "/" ? path : Paths.normalized(path.hasPrefix("/") ? root + path : root + "/" + path)
        }
        var steps: [JailStep] = []
        func add(_ action: JailAction, _ directive: String, optional: Bool = false, of entry: MountEntry? = nil) {
            var step = JailStep(action, for: directive, failing: .namespace, optional: optional)
            // An API file system's entry the child may find it cannot mount and keep as it was.
            step.onlyIfMounted = entry.map { [.procfs, .cgroup2fs, .privateSysfs].contains($0.mode) } ?? false
            steps.append(step)
        }
        add(.unshare(flags: Namespaces.mount), "(mount namespace)")
        add(.mount(source: "none", target: "/", fstype: nil, flags: MountFlags.slave | MountFlags.recursive, data: nil),
            "(mount namespace)")
        if let dir = settings.rootDirectory {
            add(.bindSelf(dir), "RootDirectory=\(dir)")
            // As setup_namespace() does before anything is mounted there: on the host's tree.
            add(.baseFilesystem(root: dir, table: settings.baseFilesystem), "RootDirectory=\(dir)")
        } else if let stack {
            steps += MountStackSteps.steps(stack, root: root, readOnly: settings.mountStackReadOnly, baseFilesystem: settings.baseFilesystem)
        } else {
            add(.mount(source: "/", target: root, fstype: nil, flags: MountFlags.bind | MountFlags.recursive, data: nil),
                "(mount namespace)")
        }
        // Under RootDirectory= the target already exists on the host; otherwise
        // the staging root is a copy of / and the host's own path tells.
        // Paths are compared as bytes: planning asks "is A at or below B" a few thousand times.
        let hostPaths = hostMounts.map(\.path)
        let paths = entries.map(\.path)  // normalize() made them normal
        let pathBytes = paths.map { Array($0.utf8) }
        let targets = entries.map { at($0.path) }  // normalised
        let targetBytes = targets.map { Array($0.utf8) }
        let below = { (path: [UInt8], prefix: [UInt8]) in Paths.isBelow(path, under: prefix) }
        for (index, e) in entries.enumerated() {
            let host = ownRoot ? targetBytes[index] : pathBytes[index]
            // Something may be mounted at or below the path when the host has a
            // mount there, or an earlier entry above it brought mounts along.
            let bringers = entries[..<index].indices.filter { earlier in
                entries[earlier].bringsMountsAlong && below(pathBytes[index], pathBytes[earlier])
            }
            var clean = !hostPaths.contains { below($0, host) } && bringers.isEmpty
            // When every mount below descends from one at the path, the child's lazy detach of
            // the mounts at the path takes them all along, without reading the mount table.
            var detachCovers = bringers.isEmpty && !ownRoot
                && HostMount.detachAt(host, clears: hostMounts)
            // Below PrivateDevices='s /dev, brig's own tmpfs replaced whatever the host had.
            if bringers.count == 1, let dev = bringers.first, entries[dev].mode == .privateDev {
                let binds = MountEntry.privateDevBinds.map { pathBytes[dev] + Array($0.utf8) }
                clean = !binds.contains { below($0, pathBytes[index]) }
                detachCovers = binds.contains(pathBytes[index])
            }
            steps += mount(e, at: targets[index], host: ownRoot ? targets[index] : paths[index],
                           clean: clean, detachCovers: detachCovers, site: site, ownRoot: ownRoot,
                           bpf: (settings.bpfDelegation, byHelper: settings.bpfDelegationByHelper))
        }
        // Only other entries strictly below a path can be skipped under it.
        func denied(below index: Int) -> [String] {
            targets.indices.filter { $0 != index && below(targetBytes[$0], targetBytes[index]) }.map { targets[$0] }
        }
        for (index, e) in entries.enumerated() where e.isReadOnly || e.mode == .privateDev {
            let recursive = e.isReadOnly && e.hasSubmounts
            add(.remount(path: targets[index], set: MountFlags.attrReadOnly, clear: 0, recursive: recursive,
                         except: recursive ? denied(below: index) : []),
                e.directive, optional: e.optional, of: e)
        }
        for (index, e) in entries.enumerated() where e.isNoExec || e.isExec {
            let (set, clear) = e.isNoExec ? (MountFlags.attrNoExec, UInt64(0)) : (UInt64(0), MountFlags.attrNoExec)
            add(.remount(path: targets[index], set: set, clear: clear, recursive: e.hasSubmounts,
                         except: e.hasSubmounts ? denied(below: index) : []),
                e.directive, optional: e.optional, of: e)
        }
        for (index, e) in entries.enumerated() where e.noSUID {
            add(.remount(path: targets[index], set: MountFlags.attrNoSUID, clear: 0, recursive: false, except: []),
                e.directive, optional: e.optional, of: e)
        }
        if settings.noNewPrivileges {
            // Entries come sorted, parents first: below a recursive nosuid nothing is left to do.
            var covered: [Int] = []
            for (index, e) in entries.enumerated() where !covered.contains(where: { below(targetBytes[index], targetBytes[$0]) }) {
                add(.remount(path: targets[index], set: MountFlags.attrNoSUID, clear: 0, recursive: e.hasSubmounts, except: []),
                    "NoNewPrivileges=yes", optional: e.optional, of: e)
                if e.hasSubmounts { covered.append(index) }
            }
        }
        add(.moveRoot(root), settings.rootDirectory.map { "RootDirectory=\($0)" } ?? stack.map { "RootMStack=\($0.path)" } ?? "(mount namespace)")
        add(.mount(source: "none", target: "/", fstype: nil, flags: MountFlags.shared | MountFlags.recursive, data: nil),
            "(mount namespace)")
        return steps
    }

    /// The entries with the symlinks in their paths followed inside the root, as systemd
    /// follows them before each mount.
    static func chased(_ entries: [MountEntry], root: String) -> [MountEntry] {
        let chaser = PathChaser(root: Paths.normalized(root))
        return entries.map { entry in
            var chased = entry
            chased.path = chaser.chase(Paths.normalized(entry.path)) ?? entry.path
            return chased
        }
    }

    /// systemd's apply_one_mount() for one entry.
    private static func mount(_ e: MountEntry, at target: String, host: String, clean: Bool, detachCovers: Bool,
                              site: RunSite, ownRoot: Bool, bpf: (delegation: BPFDelegation, byHelper: Bool)) -> [JailStep] {
        func step(_ action: JailAction, optional: Bool = e.optional) -> JailStep {
            var step = JailStep(action, for: e.directive, failing: .namespace, optional: optional)
            step.noFollow = e.namedByUnit
            return step
        }
        /// proc, sysfs and cgroup2 as systemd's mount_private_apivfs() makes them: the host's
        /// bound instead where the user namespace owns not the namespace they would show.
        func apiFileSystem(_ fstype: String, on target: String, data: String? = nil) -> JailStep {
            var made = step(.mount(source: fstype, target: target, fstype: fstype,
                                   flags: MountFlags.noSUID | MountFlags.noExec | MountFlags.noDev, data: data))
            made.hostInstanceFallback = true
            return made
        }
        let unmount = clean ? [] : [step(.unmountBelow(target, detachCovers: detachCovers))]
        switch e.mode {
        case .inaccessible:
            return [step(.inaccessible(path: target, nodes: RunSite.inaccessibleNodes, clean: clean))]
        case .readOnly, .readWrite, .readWriteImplicit, .exec, .noExec:
            return [step(.bindSelf(target))]
        case .bind, .bindRecursive:
            let bind = step(.bind(source: e.source ?? "", target: target, recursive: e.mode == .bindRecursive))
            // As systemd's apply_one_mount(): the bind, then at once its id-mapped copy in its place.
            guard let mapping = e.idMapping else { return [bind] }
            return [bind, step(.idMappedMount(path: target, mapping: mapping))]
        case .privateTmp, .privateTmpReadOnly:
            guard let source = e.source else {
                // A root of the service's own may lack /tmp or /var/tmp: made as systemd makes them.
                var tmpfs = step(.mount(source: "tmpfs", target: target, fstype: "tmpfs", flags: e.flags, data: "mode=1777"))
                tmpfs.makeTarget = ownRoot
                return [tmpfs]
            }
            return [step(.bind(source: source, target: target, recursive: true))]
        case .privateDev:
            return [step(.privateDevices(staging: RunSite.devStaging, target: target, detachCovers: detachCovers))]
        case .bindDev:
            return [step(.mount(source: "/dev", target: target, fstype: nil, flags: MountFlags.bind | MountFlags.recursive, data: nil))]
        case .privateSysfs:
            // A sysfs of the network namespace the child is in already, assembled on a staging
            // directory with the mounts below /sys bound back, then moved over /sys.
            let staging = RunSite.sysStaging
            var steps = [apiFileSystem("sysfs", on: staging)]
            for sub in topMounts(below: host) {
                let rest = String(sub.dropFirst(host.count))
                steps.append(step(.bind(source: target + rest, target: staging + rest, recursive: true), optional: true))
            }
            steps.append(step(.unmountBelow(target, detachCovers: detachCovers)))
            steps.append(step(.mount(source: staging, target: target, fstype: nil, flags: MountFlags.move, data: nil)))
            return steps
        case .sysfs:
            if isMountPoint(host) { return [] }
            return [step(.mount(source: "/sys", target: target, fstype: nil, flags: MountFlags.bind | MountFlags.recursive, data: nil))]
        case .run:
            // systemd mounts a fresh /run only where none is mounted, which under
            // systemd never happens without RootDirectory=; where the host's /run
            // is a plain directory, brig keeps it, as its own mount (so, like
            // systemd's, it is left out of ProtectSystem=strict's read-only /).
            if isMountPoint(host) { return [] }
            if host == e.path { return [step(.bindSelf(target))] }
            fallthrough
        case .emptyDir, .tmpfs:
            var tmpfs = step(.mount(source: "tmpfs", target: target, fstype: "tmpfs", flags: e.flags, data: e.options))
            tmpfs.makeTarget = ownRoot
            return unmount + [tmpfs]
        case .procfs:
            return unmount + [apiFileSystem("proc", on: target, data: e.options)]
        case .cgroup2fs:
            // Of the cgroup namespace made just before the mounts: its root is the run's cgroup.
            // Moved on, not mounted: in a mount namespace DelegateNamespaces= gives the user
            // namespace, the host's cgroup2 stays there, locked, and mount(2) says EBUSY.
            var made = step(.mountNewInstance(fstype: "cgroup2", target: target,
                                              attributes: MountFlags.attrNoSUID | MountFlags.attrNoExec | MountFlags.attrNoDev))
            made.hostInstanceFallback = true
            return unmount + [made]
        case .mqueuefs:
            return unmount + [step(.mount(source: "mqueue", target: target, fstype: "mqueue", flags: e.flags, data: nil))]
        case .bpffs:
            // Each mount of bpf is an instance of its own, empty: the host's pins stay out of sight.
            // Its source is "none", as for systemd's, made by fsmount() without one. Delegation
            // options (BPFDelegate*=), and a superblock made in a user namespace, need the mount API.
            if !bpf.delegation.isEmpty || bpf.byHelper {
                return unmount + [step(.bpffs(target: target, delegation: bpf.delegation, byHelper: bpf.byHelper))]
            }
            return unmount + [step(.mount(source: "none", target: target, fstype: "bpf", flags: 0, data: nil))]
        }
    }

    /// A mountinfo field with its \\ooo escapes turned back into bytes.
    static func decodeOctal(_ field: some Collection<UInt8>) -> String {
        let bytes = Array(field)
        guard bytes.contains(UInt8(ascii: "\\")) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let isDigit = { (j: Int) in j < bytes.count && (0x30...0x37).contains(bytes[j]) }
            if bytes[i] == UInt8(ascii: "\\"), isDigit(i + 1), isDigit(i + 2), isDigit(i + 3) {
                out.append((bytes[i + 1] - 0x30) << 6 | (bytes[i + 2] - 0x30) << 3 | (bytes[i + 3] - 0x30))
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The host's mount points below `path` that no other one below it covers: binding each
    /// recursively brings every mount below `path` along.
    static func topMounts(below path: String) -> [String] {
        let prefix = Array(path.utf8)
        let below = HostMountTable.current().map(\.path).filter { $0 != prefix && Paths.isBelow($0, under: prefix) }
        let top = below.filter { mount in !below.contains { $0 != mount && Paths.isBelow(mount, under: $0) } }
        return Array(Set(top.map { String(decoding: $0, as: UTF8.self) })).sorted()
    }

    /// Whether the host's path is a mount point now (checked before the fork;
    /// the staging root is a recursive copy of the host's tree).
    static func isMountPoint(_ path: String) -> Bool {
        var st = stat(), parent = stat()
        guard stat(path, &st) == 0, stat(path == "/" ? "/" : path + "/..", &parent) == 0 else { return false }
        return st.st_dev != parent.st_dev || path == "/"
    }
}

/// One line of the host's mount table: its id, its parent's id and where it is mounted.
struct HostMount {
    let id: Int
    let parent: Int
    let path: [UInt8]

    /// Whether lazily detaching the mounts at `path` removes every mount below it: each one
    /// descends from a mount at `path`. A mount hidden under one stacked on `path` does not,
    /// and makes the child read the mount table instead.
    static func detachAt(_ path: [UInt8], clears table: [HostMount]) -> Bool {
        for mount in table where mount.path != path && Paths.isBelow(mount.path, under: path) {
            var current = mount
            for _ in table.indices where current.path != path {
                guard let parent = table.first(where: { $0.id == current.parent }), parent.id != current.id else { return false }
                current = parent
            }
            if current.path != path { return false }
        }
        return true
    }
}

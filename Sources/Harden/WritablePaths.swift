import Directives
#if canImport(Glibc)
import Glibc
#endif

/// Where the service wrote, collapsed to what a drop-in names: the managed directory a path
/// falls in (/var/lib/NAME -> StateDirectory=NAME, ...) and, for the rest, the exact paths for
/// ReadWritePaths= (a file it created or removed stands for its directory, which must exist
/// at the next start). /tmp and /var/tmp (PrivateTmp=) and the API file systems are apart.
struct WritablePaths: Equatable {
    var managed: [ManagedDirectoryKind: Set<String>] = [:]
    var exact: Set<String> = []
    /// Writes under /proc/sys, /sys, /sys/fs/cgroup, /dev (device nodes), and in /tmp or /var/tmp.
    var kernelTunables: [String] = [], controlGroups: [String] = [], temporary: [String] = []

    init(_ observations: Observations) {
        let created = Set(observations.createdPaths.map(Self.resolvingDirectory))
        for path in observations.writtenPaths.map(Self.resolvingDirectory).sorted() {
            if path.hasPrefix("/sys/fs/cgroup/") { controlGroups.append(path); continue }
            if path.hasPrefix("/proc/sys/") || path.hasPrefix("/sys/") { kernelTunables.append(path); continue }
            if path.hasPrefix("/proc/") || path.hasPrefix("/dev/") { continue }
            if path.hasPrefix("/tmp/") || path.hasPrefix("/var/tmp/") { temporary.append(path); continue }
            if let (kind, name) = Self.managedDirectory(path) {
                managed[kind, default: []].insert(name)
                continue
            }
            exact.insert(created.contains(path) || !Self.exists(path) ? Self.parent(path) : path)
        }
        // A path inside another one listed adds nothing.
        exact = exact.filter { path in !exact.contains { $0 != path && path.hasPrefix($0 == "/" ? "/" : $0 + "/") } }
    }

    /// "/var/lib/NAME/..." -> (.state, "NAME"); /run, /var/cache and /var/log likewise. A file
    /// directly in one of those directories is not a managed directory.
    static func managedDirectory(_ path: String) -> (ManagedDirectoryKind, String)? {
        for kind in [ManagedDirectoryKind.state, .cache, .logs, .runtime] {
            let base = kind.base + "/"
            guard path.hasPrefix(base) else { continue }
            let rest = path.dropFirst(base.count).split(separator: "/")
            // DynamicUser= keeps state, cache and logs in "private/NAME".
            let inPrivate = rest.first == "private" && kind != .runtime
            guard let name = inPrivate ? rest.dropFirst().first : rest.first else { return nil }
            if inPrivate { return (kind, String(name)) }
            if rest.count > 1 || isDirectory(kind.base + "/" + name) { return (kind, String(name)) }
            return nil
        }
        return nil
    }

    /// The path with its directory's symbolic links resolved (/var/run/x -> /run/x), as far as
    /// that directory exists.
    static func resolvingDirectory(_ path: String) -> String {
        let directory = parent(path)
        guard let real = realpath(directory, nil) else { return path }
        defer { free(real) }
        let resolved = String(cString: real)
        return (resolved == "/" ? "" : resolved) + "/" + path.dropFirst(directory == "/" ? 1 : directory.count + 1)
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
    }
}

extension Observations {
    /// Paths the service brought into being (O_CREAT, creat, mkdir, mknod, link, symlink, the
    /// new name of a rename) or removed.
    var createdPaths: Set<String> {
        let creating: Set<Int> = [85, 83, 258, 133, 259, 87, 263, 84, 82, 264, 316, 86, 265, 88, 266]
        return Set(records.filter { creating.contains($0.number) || ([2, 257, 437].contains($0.number) && $0.scalar & 0o100 != 0) }
            .map(\.path).filter { $0.hasPrefix("/") }.map(Observations.tidy))
    }
}

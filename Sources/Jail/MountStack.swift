import Directives
import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// RootMStack= (260): a `.mstack/` directory read into the mounts that make the service's root,
/// as systemd's mstack.c reads it (mstack_load_one(), mstack_normalize()). Directory entries
/// only: disk images (`*.raw`, block devices) need image dissection, which brig refuses as it
/// refuses RootImage=. A versioned stack or entry (systemd.v(7), `NAME.v/`) stands for the
/// directory `VersionedPath` picks in it, as systemd's path_pick() picks it.
public struct MountStack: Sendable, Equatable {
    /// What the service's root is before anything else is mounted on it.
    public enum Root: Sendable, Equatable {
        /// The overlayfs of the layers.
        case overlay
        /// A directory bound there: `root/`, a `bind@-/`, or the one layer there is.
        case directory(String)
        /// Neither layers nor a root: an empty tmpfs for the binds (mode 0755, as systemd's).
        case tmpfs
    }

    /// A `bind@LOCATION/` or `robind@LOCATION/` entry, or a lone layer turned into one.
    public struct Bind: Sendable, Equatable {
        public var source: String
        public var location: String
        public var readOnly: Bool
    }

    /// The `.mstack/` directory: the overlayfs's and the tmpfs's source, as systemd names it.
    public var path: String
    /// `layer@ID/` entries in version order of their IDs, the bottom one first.
    public var layers: [String] = []
    /// The `rw/` entry: upperdir `rw/data`, workdir `rw/work`.
    public var upper: String? = nil
    public var root: Root = .tmpfs
    /// The binds in the order systemd mounts them: `bind@` before `robind@`, each by location.
    public var binds: [Bind] = []

    /// Whether an overlayfs is made: it is the root, or its `usr/` goes on the root's /usr.
    public var hasOverlay: Bool { !layers.isEmpty || upper != nil }

    /// Why a stack cannot be used; `code` is the errno systemd fails with, where it fails.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var entry: String
        public var reason: String
        public var code: Int32
        public var description: String {
            "\(entry): \(reason)" + (code == 0 ? "" : ": \(ErrnoName.name(of: code) ?? String(code)) \(SystemFiles.errorName(code))")
        }
    }

    enum Kind: Int, Comparable {
        // systemd's MStackMountType order, which the sort follows.
        case root, layer, rw, bind, robind
        static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
    }

    struct Entry {
        var kind: Kind
        var source: String
        var sortKey: String? = nil
        var location: String? = nil
    }

    /// Reads the stack at `path` (a `NAME.mstack.v/` is the newest stack in it) under the picking
    /// of versions of `rules`.
    public static func load(_ named: String, rules: SystemdRelease = .newest) -> Result<MountStack, Failure> {
        let picked: String
        switch VersionedPath.resolve(named, suffix: ".mstack", wantDirectory: true, rules: rules) {
        case .success(let found): picked = found
        case .failure(let failure): return .failure(Failure(entry: named, reason: failure.message, code: failure.code))
        }
        // With its symlinks resolved, as path_pick(PICK_RESOLVE) gives it to systemd, which names
        // the overlayfs and the tmpfs after it.
        guard let resolved = realpath(picked, nil) else {
            return .failure(Failure(entry: picked, reason: "cannot open the directory", code: errno))
        }
        let path = String(cString: resolved)
        free(resolved)
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Failure(entry: path, reason: "cannot open the directory", code: errno)) }
        defer { close(fd) }
        let (names, code) = Self.names(in: fd)
        if code != 0 { return .failure(Failure(entry: path, reason: "cannot read the directory", code: code)) }
        var entries: [Entry] = []
        for name in names {
            switch entry(name, in: fd, of: path, after: entries, rules: rules) {
            case .success(let e): entries.append(e)
            case .failure(let failure): return .failure(failure)
            }
        }
        return normalized(entries, path: path)
    }

    /// The names in the directory but hidden ones, sorted (readdir's order is the file system's), or an errno.
    private static func names(in fd: Int32) -> (names: [String], code: Int32) {
        do {
            // Hidden entries are passed over, as systemd's readdir_all(RECURSE_DIR_IGNORE_DOT) passes them.
            return (try FileSystem.names(inDirectory: fd).filter { !$0.hasPrefix(".") }.sorted(), 0)
        } catch {
            return ([], error.code)
        }
    }

    /// One entry classified by its name and what it is (symlinks followed), as mstack_load_one().
    private static func entry(_ fileName: String, in fd: Int32, of path: String, after earlier: [Entry],
                              rules: SystemdRelease) -> Result<Entry, Failure> {
        var shown = path + "/" + fileName, name = fileName
        var st = stat()
        guard fstatat(fd, name, &st, 0) == 0 else { return .failure(Failure(entry: shown, reason: "cannot open it", code: errno)) }
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            if name.hasSuffix(".raw.v") {
                return .failure(Failure(entry: shown, reason: "versioned disk images, which need image dissection; brig refuses them as it refuses RootImage=", code: 0))
            }
            if name.hasSuffix(".v") {
                // The entry is what is picked in it, named as the .v/ directory without its suffix.
                switch VersionedPath.resolve(shown, suffix: "", wantDirectory: true, rules: rules) {
                case .success(let picked): shown = picked
                case .failure(let failure): return .failure(Failure(entry: shown, reason: failure.message, code: failure.code))
                }
                name.removeLast(2)
            }
        case S_IFREG:
            guard name.hasSuffix(".raw") else {
                return .failure(Failure(entry: shown, reason: "a regular file not named *.raw (systemd refuses it)", code: EBADMSG))
            }
            return .failure(Failure(entry: shown, reason: "a disk image, which needs image dissection; brig refuses it as it refuses RootImage=", code: 0))
        case S_IFBLK:
            return .failure(Failure(entry: shown, reason: "a block device, which needs image dissection; brig refuses it as it refuses RootImage=", code: 0))
        default:
            return .failure(Failure(entry: shown, reason: "neither a directory nor a disk image (systemd refuses it)", code: EBADMSG))
        }
        let duplicate = { (what: String) in Failure(entry: shown, reason: "a second \(what) (systemd refuses it)", code: ENOTUNIQ) }
        if let key = parameter(name, after: "layer@") {
            if earlier.contains(where: { $0.kind == .layer && $0.sortKey == key }) { return .failure(duplicate("layer@\(key)")) }
            return .success(Entry(kind: .layer, source: shown, sortKey: key))
        }
        if name == "rw" {
            if earlier.contains(where: { $0.kind == .rw }) { return .failure(duplicate("rw")) }
            return .success(Entry(kind: .rw, source: shown))
        }
        for (prefix, kind) in [("bind@", Kind.bind), ("robind@", Kind.robind)] {
            guard let escaped = parameter(name, after: prefix) else { continue }
            guard let location = Specifiers.pathUnescape(escaped) else {
                return .failure(Failure(entry: shown, reason: "'\(escaped)' is not a path escaped as in a mount unit's name", code: EINVAL))
            }
            if earlier.contains(where: { ($0.kind == .bind || $0.kind == .robind) && $0.location == location }) {
                return .failure(duplicate("bind for \(location)"))
            }
            return .success(Entry(kind: kind, source: shown, location: location))
        }
        if name == "root" {
            if earlier.contains(where: { $0.kind == .root }) { return .failure(duplicate("root")) }
            return .success(Entry(kind: .root, source: shown))
        }
        return .failure(Failure(entry: shown, reason: "not an entry of a mount stack (layer@ID, rw, bind@LOCATION, robind@LOCATION, root)", code: EBADMSG))
    }

    /// What follows `prefix` in `name`, when something does.
    private static func parameter(_ name: String, after prefix: String) -> String? {
        guard name.hasPrefix(prefix), name.utf8.count > prefix.utf8.count else { return nil }
        return String(name.dropFirst(prefix.count))
    }


    /// systemd's sort of the entries: by kind, then location (component by component), then the
    /// layers' IDs in version order.
    private static func sorted(_ entries: [Entry]) -> [Entry] {
        entries.sorted { a, b in
            if a.kind != b.kind { return a.kind < b.kind }
            let byPlace = comparePaths(a.location ?? "", b.location ?? "")
            if byPlace != 0 { return byPlace < 0 }
            return VersionOrder.compare(a.sortKey ?? "", b.sortKey ?? "") < 0
        }
    }

    private static func comparePaths(_ a: String, _ b: String) -> Int {
        let x = a.split(separator: "/"), y = b.split(separator: "/")
        for (p, q) in zip(x, y) where p != q { return Array(p.utf8).lexicographicallyPrecedes(Array(q.utf8)) ? -1 : 1 }
        return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
    }

    /// mstack_normalize(): a bind on / (or root/ with a bind on /usr) hides the overlayfs, so the
    /// layers go; a lone layer or rw/ is bound instead of stacked (its usr/ on /usr when there is
    /// a root/); a bind on / replaces root/.
    private static func normalized(_ loaded: [Entry], path: String) -> Result<MountStack, Failure> {
        var entries = sorted(loaded)
        let isBind = { (e: Entry) in e.kind == .bind || e.kind == .robind }
        var hasRootBind = entries.contains { isBind($0) && $0.location == "/" }
        let hasUsrBind = entries.contains { isBind($0) && $0.location == "/usr" }
        let hasRoot = entries.contains { $0.kind == .root }
        if hasRootBind || (hasRoot && hasUsrBind) { entries.removeAll { $0.kind == .layer || $0.kind == .rw } }
        if entries.filter({ $0.kind == .layer || $0.kind == .rw }).count == 1, let lone = entries.firstIndex(where: { $0.kind == .layer || $0.kind == .rw }) {
            var e = entries[lone]
            e.kind = e.kind == .layer ? .robind : .bind
            e.sortKey = nil
            if hasRoot {
                // Only its usr/, which must be a directory itself (systemd opens it O_NOFOLLOW).
                var st = stat()
                let usr = e.source + "/usr"
                guard lstat(usr, &st) == 0 else { return .failure(Failure(entry: usr, reason: "cannot open it", code: errno)) }
                guard st.st_mode & S_IFMT == S_IFDIR else { return .failure(Failure(entry: usr, reason: "not a directory", code: ENOTDIR)) }
                e.source = usr
                e.location = "/usr"
            } else {
                e.location = "/"
                hasRootBind = true
            }
            entries[lone] = e
        }
        if hasRootBind { entries.removeAll { $0.kind == .root } }
        entries = sorted(entries)

        var stack = MountStack(path: path)
        stack.layers = entries.filter { $0.kind == .layer }.map(\.source)
        stack.upper = entries.first { $0.kind == .rw }?.source
        if let root = entries.first(where: { $0.kind == .root || (isBind($0) && $0.location == "/") }) {
            stack.root = .directory(root.source)
        } else {
            stack.root = stack.hasOverlay ? .overlay : .tmpfs
        }
        stack.binds = entries.filter { isBind($0) && $0.location != "/" }
            .map { Bind(source: $0.source, location: $0.location!, readOnly: $0.kind == .robind) }
        return .success(stack)
    }

    /// Makes `rw/data` and `rw/work` where missing (mode 0755) and empties `rw/work`, as systemd
    /// does at each start of a writable stack; each must be a directory of its own, not a symlink.
    public func prepareUpper() -> Failure? {
        guard let upper else { return nil }
        let rw: OpenDirectory
        do { rw = try OpenDirectory(trusted: upper) } catch { return Failure(entry: upper, reason: "cannot open it", code: error.code) }
        var work: OpenDirectory? = nil
        for name in ["data", "work"] {
            do {
                let (made, created) = try rw.child(name, create: 0o755)
                if created { try made.setMode(0o755) }
                if name == "work" { work = made }
            } catch {
                return Failure(entry: upper + "/" + name, reason: "cannot make or open it", code: error.code)
            }
        }
        // What an earlier overlayfs left there; systemd passes over what it cannot remove.
        if let work { for name in (try? work.names()) ?? [] { work.removeTree(name) } }
        return nil
    }
}

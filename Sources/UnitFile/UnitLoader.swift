#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Finds and reads units by name or path exactly as systemd does: the search path, aliases
/// (symlinks), masks, templates and instances, and drop-ins in all their forms.
public struct UnitLoader: Sendable {
    public let searchPath: SearchPath
    private let index: UnitIndex

    public init(root: String = "/", extraDirectories: [String] = []) {
        searchPath = SearchPath(root: root, extraDirectories: extraDirectories)
        index = UnitIndex(searchPath)
    }

    /// Loads a unit by name (`foo.service`, `foo@bar.service`) or by path (contains `/`); a path's
    /// directory is searched first, so drop-ins beside it apply.
    public func load(_ nameOrPath: String) throws(UnitFileError) -> LoadedUnit {
        guard nameOrPath.contains("/") else { return try load(name: UnitName(nameOrPath)) }
        let directory = FileSystem.directoryName(nameOrPath)
        let name = try UnitName(FileSystem.baseName(nameOrPath))
        // An instance path may name a file that does not exist: its template beside it serves.
        let template = name.template.map { directory + "/" + $0 }
        // ENAMETOOLONG, EACCES on a directory, ELOOP in the path: the kernel's reason, not "no such file".
        if let error = FileSystem.lookupError(nameOrPath), error != ENOENT || template == nil {
            throw .unreadable(path: nameOrPath, errno: error)
        }
        switch FileSystem.kind(nameOrPath) ?? template.flatMap({ FileSystem.kind($0) }) {
        case nil: throw .unreadable(path: nameOrPath, errno: 2)
        case .directory?: throw .isDirectory(path: nameOrPath)
        default: break
        }
        if index.directories.first?.directory == directory { return try load(name: name) }
        return try UnitLoader(root: searchPath.root, extraDirectories: [directory]).load(name: name)
    }

    /// Every unit of a type that has a file of its own in the search path, sorted: aliases and
    /// uninstantiated templates are left out (they are not units that run).
    public func unitNames(type: String) -> [String] {
        index.allNames().compactMap { name, entry -> String? in
            guard let unit = try? UnitName(name), unit.type == type, !unit.isTemplate else { return nil }
            if entry.kind == .symlink, let target = FileSystem.readLink(entry.path),
               target != "/dev/null", FileSystem.baseName(target) != name {
                return nil
            }
            return name
        }.sorted()
    }

    private func load(name requested: UnitName) throws(UnitFileError) -> LoadedUnit {
        let resolution = try resolve(requested)
        var unit = LoadedUnit(
            name: resolution.name, requestedName: requested.name, fragmentPath: resolution.fragment,
            isMasked: resolution.masked, assignments: [])
        if resolution.masked { return unit }
        unit.dropInPaths = try dropIns(for: resolution.name, aliases: resolution.aliases)
        if resolution.fragment == nil, unit.dropInPaths.isEmpty {
            throw .notFound(name: requested.name, searched: searchPath.directories)
        }
        for path in unit.paths {
            let parsed = try UnitFileParser.parse(FileSystem.read(path), path: path, allowedSections: resolution.name.sections)
            unit.assignments += parsed.assignments
            unit.sections += parsed.sections
            unit.diagnostics += parsed.diagnostics
        }
        return unit
    }

    private struct Resolution {
        var name: UnitName
        var fragment: String?
        var masked = false
        var aliases: [UnitName] = []
    }

    /// Follows the search path: the unit's own file, else (for an instance) its template's, through
    /// alias symlinks; a link to /dev/null or an empty file masks.
    private func resolve(_ name: UnitName) throws(UnitFileError) -> Resolution {
        var candidates = [name.name]
        if let template = name.template { candidates.append(template) }
        for candidate in candidates {
            guard let entry = index.first(candidate) else { continue }
            var path = entry.path
            var resolved = name
            var aliases: [UnitName] = []
            var hops = 0
            while FileSystem.kind(path) == .symlink {
                hops += 1
                guard hops <= 32, let target = FileSystem.readLink(path) else {
                    throw .unreadable(path: entry.path, errno: 40 /* ELOOP */)
                }
                if target == "/dev/null" { return Resolution(name: name, masked: true) }
                path = target.hasPrefix("/") ? searchPath.hostPath(target) : FileSystem.directoryName(path) + "/" + target
                let targetName = FileSystem.baseName(target)
                if targetName != FileSystem.baseName(entry.path), let aliased = try? UnitName(targetName) {
                    aliases.append(resolved)
                    // An instance of an aliased template becomes the same instance of the target.
                    let instance = name.instance.flatMap { $0.isEmpty ? nil : $0 }
                    resolved = try instance.map { i throws(UnitFileError) in try UnitName("\(aliased.prefix)@\(i).\(aliased.type)") } ?? aliased
                }
            }
            switch FileSystem.kind(path, followingLinks: true) {
            case nil: throw .unreadable(path: path, errno: 2)
            case .directory?: throw .isDirectory(path: path)
            default: break
            }
            if FileSystem.isNullOrEmpty(path) { return Resolution(name: name, masked: true) }
            return Resolution(name: resolved, fragment: path, aliases: aliases)
        }
        return Resolution(name: name)
    }

    /// Drop-in files for a unit, by systemd's rules: `name.d/`, the template's, the dash prefixes',
    /// the aliases', then the type-wide `service.d/`; per directory in search-path priority. A file name
    /// seen first hides the same name later (so /etc overrides /usr), and links to /dev/null or empty
    /// files mask; the rest apply in file-name order.
    /// A drop-in whose name is not UTF-8 fails the load: brig cannot open it again by a String,
    /// and systemd would apply it, so leaving it out could weaken the jail it asks for.
    private func dropIns(for name: UnitName, aliases: [UnitName]) throws(UnitFileError) -> [String] {
        var directories: [String] = []
        for unitName in [name] + aliases {
            let names = Self.dropInNames(of: unitName)
            for directory in index.directories {
                for dropInName in names where directory.entries[dropInName + ".d"]?.kind == .directory {
                    directories.append(directory.directory + "/" + dropInName + ".d")
                }
            }
        }
        for directory in index.directories where directory.entries[name.type + ".d"] != nil {
            directories.append(directory.directory + "/" + name.type + ".d")
        }

        var chosen: [String: String] = [:]
        var masked = Set<String>()
        for directory in directories {
            var undecodable: [String] = []
            let files = FileSystem.entries(directory, undecodable: &undecodable)
            if let bad = undecodable.first(where: { $0.hasSuffix(".conf") }) {
                throw .unreadable(path: directory + "/" + bad, errno: EILSEQ)
            }
            for file in files where file.hasSuffix(".conf") {
                if chosen[file] != nil || masked.contains(file) { continue }
                let path = directory + "/" + file
                if FileSystem.isNullOrEmpty(path) { masked.insert(file); continue }
                guard FileSystem.kind(path, followingLinks: true) == .file else { continue }
                chosen[file] = path
            }
        }
        return chosen.keys.sorted().map { chosen[$0]! }
    }

    /// The names whose `.d/` directories hold drop-ins for `unit`: itself, its template, then the dash
    /// prefixes of each (most specific first).
    static func dropInNames(of unit: UnitName) -> [String] {
        var names = [unit.name]
        if let template = unit.template {
            names.append(template)
            names += (try? UnitName(template))?.dashPrefixes ?? []
        }
        return names + unit.dashPrefixes
    }
}

/// Where systemd looks for system units, highest priority first (systemd.unit(5), "Unit File Load
/// Path"; the order is what `systemd-analyze unit-paths` prints on Debian 12).
public struct SearchPath: Sendable {
    public static let systemDirectories = [
        "/etc/systemd/system.control",
        "/run/systemd/system.control",
        "/run/systemd/transient",
        "/run/systemd/generator.early",
        "/etc/systemd/system",
        "/etc/systemd/system.attached",
        "/run/systemd/system",
        "/run/systemd/system.attached",
        "/run/systemd/generator",
        "/usr/local/lib/systemd/system",
        "/lib/systemd/system",
        "/usr/lib/systemd/system",
        "/run/systemd/generator.late",
    ]

    /// The directories as seen from the host (prefixed with the root), highest priority first.
    public let directories: [String]
    /// The root every absolute path (and absolute symlink target) is read under.
    public let root: String

    /// `extraDirectories` come first: a unit given as a path has its own directory searched first,
    /// as `systemd-analyze --offline` does.
    public init(root: String = "/", extraDirectories: [String] = []) {
        let trimmedRoot = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        self.root = trimmedRoot
        let prefixed = Self.systemDirectories.map { trimmedRoot == "/" ? $0 : trimmedRoot + $0 }
        var seen = Set<String>()
        self.directories = (extraDirectories + prefixed).filter { seen.insert($0).inserted }
    }

    /// A path inside the analysed root, as the host sees it.
    public func hostPath(_ path: String) -> String {
        root == "/" || !path.hasPrefix("/") ? path : root + path
    }
}

/// What the search path holds: for each directory, its entries, read once. Lookups by name and the
/// search for drop-in directories then cost no system calls.
final class UnitIndex: Sendable {
    struct Entry: Sendable {
        let path: String
        let kind: FileSystem.Kind
    }

    let searchPath: SearchPath
    /// Per directory (in priority order): entry name -> entry.
    let directories: [(directory: String, entries: [String: Entry])]

    init(_ searchPath: SearchPath) {
        self.searchPath = searchPath
        directories = searchPath.directories.map { directory in
            var entries: [String: Entry] = [:]
            for (name, kind) in FileSystem.kinds(in: directory) {
                entries[name] = Entry(path: directory + "/" + name, kind: kind)
            }
            return (directory, entries)
        }
    }

    /// The highest-priority entry with this name.
    func first(_ name: String) -> Entry? {
        for directory in directories {
            if let entry = directory.entries[name] { return entry }
        }
        return nil
    }

    /// Every unit name present, highest priority entry per name.
    func allNames() -> [String: Entry] {
        var result: [String: Entry] = [:]
        for directory in directories {
            for (name, entry) in directory.entries where result[name] == nil && entry.kind != .directory {
                result[name] = entry
            }
        }
        return result
    }
}

/// An absolute path from a path-list directive with its prefixes:
/// `-` (ignore when missing) and then `+` (relative to RootDirectory=), in that order.
public struct PathEntry: Hashable, Sendable, CustomStringConvertible {
    public var path: String
    public var ignoreIfMissing: Bool
    public var relativeToRoot: Bool
    public init(path: String, ignoreIfMissing: Bool = false, relativeToRoot: Bool = false) {
        self.path = path; self.ignoreIfMissing = ignoreIfMissing; self.relativeToRoot = relativeToRoot
    }
    public var description: String { (ignoreIfMissing ? "-" : "") + (relativeToRoot ? "+" : "") + path }

    /// Parses one word of ReadWritePaths= and its kin.
    public init(parsing word: String) throws(ValueError) {
        var rest = Substring(word)
        let ignore = rest.first == "-"
        if ignore { rest = rest.dropFirst() }
        let root = rest.first == "+"
        if root { rest = rest.dropFirst() }
        try Paths.checkAbsolute(String(rest))
        self.init(path: Paths.normalize(String(rest)), ignoreIfMissing: ignore, relativeToRoot: root)
    }
}

/// Path checks shared by the path directives.
public enum Paths {
    /// Throws unless `path` is absolute and has no `..` component (systemd refuses those).
    public static func checkAbsolute(_ path: String) throws(ValueError) {
        guard path.first == "/" else { throw ValueError("'\(path)' is not an absolute path") }
        guard !path.split(separator: "/").contains("..") else { throw ValueError("'\(path)' contains '..'") }
    }

    /// Collapses repeated slashes and `.` components, and drops a trailing slash.
    public static func normalize(_ path: String) -> String {
        let parts = path.split(separator: "/").filter { $0 != "." }
        return (path.first == "/" ? "/" : "") + parts.joined(separator: "/")
    }

    /// A directory name of RuntimeDirectory= and its kin: relative, no `..`, not empty.
    public static func checkRelative(_ path: String) throws(ValueError) {
        guard !path.isEmpty, path.first != "/", !path.split(separator: "/").contains("..") else {
            throw ValueError("'\(path)' must be a relative path without '..'")
        }
    }
}

/// BindPaths=/BindReadOnlyPaths= entry: `[-]SOURCE[:DEST[:OPTIONS]]`, OPTIONS rbind or norbind.
public struct BindMount: Hashable, Sendable {
    public var source: String
    public var destination: String
    public var ignoreIfMissing: Bool
    public var recursive: Bool
    public var readOnly: Bool

    public init(parsing word: String, readOnly: Bool) throws(ValueError) {
        var parts = Self.splitColons(word)
        var source = parts.removeFirst()
        ignoreIfMissing = source.hasPrefix("-")
        if ignoreIfMissing { source.removeFirst() }
        try Paths.checkAbsolute(source)
        self.source = Paths.normalize(source)
        destination = self.source
        recursive = true
        self.readOnly = readOnly
        if !parts.isEmpty {
            let dest = parts.removeFirst()
            try Paths.checkAbsolute(dest)
            destination = Paths.normalize(dest)
        }
        if !parts.isEmpty {
            switch parts.removeFirst() {
            case "rbind", "": recursive = true
            case "norbind": recursive = false
            case let o: throw ValueError("unknown bind option '\(o)' (rbind or norbind)")
            }
        }
        guard parts.isEmpty else { throw ValueError("'\(word)' has too many ':' fields") }
    }

    /// Splits on `:` not escaped by a backslash.
    static func splitColons(_ s: String) -> [String] {
        var fields = [""]
        var escaped = false
        for c in s {
            if escaped { fields[fields.count - 1].append(c); escaped = false }
            else if c == "\\" { escaped = true }
            else if c == ":" { fields.append("") }
            else { fields[fields.count - 1].append(c) }
        }
        return fields
    }
}

/// TemporaryFileSystem= entry: `PATH[:OPTIONS]`, OPTIONS as for mount(8), e.g. `ro,mode=0755`.
public struct TemporaryFileSystem: Hashable, Sendable {
    public var path: String
    public var options: String

    public init(parsing word: String) throws(ValueError) {
        let parts = BindMount.splitColons(word)
        try Paths.checkAbsolute(parts[0])
        path = Paths.normalize(parts[0])
        options = parts.dropFirst().joined(separator: ":")
    }
}

/// RuntimeDirectory= and kin: a relative directory, optionally `NAME:SYMLINK` (extra names linking to it).
public struct ManagedDirectory: Hashable, Sendable {
    public var path: String
    public var symlinks: [String]

    public init(parsing word: String) throws(ValueError) {
        var parts: [String] = []
        for p in BindMount.splitColons(word) {
            let normalized = Paths.normalize(p)
            try Paths.checkRelative(normalized)
            parts.append(normalized)
        }
        path = parts[0]
        symlinks = Array(parts.dropFirst())
    }
}

import Directives
#if canImport(Glibc)
import Glibc
#endif

/// RuntimeDirectory=, StateDirectory=, CacheDirectory=, LogsDirectory= and
/// ConfigurationDirectory=: created in the parent before the start, owned by
/// the service's user, bound writable into the jail, announced in $*_DIRECTORY.
public struct ExecDirectories: Sendable, Equatable {
    public typealias Kind = ManagedDirectoryKind

    public struct Entry: Sendable, Equatable {
        public var kind: Kind
        /// Relative to the kind's base directory ("foo" or "foo/bar").
        public var path: String
        public var mode: mode_t
        public init(_ kind: Kind, _ path: String, mode: mode_t = 0o755) {
            self.kind = kind; self.path = path; self.mode = mode
        }
    }

    public var entries: [Entry] = []
    public var preserveRuntime = false
    public init() {}

    /// DynamicUser= keeps state, cache and logs under "private/" (0700), with
    /// a symlink at the public name, so a recycled uid cannot reach old data.
    static func isPrivate(_ kind: Kind, dynamicUser: Bool) -> Bool {
        dynamicUser && kind != .runtime && kind != .configuration
    }

    /// Creates the directories and returns what the jail needs: bind mounts,
    /// empty tmpfs directories over "private/", and environment entries.
    func prepare(uid: UInt32, gid: UInt32, dynamicUser: Bool) throws(JailError)
        -> (binds: [MountSettings.BindMount], emptyDirectories: [String], environment: [String]) {
        var binds: [MountSettings.BindMount] = []
        var empties: [String] = []
        var values: [Kind: [String]] = [:]
        for entry in entries {
            let kind = entry.kind
            let isPrivate = ExecDirectories.isPrivate(kind, dynamicUser: dynamicUser)
            let visible = kind.base + "/" + entry.path
            var actual = visible
            if isPrivate {
                let privateRoot = kind.base + "/private"
                if SystemFiles.makeDirectories(privateRoot, mode: 0o700) != 0 || chmod(privateRoot, 0o700) != 0 {
                    throw failure(entry, "creating \(privateRoot)", errno)
                }
                actual = privateRoot + "/" + entry.path
                if !empties.contains(privateRoot) { empties.append(privateRoot) }
            }
            let code = SystemFiles.makeDirectories(actual, mode: entry.mode)
            if code != 0 { throw failure(entry, "creating \(actual)", code) }
            if chmod(actual, entry.mode) != 0 { throw failure(entry, "chmod \(actual)", errno) }
            if kind != .configuration && chown(actual, uid, gid) != 0 { throw failure(entry, "chown \(actual)", errno) }
            if isPrivate && !SystemFiles.exists(visible) {
                if symlink("private/" + entry.path, visible) != 0 { throw failure(entry, "symlink \(visible)", errno) }
            }
            binds.append(MountSettings.BindMount(source: actual, destination: actual, readOnly: false))
            values[kind, default: []].append(visible)
        }
        let environment = Kind.allCases.compactMap { kind in
            values[kind].map { "\(kind.environmentName)=\($0.joined(separator: ":"))" }
        }
        return (binds, empties, environment)
    }

    /// After the run: RuntimeDirectory= goes away unless preserved.
    func cleanUp() {
        if preserveRuntime { return }
        for entry in entries where entry.kind == .runtime {
            SystemFiles.removeTree(Kind.runtime.base + "/" + entry.path)
        }
    }

    private func failure(_ entry: Entry, _ what: String, _ code: Int32) -> JailError {
        .refused(directive: "\(entry.kind.directive)=\(entry.path)", reason: "\(what): \(SystemFiles.errorName(code))",
                 status: entry.kind.failure)
    }
}

/// What the jail says about each kind of managed directory: the directive, the environment
/// variable that announces it, and the exit status when creating it fails.
extension ManagedDirectoryKind {
    var directive: String { rawValue + "Directory" }

    var environmentName: String { rawValue.uppercased() + "_DIRECTORY" }

    var failure: ExitStatus {
        switch self {
        case .runtime: .runtimeDirectory
        case .state: .stateDirectory
        case .cache: .cacheDirectory
        case .logs: .logsDirectory
        case .configuration: .configurationDirectory
        }
    }
}

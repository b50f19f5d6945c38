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
    /// RuntimeDirectoryPreserve=: yes keeps it always, restart keeps it between automatic restarts.
    public var preserveRuntime = RuntimeDirectoryPreserve.no
    /// StateDirectoryQuota= and its kin (ProjectQuota): nil leaves project ids alone, as rules
    /// before 258 do; else the cgroup systemd would give the unit, which its project ids come from.
    public var projectCgroupPath: String?
    public var quotas: [Kind: DirectoryQuota] = [:]
    /// *DirectoryAccounting=: a project id on the directories even without a quota.
    public var accounting: Set<Kind> = []
    public init() {}

    /// DynamicUser= keeps state, cache and logs under "private/" (0700), with
    /// a symlink at the public name, so a recycled uid cannot reach old data.
    static func isPrivate(_ kind: Kind, dynamicUser: Bool) -> Bool {
        dynamicUser && kind != .runtime && kind != .configuration
    }

    /// Creates the directories and returns what the jail needs: bind mounts,
    /// empty tmpfs directories over "private/", and environment entries. Below each kind's
    /// base everything is done by descriptor: the service owns these trees and may have
    /// put symlinks in them, which are refused, never followed (systemd fails the same way).
    /// `idMapsNobody` (257 and later): the owner follows `ExecDirectoryOwnership`, and the binds
    /// of the directories left to nobody carry the id mapping, whose user namespace comes back
    /// for the caller to hold and close.
    func prepare(uid: UInt32, gid: UInt32, dynamicUser: Bool, idMapsNobody: Bool = false) throws(JailError)
        -> (binds: [MountSettings.BindMount], emptyDirectories: [String], environment: [String], userNamespace: Int32?) {
        var binds: [MountSettings.BindMount] = []
        var empties: [String] = []
        var values: [Kind: [String]] = [:]
        var projects: [Kind: ProjectQuota.KindState] = [:]
        // Made at the first directory that asks, once for all of them.
        var mapping: IdMapping? = nil, mappingTried = false
        var made: Int32? { mapping?.userNamespace }
        for entry in entries {
            let kind = entry.kind
            let isPrivate = ExecDirectories.isPrivate(kind, dynamicUser: dynamicUser)
            let visible = kind.base + "/" + entry.path
            var actual = visible
            var step = "creating \(visible)"
            var settingQuota = false
            var ownership = ExecDirectoryOwnership.service
            do throws(SystemError) {
                let code = SystemFiles.makeDirectories(kind.base)
                if code != 0 { throw SystemError(code) }
                let base = try OpenDirectory(trusted: kind.base)
                var owner = base
                if isPrivate {
                    actual = kind.base + "/private/" + entry.path
                    step = "creating \(kind.base)/private"
                    owner = try base.child("private", create: 0o700).directory
                    try owner.setMode(0o700)
                    // A service turned to DynamicUser= keeps its data: as systemd does, the
                    // directory it had at the public name moves to "private/" (one level only).
                    if !entry.path.contains("/"), base.isRealDirectory(entry.path), !owner.exists(entry.path) {
                        step = "moving \(visible) to \(actual)"
                        if renameat(base.fd, entry.path, owner.fd, entry.path) != 0 { throw SystemError(errno) }
                    }
                    if !empties.contains(kind.base + "/private") { empties.append(kind.base + "/private") }
                }
                // And back when DynamicUser= is turned off again: the symlink gives way to the directory.
                if !isPrivate, kind != .runtime, kind != .configuration, !entry.path.contains("/"), base.isSymlink(entry.path),
                   let privateDirectory = try? base.child("private").directory, privateDirectory.isRealDirectory(entry.path) {
                    step = "moving \(kind.base)/private/\(entry.path) back to \(visible)"
                    if unlinkat(base.fd, entry.path, 0) != 0 || renameat(privateDirectory.fd, entry.path, base.fd, entry.path) != 0 {
                        throw SystemError(errno)
                    }
                }
                step = "creating \(actual)"
                let (directory, created) = try owner.descend(entry.path, create: entry.mode)
                // An existing configuration directory is the administrator's: left as it is.
                if kind != .configuration || created {
                    step = "chmod \(actual)"
                    try directory.setMode(entry.mode)
                    if idMapsNobody && uid != 0 && gid != 0 {
                        step = "checking whether \(actual) takes an id-mapped mount"
                        if !mappingTried {
                            mappingTried = true
                            mapping = try IdMapping.make(uid: uid, gid: gid)
                        }
                        let supported = try mapping?.supports(directory) ?? false
                        let status = try directory.status()
                        ownership = .decide(uid: uid, gid: gid, idMappingSupported: supported, isPrivate: isPrivate,
                                            owner: (status.st_uid, status.st_gid))
                    }
                    step = "chown \(actual)"
                    switch ownership {
                    case .service: try directory.setOwnerOfTree(uid: uid, gid: gid, mask: dynamicUser ? 0o1777 : 0o7777)
                    case .nobody:
                        try directory.setOwnerOfTree(uid: IdMapping.nobody, gid: IdMapping.nobody, mask: dynamicUser ? 0o1777 : 0o7777)
                    case .keptNobody: break
                    }
                }
                if let cgroupPath = projectCgroupPath, kind == .state || kind == .cache || kind == .logs {
                    settingQuota = true
                    try ProjectQuota.apply(to: directory, quota: quotas[kind], accounting: accounting.contains(kind),
                                           cgroupPath: cgroupPath, kind: kind, state: &projects[kind, default: .init()])
                    settingQuota = false
                }
                if isPrivate && !base.exists(entry.path) {
                    step = "symlink \(visible)"
                    try Self.link(entry.path, toPrivateIn: base)
                }
            } catch {
                if let fd = made { close(fd) }
                throw settingQuota ? quotaFailure(entry, actual, error.code) : failure(entry, step, error.code)
            }
            var bind = MountSettings.BindMount(source: actual, destination: actual, readOnly: false)
            bind.directive = "\(kind.directive)=\(entry.path)"
            if ownership.idMapped { bind.idMapping = mapping }
            binds.append(bind)
            values[kind, default: []].append(visible)
        }
        let environment = Kind.allCases.compactMap { kind in
            values[kind].map { "\(kind.environmentName)=\($0.joined(separator: ":"))" }
        }
        return (binds, empties, environment, made)
    }

    /// The binds and empty directories `prepare` would give, read from the disk without changing
    /// it (`brig run --dry-run`): a directory not there yet counts as made by root, and every file
    /// system as one that takes id-mapped mounts.
    func planned(uid: UInt32, gid: UInt32, dynamicUser: Bool, idMapsNobody: Bool)
        -> (binds: [MountSettings.BindMount], emptyDirectories: [String]) {
        var binds: [MountSettings.BindMount] = []
        var empties: [String] = []
        for entry in entries {
            let isPrivate = ExecDirectories.isPrivate(entry.kind, dynamicUser: dynamicUser)
            let actual = entry.kind.base + (isPrivate ? "/private/" : "/") + entry.path
            if isPrivate && !empties.contains(entry.kind.base + "/private") { empties.append(entry.kind.base + "/private") }
            var bind = MountSettings.BindMount(source: actual, destination: actual, readOnly: false)
            bind.directive = "\(entry.kind.directive)=\(entry.path)"
            var status = stat()
            let exists = stat(actual, &status) == 0
            if idMapsNobody && (entry.kind != .configuration || !exists),
               ExecDirectoryOwnership.decide(uid: uid, gid: gid, idMappingSupported: true, isPrivate: isPrivate,
                                             owner: exists ? (status.st_uid, status.st_gid) : (0, 0)).idMapped {
                bind.idMapping = IdMapping(uid: uid, gid: gid)
            }
            binds.append(bind)
        }
        return (binds, empties)
    }

    /// The public name of a DynamicUser= directory: a relative symlink to its "private/" twin.
    private static func link(_ path: String, toPrivateIn base: OpenDirectory) throws(SystemError) {
        var parts = path.split(separator: "/").map(String.init)
        let name = parts.removeLast()
        let parent = parts.isEmpty ? base : try base.descend(parts.joined(separator: "/"), create: 0o755).directory
        let target = String(repeating: "../", count: parts.count) + "private/" + path
        if symlinkat(target, parent.fd, name) != 0 { throw SystemError(errno) }
    }

    /// After the run, or between automatic restarts: RuntimeDirectory= goes away unless
    /// preserved. Removed by descriptor, so a symlink the service left inside takes nothing else
    /// with it.
    func cleanUp(restarting: Bool = false) {
        if preserveRuntime == .yes || (restarting && preserveRuntime == .restart) { return }
        guard let base = try? OpenDirectory(trusted: Kind.runtime.base) else { return }
        for entry in entries where entry.kind == .runtime {
            var parts = entry.path.split(separator: "/").map(String.init)
            let name = parts.removeLast()
            guard let parent = parts.isEmpty ? base : try? base.descend(parts.joined(separator: "/")).directory
            else { continue }
            parent.removeTree(name)
        }
    }

    /// What --dry-run says of the quotas and accounting the start would set, a line a kind.
    public var quotaSummary: [String] {
        guard let cgroup = projectCgroupPath else { return [] }
        return [Kind.state, .cache, .logs].compactMap { kind in
            let quota = quotas[kind], counted = accounting.contains(kind)
            guard quota != nil || counted, entries.contains(where: { $0.kind == kind }) else { return nil }
            let what = quota.map { "\(kind.directive)Quota=\($0): a hard limit" } ?? "\(kind.directive)Accounting=yes: usage counted"
            return "\(what) by the project quota of \(kind.base)'s file system, project id \(ProjectQuota.candidate(cgroupPath: cgroup, kind: kind)) "
                + "or the next free one (none set where the file system keeps no project ids, as in systemd) [\(kind.failure.rawValue) \(kind.failure.name)]"
        }
    }

    /// A project id or quota that could not be set: named by the directive that asked for it.
    private func quotaFailure(_ entry: Entry, _ path: String, _ code: Int32) -> JailError {
        let directive = quotas[entry.kind].map { "\(entry.kind.rawValue)DirectoryQuota=\($0)" }
            ?? "\(entry.kind.rawValue)DirectoryAccounting=yes"
        return .refused(directive: directive, reason: "setting the project quota of \(path): \(SystemFiles.errorName(code))",
                        status: entry.kind.failure)
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

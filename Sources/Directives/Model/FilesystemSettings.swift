/// The directories systemd creates and owns for a unit (RuntimeDirectory= and its kin).
public enum ManagedDirectoryKind: String, CaseIterable, Hashable, Sendable {
    case runtime = "Runtime", state = "State", cache = "Cache", logs = "Logs", configuration = "Configuration"

    /// The directory under which systemd creates these for a system unit.
    public var base: String {
        switch self {
        case .runtime: "/run"
        case .state: "/var/lib"
        case .cache: "/var/cache"
        case .logs: "/var/log"
        case .configuration: "/etc"
        }
    }
}

/// WorkingDirectory=: a path, or the user's home (`~`); `-` tolerates a missing directory.
public struct WorkingDirectory: Hashable, Sendable {
    /// nil means the home directory of User=.
    public var path: String?
    public var ignoreIfMissing: Bool

    init(parsing value: String) throws(ValueError) {
        ignoreIfMissing = value.hasPrefix("-")
        let rest = ignoreIfMissing ? String(value.dropFirst()) : value
        if rest == "~" { path = nil; return }
        try Paths.checkAbsolute(rest)
        path = Paths.normalize(rest)
    }
}

/// PATHS and the filesystem part of SANDBOXING in systemd.exec(5).
public struct FilesystemSettings: Sendable {
    public var workingDirectory: WorkingDirectory?
    public var rootDirectory: String?
    public var rootImage: String?
    /// RootEphemeral= (254): the service runs in a copy of its RootDirectory= made for the run.
    public var rootEphemeral: Bool?
    /// RootMStack= (260): a `.mstack/` directory the service's root is assembled from (overlayfs
    /// layers, binds). RootImage= and RootDirectory= take precedence over it, as in systemd.
    public var rootMStack: String?
    public var mountImages: [String] = []
    public var extensionImages: [String] = []
    public var extensionDirectories: [String] = []
    public var mountAPIVFS: Bool?
    /// BindLogSockets= (257): journald's sockets bound into the mount namespace; nil follows
    /// MountAPIVFS= and PrivateDevices= with a root of the service's own.
    public var bindLogSockets: Bool?
    public var protectProc: ProtectProc?
    public var procSubset: ProcSubset?
    public var protectSystem: ProtectSystem?
    public var protectHome: ProtectHome?
    public var readWritePaths: [PathEntry] = []
    public var readOnlyPaths: [PathEntry] = []
    public var inaccessiblePaths: [PathEntry] = []
    public var execPaths: [PathEntry] = []
    public var noExecPaths: [PathEntry] = []
    /// BindPaths= and BindReadOnlyPaths= in the order written (each knows if it is read-only).
    public var bindMounts: [BindMount] = []
    public var temporaryFileSystems: [TemporaryFileSystem] = []
    public var privateTmp: Bool?
    /// PrivateTmp='s mode word under rules that know it (257: "connected", "disconnected").
    public var privateTmpMode: String?
    public var privateMounts: Bool?
    public var mountFlags: MountPropagation?
    public var directories: [ManagedDirectoryKind: [ManagedDirectory]] = [:]
    public var directoryModes: [ManagedDirectoryKind: UInt32] = [:]
    /// StateDirectoryQuota= and its kin (258), read under the rules of 258 and later.
    public var directoryQuotas: [ManagedDirectoryKind: DirectoryQuota] = [:]
    /// StateDirectoryAccounting= and its kin (258): a project id on the directories, to count them by.
    public var directoryAccounting: [ManagedDirectoryKind: Bool] = [:]
    public var runtimeDirectoryPreserve: RuntimeDirectoryPreserve?
    public var execSearchPath: [String] = []

    /// Whether the service runs in a root of its own (systemd's exec_context_with_rootfs()): what
    /// MountAPIVFS=, PrivateTmp= and the API mounts' defaults depend on.
    public var hasRootOfItsOwn: Bool {
        (rootDirectory.map { $0 != "/" } ?? false) || rootImage != nil || rootMStack != nil
    }

    mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        switch d.key {
        case "WorkingDirectory": workingDirectory = try d.optional { v throws(ValueError) in try WorkingDirectory(parsing: d.expand(v)) }
        case "RootDirectory": rootDirectory = try d.optional { v throws(ValueError) in try absolute(d.expand(v)) }
        case "RootEphemeral": rootEphemeral = try d.bool()
        case "RootMStack": rootMStack = try d.optional { v throws(ValueError) in try absolute(d.expand(v)) }
        case "RootImage": rootImage = try d.optional { v throws(ValueError) in try absolute(d.expand(v)) }
        case "MountImages": try d.appendWords(to: &mountImages) { $0 }
        case "ExtensionImages": try d.appendWords(to: &extensionImages) { $0 }
        case "ExtensionDirectories": try d.appendWords(to: &extensionDirectories) { $0 }
        case "MountAPIVFS": mountAPIVFS = try d.bool()
        case "BindLogSockets": bindLogSockets = try d.optional { v throws(ValueError) in try parseBoolean(v) }
        case "ProtectProc": protectProc = try ProtectProc(parsing: d.value)
        case "ProcSubset": procSubset = try ProcSubset(parsing: d.value)
        case "ProtectSystem": protectSystem = try ProtectSystem(parsing: d.value)
        case "ProtectHome": protectHome = try ProtectHome(parsing: d.value)
        // ReadWriteDirectories= and its kin are the old names of the *Paths= directives.
        case "ReadWritePaths", "ReadWriteDirectories": try d.appendWords(to: &readWritePaths) { w throws(ValueError) in try PathEntry(parsing: w) }
        case "ReadOnlyPaths", "ReadOnlyDirectories": try d.appendWords(to: &readOnlyPaths) { w throws(ValueError) in try PathEntry(parsing: w) }
        case "InaccessiblePaths", "InaccessibleDirectories": try d.appendWords(to: &inaccessiblePaths) { w throws(ValueError) in try PathEntry(parsing: w) }
        case "ExecPaths": try d.appendWords(to: &execPaths) { w throws(ValueError) in try PathEntry(parsing: w) }
        case "NoExecPaths": try d.appendWords(to: &noExecPaths) { w throws(ValueError) in try PathEntry(parsing: w) }
        case "BindPaths", "BindReadOnlyPaths":
            let readOnly = d.key == "BindReadOnlyPaths"
            if d.value.isEmpty { bindMounts.removeAll { $0.readOnly == readOnly }; break }
            try d.appendWords(to: &bindMounts) { w throws(ValueError) in try BindMount(parsing: w, readOnly: readOnly) }
        case "TemporaryFileSystem": try d.appendWords(to: &temporaryFileSystems) { w throws(ValueError) in try TemporaryFileSystem(parsing: w) }
        case "PrivateTmp":
            privateTmp = try d.boolOrMode()
            privateTmpMode = d.mode()
        case "PrivateMounts":
            // A tri-state since 254: empty returns it to unset.
            privateMounts = d.value.isEmpty && d.rules.facts.privateMountsIsTristate ? nil : try d.bool()
        case "MountFlags": mountFlags = try d.optional { v throws(ValueError) in try MountPropagation(parsing: v) }
        case "RuntimeDirectoryPreserve": runtimeDirectoryPreserve = try RuntimeDirectoryPreserve(parsing: d.value)
        case "ExecSearchPath":
            if d.value.isEmpty { execSearchPath = []; break }
            for p in try d.expanded().split(separator: ":") { execSearchPath.append(try absolute(String(p))) }
        default:
            guard let kind = ManagedDirectoryKind.allCases.first(where: { d.key.hasPrefix($0.rawValue + "Directory") }) else { return false }
            switch d.key.dropFirst(kind.rawValue.count) {
            case "Directory": try d.appendWords(to: &directories[kind, default: []]) { w throws(ValueError) in try ManagedDirectory(parsing: w) }
            case "DirectoryMode": directoryModes[kind] = try Numbers.mode(d.value)
            case "DirectoryQuota" where kind == .state || kind == .cache || kind == .logs:
                directoryQuotas[kind] = try DirectoryQuota.parse(d.value)
            case "DirectoryAccounting" where kind == .state || kind == .cache || kind == .logs:
                directoryAccounting[kind] = try d.optional { v throws(ValueError) in try parseBoolean(v) }
            default: return false
            }
        }
        return true
    }
}

/// An absolute, normalized path.
func absolute(_ path: String) throws(ValueError) -> String {
    try Paths.checkAbsolute(path)
    return Paths.normalize(path)
}

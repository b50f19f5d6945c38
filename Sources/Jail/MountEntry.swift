/// What a mount-namespace entry does to its path. The order is systemd's
/// (src/core/namespace.c): for two entries on the same path, the earlier mode wins.
public enum MountMode: Int, Sendable, Comparable {
    case inaccessible, bind, bindRecursive, privateTmp, privateTmpReadOnly, privateDev, bindDev
    case emptyDir, privateSysfs, sysfs, procfs, cgroup2fs, readOnly, readWrite, noExec, exec, tmpfs, run, mqueuefs, readWriteImplicit, bpffs

    public static func < (a: MountMode, b: MountMode) -> Bool { a.rawValue < b.rawValue }
}

/// One entry of the mount table, before it becomes plan steps.
public struct MountEntry: Sendable, Equatable {
    public var path: String
    public var mode: MountMode
    /// A missing path is skipped (systemd's "-" prefix, or a table entry that may not exist).
    public var optional: Bool
    public var directive: String
    public var source: String? = nil
    public var options: String? = nil
    public var flags: UInt = 0
    public var readOnly = false
    public var noExec = false
    public var exec = false
    /// nosuid on the mount itself (BindLogSockets='s binds; systemd 262 leaves their nodev unapplied).
    public var noSUID = false
    /// The unit named the path (ReadOnlyPaths=, BindPaths=, ...): it may lie below a directory
    /// others can write to, so the mount is made on it without following a symlink there.
    public var namedByUnit = false
    /// A bind made id-mapped right after it is made (an exec directory under 257's rules).
    public var idMapping: IdMapping? = nil

    public init(_ path: String, _ mode: MountMode, optional: Bool = false, directive: String, source: String? = nil,
                options: String? = nil, flags: UInt = 0, readOnly: Bool = false, namedByUnit: Bool = false) {
        self.path = path
        self.mode = mode
        self.optional = optional
        self.directive = directive
        self.source = source
        self.options = options
        self.flags = flags
        self.readOnly = readOnly
        self.namedByUnit = namedByUnit
    }

    var isReadOnly: Bool {
        switch mode {
        case .readOnly, .inaccessible, .privateTmpReadOnly: true
        default: readOnly
        }
    }
    var isNoExec: Bool {
        switch mode {
        case .noExec, .inaccessible, .privateSysfs, .sysfs, .procfs, .cgroup2fs: true
        default: noExec
        }
    }
    var isExec: Bool { exec || mode == .exec }
    /// What PrivateDevices= mounts inside its fresh /dev (cjail.c's cj_private_dev): each a
    /// single bind, with nothing mounted below it.
    static let privateDevBinds = ["/pts", "/shm", "/mqueue", "/hugepages"]

    /// Entries that bring the mounts below their source into the new tree.
    var bringsMountsAlong: Bool {
        switch mode {
        case .bind, .bindRecursive, .privateDev, .privateTmp, .bindDev, .sysfs, .privateSysfs: true
        default: false
        }
    }
    /// tmpfs-like entries have nothing mounted below them worth walking.
    var hasSubmounts: Bool { mode != .emptyDir && mode != .tmpfs && mode != .cgroup2fs && mode != .bpffs }
}

/// systemd's path ordering: component by component, so a prefix sorts first.
func pathOrder(_ a: String, _ b: String) -> Bool { PathKey(a) < PathKey(b) }

/// A path's place in systemd's order, computed once per path (the planner sorts every mount
/// entry at each start). Two normalised absolute ASCII paths compare byte by byte, a slash
/// counting below every other byte because it ends a component; others component by component.
struct PathKey: Comparable {
    private let path: String
    private let bytes: [UInt8]
    private let isPlain: Bool

    init(_ path: String) {
        self.path = path
        bytes = Array(path.utf8)
        isPlain = bytes.first == UInt8(ascii: "/") && bytes.allSatisfy { $0 < 0x80 } && Paths.isNormalized(path)
    }

    static func < (a: PathKey, b: PathKey) -> Bool {
        guard a.isPlain && b.isPlain else {
            let x = a.path.split(separator: "/"), y = b.path.split(separator: "/")
            for (p, q) in zip(x, y) where p != q { return p < q }
            return x.count < y.count
        }
        let slash = UInt8(ascii: "/")
        if a.bytes.count == 1 || b.bytes.count == 1 { return a.bytes.count == 1 && b.bytes.count != 1 }
        for (p, q) in zip(a.bytes, b.bytes) where p != q {
            if p == slash { return true }
            if q == slash { return false }
            return p < q
        }
        return a.bytes.count < b.bytes.count
    }
}

/// The fixed tables systemd adds for its Protect*= settings.
enum ProtectTables {
    static func entries(_ rows: [(String, MountMode, Bool)], _ directive: String) -> [MountEntry] {
        rows.map { MountEntry($0.0, $0.1, optional: $0.2, directive: directive) }
    }

    static let kernelTunablesProc: [(String, MountMode, Bool)] = [
        ("/proc/acpi", .readOnly, true), ("/proc/apm", .readOnly, true), ("/proc/asound", .readOnly, true),
        ("/proc/bus", .readOnly, true), ("/proc/fs", .readOnly, true), ("/proc/irq", .readOnly, true),
        ("/proc/kallsyms", .inaccessible, true), ("/proc/kcore", .inaccessible, true),
        ("/proc/latency_stats", .readOnly, true), ("/proc/mtrr", .readOnly, true), ("/proc/scsi", .readOnly, true),
        ("/proc/sys", .readOnly, true), ("/proc/sysrq-trigger", .readOnly, true), ("/proc/timer_stats", .readOnly, true),
    ]
    static let kernelTunablesSys: [(String, MountMode, Bool)] = [
        ("/sys", .readOnly, false), ("/sys/fs/bpf", .readOnly, true), ("/sys/fs/cgroup", .readWriteImplicit, false),
        ("/sys/fs/selinux", .readWriteImplicit, true), ("/sys/kernel/debug", .readOnly, true),
        ("/sys/kernel/tracing", .readOnly, true),
    ]
    static let kernelModules: [(String, MountMode, Bool)] = [("/usr/lib/modules", .inaccessible, true)]
    static let kernelLogs: [(String, MountMode, Bool)] = [("/proc/kmsg", .inaccessible, true), ("/dev/kmsg", .inaccessible, true)]
    static let homeReadOnly: [(String, MountMode, Bool)] = [
        ("/home", .readOnly, true), ("/run/user", .readOnly, true), ("/root", .readOnly, true),
    ]
    static let homeYes: [(String, MountMode, Bool)] = [
        ("/home", .inaccessible, true), ("/run/user", .inaccessible, true), ("/root", .inaccessible, true),
    ]
    static let systemYes: [(String, MountMode, Bool)] = [("/usr", .readOnly, false), ("/boot", .readOnly, true), ("/efi", .readOnly, true)]
    static let systemFull: [(String, MountMode, Bool)] = systemYes + [("/etc", .readOnly, false)]
    static let systemStrict: [(String, MountMode, Bool)] = [
        ("/", .readOnly, false), ("/proc", .readWriteImplicit, false), ("/sys", .readWriteImplicit, false),
        ("/dev", .readWriteImplicit, false), ("/home", .readWriteImplicit, true),
        ("/run/user", .readWriteImplicit, true), ("/root", .readWriteImplicit, true),
    ]
    static let apiVFS: [(String, MountMode, Bool)] = [
        ("/proc", .procfs, false), ("/dev", .bindDev, false), ("/sys", .sysfs, false), ("/run", .run, false),
    ]

    /// systemd 252 copies only path, mode and the optional flag from its
    /// static tables, so the options its ProtectHome=tmpfs table lists never
    /// reach mount(): the tmpfs comes up with the kernel defaults (1777, rw).
    /// brig does what systemd 252 does.
    static let homeTmpfs: [(String, MountMode, Bool)] = [
        ("/home", .tmpfs, true), ("/run/user", .tmpfs, true), ("/root", .tmpfs, true),
    ]
}

import CJail
import Directives

/// Kernel numbers the plan speaks in, with the names used when printing it.
#if canImport(Glibc)
import Glibc
#endif

public enum Capabilities {
    /// Whether this process has `capability` in its effective set.
    static func effectiveContains(_ capability: Int32) -> Bool {
        var mask: UInt64 = 0
        return cjail_effective_capabilities(&mask) == 0 && mask & (1 << UInt64(capability)) != 0
    }

    /// The mask bit of a capability name, as Directives reads capability names.
    public static func bit(_ name: String) -> UInt64? { (try? Capability(name: name)).map { UInt64(1) << UInt64($0.number) } }

    /// The highest capability the running kernel knows.
    public static let lastCap: Int = {
        if let text = SystemFiles.read("/proc/sys/kernel/cap_last_cap"),
           let value = Int(text.trimmed) {
            return value
        }
        return Capability.names.count - 1
    }()

    public static var everything: UInt64 { lastCap >= 63 ? ~0 : (UInt64(1) << UInt64(lastCap + 1)) - 1 }

    /// This process's bounding set, which a child starts from (a container's lacks some): an
    /// ambient capability outside it is left out, as systemd leaves it out.
    static let ownBoundingSet: UInt64 = {
        let status = SystemFiles.read("/proc/self/status") ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("CapBnd:") }
        return line.flatMap { UInt64(String($0.dropFirst("CapBnd:".count)).trimmed, radix: 16) } ?? everything
    }()

    public static func names(_ mask: UInt64) -> String {
        if mask == 0 { return "(none)" }
        if mask & everything == everything { return "(all)" }
        return (0..<64).filter { mask & (UInt64(1) << UInt64($0)) != 0 }
            .map { $0 < Capability.names.count ? Capability.names[$0] : "cap_\($0)" }
            .joined(separator: " ")
    }
}

public enum RLimit {
    /// systemd's Limit*= suffixes in RLIMIT_* order.
    public static let names = ["CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE",
                               "MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"]
    public static let infinity = UInt64.max
    public static let nofile: Int32 = 7

    /// What systemd gives a service without LimitNOFILE=: a soft limit of at most 1024, so select()
    /// keeps working in old programs, and a hard limit bumped to 512Ki (within fs.nr_open) where the
    /// manager may raise it; without CAP_SYS_RESOURCE systemd settles for the hard limit it has.
    static func defaultOpenFiles() -> JailSpec.ResourceLimit {
        var current = rlimit()
        getrlimit(__rlimit_resource_t(UInt32(nofile)), &current)
        var hard = min(nrOpen, max(UInt64(current.rlim_max), 512 * 1024))
        if hard > UInt64(current.rlim_max), !Capabilities.effectiveContains(resourceCapability) { hard = UInt64(current.rlim_max) }
        return JailSpec.ResourceLimit(resource: nofile, soft: min(1024, UInt64(current.rlim_cur), hard), hard: hard)
    }

    private static let resourceCapability = Int32(Capability.sysResource.number)
    /// The kernel's ceiling, read once per process as systemd reads it once when it starts.
    private static let nrOpen = SystemFiles.read("/proc/sys/fs/nr_open").flatMap { UInt64($0.trimmed) } ?? 1 << 20

    static func name(of resource: Int32) -> String {
        resource >= 0 && Int(resource) < names.count ? names[Int(resource)] : "\(resource)"
    }

    static func format(_ value: UInt64) -> String { value == infinity ? "infinity" : "\(value)" }
}

/// The CLONE_NEW* flags of the namespaces a plan creates, from the model's NamespaceType.
public enum Namespaces {
    public static let mount = flag(.mnt)
    public static let cgroup = flag(.cgroup)
    public static let uts = flag(.uts)
    public static let ipc = flag(.ipc)
    public static let user = flag(.user)
    public static let network = flag(.net)
    public static let pid = flag(.pid)

    static func flag(_ type: NamespaceType) -> Int32 { Int32(truncatingIfNeeded: type.cloneFlag) }

    /// The names of the namespaces in `flags`, in the order the plan printer has always used.
    static func names(_ flags: Int32) -> String {
        [NamespaceType.mnt, .cgroup, .uts, .ipc, .user, .net]
            .filter { flags & flag($0) != 0 }.map(\.rawValue).joined(separator: " ")
    }
}

/// Flags of the *at() calls that <fcntl.h> declares only with _GNU_SOURCE, which Glibc's Swift
/// module leaves out.
enum FileFlags {
    /// AT_EMPTY_PATH: the call acts on the descriptor itself.
    static let atEmptyPath: Int32 = 0x1000
    /// O_PATH: a descriptor that names a file without opening it for reading or writing.
    static let pathOnly: Int32 = 0o10000000
}

public enum MountFlags {
    public static let readOnly: UInt = 1, noSUID: UInt = 2, noDev: UInt = 4, noExec: UInt = 8
    public static let bind: UInt = 4096, move: UInt = 8192, recursive: UInt = 16384
    public static let privatePropagation: UInt = 1 << 18, slave: UInt = 1 << 19, shared: UInt = 1 << 20
    public static let strictAtime: UInt = 1 << 24

    /// mount_setattr(2) attributes.
    public static let attrReadOnly: UInt64 = 1, attrNoSUID: UInt64 = 2, attrNoDev: UInt64 = 4, attrNoExec: UInt64 = 8

    static func names(_ flags: UInt) -> [String] {
        [(readOnly, "ro"), (noSUID, "nosuid"), (noDev, "nodev"), (noExec, "noexec"), (bind, "bind"),
         (move, "move"), (recursive, "rec"), (privatePropagation, "private"), (slave, "slave"), (shared, "shared"),
         (strictAtime, "strictatime")]
            .filter { flags & $0.0 != 0 }.map(\.1)
    }

    static func attributeNames(_ attributes: UInt64) -> [String] {
        [(attrReadOnly, "ro"), (attrNoSUID, "nosuid"), (attrNoDev, "nodev"), (attrNoExec, "noexec")]
            .filter { attributes & $0.0 != 0 }.map(\.1)
    }
}

public enum Paths {
    /// `path` equals `prefix` or lies below it.
    public static func isBelow(_ path: String, _ prefix: String) -> Bool {
        isBelow(Array(normalized(path).utf8), under: Array(normalized(prefix).utf8))
    }

    /// `isBelow` for two normalised paths given as bytes.
    public static func isBelow(_ path: [UInt8], under prefix: [UInt8]) -> Bool {
        let slash = UInt8(ascii: "/")
        if prefix.count == 1 && prefix[0] == slash { return path.first == slash }
        guard path.count >= prefix.count else { return false }
        for i in prefix.indices where path[i] != prefix[i] { return false }
        return path.count == prefix.count || path[prefix.count] == slash
    }

    /// Collapses repeated and trailing slashes and "." components.
    public static func normalized(_ path: String) -> String {
        if isNormalized(path) { return path }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }

    /// No empty or "." component and no trailing slash: the common case, checked byte by byte
    /// because planning compares paths often and splitting them costs start-up time.
    static func isNormalized(_ path: String) -> Bool {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        var count = 0, componentLength = 0, componentIsDot = false
        for byte in path.utf8 {
            if byte == slash {
                if count > 0 && (componentLength == 0 || (componentLength == 1 && componentIsDot)) { return false }
                componentLength = 0
            } else {
                componentIsDot = componentLength == 0 && byte == dot
                componentLength += 1
            }
            count += 1
        }
        if count > 1 && componentLength == 0 { return false }
        return !(componentLength == 1 && componentIsDot)
    }
}

import Directives
import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// What the service's process tree did while the workload ran, as the kernel saw it
/// (`KernelObserver`), with the views the rules read.
public struct Observations: Sendable {
    /// System call numbers (x86-64).
    public var syscalls: Set<Int> = []
    /// Capabilities a check granted, each with the system calls it was granted in (511: none known).
    public var capabilityChecks: [Int: Set<Int>] = [:]
    var records: [ArgumentRecord] = []

    public init() {}

    /// Capabilities the service exercised. CAP_SYS_ADMIN counts only in calls that administer
    /// something: the kernel asks about it, without consequence, whenever it accounts memory
    /// (cap_vm_enough_memory: mmap, brk, fork, exec, a growing stack), so elsewhere it is noise,
    /// unless the service made namespaces.
    public var capabilities: Set<Int> {
        Set(capabilityChecks.filter { cap, calls in
            cap != 21 || namespaceFlags != 0 || calls.contains { Self.administering.contains(SyscallTable.x86_64.name(of: Int32($0)) ?? "") }
        }.keys)
    }
    static let administering: Set<String> = [
        "mount", "umount2", "pivot_root", "swapon", "swapoff", "sethostname", "setdomainname", "setns", "unshare", "quotactl", "ioctl", "bpf", "perf_event_open", "setrlimit", "prlimit64", "keyctl", "fanotify_init",
        "open_by_handle_at", "name_to_handle_at", "syslog", "iopl", "ioperm", "setpriority", "sched_setattr", "fsopen",
        "fsmount", "move_mount", "open_tree", "fspick", "mount_setattr", "setxattr", "lsetxattr", "fsetxattr",
        "removexattr", "lremovexattr", "fremovexattr", "msgctl", "semctl", "shmctl", "reboot", "kexec_load", "acct",
    ]

    /// "CAP_NET_BIND_SERVICE in bind()" for each exercised capability.
    public var capabilityEvidence: [String] {
        capabilities.sorted().map { cap in
            let calls = (capabilityChecks[cap] ?? []).sorted().map { $0 == 511 ? "?" : (SyscallTable.x86_64.name(of: Int32($0)) ?? "\($0)") + "()" }
            return Capability(number: cap).name + " in " + calls.joined(separator: ", ")
        }
    }

    public var syscallNames: Set<String> { Set(syscalls.compactMap { SyscallTable.x86_64.name(of: Int32($0)) }) }

    public func made(_ name: String) -> Bool {
        SyscallTable.x86_64.number(of: name).map { syscalls.contains(Int($0)) } ?? false
    }

    /// The first of `names` the service called, for evidence.
    public func firstMade(_ names: [String]) -> String? { names.first(where: made) }

    private func records(_ numbers: Set<Int>) -> [ArgumentRecord] { records.filter { numbers.contains($0.number) } }

    private static let opens: Set<Int> = [2, 257, 437]
    /// O_WRONLY | O_RDWR | O_CREAT | O_TRUNC.
    private static let writeFlags: UInt64 = 0o1 | 0o2 | 0o100 | 0o1000
    /// Calls that change the name space at their path: creat, mkdir(at), mknod(at), unlink(at),
    /// rmdir, rename*, link*, symlink*, truncate.
    private static let changes: Set<Int> = [85, 83, 258, 133, 259, 87, 263, 84, 82, 264, 316, 86, 265, 88, 266, 76]

    /// Absolute paths opened for writing or created, removed or renamed into.
    public var writtenPaths: Set<String> {
        Set((records(Self.opens).filter { $0.scalar & Self.writeFlags != 0 } + records(Self.changes))
            .map(\.path).filter { $0.hasPrefix("/") }.map(Self.tidy))
    }

    /// Absolute paths opened for anything.
    public var openedPaths: Set<String> {
        Set(records(Self.opens.union(Self.changes)).map(\.path).filter { $0.hasPrefix("/") }.map(Self.tidy))
    }

    /// Device nodes (paths under /dev) with the access the service took to each, as DeviceAllow=
    /// spells it: "r" and "w" from the open flags' access mode, "m" when it made the node.
    public var deviceAccess: [String: String] {
        var access: [String: Set<Character>] = [:]
        for record in records(Self.opens) where record.path.hasPrefix("/dev/") {
            let mode = record.scalar & 0o3   // O_ACCMODE: O_RDONLY 0, O_WRONLY 1, O_RDWR 2
            access[Self.tidy(record.path), default: []].formUnion(mode == 0 ? ["r"] : mode == 1 ? ["w"] : ["r", "w"])
        }
        for record in records([133, 259]) where record.path.hasPrefix("/dev/") {
            let type = record.scalar & 0o170000   // S_IFCHR or S_IFBLK: a device node
            if type == 0o020000 || type == 0o060000 { access[Self.tidy(record.path), default: []].insert("m") }
        }
        return access.mapValues { letters in String("rwm".filter(letters.contains)) }
    }

    /// Paths named relative to a directory the observer cannot see (the rules do not guess them).
    public var relativePaths: Set<String> {
        Set(records(Self.opens.union(Self.changes)).map(\.path).filter { !$0.hasPrefix("/") && !$0.isEmpty })
    }

    public var executedPaths: Set<String> { Set(records([59, 322]).map(\.path).filter { !$0.isEmpty }) }

    public var mountTargets: Set<String> { Set(records([165]).map(\.path)) }

    /// Socket address families (numbers) of socket() calls.
    public var socketFamilies: Set<Int> { Set(records([41]).map { Int($0.scalar & 0xffff) }) }

    /// (family, port) of each bind() to an IPv4 or IPv6 address.
    public var boundPorts: Set<BoundPort> {
        Set(records([49]).compactMap { record in
            let family = Int(record.scalar & 0xffff)
            guard family == 2 || family == 10 else { return nil }
            return BoundPort(family: family, port: Int((record.scalar >> 16) & 0xff) << 8 | Int((record.scalar >> 24) & 0xff))
        })
    }

    /// The IP peers of connect(), "a.b.c.d" or an IPv6 address as inet_ntop writes it (an
    /// IPv4-mapped one as its IPv4 address, which is what the firewall sees).
    public var connectedPeers: Set<String> {
        var peers: Set<String> = []
        for record in records([42]) {
            switch record.scalar & 0xffff {
            case 2: peers.insert((4..<8).map { String((record.scalar >> (8 * UInt64($0))) & 0xff) }.joined(separator: "."))
            case 10:
                guard record.raw.count >= 24 else { continue }
                let address = Array(record.raw[8..<24])
                if address[0..<10].allSatisfy({ $0 == 0 }) && address[10] == 0xff && address[11] == 0xff {
                    peers.insert(address[12...].map(String.init).joined(separator: "."))
                    continue
                }
                var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                if address.withUnsafeBytes({ inet_ntop(AF_INET6, $0.baseAddress, &text, socklen_t(text.count)) }) != nil {
                    peers.insert(String(cText: text))
                }
            default: continue
            }
        }
        return peers
    }

    /// CLONE_NEW* flags of clone, clone3 and unshare, and setns' types (0 when any type).
    public var namespaceFlags: UInt64 {
        records([56, 435, 272, 308]).reduce(0) { $0 | ($1.scalar & Self.namespaceMask) }
            | (records([308]).contains { $0.scalar & 0xffff_ffff == 0 } ? Self.namespaceMask : 0)
    }
    static let namespaceMask: UInt64 = 0x7e02_0080

    /// The first call (mmap, mprotect, pkey_mprotect) that made or changed a mapping to be
    /// writable and executable at once, nil when none did.
    public var writableExecutableCall: String? {
        let calls = Set(records([9, 10, 329]).filter { $0.scalar & 6 == 6 }.map(\.number))   // PROT_WRITE | PROT_EXEC
        return [(9, "mmap"), (10, "mprotect"), (329, "pkey_mprotect")].first { calls.contains($0.0) }?.1
    }

    /// personality() calls that set one (0xffffffff only asks).
    public var personalityChanges: [UInt64] { records([135]).map { $0.scalar & 0xffff_ffff }.filter { $0 != 0xffff_ffff } }

    /// Whether a realtime policy was asked for (SCHED_FIFO, SCHED_RR, SCHED_DEADLINE).
    public var realtimeScheduling: Bool {
        let policies = records([144]).map { $0.scalar & 0x3fff_ffff } + records([314]).map { ($0.scalar >> 32) & 0x3fff_ffff }
        return policies.contains { [1, 2, 6].contains($0) }
    }

    /// User ids the service switched to itself (-1, "unchanged", left out).
    public var switchedUIDs: Set<UInt32> { switchedIDs([105, 113, 117, 122]) }
    /// Group ids the service switched to itself.
    public var switchedGIDs: Set<UInt32> { switchedIDs([106, 114, 119, 123]) }

    private func switchedIDs(_ calls: Set<Int>) -> Set<UInt32> {
        Set(records(calls).map { UInt32(truncatingIfNeeded: $0.scalar) }.filter { $0 != UInt32.max })
    }

    /// chmod modes with set-uid or set-gid.
    var setIDModes: [ArgumentRecord] { records([90, 91, 268]).filter { $0.scalar & 0o6000 != 0 } }

    /// "/a//b/./c" -> "/a/b/c" (".." is kept: the kernel resolves it, brig does not guess).
    static func tidy(_ path: String) -> String {
        "/" + path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }
}

public struct BoundPort: Hashable, Sendable, Comparable {
    public var family: Int
    public var port: Int
    public static func < (a: BoundPort, b: BoundPort) -> Bool { (a.port, a.family) < (b.port, b.family) }
}

import Foundation
import Testing
import Directives
@testable import Seccomp

/// The same probe under the real systemd (systemd-oracle) and under brig's single
/// compiled program must see the same results, call by call.
@Suite(.enabled(if: Oracle.isAvailable, "needs root, a C compiler and the systemd oracle"))
struct SystemdDifferentialTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var properties: [String]
        var settings: SystemdSyscallSettings
        var operations: [String]
        var testDescription: String { properties.joined(separator: " ") }
    }

    static func settings(_ change: (inout SystemdSyscallSettings) -> Void) -> SystemdSyscallSettings {
        var s = SystemdSyscallSettings()
        change(&s)
        return s
    }

    static func filter(_ lines: String..., errno: String? = nil) -> SystemdSyscallSettings {
        settings {
            $0.syscallFilter = SyscallListFixture.list(lines)
            if let errno { $0.syscallErrorAction = .errno(ErrnoName.parse(errno)!) }
        }
    }

    static let families = ["socket:0", "socket:1", "socket:2", "socket:10", "socket:16", "socket:17", "socket:38",
                           "socket:45", "socket:46", "socket:200"]
    static let namespaces = ["unshare:0", "unshare:10000000", "unshare:20000", "unshare:40000000", "clone:40000000",
                             "clone:0", "clone3", "setns:0", "setns:40000000", "setns:20000"]
    static let memory = ["mmap-wx", "mmap-rx", "mprotect-x", "mprotect-r", "shmat-x"]
    static let realtime = ["sched:0", "sched:1", "sched:2", "sched:3", "sched:5", "sched:6"]
    static let suid = ["chmod-suid", "chmod-plain", "fchmod-suid", "fchmodat-suid", "open-creat-suid",
                       "openat-creat-suid", "creat-suid", "openat2", "mkdir-suid", "open-plain"]
    static let privileged = ["sethostname", "adjtimex", "syslog", "init_module", "delete_module", "iopl", "ioperm",
                             "mount", "swapon", "reboot", "_sysctl"]
    static let everyday = ["getppid", "read-zero", "uname"]
    static let resolvedLike = [
        "LockPersonality=yes", "MemoryDenyWriteExecute=yes", "NoNewPrivileges=yes", "PrivateDevices=yes",
        "ProtectClock=yes", "ProtectKernelLogs=yes", "ProtectKernelModules=yes", "ProtectKernelTunables=yes",
        "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6", "RestrictNamespaces=yes",
        "RestrictRealtime=yes", "RestrictSUIDSGID=yes", "SystemCallArchitectures=native",
        "SystemCallErrorNumber=EPERM", "SystemCallFilter=@system-service",
    ]
    static let resolvedLikeSettings = settings {
        $0.lockPersonality = true
        $0.memoryDenyWriteExecute = true
        $0.privateDevices = true
        $0.protectClock = true
        $0.protectKernelLogs = true
        $0.protectKernelModules = true
        $0.protectKernelTunables = true
        $0.addressFamilies = .init(isAllowList: true, families: [1, 16, 2, 10])
        $0.retainedNamespaceFlags = 0
        $0.restrictRealtime = true
        $0.restrictSUIDSGID = true
        $0.architectures = [.x86_64]
        $0.syscallErrorAction = .errno(1)
        $0.syscallFilter = SyscallListFixture.list(["@system-service"])
    }

    static let cases: [Case] = [
        Case(properties: ["SystemCallFilter=@system-service"], settings: filter("@system-service"),
             operations: everyday + ["socket:2", "getppid", "mount", "getppid"]),
        Case(properties: ["SystemCallFilter=@system-service", "SystemCallErrorNumber=EPERM"],
             settings: filter("@system-service", errno: "EPERM"), operations: everyday + privileged),
        Case(properties: ["SystemCallFilter=~@privileged @resources"], settings: filter("~@privileged @resources"),
             operations: everyday + ["sched:0", "getppid"]),
        Case(properties: ["SystemCallFilter=~@privileged @resources", "SystemCallErrorNumber=EACCES"],
             settings: filter("~@privileged @resources", errno: "EACCES"), operations: everyday + privileged + realtime),
        Case(properties: ["SystemCallFilter=~uname:EILSEQ getppid:ENOENT"], settings: filter("~uname:EILSEQ getppid:ENOENT"),
             operations: everyday),
        Case(properties: ["SystemCallFilter=@basic-io @file-system @process @network-io", "SystemCallErrorNumber=ENOSYS"],
             settings: filter("@basic-io @file-system @process @network-io", errno: "ENOSYS"),
             operations: everyday + ["socket:1", "sethostname", "adjtimex"]),
        Case(properties: ["SystemCallFilter=@system-service", "SystemCallFilter=~@resources uname", "SystemCallErrorNumber=EPERM"],
             settings: filter("@system-service", "~@resources uname", errno: "EPERM"), operations: everyday + realtime),
        Case(properties: ["SystemCallFilter=~@clock", "SystemCallErrorNumber=EACCES", "ProtectClock=yes"],
             settings: settings {
                 $0.syscallFilter = SyscallListFixture.list(["~@clock"])
                 $0.syscallErrorAction = .errno(13)
                 $0.protectClock = true
             }, operations: ["adjtimex", "getppid"]),
        Case(properties: ["RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"],
             settings: settings { $0.addressFamilies = .init(isAllowList: true, families: [1, 2, 10]) }, operations: families),
        Case(properties: ["RestrictAddressFamilies=~AF_INET6 AF_NETLINK"],
             settings: settings { $0.addressFamilies = .init(isAllowList: false, families: [10, 16]) }, operations: families),
        // systemd-run cannot pass "none"; an allow list emptied again means the same.
        Case(properties: ["RestrictAddressFamilies=AF_UNIX", "RestrictAddressFamilies=~AF_UNIX"],
             settings: settings { $0.addressFamilies = .init(isAllowList: true, families: []) }, operations: families),
        Case(properties: ["RestrictAddressFamilies=AF_UNIX", "SystemCallFilter=@system-service", "SystemCallErrorNumber=EPERM"],
             settings: settings {
                 $0.addressFamilies = .init(isAllowList: true, families: [1])
                 $0.syscallFilter = SyscallListFixture.list(["@system-service"])
                 $0.syscallErrorAction = .errno(1)
             }, operations: families),
        Case(properties: ["RestrictAddressFamilies=~AF_PACKET", "SystemCallFilter=@system-service", "SystemCallErrorNumber=EPERM"],
             settings: settings {
                 $0.addressFamilies = .init(isAllowList: false, families: [17])
                 $0.syscallFilter = SyscallListFixture.list(["@system-service"])
                 $0.syscallErrorAction = .errno(1)
             }, operations: families),
        Case(properties: ["RestrictNamespaces=yes"], settings: settings { $0.retainedNamespaceFlags = 0 }, operations: namespaces),
        Case(properties: ["RestrictNamespaces=net"], settings: settings { $0.retainedNamespaceFlags = 0x4000_0000 },
             operations: namespaces),
        Case(properties: ["RestrictNamespaces=~user"],
             settings: settings { $0.retainedNamespaceFlags = SystemdLayers.namespaceFlags.reduce(0, |) & ~0x1000_0000 },
             operations: namespaces),
        Case(properties: ["RestrictNamespaces=net mnt", "SystemCallFilter=@system-service @mount setns", "SystemCallErrorNumber=EPERM"],
             settings: settings {
                 $0.retainedNamespaceFlags = 0x4000_0000 | 0x0002_0000
                 $0.syscallFilter = SyscallListFixture.list(["@system-service @mount setns"])
                 $0.syscallErrorAction = .errno(1)
             }, operations: namespaces),
        Case(properties: ["MemoryDenyWriteExecute=yes"], settings: settings { $0.memoryDenyWriteExecute = true },
             operations: memory),
        Case(properties: ["MemoryDenyWriteExecute=yes", "SystemCallFilter=@system-service", "SystemCallErrorNumber=EPERM"],
             settings: settings {
                 $0.memoryDenyWriteExecute = true
                 $0.syscallFilter = SyscallListFixture.list(["@system-service"])
                 $0.syscallErrorAction = .errno(1)
             }, operations: memory),
        Case(properties: ["SystemCallArchitectures=native"], settings: settings { $0.architectures = [.x86_64] },
             operations: ["getppid", "i386:20", "getppid"]),
        Case(properties: ["SystemCallArchitectures=native x86"], settings: settings { $0.architectures = [.x86_64, .x86] },
             operations: ["getppid", "i386:20", "x32:39", "getppid"]),
        Case(properties: ["SystemCallArchitectures=x86-64 x86 x32"], settings: settings { $0.architectures = Set(SyscallABI.allCases) },
             operations: ["getppid", "i386:20", "x32:39"]),
        Case(properties: ["LockPersonality=yes"], settings: settings { $0.lockPersonality = true },
             operations: ["personality:0", "personality:8", "personality:ffffffff"]),
        Case(properties: ["RestrictRealtime=yes"], settings: settings { $0.restrictRealtime = true }, operations: realtime),
        Case(properties: ["RestrictRealtime=yes", "SystemCallFilter=@system-service", "SystemCallErrorNumber=EPERM"],
             settings: settings {
                 $0.restrictRealtime = true
                 $0.syscallFilter = SyscallListFixture.list(["@system-service"])
                 $0.syscallErrorAction = .errno(1)
             }, operations: realtime),
        Case(properties: ["RestrictSUIDSGID=yes"], settings: settings { $0.restrictSUIDSGID = true }, operations: suid),
        Case(properties: ["RestrictSUIDSGID=yes", "SystemCallFilter=@system-service", "SystemCallErrorNumber=EPERM"],
             settings: settings {
                 $0.restrictSUIDSGID = true
                 $0.syscallFilter = SyscallListFixture.list(["@system-service"])
                 $0.syscallErrorAction = .errno(1)
             }, operations: suid),
        Case(properties: ["ProtectClock=yes"], settings: settings { $0.protectClock = true }, operations: ["adjtimex", "getppid"]),
        Case(properties: ["ProtectKernelModules=yes"], settings: settings { $0.protectKernelModules = true },
             operations: ["init_module", "delete_module", "getppid"]),
        Case(properties: ["ProtectKernelLogs=yes"], settings: settings { $0.protectKernelLogs = true },
             operations: ["syslog", "getppid"]),
        Case(properties: ["ProtectKernelTunables=yes"], settings: settings { $0.protectKernelTunables = true },
             operations: ["_sysctl", "getppid"]),
        Case(properties: ["ProtectHostname=yes"], settings: settings { $0.protectHostname = true },
             operations: ["sethostname", "uname"]),
        Case(properties: ["PrivateDevices=yes"], settings: settings { $0.privateDevices = true },
             operations: ["iopl", "ioperm", "read-zero"]),
        Case(properties: ["SystemCallLog=getppid uname"],
             settings: settings { $0.syscallLog = SyscallListFixture.list(["getppid uname"], implicitDefault: false) },
             operations: everyday),
        Case(properties: resolvedLike, settings: resolvedLikeSettings,
             operations: everyday + families + namespaces + memory + realtime + suid + privileged
                + ["personality:8", "i386:20"]),
    ]

    @Test(arguments: cases)
    func probeSeesWhatItSeesUnderSystemd(_ c: Case) throws {
        // No policy: systemd installs no filter either (e.g. every ABI allowed).
        let brig = try c.settings.policy().map { try ProbeRunner.probe(c.operations, under: try SeccompCompiler.compile($0)) }
            ?? ProbeRunner.probeUnfiltered(c.operations)
        let systemd = try Oracle.probe(c.operations, properties: c.properties)
        #expect(brig.stdout == systemd.stdout)
        // The oracle reports a service killed by a signal as 255.
        #expect((brig.signal != nil) == (systemd.status == 255), "brig: \(brig.status) systemd: \(systemd.status)")
    }
}

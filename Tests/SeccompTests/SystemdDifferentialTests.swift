import Foundation
import Testing
import Directives
@testable import Seccomp

/// The same probe under the real systemd (systemd-oracle) and under brig's single
/// compiled program must see the same results, call by call. Both read the same
/// `Key=Value` lines: brig through its directive parsers and PolicyFromExecContext.
@Suite(.enabled(if: Oracle.isAvailable, "needs root, a C compiler and the systemd oracle"))
struct SystemdDifferentialTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var properties: [String]
        var operations: [String]
        var testDescription: String { properties.joined(separator: " ") }
        init(_ properties: [String], _ operations: [String]) {
            self.properties = properties
            self.operations = operations
        }
    }

    static let families = ["socket:0", "socket:1", "socket:2", "socket:10", "socket:16", "socket:17", "socket:38",
                           "socket:45", "socket:46", "socket:200"]
    static let namespaces = ["unshare:0", "unshare:10000000", "unshare:20000", "unshare:40000000", "clone:40000000",
                             "clone:0", "clone3", "setns:0", "setns:40000000", "setns:20000"]
    static let memory = ["mmap-wx", "mmap-rx", "mprotect-x", "mprotect-r", "shmat-x"]
    static let realtime = ["sched:0", "sched:1", "sched:2", "sched:3", "sched:5", "sched:6"]
    /// The i386 and x32 calls pass NULL paths: a filter answers before the kernel says EFAULT.
    static let suid = ["chmod-suid", "chmod-plain", "fchmod-suid", "fchmodat-suid", "fchmodat2-suid", "open-creat-suid",
                       "openat-creat-suid", "creat-suid", "openat2", "mkdir-suid", "open-plain",
                       "i386:15:0:9ed", "i386:452:ffffff9c:0:9ed", "x32:452:ffffffffffffff9c:0:9ed"]
    static let privileged = ["sethostname", "adjtimex", "syslog", "init_module", "delete_module", "iopl", "ioperm",
                             "mount", "swapon", "reboot", "_sysctl"]
    static let everyday = ["getppid", "read-zero", "uname"]
    static let serviceEPERM = ["SystemCallFilter=@system-service", "SystemCallErrorNumber=EPERM"]

    /// The seccomp directives of systemd 252's systemd-resolved.service.
    static let resolvedLike = [
        "LockPersonality=yes", "MemoryDenyWriteExecute=yes", "NoNewPrivileges=yes", "PrivateDevices=yes",
        "ProtectClock=yes", "ProtectKernelLogs=yes", "ProtectKernelModules=yes", "ProtectKernelTunables=yes",
        "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6", "RestrictNamespaces=yes",
        "RestrictRealtime=yes", "RestrictSUIDSGID=yes", "SystemCallArchitectures=native",
        "SystemCallErrorNumber=EPERM", "SystemCallFilter=@system-service",
    ]

    static var resolvedLikePolicy: SeccompPolicy {
        get throws { try #require(try SeccompPolicy.forUnit(try UnitFixture.exec(resolvedLike))) }
    }

    static let cases: [Case] = [
        Case(["SystemCallFilter=@system-service"], everyday + ["socket:2", "getppid", "mount", "getppid"]),
        Case(serviceEPERM, everyday + privileged),
        Case(["SystemCallFilter=~@privileged @resources"], everyday + ["sched:0", "getppid"]),
        Case(["SystemCallFilter=~@privileged @resources", "SystemCallErrorNumber=EACCES"], everyday + privileged + realtime),
        Case(["SystemCallFilter=~uname:EILSEQ getppid:ENOENT"], everyday),
        Case(["SystemCallFilter=@basic-io @file-system @process @network-io", "SystemCallErrorNumber=ENOSYS"],
             everyday + ["socket:1", "sethostname", "adjtimex"]),
        Case(["SystemCallFilter=@system-service", "SystemCallFilter=~@resources uname", "SystemCallErrorNumber=EPERM"],
             everyday + realtime),
        Case(["SystemCallFilter=~@clock", "SystemCallErrorNumber=EACCES", "ProtectClock=yes"], ["adjtimex", "getppid"]),
        Case(["SystemCallFilter=~uname:kill", "SystemCallErrorNumber=EPERM"], ["getppid", "uname", "getppid"]),
        Case(["SystemCallFilter=@system-service", "SystemCallFilter=~getppid:EIO"], everyday),
        Case(["SystemCallFilter=~@mount @swap", "SystemCallFilter=mount", "SystemCallErrorNumber=38"], ["mount", "swapon"]),
        Case(["SystemCallFilter=~@privileged", "SystemCallErrorNumber=EPERM", "RestrictNamespaces=yes"],
             ["mount", "unshare:10000000", "setns:0", "clone3", "getppid"]),
        Case(["RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"], families),
        Case(["RestrictAddressFamilies=~AF_INET6 AF_NETLINK"], families),
        // systemd-run cannot pass "none"; an allow list emptied again means the same.
        Case(["RestrictAddressFamilies=AF_UNIX", "RestrictAddressFamilies=~AF_UNIX"], families),
        Case(["RestrictAddressFamilies=AF_UNIX"] + serviceEPERM, families),
        Case(["RestrictAddressFamilies=~AF_PACKET"] + serviceEPERM, families),
        Case(["RestrictNamespaces=yes"], namespaces),
        Case(["RestrictNamespaces=net"], namespaces),
        Case(["RestrictNamespaces=~user"], namespaces),
        Case(["RestrictNamespaces=net mnt", "SystemCallFilter=@system-service @mount setns", "SystemCallErrorNumber=EPERM"],
             namespaces),
        Case(["MemoryDenyWriteExecute=yes"], memory),
        Case(["MemoryDenyWriteExecute=yes"] + serviceEPERM, memory),
        Case(["SystemCallArchitectures=native"], ["getppid", "i386:20", "getppid"]),
        Case(["SystemCallArchitectures=native x86"], ["getppid", "i386:20", "x32:39", "getppid"]),
        Case(["SystemCallArchitectures=x86-64 x86 x32"], ["getppid", "i386:20", "x32:39"]),
        Case(["LockPersonality=yes"], ["personality:0", "personality:8", "personality:ffffffff"]),
        Case(["RestrictRealtime=yes"], realtime),
        Case(["RestrictRealtime=yes"] + serviceEPERM, realtime),
        Case(["RestrictSUIDSGID=yes"], suid),
        Case(["RestrictSUIDSGID=yes"] + serviceEPERM, suid),
        Case(["ProtectClock=yes"], ["adjtimex", "getppid"]),
        Case(["ProtectKernelModules=yes"], ["init_module", "delete_module", "getppid"]),
        Case(["ProtectKernelLogs=yes"], ["syslog", "getppid"]),
        Case(["ProtectKernelTunables=yes"], ["_sysctl", "getppid"]),
        Case(["ProtectHostname=yes"], ["sethostname", "uname"]),
        Case(["PrivateDevices=yes"], ["iopl", "ioperm", "read-zero"]),
        Case(["SystemCallLog=getppid uname"], everyday),
        Case(resolvedLike, everyday + families + namespaces + memory + realtime + suid + privileged
                + ["personality:8", "i386:20"]),
    ]

    @Test(arguments: cases)
    func probeSeesWhatItSeesUnderSystemd(_ c: Case) throws {
        // No policy: systemd installs no filter either (e.g. every ABI allowed).
        let policy = try SeccompPolicy.forUnit(try UnitFixture.exec(c.properties))
        let brig = try policy.map { try ProbeRunner.probe(c.operations, under: try SeccompCompiler.compile($0)) }
            ?? ProbeRunner.probeUnfiltered(c.operations)
        let systemd = try Oracle.probe(c.operations, properties: c.properties)
        #expect(brig.stdout == systemd.stdout)
        // The oracle reports a service killed by a signal as 255.
        #expect((brig.signal != nil) == (systemd.status == 255), "brig: \(brig.status) systemd: \(systemd.status)")
    }
}

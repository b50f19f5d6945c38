import Directives

/// The 81 checks in systemd's evaluation order, with systemd's ids, JSON names, weights and ranges
/// (facts, see reference/exposure-checks.tsv). Sentences are brig's own.
public enum CheckTable {
    public static let all: [Check] = identity + filesystem + processes + capabilities + misc
        + namespaces + families + syscalls + network

    /// The checks of `release`'s `systemd-analyze security`, in systemd's order: the rows it has
    /// (upstream 253 and 254 lack CAP_BPF), with its weights and ranges (`checkRowsVN`, generated
    /// from the release) and its reading of unset settings (`ReleaseFacts`).
    public static func checks(for release: SystemdRelease) -> [Check] {
        byRelease[release.number - SystemdRelease.v252.number]
    }

    private static let byRelease: [[Check]] = SystemdRelease.allCases.map { release in
        var table: [String: (weight: UInt64, range: UInt64)] = [:]
        for row in checkRows(of: release) { table[row.jsonField] = (row.weight, row.range) }
        let facts = release.facts
        return all.compactMap { check in
            guard let row = table[check.jsonField] else { return nil }
            let unsetPasses = check.jsonField == "PrivateMounts" && facts.privateMountsIsTristate
            if row.weight == check.weight && row.range == check.range && !unsetPasses { return check }
            return Check(check, weight: row.weight, range: row.range, unsetPasses: unsetPasses)
        }
    }

    private static func cap(_ caps: Capability...) -> CapabilitySet { CapabilitySet(caps) }

    private static let identity: [Check] = [
        Check("User=/DynamicUser=", "UserOrDynamicUser", weight: 2000, range: 10, .user,
              pass: "Runs under its own unprivileged user", fail: "Runs as root"),
        Check("SupplementaryGroups=", "SupplementaryGroups", weight: 200, range: 1, .supplementaryGroups,
              pass: "Joins no extra groups", fail: "Joins extra groups"),
    ]

    private static let filesystem: [Check] = [
        Check("PrivateDevices=", "PrivateDevices", weight: 1000, range: 1, .enabled { $0.exec.sandbox.privateDevices },
              pass: "Sees only pseudo devices in /dev", fail: "Sees the host's physical devices"),
        Check("PrivateMounts=", "PrivateMounts", weight: 1000, range: 1, .enabled { $0.exec.filesystem.privateMounts },
              pass: "Its mounts stay in its own namespace", fail: "Can mount file systems the host sees"),
        Check("PrivateNetwork=", "PrivateNetwork", weight: 2500, range: 1, .enabled { $0.exec.sandbox.privateNetwork },
              pass: "Has no network beyond loopback", fail: "Uses the host's network"),
        Check("PrivateTmp=", "PrivateTmp", weight: 1000, range: 1, .enabled { $0.exec.filesystem.privateTmp },
              needsDefaultDependencies: true,
              pass: "Gets its own /tmp and /var/tmp", fail: "Shares /tmp and /var/tmp with everyone"),
        Check("PrivateUsers=", "PrivateUsers", weight: 1000, range: 1, .enabled { $0.exec.sandbox.privateUsers },
              pass: "Sees no other users of the host", fail: "Sees every user of the host"),
        Check("ProtectControlGroups=", "ProtectControlGroups", weight: 1000, range: 1,
              .enabled { $0.exec.sandbox.protectControlGroups },
              pass: "Cannot write to the cgroup tree", fail: "Can write to the cgroup tree"),
        Check("ProtectKernelModules=", "ProtectKernelModules", weight: 1000, range: 1,
              .enabled { $0.exec.sandbox.protectKernelModules },
              pass: "Cannot load or inspect kernel modules", fail: "Can load or inspect kernel modules"),
        Check("ProtectKernelTunables=", "ProtectKernelTunables", weight: 1000, range: 1,
              .enabled { $0.exec.sandbox.protectKernelTunables },
              pass: "Kernel tunables in /proc and /sys are read-only", fail: "Can change kernel tunables"),
        Check("ProtectKernelLogs=", "ProtectKernelLogs", weight: 1000, range: 1,
              .enabled { $0.exec.sandbox.protectKernelLogs },
              pass: "Cannot touch the kernel log buffer", fail: "Can read and write the kernel log buffer"),
        Check("ProtectClock=", "ProtectClock", weight: 1000, range: 1, .enabled { $0.exec.sandbox.protectClock },
              pass: "Cannot set the system or hardware clock", fail: "Can set the system or hardware clock"),
        Check("ProtectHome=", "ProtectHome", weight: 1000, range: 10, .protectHome,
              needsDefaultDependencies: true,
              pass: "Cannot see home directories", fail: "Can read and write home directories"),
        Check("ProtectHostname=", "ProtectHostname", weight: 50, range: 1, .enabled { $0.exec.sandbox.protectHostname },
              pass: "Cannot rename the host", fail: "Can change host and domain name"),
        Check("ProtectSystem=", "ProtectSystem", weight: 1000, range: 10, .protectSystem,
              needsDefaultDependencies: true,
              pass: "The whole OS tree is read-only", fail: "Can write anywhere in the OS tree"),
        Check("RootDirectory=/RootImage=", "RootDirectoryOrRootImage", weight: 200, range: 1, .rootDirectory,
              needsDefaultDependencies: true,
              pass: "Runs in a root of its own", fail: "Runs in the host's root file system"),
    ]

    private static let processes: [Check] = [
        Check("LockPersonality=", "LockPersonality", weight: 100, range: 1, .enabled { $0.exec.sandbox.lockPersonality },
              pass: "Cannot switch execution domain", fail: "Can switch execution domain (personality)"),
        Check("MemoryDenyWriteExecute=", "MemoryDenyWriteExecute", weight: 100, range: 1,
              .enabled { $0.exec.sandbox.memoryDenyWriteExecute },
              pass: "Cannot map memory both writable and executable",
              fail: "Can map memory both writable and executable"),
        Check("NoNewPrivileges=", "NoNewPrivileges", weight: 1000, range: 1, .enabled { $0.exec.sandbox.noNewPrivileges },
              pass: "Cannot gain privileges through exec", fail: "Can gain privileges through setuid or file caps"),
    ]

    private static let capabilities: [Check] = [
        capRow("CAP_SYS_ADMIN", "CAP_SYS_ADMIN", 1500, cap(.sysAdmin), "system administration"),
        capRow("CAP_SET(UID|GID|PCAP)", "CAP_SET_UID_GID_PCAP", 1500, cap(.setgid, .setuid, .setpcap), "switching user, group or capabilities"),
        capRow("CAP_SYS_PTRACE", "CAP_SYS_PTRACE", 1500, cap(.sysPtrace), "tracing other processes"),
        capRow("CAP_SYS_TIME", "CAP_SYS_TIME", 1000, cap(.sysTime), "setting the system clock"),
        capRow("CAP_NET_ADMIN", "CAP_NET_ADMIN", 1000, cap(.netAdmin), "configuring the network"),
        capRow("CAP_SYS_RAWIO", "CAP_SYS_RAWIO", 1000, cap(.sysRawio), "raw I/O on ports and memory"),
        capRow("CAP_SYS_MODULE", "CAP_SYS_MODULE", 1000, cap(.sysModule), "loading kernel modules"),
        capRow("CAP_AUDIT_*", "CAP_AUDIT", 500, cap(.auditWrite, .auditControl, .auditRead), "using the audit subsystem"),
        capRow("CAP_SYSLOG", "CAP_SYSLOG", 500, cap(.syslog), "privileged kernel log operations"),
        capRow("CAP_SYS_(NICE|RESOURCE)", "CAP_SYS_NICE_RESOURCE", 500, cap(.sysNice, .sysResource), "raising priorities and resource limits"),
        capRow("CAP_MKNOD", "CAP_MKNOD", 500, cap(.mknod), "creating device nodes"),
        capRow("CAP_(CHOWN|FSETID|SETFCAP)", "CAP_CHOWN_FSETID_SETFCAP", 1000, cap(.chown, .fsetid, .setfcap), "changing file owners, modes and capabilities"),
        capRow("CAP_(DAC_*|FOWNER|IPC_OWNER)", "CAP_DAC_FOWNER_IPC_OWNER", 1000, cap(.dacOverride, .dacReadSearch, .fowner, .ipcOwner), "bypassing file and IPC permission checks"),
        capRow("CAP_KILL", "CAP_KILL", 500, cap(.kill), "signalling any process"),
        capRow("CAP_NET_(BIND_SERVICE|BROADCAST|RAW)", "CAP_NET_BIND_SERVICE_BROADCAST_RAW)", 500, cap(.netBindService, .netBroadcast, .netRaw), "low ports, broadcast and raw sockets"),
        capRow("CAP_SYS_BOOT", "CAP_SYS_BOOT", 100, cap(.sysBoot), "rebooting the machine"),
        capRow("CAP_MAC_*", "CAP_MAC", 100, cap(.macOverride, .macAdmin), "changing or bypassing MAC policy"),
        capRow("CAP_LINUX_IMMUTABLE", "CAP_LINUX_IMMUTABLE", 75, cap(.linuxImmutable), "setting immutable and append-only flags"),
        capRow("CAP_IPC_LOCK", "CAP_IPC_LOCK", 50, cap(.ipcLock), "locking memory"),
        capRow("CAP_SYS_CHROOT", "CAP_SYS_CHROOT", 50, cap(.sysChroot), "calling chroot()"),
        capRow("CAP_BLOCK_SUSPEND", "CAP_BLOCK_SUSPEND", 25, cap(.blockSuspend), "blocking system suspend"),
        capRow("CAP_WAKE_ALARM", "CAP_WAKE_ALARM", 25, cap(.wakeAlarm), "setting wake-up alarms"),
        capRow("CAP_LEASE", "CAP_LEASE", 25, cap(.lease), "taking file leases"),
        capRow("CAP_SYS_TTY_CONFIG", "CAP_SYS_TTY_CONFIG", 25, cap(.sysTtyConfig), "configuring terminals"),
        capRow("CAP_SYS_PACCT", "CAP_SYS_PACCT", 25, cap(.sysPacct), "process accounting"),
        capRow("CAP_BPF", "CAP_BPF", 25, cap(.bpf), "loading BPF programs"),
    ]

    private static func capRow(_ name: String, _ field: String, _ weight: UInt64, _ caps: CapabilitySet,
                               _ what: String) -> Check {
        Check("CapabilityBoundingSet=~" + name, "CapabilityBoundingSet_" + field, weight: weight, range: 1,
              .capabilities(caps), pass: "Capability for \(what) is dropped",
              fail: "Keeps the capability for \(what)")
    }

    private static let misc: [Check] = [
        Check("UMask=", "UMask", weight: 100, range: 10, .umask,
              pass: "New files are private to the service's user", fail: "New files are writable by anyone"),
        Check("KeyringMode=", "KeyringMode", weight: 1000, range: 1, .keyringMode,
              pass: "Has a kernel keyring of its own", fail: "Shares a kernel keyring with other services"),
        Check("ProtectProc=", "ProtectProc", weight: 1000, range: 3, .protectProc,
              pass: "Sees only its own processes in /proc", fail: "Sees every process in /proc"),
        Check("ProcSubset=", "ProcSubset", weight: 10, range: 1, .procSubset,
              pass: "Sees only process entries in /proc", fail: "Sees all of /proc, not just processes"),
        Check("NotifyAccess=", "NotifyAccess", weight: 1000, range: 1, .notifyAccess,
              pass: "Only the main process may report its state", fail: "Any of its processes may report its state"),
        Check("RemoveIPC=", "RemoveIPC", weight: 100, range: 1, .removeIPC,
              pass: "Its System V IPC objects are removed when it stops",
              fail: "Its System V IPC objects outlive it"),
        Check("Delegate=", "Delegate", weight: 100, range: 1, .delegate,
              pass: "Does not manage a cgroup subtree", fail: "Manages a delegated cgroup subtree"),
        Check("RestrictRealtime=", "RestrictRealtime", weight: 500, range: 1, .enabled { $0.exec.sandbox.restrictRealtime },
              pass: "Cannot use realtime scheduling", fail: "Can use realtime scheduling"),
        Check("RestrictSUIDSGID=", "RestrictSUIDSGID", weight: 1000, range: 1, .enabled { $0.exec.sandbox.restrictSUIDSGID },
              pass: "Cannot create setuid or setgid files", fail: "Can create setuid or setgid files"),
    ]

    private static func nsRow(_ type: NamespaceType, _ weight: UInt64, _ what: String) -> Check {
        Check("RestrictNamespaces=~" + type.rawValue, "RestrictNamespaces_" + type.rawValue, weight: weight, range: 1,
              .namespace(type), pass: "Cannot create \(what) namespaces", fail: "Can create \(what) namespaces")
    }

    private static let namespaces: [Check] = [
        nsRow(.user, 1500, "user"),
        nsRow(.mnt, 500, "mount"),
        nsRow(.ipc, 500, "IPC"),
        nsRow(.pid, 500, "PID"),
        nsRow(.cgroup, 500, "cgroup"),
        nsRow(.net, 500, "network"),
        nsRow(.uts, 100, "UTS"),
    ]

    private static func afRow(_ name: String, _ field: String, _ weight: UInt64, _ group: AddressFamilyGroup,
                              _ what: String) -> Check {
        Check("RestrictAddressFamilies=~" + name, "RestrictAddressFamilies_" + field, weight: weight, range: 1,
              .addressFamilies(group), pass: "Cannot open \(what) sockets", fail: "Can open \(what) sockets")
    }

    private static let families: [Check] = [
        afRow("AF_(INET|INET6)", "AF_INET_INET6", 1500, .inet, "IPv4/IPv6"),
        afRow("AF_UNIX", "AF_UNIX", 25, .unix, "UNIX domain"),
        afRow("AF_NETLINK", "AF_NETLINK", 200, .netlink, "netlink"),
        afRow("AF_PACKET", "AF_PACKET", 1000, .packet, "raw packet"),
        afRow("…", "OTHER", 1250, .other, "uncommon"),
    ]

    private static func scRow(_ group: String, _ weight: UInt64) -> Check {
        Check("SystemCallFilter=~@" + group,
              "SystemCallFilter_" + String(group.map { $0 == "-" ? "_" : $0 }),
              weight: weight, range: 10, .systemCallGroup("@" + group),
              pass: "System calls of @\(group) are blocked", fail: "System calls of @\(group) are allowed")
    }

    private static let syscalls: [Check] = [
        Check("SystemCallArchitectures=", "SystemCallArchitectures", weight: 1000, range: 10, .architectures,
              pass: "Only the native system call ABI is allowed", fail: "Every system call ABI is allowed"),
        scRow("swap", 1000), scRow("obsolete", 250), scRow("clock", 1000), scRow("cpu-emulation", 250),
        scRow("debug", 1000), scRow("mount", 1000), scRow("module", 1000), scRow("raw-io", 1000),
        scRow("reboot", 1000), scRow("privileged", 700), scRow("resources", 700),
    ]

    private static let network: [Check] = [
        Check("IPAddressDeny=", "IPAddressDeny", weight: 1000, range: 10, .ipAddresses,
              pass: "All IP traffic is blocked", fail: "May talk to any IP address"),
        Check("DeviceAllow=", "DeviceAllow", weight: 1000, range: 10, .devices,
              pass: "May open no device nodes beyond the basics", fail: "May open any device node"),
        Check("AmbientCapabilities=", "AmbientCapabilities", weight: 500, range: 1, .ambientCapabilities,
              pass: "Starts without ambient capabilities", fail: "Starts with ambient capabilities"),
    ]
}

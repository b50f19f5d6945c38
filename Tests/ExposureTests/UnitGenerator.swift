/// Seeded random service units covering every directive the 81 checks read, in every value form:
/// booleans in all spellings, lists, `~` inversion, groups, `:errno`, empty resets, invalid values
/// (which systemd ignores), drop-ins, templates with instances and specifiers.
struct UnitGenerator {
    struct Unit {
        var name: String                    // what to analyse: "gen-12.service", "tpl-3@web.service"
        var fileName: String                // the file to write: "tpl-3@.service"
        var text: String
        var dropIns: [(name: String, text: String)]
    }

    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// SplitMix64: small, fast and the same on every platform.
    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    private mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
    private mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }
    private mutating func some(_ xs: [String], max: Int) -> String {
        (0..<(1 + int(max))).map { _ in pick(xs) }.joined(separator: " ")
    }

    static let bools = ["yes", "no", "true", "false", "1", "0", "on", "off", "y", "n", "maybe"]
    static let caps = ["CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_SYS_PTRACE",
                       "CAP_SYS_TIME", "CAP_NET_ADMIN", "CAP_SYS_RAWIO", "CAP_SYS_MODULE", "CAP_AUDIT_WRITE",
                       "CAP_AUDIT_CONTROL", "CAP_AUDIT_READ", "CAP_SYSLOG", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
                       "CAP_MKNOD", "CAP_CHOWN", "CAP_FSETID", "CAP_SETFCAP", "CAP_DAC_OVERRIDE",
                       "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_IPC_OWNER", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                       "CAP_NET_BROADCAST", "CAP_NET_RAW", "CAP_SYS_BOOT", "CAP_MAC_ADMIN", "CAP_MAC_OVERRIDE",
                       "CAP_LINUX_IMMUTABLE", "CAP_IPC_LOCK", "CAP_SYS_CHROOT", "CAP_BLOCK_SUSPEND",
                       "CAP_WAKE_ALARM", "CAP_LEASE", "CAP_SYS_TTY_CONFIG", "CAP_SYS_PACCT", "CAP_BPF",
                       "CAP_PERFMON", "CAP_CHECKPOINT_RESTORE", "cap_net_raw", "CAP_BOGUS"]
    static let namespaces = ["user", "mnt", "ipc", "pid", "cgroup", "net", "uts", "time", "bogus"]
    static let families = ["AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK", "AF_PACKET", "AF_BLUETOOTH",
                           "AF_CAN", "AF_ALG", "AF_VSOCK", "AF_BOGUS"]
    static let syscallItems = ["@system-service", "@swap", "@obsolete", "@clock", "@cpu-emulation", "@debug",
                               "@mount", "@module", "@raw-io", "@reboot", "@privileged", "@resources",
                               "@basic-io", "@file-system", "@io-event", "@ipc", "@keyring", "@memlock",
                               "@network-io", "@process", "@setuid", "@signal", "@sync", "@timer", "@chown",
                               "@aio", "@default", "@known", "@pkey", "@sandbox", "@bogus",
                               "read", "write", "reboot", "swapon", "mount", "ptrace", "init_module",
                               "clock_settime", "ioperm", "_sysctl", "socketcall", "bogus_call",
                               "@mount:EPERM", "swapon:ENOSYS", "@clock:EACCES", "reboot:kill", "ptrace:1"]

    private mutating func value(for key: String) -> String {
        switch key {
        case "User": return pick(["", "root", "0", "nobody", "www-data", "%i", "svc-%p", "1000", "65534", "bad name"])
        case "SupplementaryGroups": return pick(["", "adm", "adm users", "%p", "wheel", "adm bad:name users"])
        case "ProtectHome": return pick(["yes", "no", "read-only", "tmpfs", "true", "0", "bogus", ""])
        case "ProtectSystem": return pick(["yes", "no", "full", "strict", "1", "false", "bogus", ""])
        case "RootDirectory": return pick(["", "/", "/srv/jail", "/srv/%i", "relative"])
        case "RootImage": return pick(["", "/var/lib/img.raw", "/"])
        case "CapabilityBoundingSet", "AmbientCapabilities":
            let list = chance(10) ? "" : some(Self.caps, max: 5)
            return (chance(40) ? "~" : "") + list
        case "UMask": return pick(["0022", "0077", "0027", "0002", "0000", "077", "0007", "0070", "0777", "bogus"])
        case "KeyringMode": return pick(["inherit", "private", "shared", "bogus"])
        case "ProtectProc": return pick(["default", "invisible", "ptraceable", "noaccess", "bogus"])
        case "ProcSubset": return pick(["all", "pid", "bogus"])
        case "NotifyAccess": return pick(["none", "main", "exec", "all", "bogus"])
        case "Type": return pick(["simple", "exec", "notify", "forking", "idle"])
        case "Delegate": return pick(Self.bools + ["cpu memory", "pids", "", "bogus pids"])
        case "RestrictNamespaces":
            if chance(30) { return pick(Self.bools + [""]) }
            return (chance(40) ? "~" : "") + some(Self.namespaces, max: 3)
        case "RestrictAddressFamilies":
            if chance(15) { return pick(["", "none", "~"]) }
            return (chance(40) ? "~" : "") + some(Self.families, max: 4)
        case "SystemCallArchitectures": return pick(["native", "x86", "x86-64", "native x86", "", "x32", "bogus", "native native"])
        case "SystemCallFilter":
            if chance(8) { return pick(["", "~"]) }
            return (chance(50) ? "~" : "") + some(Self.syscallItems, max: 4)
        case "IPAddressDeny":
            return pick(["any", "0.0.0.0/0", "::/0", "0.0.0.0/0 ::/0", "10.0.0.0/8", "", "localhost", "bogus"])
        case "IPAddressAllow":
            return pick(["localhost", "127.0.0.1", "::1", "10.0.0.0/8", "link-local", "multicast", "",
                         "127.0.0.0/8", "any", "127.0.0.1 192.168.1.0/24"])
        case "IPIngressFilterPath", "IPEgressFilterPath": return pick(["/sys/fs/bpf/filter", "", "relative/prog", "/sys/fs/bpf/%p"])
        case "DevicePolicy": return pick(["auto", "closed", "strict", "bogus"])
        case "DeviceAllow": return pick(["/dev/null rw", "char-rtc r", "", "/dev/sda", "block-loop rwm", "/dev/bogus",
                                         "/sys/foo r", "/run/systemd/inaccessible/chr", "/dev/null rx"])
        default: return pick(Self.bools)   // every boolean directive
        }
    }

    static let serviceKeys = ["User", "DynamicUser", "SupplementaryGroups", "PrivateDevices", "PrivateMounts",
                              "PrivateNetwork", "PrivateTmp", "PrivateUsers", "ProtectControlGroups",
                              "ProtectKernelModules", "ProtectKernelTunables", "ProtectKernelLogs", "ProtectClock",
                              "ProtectHome", "ProtectHostname", "ProtectSystem", "RootDirectory", "RootImage",
                              "LockPersonality", "MemoryDenyWriteExecute", "NoNewPrivileges",
                              "CapabilityBoundingSet", "AmbientCapabilities", "UMask", "KeyringMode", "ProtectProc",
                              "ProcSubset", "NotifyAccess", "Type", "RemoveIPC", "Delegate", "RestrictRealtime",
                              "RestrictSUIDSGID", "RestrictNamespaces", "RestrictAddressFamilies",
                              "SystemCallArchitectures", "SystemCallFilter", "IPAddressDeny", "IPAddressAllow",
                              "IPIngressFilterPath", "IPEgressFilterPath", "DevicePolicy", "DeviceAllow"]

    private mutating func serviceLines(count: Int) -> [String] {
        (0..<count).map { _ in
            let key = pick(Self.serviceKeys)
            return "\(key)=\(value(for: key))"
        }
    }

    /// A [Service] drop-in of a few random lines.
    mutating func dropInText() -> String {
        "[Service]\n" + serviceLines(count: 1 + int(6)).joined(separator: "\n") + "\n"
    }

    mutating func unit(_ index: Int) -> Unit {
        let template = chance(15)
        let fileName = template ? "tpl-\(index)@.service" : "gen-\(index).service"
        let name = template ? "tpl-\(index)@\(pick(["web", "db", "root", "nobody"])).service" : fileName
        var text = "[Unit]\nDescription=generated unit \(index)\n"
        if chance(15) { text += "DefaultDependencies=\(pick(Self.bools))\n" }
        text += "\n[Service]\nExecStart=/bin/true\n"
        text += serviceLines(count: int(24)).joined(separator: "\n") + "\n"
        var dropIns: [(String, String)] = []
        for d in 0..<(chance(25) ? 1 + int(2) : 0) {
            let section = "[Service]\n" + serviceLines(count: 1 + int(6)).joined(separator: "\n") + "\n"
            dropIns.append(("\(d)0-extra.conf", chance(10) ? "[Unit]\nDefaultDependencies=no\n" + section : section))
        }
        return Unit(name: name, fileName: fileName, text: text, dropIns: dropIns)
    }
}

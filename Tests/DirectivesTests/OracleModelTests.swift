import Foundation
import TestSupport
import Testing
@testable import Directives

/// The model must hold what systemd holds: each unit below is loaded by the real systemd 252
/// (through systemd-oracle) and by brig, and every property `systemctl show` prints for it must
/// equal brig's value rendered the same way.
let oracleModelUnits: [[String]] = [
    ["ExecStart=-@/bin/echo echo-name \"quoted arg\" 'single' \\ttab $FOO ${BAR} %% %n", "ExecStart=/bin/true"],
    ["CapabilityBoundingSet=CAP_NET_ADMIN CAP_KILL", "CapabilityBoundingSet=~CAP_KILL", "AmbientCapabilities=CAP_NET_ADMIN"],
    ["CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_SYS_PTRACE", "CapabilityBoundingSet=CAP_BPF"],
    ["CapabilityBoundingSet=", "AmbientCapabilities=cap_chown 5", "AmbientCapabilities=~cap_kill"],
    ["RestrictAddressFamilies=AF_UNIX AF_INET", "RestrictAddressFamilies=AF_INET6", "RestrictAddressFamilies=~AF_INET"],
    ["RestrictAddressFamilies=~AF_PACKET AF_NETLINK", "RestrictAddressFamilies=AF_NETLINK"],
    ["RestrictAddressFamilies=none", "RestrictNamespaces=yes"],
    ["RestrictAddressFamilies=AF_UNIX", "RestrictAddressFamilies=", "RestrictNamespaces=no"],
    ["RestrictNamespaces=~user net"], ["RestrictNamespaces=net ipc", "RestrictNamespaces=~ipc"],
    ["RestrictNamespaces=time"], ["RestrictNamespaces=~time"],
    ["SystemCallFilter=@system-service", "SystemCallErrorNumber=EPERM"],
    ["SystemCallFilter=~@mount reboot:EACCES", "SystemCallArchitectures=native x86"],
    ["SystemCallFilter=@clock", "SystemCallFilter=~clock_settime", "SystemCallErrorNumber=kill"],
    ["SystemCallFilter=@system-service", "SystemCallFilter=~@privileged @resources"],
    ["SystemCallFilter=~@obsolete @debug @cpu-emulation", "SystemCallFilter=ptrace"],
    ["SystemCallFilter=read write", "SystemCallFilter=~write:ENOSYS"],
    ["UMask=0077", "LimitNOFILE=1024:4096", "LimitCORE=infinity", "KillSignal=SIGINT", "KillMode=mixed"],
    ["ProtectSystem=strict", "ProtectHome=read-only", "PrivateTmp=yes", "PrivateDevices=yes", "NoNewPrivileges=yes",
     "ProtectKernelTunables=yes", "ProtectControlGroups=yes", "LockPersonality=yes", "MemoryDenyWriteExecute=yes",
     "RestrictRealtime=yes", "RestrictSUIDSGID=yes", "RemoveIPC=yes", "PrivateNetwork=yes", "ProtectClock=yes",
     "ProtectHostname=yes", "ProtectKernelModules=yes", "ProtectKernelLogs=yes", "PrivateUsers=yes", "ProtectProc=invisible",
     "ProcSubset=pid", "KeyringMode=shared", "DevicePolicy=closed"],
    ["ProtectSystem=true", "ProtectHome=tmpfs", "DynamicUser=yes"],
    ["IPAddressAllow=localhost 10.0.0.0/8", "IPAddressDeny=any", "DeviceAllow=/dev/null rw", "DeviceAllow=char-pts r"],
    ["IPAddressAllow=link-local multicast 192.168.1.0/24 fd00::/8", "IPAddressAllow=", "IPAddressAllow=::1"],
    ["User=www-data", "Group=adm", "SupplementaryGroups=adm tty", "SupplementaryGroups=disk", "WorkingDirectory=-/var/lib/x"],
    ["WorkingDirectory=~", "Environment=EMPTY= \"SP=a b\" 'Q=x\"y'", "Environment=A=1", "Environment=A=2 B=%p"],
    ["ReadWritePaths=-/var/lib/x +/srv", "ReadOnlyPaths=/usr //etc/./ssl/", "InaccessiblePaths=-/home", "ReadOnlyPaths=/opt"],
    ["BindPaths=/a:/b:norbind -/c", "BindReadOnlyPaths=/etc/resolv.conf /x:/y:rbind", "TemporaryFileSystem=/var:ro /run"],
    ["MemoryMax=1G", "MemoryHigh=512M", "CPUWeight=200", "TasksMax=64", "Type=notify", "NotifyAccess=all"],
    // NotifyAccess=none is read as unset where the type needs notifications: main.
    ["Type=notify", "NotifyAccess=none"], ["WatchdogSec=5", "NotifyAccess=none"],
    ["DynamicUser=yes"], ["DynamicUser=yes", "ProtectSystem=full", "ProtectHome=no", "PrivateTmp=no", "RemoveIPC=no"],
    ["DynamicUser=yes", "User=nobody", "Group=nogroup"], ["PrivateDevices=yes"], ["RootDirectory=/srv", "MountAPIVFS=no"],
    ["Type=oneshot"], ["Type=oneshot", "TimeoutSec=5"], ["WatchdogSec=10"], ["Type=dbus", "BusName=org.brig.x"],
    ["BusName=org.brig.y"], ["Restart=always", "RestartSec=0"], ["TimeoutSec=0"], ["TimeoutStartSec=0", "TimeoutStopSec=5"],
    ["Type=forking", "PIDFile=/run/brig-x.pid"], ["KillMode=process", "KillSignal=SIGKILL"], ["StandardInput=socket"],
    ["StandardInput=tty"], ["StandardInputText=x"], ["StandardInputData=eA=="], ["StandardOutput=socket"],
    ["RuntimeDirectory=x", "DynamicUser=yes"], ["ProtectHome=tmpfs", "DynamicUser=yes"], ["PrivateUsers=yes", "User=nobody"],
    ["ProtectKernelLogs=yes", "ProtectClock=yes"], ["StandardError=null"], ["StandardOutput=null", "StandardError=inherit"],
    ["TTYPath=/dev/tty3"], ["StandardInput=tty-force", "StandardOutput=tty"], ["Type=idle"], ["Type=exec", "RemainAfterExit=yes"],
    ["ExecStart=/bin/true", "ExecStart=/bin/false", "Type=oneshot"], ["RestrictNamespaces=yes", "PrivateNetwork=yes"],
    ["ProtectSystem=strict", "ReadWritePaths=/var/lib/x", "ProtectHome=yes", "InaccessiblePaths=/home"],
    ["SuccessExitStatus=3 SIGUSR1 TEMPFAIL", "RestartPreventExitStatus=4 SIGHUP", "RestartForceExitStatus=5 255",
     "TimeoutAbortSec=7s", "FileDescriptorStoreMax=3", "OOMPolicy=kill", "Slice=brig-x.slice", "CacheDirectory=c1 c2",
     "LogsDirectory=l1", "ConfigurationDirectory=e1", "StateDirectoryMode=0700", "IgnoreSIGPIPE=no"],
    ["CPUSchedulingPolicy=rr", "CPUSchedulingPriority=5", "IOSchedulingClass=idle", "IOSchedulingPriority=6",
     "Personality=x86", "TimerSlackNSec=1ms", "SendSIGKILL=no", "SendSIGHUP=yes", "FinalKillSignal=SIGQUIT",
     "RestartKillSignal=SIGINT", "WatchdogSignal=SIGUSR2", "GuessMainPID=no", "NonBlocking=yes", "LogLevelMax=warning",
     "SyslogFacility=local3", "SyslogLevel=err", "RuntimeDirectoryPreserve=restart"],
    ["SuccessExitStatus=1", "SuccessExitStatus=", "SuccessExitStatus=SIGKILL 0", "TimeoutStopSec=20", "KillSignal=SIGINT",
     "CPUSchedulingPolicy=batch", "IOSchedulingClass=2", "SyslogFacility=kern", "SyslogLevel=7", "Delegate=yes"],
    ["RestartPreventExitStatus=SIGTERM SIGHUP 200 3", "IOSchedulingClass=realtime", "CPUSchedulingPolicy=fifo",
     "CPUSchedulingPriority=99", "Personality=x86-64", "LogLevelMax=0"],
    ["MemoryMax=1.5G", "MemoryHigh=infinity", "MemorySwapMax=0", "IOWeight=300"],
    ["TimeoutSec=10", "RestartSec=500ms", "RuntimeMaxSec=1h 30min", "WatchdogSec=1.5", "Restart=on-failure",
     "RemainAfterExit=yes", "PIDFile=daemon.pid", "TimeoutStopSec=0"],
    ["TimeoutStartSec=infinity", "TimeoutStopSec=2min", "LimitCPU=1min", "LimitAS=1G:2G", "LimitNPROC=100",
     "LimitMEMLOCK=64K", "LimitRTTIME=5ms", "LimitNICE=-5", "Nice=-5", "OOMScoreAdjust=100", "SecureBits=keep-caps noroot"],
    ["EnvironmentFile=-/etc/default/x", "EnvironmentFile=/etc/y", "PassEnvironment=PATH LANG", "UnsetEnvironment=TERM X=1",
     "SyslogIdentifier=%p-id", "RuntimeDirectory=a b/c", "StateDirectory=s", "RuntimeDirectoryMode=0750",
     "RootDirectory=/srv/root", "NetworkNamespacePath=/run/netns/x", "PrivateIPC=yes"],
    ["SocketBindAllow=tcp:80", "SocketBindAllow=ipv6:udp:5000-5010", "SocketBindDeny=any", "RestrictNetworkInterfaces=lo eth0",
     "RestrictNetworkInterfaces=~eth0", "Delegate=cpu memory", "CPUQuota=150%", "CPUWeight=idle"],
    ["Delegate=yes", "RestrictNetworkInterfaces=~eth1", "MountAPIVFS=no", "RootImage=/img.raw", "DevicePolicy=strict"],
    ["StandardInputText=hello", "StandardError=null"], ["StandardInput=tty", "TTYPath=/dev/tty9"],
    ["StandardOutput=kmsg+console", "StandardError=inherit"], ["StandardInput=socket"],
    ["StandardOutput=truncate:/var/log/x", "StandardError=file:/var/log/y"], ["StandardOutput=inherit"],
    ["Type=oneshot", "ExecStart=/bin/echo e\\ f \\q \"a\\qb\" \\x4 end\\"],
    ["Type=oneshot", "ExecStart=/bin/echo a ; /bin/echo b \\; c", "ExecStart=/bin/echo \"x;y\" \";\" ;",
     "Environment=\"A=\\x41\" 'B=tab\\there' C=a\\x20b D=%% E=$HOME"],
]

/// Lines with words systemd leaves out while applying the rest: brig reports each and applies the same rest.
let skippedWordUnits: [[String]] = [
    ["CapabilityBoundingSet=CAP_NET_ADMIN CAP_BOGUS", "AmbientCapabilities=CAP_BOGUS"],
    ["CapabilityBoundingSet=CAP_BOGUS", "RestrictAddressFamilies=AF_UNIX AF_WIFI", "SecureBits=keep-caps bogus"],
    ["SystemCallFilter=~reboot foo_bar @nope swapon:EBOGUS", "SystemCallArchitectures=native vax"],
    ["SystemCallFilter=getpid @nope uname:EPERM", "RestrictAddressFamilies=~AF_WIFI"],
    ["Environment=A=1 1B=2 C=3 novalue", "PassEnvironment=PATH 1X", "UnsetEnvironment=A.B TERM"],
    ["ReadWritePaths=/a relative /b", "ReadOnlyPaths=-/c /d/../e", "BindPaths=/x:/y:bogus /z", "TemporaryFileSystem=rel /t"],
    ["IPAddressAllow=10.0.0.0/8 bogus ::1", "IPAddressDeny=300.1.1.1"],
    ["Environment=\"A=\\x41\" 'B=tab\\there' C=a\\ b D=%% E=\\$HOME"],
]

/// Lines whose list ends in a quoting error: systemd stops reading there but applies the words
/// before it (and, for address families, the allow/deny choice the line made). Where systemd
/// reads quotes as written (IPAddressAllow=, RestrictNamespaces=), a quoted word is just a bad word.
let quotingErrorUnits: [[String]] = [
    ["CapabilityBoundingSet=CAP_CHOWN CAP_KILL \"CAP_NET_ADMIN", "AmbientCapabilities=CAP_CHOWN CAP_KILL 'CAP_NET_ADMIN"],
    ["CapabilityBoundingSet=CAP_KILL", "CapabilityBoundingSet=~CAP_KILL CAP_CHOWN\"CAP_BPF", "AmbientCapabilities=\"CAP_KILL"],
    ["CapabilityBoundingSet=~CAP_SYS_ADMIN \"CAP_KILL", "AmbientCapabilities=CAP_KILL", "AmbientCapabilities=CAP_BPF \"x"],
    ["RestrictAddressFamilies=AF_UNIX AF_INET \"AF_INET6", "SystemCallArchitectures=native \"x86"],
    ["RestrictAddressFamilies=\"AF_INET6", "RestrictAddressFamilies=~AF_UNIX", "RestrictNamespaces=net 'ipc'"],
    ["RestrictAddressFamilies=~AF_PACKET 'AF_INET6", "RestrictNamespaces=net \"ipc"],
    ["ReadWritePaths=/a \"/b", "ReadOnlyPaths=/c \"/d", "InaccessiblePaths=/e '/f", "BindPaths=/a:/b \"/c"],
    ["TemporaryFileSystem=/t \"/u", "StateDirectory=a \"b", "RuntimeDirectory=c 'd"],
    ["IPAddressAllow=10.0.0.0/8 \"::1", "IPAddressDeny=10.0.0.0/8 '::1'", "SecureBits=keep-caps \"noroot"],
    ["PassEnvironment=PATH \"LANG", "UnsetEnvironment=TERM \"X", "Environment=A=1 \"B=2", "Delegate=cpu \"memory"],
    ["SocketBindAllow=tcp:80 \"udp:53", "SocketBindDeny=\"any\"", "RestrictNetworkInterfaces=lo \"eth0", "SystemCallFilter=read \"write"],
    // Invalid interface names are left out, the valid ones around them kept.
    ["RestrictNetworkInterfaces=lo aaaaaaaaaaaaaaaaaaaa all default eth0 1 a:b a%b . .. a/b wlan0"],
    ["RestrictNetworkInterfaces=~eth1 99999999999 é", "RestrictNetworkInterfaces=~0 eth2"],
]

let oracleProperties = [
    "ExecStart", "CapabilityBoundingSet", "AmbientCapabilities", "RestrictAddressFamilies", "RestrictNamespaces",
    "SystemCallFilter", "SystemCallErrorNumber", "SystemCallArchitectures", "UMask", "LimitNOFILE", "LimitNOFILESoft",
    "LimitCORE", "KillSignal", "KillMode", "ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices",
    "NoNewPrivileges", "ProtectKernelTunables", "ProtectControlGroups", "LockPersonality", "MemoryDenyWriteExecute",
    "RestrictRealtime", "RestrictSUIDSGID", "RemoveIPC", "PrivateNetwork", "ProtectClock", "ProtectHostname",
    "ProtectKernelModules", "ProtectKernelLogs", "PrivateUsers", "DynamicUser", "ProtectProc", "ProcSubset", "KeyringMode",
    "DevicePolicy", "IPAddressAllow", "IPAddressDeny", "DeviceAllow", "User", "Group", "SupplementaryGroups",
    "WorkingDirectory", "Environment", "ReadWritePaths", "ReadOnlyPaths", "InaccessiblePaths", "BindPaths",
    "BindReadOnlyPaths", "TemporaryFileSystem", "MemoryMax", "MemoryHigh", "MemorySwapMax", "CPUWeight", "IOWeight",
    "TasksMax", "Type", "NotifyAccess", "TimeoutStartUSec", "TimeoutStopUSec", "RestartUSec", "RuntimeMaxUSec",
    "Restart", "RemainAfterExit", "PIDFile", "LimitCPU", "LimitAS", "LimitASSoft", "LimitNPROC",
    "LimitMEMLOCK", "LimitRTTIME", "LimitNICE", "Nice", "OOMScoreAdjust", "SecureBits", "EnvironmentFiles",
    "PassEnvironment", "UnsetEnvironment", "SyslogIdentifier", "RuntimeDirectory", "StateDirectory",
    "RuntimeDirectoryMode", "RootDirectory", "NetworkNamespacePath", "PrivateIPC", "SocketBindAllow", "SocketBindDeny",
    "RestrictNetworkInterfaces", "Delegate", "DelegateControllers", "CPUQuotaPerSecUSec", "MountAPIVFS", "RootImage",
    "StandardInput", "StandardOutput", "StandardError", "RestartKillSignal", "FinalKillSignal", "WatchdogSignal",
    "SendSIGKILL", "SendSIGHUP", "SuccessExitStatus", "RestartPreventExitStatus", "RestartForceExitStatus",
    "TimeoutAbortUSec", "FileDescriptorStoreMax", "OOMPolicy", "Slice", "GuessMainPID", "NonBlocking", "CacheDirectory",
    "LogsDirectory", "ConfigurationDirectory", "StateDirectoryMode", "RuntimeDirectoryPreserve", "IgnoreSIGPIPE",
    "CPUSchedulingPolicy", "CPUSchedulingPriority", "IOSchedulingClass", "IOSchedulingPriority", "Personality",
    "TimerSlackNSec", "SyslogFacility", "SyslogLevel", "LogLevelMax",
]

let socketModelUnits: [[String]] = [
    ["ListenStream=8080", "ListenStream=127.0.0.1:8081", "ListenDatagram=[::1]:5353", "ListenStream=/run/brig-model-a.sock",
     "ListenFIFO=/run/brig-model.fifo", "ListenNetlink=kobject-uevent 1", "ListenStream=@brig-model-abstract",
     "ListenSequentialPacket=/run/brig-model-b.sock", "ListenSpecial=/dev/null", "ListenMessageQueue=/brig-model-mq"],
    ["ListenStream=8082", "Accept=yes", "SocketMode=0660", "DirectoryMode=0700", "SocketUser=www-data", "SocketGroup=adm",
     "MaxConnections=10", "MaxConnectionsPerSource=2", "Backlog=128", "BindIPv6Only=both", "FreeBind=yes", "ReusePort=yes",
     "NoDelay=yes", "KeepAlive=yes", "PassCredentials=yes", "TriggerLimitIntervalSec=1min 30s", "TriggerLimitBurst=20",
     "FileDescriptorName=web", "RemoveOnStop=yes", "ReceiveBuffer=1M", "SendBuffer=64K", "Symlinks=/run/brig-model-link"],
    ["ListenStream=8083", "ListenStream=", "ListenStream=[::]:8084", "ListenStream=0.0.0.0:8085", "BindIPv6Only=ipv6-only",
     "TriggerLimitIntervalSec=1500ms", "Accept=no"],
    ["ListenStream=[::1]:8086", "Accept=yes", "MaxConnections=0", "Backlog=0", "SocketMode=0", "DirectoryMode=0777"],
    ["ListenStream=127.0.0.1:8087", "Accept=true", "TriggerLimitBurst=0", "TriggerLimitIntervalSec=infinity",
     "ReceiveBuffer=1K", "SendBuffer=1G", "FileDescriptorName=a.b"],
    ["ListenDatagram=8088", "ListenStream=8088", "BindIPv6Only=default", "ReusePort=no", "RemoveOnStop=no",
     "Symlinks=/run/a /run/b", "Symlinks=", "Symlinks=/run/c"],
    ["ListenStream=vsock:2:8089", "SocketUser=nobody"], ["ListenStream=/run/brig-model-%N.sock", "SocketGroup=%N"],
]

let socketOracleProperties = [
    "Listen", "Accept", "SocketMode", "DirectoryMode", "SocketUser", "SocketGroup", "MaxConnections",
    "MaxConnectionsPerSource", "Backlog", "BindIPv6Only", "FreeBind", "ReusePort", "NoDelay", "KeepAlive",
    "PassCredentials", "TriggerLimitIntervalUSec", "TriggerLimitBurst", "FileDescriptorName", "RemoveOnStop",
    "ReceiveBuffer", "SendBuffer", "Symlinks",
]

@Suite(.enabled(if: SystemdOracle.isAvailable, "needs root and systemd for scripts/systemd-oracle"))
struct SystemdModelOracle {
    @Test func systemctlShowsWhatTheServiceModelHolds() throws {
        let texts = oracleModelUnits.map { lines in
            "[Service]\n" + (lines.contains { $0.hasPrefix("ExecStart=") } ? "" : "ExecStart=/bin/true\n")
                + lines.joined(separator: "\n") + "\n"
        }
        let found = try mismatches(type: "service", texts: texts, properties: oracleProperties)
        #expect(found == [])
    }

    @Test func wordsSystemdLeavesOutAreLeftOutAndTheRestApplies() throws {
        let texts = skippedWordUnits.map { "[Service]\nExecStart=/bin/true\n" + $0.joined(separator: "\n") + "\n" }
        let found = try mismatches(type: "service", texts: texts, properties: oracleProperties + ["SecureBits"], errorsExpected: true)
        #expect(found == [])
    }

    @Test func aQuotingErrorEndsAListAndTheWordsBeforeItApply() throws {
        let texts = quotingErrorUnits.map { "[Service]\nExecStart=/bin/true\n" + $0.joined(separator: "\n") + "\n" }
        let found = try mismatches(type: "service", texts: texts, properties: oracleProperties + ["SecureBits"], errorsExpected: true)
        #expect(found == [])
    }

    @Test func dynamicUserOfAnUnusableNameIsHashedAsSystemdHashesIt() throws {
        let found = try mismatches(type: "service", texts: ["[Service]\nExecStart=/bin/true\nDynamicUser=yes\n"],
                                   properties: ["User", "Group"], prefix: "brig.dyn")
        #expect(found == [])
    }

    @Test func systemctlShowsWhatTheSocketModelHolds() throws {
        let texts = socketModelUnits.map { "[Socket]\n" + $0.joined(separator: "\n") + "\n" }
        let found = try mismatches(type: "socket", texts: texts, properties: socketOracleProperties)
        #expect(found == [])
    }

    @Test func specifiersOfATemplateInstanceExpandAsSystemdExpandsThem() throws {
        let text = """
            [Service]
            ExecStart=/bin/echo %i %I %n %N %p %P %f %t %S %C %L %E %%
            User=u-%i
            Environment="INSTANCE=%I" UNIT=%n
            WorkingDirectory=/var/lib/%p
            ReadWritePaths=/srv/%i
            SyslogIdentifier=%P-%j
            """
        let found = try mismatches(type: "service", texts: [text], properties: ["ExecStart", "User", "Environment",
                                   "WorkingDirectory", "ReadWritePaths", "SyslogIdentifier"], instance: "web\\x2d1-a")
        #expect(found == [])
    }

    /// Loads each text as a unit of `type` under systemd and brig and lists the properties that differ.
    /// Socket units get a service of their name to trigger. With an `instance`, each text is a
    /// template and that instance of it is compared.
    func mismatches(type: String, texts: [String], properties: [String], instance: String? = nil,
                    errorsExpected: Bool = false, prefix: String = "brig-model") throws -> [String] {
        let tag = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())-\(type)"
        let fileNames = texts.indices.map { "\(tag)-\($0)\(instance == nil ? "" : "@").\(type)" }
        let names = texts.indices.map { "\(tag)-\($0)\(instance.map { "@" + $0 } ?? "").\(type)" }
        let root = FileManager.default.temporaryDirectory.path + "/\(tag)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/etc/systemd/system"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var script = ""
        func install(_ name: String, _ text: String) throws {
            try text.write(toFile: dir + "/" + name, atomically: false, encoding: .utf8)
            // The oracle has a private /tmp and /etc/systemd/system: hand the text over inline.
            script += "echo \(Data(text.utf8).base64EncodedString()) | base64 -d > /etc/systemd/system/\(name)\n"
        }
        for (name, text) in zip(fileNames, texts) {
            try install(name, text)
            if type == "socket" { try install(name.replacingOccurrences(of: ".socket", with: ".service"), "[Service]\nExecStart=/bin/true\n") }
        }
        _ = try SystemdOracle.exec(["sh", "-c", script + "systemctl daemon-reload"])
        defer { _ = try? SystemdOracle.exec(["sh", "-c", "rm -f /etc/systemd/system/\(tag)-*; systemctl daemon-reload"]) }

        var result: [String] = []
        for name in names {
            let output = try SystemdOracle.exec(["systemctl", "show", name, "-p", properties.joined(separator: ",")]).stdout
            var systemd: [String: [String]] = [:]
            for line in output.split(separator: "\n") {
                guard let eq = line.firstIndex(of: "=") else { continue }
                systemd[String(line[..<eq]), default: []].append(String(line[line.index(after: eq)...]))
            }
            let written = UnitConfig(try UnitLoader(root: root).load(name))
            if written.hasErrors != errorsExpected { result.append("\(name): \(written.diagnostics)") }
            let unit = written.withImplications()   // systemctl shows the settings after systemd's implications
            for property in properties {
                guard let rendered = SystemctlShow.render(property, unit) else { continue }
                let theirs = SystemctlShow.normalize(property, systemd[property] ?? [])
                let ours = SystemctlShow.normalize(property, rendered)
                guard theirs != ours else { continue }
                let onlySystemd = Set(theirs).subtracting(ours).sorted(), onlyBrig = Set(ours).subtracting(theirs).sorted()
                result.append("\(name) \(property): only systemd \(onlySystemd), only brig \(onlyBrig)")
            }
        }
        return result
    }
}

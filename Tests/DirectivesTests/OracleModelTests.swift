import Foundation
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
    "StandardInput", "StandardOutput", "StandardError",
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
]

let socketOracleProperties = [
    "Listen", "Accept", "SocketMode", "DirectoryMode", "SocketUser", "SocketGroup", "MaxConnections",
    "MaxConnectionsPerSource", "Backlog", "BindIPv6Only", "FreeBind", "ReusePort", "NoDelay", "KeepAlive",
    "PassCredentials", "TriggerLimitIntervalUSec", "TriggerLimitBurst", "FileDescriptorName", "RemoveOnStop",
    "ReceiveBuffer", "SendBuffer", "Symlinks",
]

let oracleTool = "/work/shared/tools/systemd-oracle"

@Suite(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: oracleTool), "needs root and systemd-oracle"))
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
        _ = try run(oracleTool, ["start"])
        _ = try run(oracleTool, ["exec", "sh", "-c", script + "systemctl daemon-reload"])
        defer { _ = try? run(oracleTool, ["exec", "sh", "-c", "rm -f /etc/systemd/system/\(tag)-*; systemctl daemon-reload"]) }

        var result: [String] = []
        for name in names {
            let output = try run(oracleTool, ["exec", "systemctl", "show", name, "-p", properties.joined(separator: ",")])
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

    func run(_ tool: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// brig's model printed the way `systemctl show` prints systemd's (for a system service with the
/// manager's defaults of this machine), and both sides normalized where systemd's order is a set's.
enum SystemctlShow {
    static func normalize(_ property: String, _ lines: [String]) -> [String] {
        switch property {
        case "IPAddressAllow", "IPAddressDeny", "DeviceAllow", "SystemCallArchitectures", "SupplementaryGroups",
             "SocketBindAllow", "SocketBindDeny":
            return lines.flatMap { $0.split(separator: " ").map(String.init) }.sorted()
        case "SystemCallFilter":
            return lines.flatMap { $0.split(separator: " ").map(String.init) }.sorted()
        case "ExecStart":
            return lines.map { line in
                // "{ path=/bin/echo ; argv[]=echo a b ; ignore_errors=no ; ..." -> "/bin/echo|echo a b|no"
                // (an argument may itself contain " ; ", so cut at the field names)
                guard line.hasPrefix("{ path="), let argv = line.range(of: " ; argv[]="),
                      let ignore = line.range(of: " ; ignore_errors=", range: argv.upperBound..<line.endIndex) else { return line }
                let path = line[line.index(line.startIndex, offsetBy: 7)..<argv.lowerBound]
                return "\(path)|\(line[argv.upperBound..<ignore.lowerBound])|\(line[ignore.upperBound...].prefix(while: { $0 != " " }))"
            }
        default:
            return lines
        }
    }

    static func yesNo(_ b: Bool?) -> [String] { [b == true ? "yes" : "no"] }

    static func caps(_ set: CapabilitySet) -> [String] {
        [set.members.map { $0.name.lowercased() }.joined(separator: " ")]
    }

    /// nil when the value is the manager's computed default, which brig does not know.
    static func render(_ property: String, _ u: UnitConfig) -> [String]? {
        let e = u.exec, r = u.resources
        switch property {
        case "ExecStart":
            return u.service.execStart.map { "\($0.path)|\($0.arguments.joined(separator: " "))|\($0.ignoreFailure ? "yes" : "no")" }
        case "CapabilityBoundingSet": return caps(e.capabilities.boundingSet ?? .all)
        case "AmbientCapabilities": return caps(e.capabilities.ambient ?? .empty)
        case "RestrictAddressFamilies":
            switch e.sandbox.restrictAddressFamilies {
            case nil: return ["~"]
            case .allowOnly(let s)?: return [s.map(AddressFamily.name).sorted().joined(separator: " ")]
            case .deny(let s)?: return ["~" + s.map(AddressFamily.name).sorted().joined(separator: " ")]
            }
        case "RestrictNamespaces":
            guard let n = e.sandbox.restrictNamespaces else { return ["no"] }
            let shown = n.allowed.intersection(NamespaceRestriction.all.allowed)   // systemd prints no "time"
            if shown.isEmpty { return ["yes"] }
            if !n.restricts { return ["no"] }
            return [NamespaceType.allCases.filter(shown.contains).map(\.rawValue).joined(separator: " ")]
        case "SystemCallFilter":
            guard let f = e.syscalls.filter else { return ["~"] }
            // systemd does not print allow-list entries that fail with an errno (they still apply),
            // nor group members this machine's libseccomp 2.5.4 cannot name.
            let unknownToLibseccomp: Set = ["riscv_hwprobe", "uretprobe", "sys_debug_setcontext"]
            let shown = f.resolved().filter { !(f.isAllowList && $0.value != nil) && !unknownToLibseccomp.contains($0.key) }
            let tokens = shown.map { name, action -> String in
                guard case .errno(let n)?? = action else { return name }
                return "\(name):\(ErrnoName.name(of: n) ?? "\(n)")"
            }
            return [(f.isAllowList ? "" : "~") + tokens.sorted().joined(separator: " ")]
        case "SystemCallErrorNumber":
            if case .errno(let n)? = e.syscalls.errorNumber { return ["\(n)"] }
            return ["2147483646"]
        case "SystemCallArchitectures": return [(e.syscalls.architectures ?? []).sorted().joined(separator: " ")]
        case "UMask":
            let m = String(e.process.umask ?? 0o022, radix: 8)
            return [String(repeating: "0", count: max(0, 4 - m.count)) + m]
        case "LimitNOFILE": return [e.process.limits[.nofile].map { $0.hard.map(String.init) ?? "infinity" } ?? "524288"]
        case "LimitNOFILESoft": return [e.process.limits[.nofile].map { $0.soft.map(String.init) ?? "infinity" } ?? "1024"]
        case "LimitCORE": return [e.process.limits[.core].map { $0.hard.map(String.init) ?? "infinity" } ?? "infinity"]
        case "KillSignal": return ["\(u.kill.killSignal?.number ?? 15)"]
        case "KillMode": return [(u.kill.killMode ?? .controlGroup).rawValue]
        case "ProtectSystem": return [(e.filesystem.protectSystem ?? .no).rawValue]
        case "ProtectHome": return [(e.filesystem.protectHome ?? .no).rawValue]
        case "PrivateTmp": return yesNo(e.filesystem.privateTmp)
        case "PrivateDevices": return yesNo(e.sandbox.privateDevices)
        case "NoNewPrivileges": return yesNo(e.sandbox.noNewPrivileges)
        case "ProtectKernelTunables": return yesNo(e.sandbox.protectKernelTunables)
        case "ProtectControlGroups": return yesNo(e.sandbox.protectControlGroups)
        case "LockPersonality": return yesNo(e.sandbox.lockPersonality)
        case "MemoryDenyWriteExecute": return yesNo(e.sandbox.memoryDenyWriteExecute)
        case "RestrictRealtime": return yesNo(e.sandbox.restrictRealtime)
        case "RestrictSUIDSGID": return yesNo(e.sandbox.restrictSUIDSGID)
        case "RemoveIPC": return yesNo(e.sandbox.removeIPC)
        case "PrivateNetwork": return yesNo(e.sandbox.privateNetwork)
        case "ProtectClock": return yesNo(e.sandbox.protectClock)
        case "ProtectHostname": return yesNo(e.sandbox.protectHostname)
        case "ProtectKernelModules": return yesNo(e.sandbox.protectKernelModules)
        case "ProtectKernelLogs": return yesNo(e.sandbox.protectKernelLogs)
        case "PrivateUsers": return yesNo(e.sandbox.privateUsers)
        case "DynamicUser": return yesNo(e.identity.dynamicUser)
        case "ProtectProc": return [(e.filesystem.protectProc ?? .default).rawValue]
        case "ProcSubset": return [(e.filesystem.procSubset ?? .all).rawValue]
        case "KeyringMode": return [(e.process.keyringMode ?? .private).rawValue]
        case "DevicePolicy": return [(r.devicePolicy ?? .auto).rawValue]
        case "IPAddressAllow": return [(r.ipAddressAllow ?? []).map(\.description).joined(separator: " ")]
        case "IPAddressDeny": return [(r.ipAddressDeny ?? []).map(\.description).joined(separator: " ")]
        case "DeviceAllow": return r.deviceAllow.map { "\($0.device) \($0.access)" }
        case "User": return [e.identity.user ?? ""]
        case "Group": return [e.identity.group ?? ""]
        case "SupplementaryGroups": return [e.identity.supplementaryGroups.joined(separator: " ")]
        case "WorkingDirectory":
            guard let w = e.filesystem.workingDirectory else { return [""] }
            return [(w.ignoreIfMissing ? "!" : "") + (w.path ?? "~")]
        case "Environment": return [e.environment.variables.map { quoteForShow("\($0.name)=\($0.value)") }.joined(separator: " ")]
        case "ReadWritePaths": return [e.filesystem.readWritePaths.map { quoteForShow($0.description) }.joined(separator: " ")]
        case "ReadOnlyPaths": return [e.filesystem.readOnlyPaths.map { quoteForShow($0.description) }.joined(separator: " ")]
        case "InaccessiblePaths": return [e.filesystem.inaccessiblePaths.map { quoteForShow($0.description) }.joined(separator: " ")]
        case "BindPaths", "BindReadOnlyPaths":
            let readOnly = property == "BindReadOnlyPaths"
            return [e.filesystem.bindMounts.filter { $0.readOnly == readOnly }.map {
                ($0.ignoreIfMissing ? "-" : "") + "\($0.source):\($0.destination)" + ($0.recursive ? ":rbind" : "")
            }.joined(separator: " ")]
        case "TemporaryFileSystem":
            return [e.filesystem.temporaryFileSystems.map { $0.options.isEmpty ? $0.path : "\($0.path):\($0.options)" }.joined(separator: " ")]
        case "MemoryMax": return [memory(r.memoryMax)]
        case "MemoryHigh": return [memory(r.memoryHigh)]
        case "MemorySwapMax": return [memory(r.memorySwapMax)]
        case "CPUWeight": return [r.cpuWeight.map { $0 == 0 ? "idle" : String($0) } ?? "[not set]"]
        case "IOWeight": return [r.ioWeight.map(String.init) ?? "[not set]"]
        case "TasksMax":
            if case .count(let n)? = r.tasksMax { return ["\(n)"] }
            return nil
        case "Type": return [(u.service.type ?? .simple).rawValue]
        case "NotifyAccess": return [(u.service.notifyAccess ?? .none).rawValue]
        case "TimeoutStartUSec": return u.service.timeoutStartSec.map { [$0.description] }
        case "TimeoutStopUSec": return u.service.timeoutStopSec.map { [$0.description] }
        case "RestartUSec": return u.service.restartSec.map { [$0.description] }
        case "RuntimeMaxUSec": return [(u.service.runtimeMaxSec ?? .infinity).description]
        case "Restart": return [(u.service.restart ?? .no).rawValue]
        case "RemainAfterExit": return yesNo(u.service.remainAfterExit)
        case "PIDFile": return [u.service.pidFile ?? ""]
        case "LimitCPU", "LimitAS", "LimitNPROC", "LimitMEMLOCK", "LimitRTTIME", "LimitNICE":
            guard let limit = e.process.limits[ResourceLimitKind(rawValue: property)!] else { return nil }
            return [limit.hard.map(String.init) ?? "infinity"]
        case "LimitASSoft": return e.process.limits[.as].map { [$0.soft.map(String.init) ?? "infinity"] }
        case "Nice": return ["\(e.process.nice ?? 0)"]
        case "OOMScoreAdjust": return e.process.oomScoreAdjust.map { ["\($0)"] }
        case "SecureBits":
            let bits = ["noroot", "noroot-locked", "no-setuid-fixup", "no-setuid-fixup-locked", "keep-caps", "keep-caps-locked"]
            return ["\(bits.indices.filter { e.sandbox.secureBits.contains(bits[$0]) }.reduce(0) { $0 | 1 << $1 })"]
        case "EnvironmentFiles": return e.environment.files.map { "\($0.path) (ignore_errors=\($0.ignoreIfMissing ? "yes" : "no"))" }
        case "PassEnvironment": return [e.environment.passEnvironment.joined(separator: " ")]
        case "UnsetEnvironment": return [e.environment.unsetEnvironment.joined(separator: " ")]
        case "SyslogIdentifier": return [e.stdio.syslogIdentifier ?? ""]
        case "RuntimeDirectory": return [(e.filesystem.directories[.runtime] ?? []).map(\.path).joined(separator: " ")]
        case "StateDirectory": return [(e.filesystem.directories[.state] ?? []).map(\.path).joined(separator: " ")]
        case "RuntimeDirectoryMode": return [octal(e.filesystem.directoryModes[.runtime] ?? 0o755)]
        case "RootDirectory": return [e.filesystem.rootDirectory ?? ""]
        case "RootImage": return [e.filesystem.rootImage ?? ""]
        case "MountAPIVFS": return yesNo(e.filesystem.mountAPIVFS)
        case "NetworkNamespacePath": return [e.sandbox.networkNamespacePath ?? ""]
        case "PrivateIPC": return yesNo(e.sandbox.privateIPC)
        case "SocketBindAllow": return r.socketBindAllow.map(bindRule)
        case "SocketBindDeny": return r.socketBindDeny.map(bindRule)
        case "RestrictNetworkInterfaces":
            switch r.restrictNetworkInterfaces {
            case nil: return ["~"]
            case .allowOnly(let s)?: return [s.sorted().joined(separator: " ")]
            case .deny(let s)?: return ["~" + s.sorted().joined(separator: " ")]
            }
        case "Delegate":
            if case .controllers? = r.delegate { return ["yes"] }
            return ["no"]
        case "DelegateControllers":
            guard case .controllers(let set)? = r.delegate else { return [""] }
            // "yes" delegates the controllers cgroup v2 can hand over.
            return [(set ?? ["cpu", "cpuset", "io", "memory", "pids"]).sorted().joined(separator: " ")]
        case "CPUQuotaPerSecUSec":
            return [r.cpuQuota.map { TimeSpan(microseconds: UInt64($0.value) * 100).description } ?? "infinity"]
        case "StandardInput":
            switch e.stdio.standardInput ?? .null {
            case .null: return ["null"]
            case .tty: return ["tty"]
            case .ttyForce: return ["tty-force"]
            case .ttyFail: return ["tty-fail"]
            case .data: return ["data"]
            case .socket: return ["socket"]
            case .file: return ["file"]
            case .fd: return ["fd"]
            }
        case "StandardOutput", "StandardError":
            let output = property == "StandardOutput" ? e.stdio.standardOutput : e.stdio.standardError
            switch output ?? .inherit {
            case .inherit: return ["inherit"]
            case .null: return ["null"]
            case .tty: return ["tty"]
            case .journal: return ["journal"]
            case .kmsg: return ["kmsg"]
            case .journalAndConsole: return ["journal+console"]
            case .kmsgAndConsole: return ["kmsg+console"]
            case .socket: return ["socket"]
            case .file: return ["file"]
            case .append: return ["append"]
            case .truncate: return ["truncate"]
            case .fd: return ["fd"]
            }
        case "Listen": return u.socket.listen.map(listen)
        case "Accept": return yesNo(u.socket.accept)
        case "SocketMode": return [octal(u.socket.socketMode ?? 0o666)]
        case "DirectoryMode": return [octal(u.socket.directoryMode ?? 0o755)]
        case "SocketUser": return [u.socket.socketUser ?? ""]
        case "SocketGroup": return [u.socket.socketGroup ?? ""]
        case "MaxConnections": return u.socket.maxConnections.map { ["\($0)"] }
        case "MaxConnectionsPerSource": return u.socket.maxConnectionsPerSource.map { ["\($0)"] }
        case "Backlog": return u.socket.backlog.map { ["\($0)"] }
        case "BindIPv6Only": return [(u.socket.bindIPv6Only ?? .default).rawValue]
        case "FreeBind": return yesNo(u.socket.freeBind)
        case "ReusePort": return yesNo(u.socket.reusePort)
        case "NoDelay": return yesNo(u.socket.noDelay)
        case "KeepAlive": return yesNo(u.socket.keepAlive)
        case "PassCredentials": return yesNo(u.socket.passCredentials)
        case "TriggerLimitIntervalUSec": return u.socket.triggerLimitIntervalSec.map { [$0.description] }
        case "TriggerLimitBurst": return u.socket.triggerLimitBurst.map { ["\($0)"] }
        case "FileDescriptorName": return u.socket.fileDescriptorName.map { [$0] }
        case "RemoveOnStop": return yesNo(u.socket.removeOnStop)
        case "ReceiveBuffer": return [u.socket.receiveBuffer.map(String.init) ?? "0"]
        case "SendBuffer": return [u.socket.sendBuffer.map(String.init) ?? "0"]
        case "Symlinks": return [u.socket.symlinks.joined(separator: " ")]
        default: return ["?"]
        }
    }

    /// As systemd 252 prints it, which leaves out the colon after the transport ("tcp80").
    static func bindRule(_ rule: SocketBindRule) -> String {
        let family = rule.ipVersion.map { "ipv\($0):" } ?? ""
        let transport = rule.transport ?? ""
        guard let ports = rule.ports else { return family + transport + "any" }
        return family + transport + (ports.count == 1 ? "\(ports.lowerBound)" : "\(ports.lowerBound)-\(ports.upperBound)")
    }

    static func octal(_ mode: UInt32) -> String {
        let m = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - m.count)) + m
    }

    /// A Listen*= line as systemctl prints it: "ADDRESS (Kind)"; a port alone listens on [::].
    static func listen(_ spec: ListenSpec) -> String {
        switch spec {
        case .socket(let kind, let address):
            let text = if case .port(let p) = address { "[::]:\(p)" } else { address.description }
            let name = switch kind { case .stream: "Stream"; case .datagram: "Datagram"; case .sequentialPacket: "SequentialPacket" }
            return "\(text) (\(name))"
        case .fifo(let p): return "\(p) (FIFO)"
        case .special(let p): return "\(p) (Special)"
        case .messageQueue(let p): return "\(p) (MessageQueue)"
        case .usbFunction(let p): return "\(p) (USBFunction)"
        case .netlink(let f, let g): return "\(f) \(g) (Netlink)"
        }
    }

    static func memory(_ m: MemoryLimit?) -> String {
        switch m {
        case .bytes(let b)?: return "\(b)"
        default: return "infinity"
        }
    }

    /// systemd's quoting of an environment word in `systemctl show`.
    static func quoteForShow(_ word: String) -> String {
        guard word.contains(where: { $0 == " " || $0 == "\"" || $0 == "\\" || $0 == "\t" || $0 == "$" }) else { return word }
        let escaped = word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\t", with: "\\t").replacingOccurrences(of: "$", with: "\\$")
        return "\"" + escaped + "\""
    }
}

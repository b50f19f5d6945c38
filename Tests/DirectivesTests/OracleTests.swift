import Foundation
import Testing
@testable import Directives

/// The lines brig must judge as this machine's systemd does: `systemd-analyze verify` names each line
/// whose value it rejects, and brig must have a diagnostic on exactly those lines.
let serviceOracleLines = [
    "ProtectSystem=strict", "ProtectSystem=true", "ProtectSystem=bogus", "ProtectHome=read-only", "ProtectHome=1",
    "ProtectHome=nope", "ProtectProc=invisible", "ProtectProc=hidden", "ProcSubset=pid", "ProcSubset=none",
    "PrivateTmp=yes", "PrivateTmp=maybe", "NoNewPrivileges=on", "PrivateUsers=yes", "ProtectClock=yes",
    "CapabilityBoundingSet=CAP_NET_ADMIN", "CapabilityBoundingSet=~CAP_SYS_ADMIN cap_net_raw", "CapabilityBoundingSet=21",
    "AmbientCapabilities=CAP_NET_BIND_SERVICE", "RestrictAddressFamilies=AF_UNIX AF_INET", "RestrictAddressFamilies=~AF_PACKET",
    "RestrictAddressFamilies=none", "RestrictAddressFamilies=AF_WIFI", "RestrictNamespaces=yes", "RestrictNamespaces=~user net",
    "RestrictNamespaces=cgroup ipc", "RestrictNamespaces=bogus", "SystemCallFilter=@system-service", "SystemCallFilter=~@mount",
    "SystemCallFilter=~reboot:EPERM", "SystemCallFilter=@nope", "SystemCallFilter=foo_bar", "SystemCallFilter=read:EPERM",
    "SystemCallFilter=~@privileged:EACCES", "SystemCallErrorNumber=EPERM", "SystemCallErrorNumber=eperm",
    "SystemCallErrorNumber=kill", "SystemCallErrorNumber=1", "SystemCallErrorNumber=EFOO", "SystemCallArchitectures=native",
    "SystemCallArchitectures=x86-64 x86", "SystemCallArchitectures=vax", "UMask=0027", "UMask=0888", "UMask=27", "Nice=-5",
    "Nice=20", "OOMScoreAdjust=-1000", "OOMScoreAdjust=1001", "LimitNOFILE=1024:4096", "LimitNOFILE=infinity",
    "LimitNOFILE=4096:1024", "LimitNOFILE=lots", "LimitNOFILE=1K", "LimitCORE=1G", "LimitCORE=0", "LimitCPU=1min",
    "LimitCPU=30", "LimitNICE=-5", "LimitNICE=+5", "LimitNICE=40", "LimitNICE=41", "LimitRTTIME=5ms", "LimitMEMLOCK=64K",
    "MemoryMax=1G", "MemoryMax=50%", "MemoryMax=infinity", "MemoryMax=150%", "MemoryMax=1.5G", "MemoryMax=12.34%",
    "MemoryMax=1X", "MemoryHigh=512M", "TasksMax=64", "TasksMax=10%", "TasksMax=infinity", "TasksMax=0", "TasksMax=1K",
    "CPUQuota=20%", "CPUQuota=150%", "CPUQuota=0%", "CPUQuota=20", "CPUWeight=100", "CPUWeight=idle", "CPUWeight=0",
    "CPUWeight=10001", "IOWeight=100", "IOWeight=0", "IPAddressAllow=localhost", "IPAddressAllow=10.0.0.0/8 ::1",
    "IPAddressDeny=any", "IPAddressAllow=link-local multicast", "IPAddressAllow=300.1.1.1", "IPAddressAllow=10.0.0.0/33",
    "DeviceAllow=/dev/null rw", "DeviceAllow=char-pts r", "DeviceAllow=block-loop", "DeviceAllow=/dev/null x",
    "DevicePolicy=closed", "DevicePolicy=strict", "DevicePolicy=open", "SocketBindAllow=tcp:80", "SocketBindAllow=ipv6:udp:53",
    "SocketBindDeny=any", "SocketBindAllow=8000-8080", "SocketBindAllow=tcp:ipv4:80", "SocketBindAllow=80-20",
    "RestrictNetworkInterfaces=lo eth0", "RestrictNetworkInterfaces=~eth1", "Delegate=yes", "Delegate=cpu memory",
    "Delegate=frob", "ReadWritePaths=-/var/lib/x", "ReadWritePaths=+/srv", "ReadWritePaths=relative",
    "ReadWritePaths=/a/../b", "ReadOnlyPaths=/usr", "InaccessiblePaths=-/home", "BindPaths=/a:/b:norbind",
    "BindPaths=/a:/b:bogus", "BindPaths=-/c", "BindReadOnlyPaths=/etc/resolv.conf", "TemporaryFileSystem=/var:ro",
    "TemporaryFileSystem=relative", "StateDirectory=foo bar/baz", "StateDirectory=/abs", "StateDirectory=../x",
    "RuntimeDirectoryMode=0750", "RuntimeDirectoryMode=999", "WorkingDirectory=-/var/lib/x", "WorkingDirectory=~",
    "WorkingDirectory=relative", "RootDirectory=/srv/root", "RootDirectory=relative", "Environment=\"A=1 B=2\"",
    "Environment=1A=x", "Environment=novalue", "EnvironmentFile=-/etc/default/x", "EnvironmentFile=relative",
    "PassEnvironment=PATH", "PassEnvironment=1X", "UnsetEnvironment=TERM X=1", "User=www-data", "User=a:b", "User=0",
    "Group=%p", "SupplementaryGroups=a b", "StandardOutput=journal", "StandardOutput=append:/var/log/x",
    "StandardOutput=file:relative", "StandardOutput=printer", "StandardOutput=fd:foo", "StandardInput=null",
    "StandardInput=data", "StandardInput=file:/dev/null", "StandardInput=bogus", "SyslogLevel=info", "SyslogLevel=7",
    "SyslogLevel=bogus", "LogLevelMax=debug", "KeyringMode=private", "KeyringMode=bogus", "Personality=x86-64",
    "Personality=vax", "SecureBits=keep-caps noroot", "SecureBits=bogus", "TimerSlackNSec=50", "TimerSlackNSec=1ms",
    "KillMode=mixed", "KillMode=bogus", "KillSignal=SIGINT", "KillSignal=TERM", "KillSignal=9", "KillSignal=SIGFOO",
    "KillSignal=0", "Type=notify", "Type=daemon", "Restart=on-failure", "Restart=sometimes", "TimeoutStopSec=10",
    "TimeoutStopSec=infinity", "TimeoutStopSec=0", "TimeoutStopSec=forever", "NotifyAccess=all", "NotifyAccess=some",
    "ExecStartPost=-/bin/true", "ExecStartPre=+/bin/true", "ExecStop=!!/bin/true", "ExecReload=@/bin/true true x",
    "ExecStartPost=bin/true", "MountFlags=shared", "MountFlags=bogus", "RuntimeDirectoryPreserve=restart",
    "RuntimeDirectoryPreserve=bogus", "IPCNamespacePath=/run/netns/x", "IPCNamespacePath=relative", "Frob=1",
    "ProtectSytem=strict", "Description=x", "PrivatePIDs=yes", "X-Foo=1", "TimeoutCleanSec=forever",
    "CapabilityBoundingSet=CAP_FOO CAP_KILL", "AmbientCapabilities=cap_bogus", "SystemCallErrorNumber=log",
]

/// Where brig deliberately differs from systemd 252: it refuses names systemd silently drops, and
/// it takes `log` from later systemd versions.
let knownDifferences: Set<String> = [
    "CapabilityBoundingSet=CAP_FOO CAP_KILL", "AmbientCapabilities=cap_bogus", "SecureBits=bogus", "SystemCallErrorNumber=log",
]

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "needs systemd-analyze"))
struct SystemdOracle {
    @Test func serviceLinesAreJudgedAsSystemdJudgesThem() throws {
        let root = FileManager.default.temporaryDirectory.path + "/brig-oracle-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/etc/systemd/system"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/oracle.service"

        // systemd stops reading a unit at a fatal setting, so judge the lines in runs: each run
        // starts after the previous run's fatal line.
        var disagreements: [String] = []
        var pending = serviceOracleLines[...]
        while !pending.isEmpty {
            let lines = ["ExecStart=/bin/true"] + pending
            try ("[Service]\n" + lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
            let (systemdLines, fatal) = try systemdComplaints(about: path)
            let brig = UnitConfig(try UnitLoader(root: root).load("oracle.service"))
            let brigLines = Set(brig.diagnostics.map(\.location.line))
            let judged = fatal ?? lines.count + 1
            for (i, line) in lines.enumerated() where i + 2 <= judged && !knownDifferences.contains(line) {
                let s = systemdLines.contains(i + 2), b = brigLines.contains(i + 2)
                if s != b { disagreements.append("\(line): systemd \(s ? "rejects" : "accepts"), brig \(b ? "rejects" : "accepts")") }
            }
            if let fatalLine = fatal {
                #expect(brig.badSettings.contains(lines[fatalLine - 2].prefix { $0 != "=" }.description), "\(lines[fatalLine - 2]) is fatal for systemd")
            }
            pending = pending.dropFirst(max(1, judged - 2))
        }
        #expect(disagreements == [])
    }

    /// The line numbers `systemd-analyze verify` complains about, and the fatal one if any.
    func systemdComplaints(about path: String) throws -> (lines: Set<Int>, fatal: Int?) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        p.arguments = ["verify", "--man=no", path]
        let pipe = Pipe()
        p.standardError = pipe
        p.standardOutput = pipe
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        var result = Set<Int>()
        for line in output.split(separator: "\n") where line.hasPrefix(path + ":") {
            if let n = Int(line.dropFirst(path.count + 1).prefix { $0.isNumber }) { result.insert(n) }
        }
        return (result, output.contains("has fatal error") ? result.max() : nil)
    }
}

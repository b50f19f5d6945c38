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
    "TasksMax", "Type", "NotifyAccess",
]

let oracleTool = "/work/shared/tools/systemd-oracle"

@Suite(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: oracleTool), "needs root and systemd-oracle"))
struct SystemdModelOracle {
    @Test func systemctlShowsWhatTheModelHolds() throws {
        let tag = "brig-model-\(getpid())"
        let names = oracleModelUnits.indices.map { "\(tag)-\($0).service" }
        let root = FileManager.default.temporaryDirectory.path + "/\(tag)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/etc/systemd/system"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var script = ""
        for (name, lines) in zip(names, oracleModelUnits) {
            let text = "[Service]\n" + (lines.first { $0.hasPrefix("ExecStart=") } == nil ? ["ExecStart=/bin/true"] : []).joined()
                + "\n" + lines.joined(separator: "\n") + "\n"
            try text.write(toFile: dir + "/" + name, atomically: false, encoding: .utf8)
            // The oracle has a private /tmp and /etc/systemd/system: hand the text over inline.
            script += "echo \(Data(text.utf8).base64EncodedString()) | base64 -d > /etc/systemd/system/\(name)\n"
        }
        _ = try run(oracleTool, ["start"])
        _ = try run(oracleTool, ["exec", "sh", "-c", script + "systemctl daemon-reload"])
        defer { _ = try? run(oracleTool, ["exec", "sh", "-c", "rm -f /etc/systemd/system/\(tag)-*; systemctl daemon-reload"]) }

        var mismatches: [String] = []
        for name in names {
            let output = try run(oracleTool, ["exec", "systemctl", "show", name, "-p", oracleProperties.joined(separator: ",")])
            var systemd: [String: [String]] = [:]
            for line in output.split(separator: "\n") {
                guard let eq = line.firstIndex(of: "=") else { continue }
                systemd[String(line[..<eq]), default: []].append(String(line[line.index(after: eq)...]))
            }
            let written = UnitConfig(try UnitLoader(root: root).load(name))
            #expect(!written.hasErrors, "\(name): \(written.diagnostics)")
            let unit = written.withImplications()   // systemctl shows the settings after systemd's implications
            for property in oracleProperties {
                guard let rendered = SystemctlShow.render(property, unit) else { continue }
                let theirs = SystemctlShow.normalize(property, systemd[property] ?? [])
                let ours = SystemctlShow.normalize(property, rendered)
                guard theirs != ours else { continue }
                let onlySystemd = Set(theirs).subtracting(ours).sorted(), onlyBrig = Set(ours).subtracting(theirs).sorted()
                mismatches.append("\(name) \(property): only systemd \(onlySystemd), only brig \(onlyBrig)")
            }
        }
        #expect(mismatches == [])
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
        case "IPAddressAllow", "IPAddressDeny", "DeviceAllow", "SystemCallArchitectures", "SupplementaryGroups":
            return lines.flatMap { $0.split(separator: " ").map(String.init) }.sorted()
        case "SystemCallFilter":
            return lines.flatMap { $0.split(separator: " ").map(String.init) }.sorted()
        case "ExecStart":
            return lines.map { line in
                // "{ path=/bin/echo ; argv[]=echo a b ; ignore_errors=no ; ..." -> "/bin/echo|echo a b|no"
                let fields = line.components(separatedBy: " ; ")
                func field(_ key: String) -> String {
                    fields.first { $0.contains(key + "=") }.map { String($0[$0.range(of: key + "=")!.upperBound...]) } ?? "?"
                }
                return line.hasPrefix("{") ? "\(field("path"))|\(field("argv[]"))|\(field("ignore_errors"))" : line
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
        case "ReadWritePaths": return [e.filesystem.readWritePaths.map(\.description).joined(separator: " ")]
        case "ReadOnlyPaths": return [e.filesystem.readOnlyPaths.map(\.description).joined(separator: " ")]
        case "InaccessiblePaths": return [e.filesystem.inaccessiblePaths.map(\.description).joined(separator: " ")]
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
        case "CPUWeight": return [r.cpuWeight.map(String.init) ?? "[not set]"]
        case "IOWeight": return [r.ioWeight.map(String.init) ?? "[not set]"]
        case "TasksMax":
            if case .count(let n)? = r.tasksMax { return ["\(n)"] }
            return nil
        case "Type": return [(u.service.type ?? .simple).rawValue]
        case "NotifyAccess": return [(u.service.notifyAccess ?? .none).rawValue]
        default: return ["?"]
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
        guard word.contains(where: { $0 == " " || $0 == "\"" || $0 == "\\" || $0 == "\t" }) else { return word }
        return "\"" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

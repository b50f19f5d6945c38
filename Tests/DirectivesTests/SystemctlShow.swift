import Foundation
@testable import Directives

/// brig's model printed the way `systemctl show` prints systemd's (for a system service with the
/// manager's defaults of this machine), and both sides normalized where systemd's order is a set's.
enum SystemctlShow {
    static func normalize(_ property: String, _ lines: [String]) -> [String] {
        switch property {
        case "IPAddressAllow", "IPAddressDeny", "DeviceAllow", "SystemCallArchitectures", "SupplementaryGroups",
             "SocketBindAllow", "SocketBindDeny", "SystemCallFilter":
            return lines.flatMap { $0.split(separator: " ").map(String.init) }.sorted()
        case "RestrictNetworkInterfaces":
            // A set: systemd prints it in hash order, "~" first for a deny list.
            return lines.map { line in
                let deny = line.hasPrefix("~")
                return (deny ? "~" : "") + (deny ? line.dropFirst() : Substring(line)).split(separator: " ").sorted().joined(separator: " ")
            }
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
                guard case .errno(let n)? = action else { return name }
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
        case "RestartKillSignal": return ["\((u.kill.restartKillSignal ?? u.kill.killSignal)?.number ?? 15)"]
        case "FinalKillSignal": return ["\(u.kill.finalKillSignal?.number ?? 9)"]
        case "WatchdogSignal": return ["\(u.kill.watchdogSignal?.number ?? 6)"]
        case "SendSIGKILL": return [u.kill.sendSIGKILL == false ? "no" : "yes"]
        case "SendSIGHUP": return yesNo(u.kill.sendSIGHUP)
        case "SuccessExitStatus": return [exitStatuses(u.service.successExitStatus)]
        case "RestartPreventExitStatus": return [exitStatuses(u.service.restartPreventExitStatus)]
        case "RestartForceExitStatus": return [exitStatuses(u.service.restartForceExitStatus)]
        case "TimeoutAbortUSec": return (u.service.timeoutAbortSec ?? u.service.timeoutStopSec).map { [$0.description] }
        case "FileDescriptorStoreMax": return ["\(u.service.fileDescriptorStoreMax ?? 0)"]
        case "OOMPolicy": return [(u.service.oomPolicy ?? .stop).rawValue]
        case "Slice": return [u.service.slice ?? "system.slice"]
        case "GuessMainPID": return [u.service.guessMainPID == false ? "no" : "yes"]
        case "NonBlocking": return yesNo(u.service.nonBlocking)
        case "CacheDirectory": return [(e.filesystem.directories[.cache] ?? []).map(\.path).joined(separator: " ")]
        case "LogsDirectory": return [(e.filesystem.directories[.logs] ?? []).map(\.path).joined(separator: " ")]
        case "ConfigurationDirectory": return [(e.filesystem.directories[.configuration] ?? []).map(\.path).joined(separator: " ")]
        case "StateDirectoryMode": return [octal(e.filesystem.directoryModes[.state] ?? 0o755)]
        case "RuntimeDirectoryPreserve": return [(e.filesystem.runtimeDirectoryPreserve ?? .no).rawValue]
        case "IgnoreSIGPIPE": return [e.process.ignoreSIGPIPE == false ? "no" : "yes"]
        case "CPUSchedulingPolicy":
            let numbers: [CPUSchedulingPolicy: Int] = [.other: 0, .fifo: 1, .rr: 2, .batch: 3, .idle: 5]
            return e.process.cpuSchedulingPolicy.map { ["\(numbers[$0]!)"] }
        case "CPUSchedulingPriority": return e.process.cpuSchedulingPriority.map { ["\($0)"] }
        case "IOSchedulingClass": return e.process.ioSchedulingClass.map { ["\($0)"] }
        case "IOSchedulingPriority": return e.process.ioSchedulingPriority.map { ["\($0)"] }
        case "Personality": return [e.process.personality?.rawValue ?? ""]
        case "TimerSlackNSec": return e.process.timerSlackNanoseconds.map { ["\($0)"] }
        case "SyslogFacility":
            let index = SyslogFacility.allCases.firstIndex(of: e.stdio.syslogFacility ?? .daemon)!
            return ["\(index < 12 ? index : index - 12 + 16)"]
        case "SyslogLevel": return ["\(LogLevel.allCases.firstIndex(of: e.stdio.syslogLevel ?? .info)!)"]
        case "LogLevelMax": return e.stdio.logLevelMax.map { ["\(LogLevel.allCases.firstIndex(of: $0)!)"] }
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
        case "TriggerLimitIntervalUSec": return [(u.socket.triggerLimitIntervalSec ?? .seconds(2)).description]
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

    /// An exit status set as systemd prints it: the statuses in ascending order, then the signals'
    /// names without "SIG", by number.
    static func exitStatuses(_ set: ExitStatusSet) -> String {
        (set.statuses.sorted().map(String.init) + set.signals.sorted().map { Signal(number: $0).description.replacingOccurrences(of: "SIG", with: "") })
            .joined(separator: " ")
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

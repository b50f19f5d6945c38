import CJail
import Directives
import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// Everything a unit asks of the cgroup's network hooks: the IP firewall and accounting, socket
/// binding, network interfaces, the interface its sockets are bound to and pinned programs. Each becomes BPF programs attached to the
/// run's own cgroup (on the cgroup2 tree) before the first process is made in it, so nothing
/// of the service runs unfiltered. Any program that cannot be made or attached stops the start
/// (exit status 219): systemd 252 logs the failure and starts the service without it.
public struct NetworkPolicy: Sendable, Equatable {
    public var firewall: IPFirewall?
    public var socketBind: SocketBindFilter?
    public var interfaces: InterfaceFilter?
    public var binding: InterfaceBinding?
    public var pinned: [PinnedProgram]

    /// nil when the unit sets none of these directives.
    public init?(_ resources: ResourceControl) {
        firewall = IPFirewall(resources)
        socketBind = SocketBindFilter(resources)
        interfaces = InterfaceFilter(resources)
        binding = InterfaceBinding(resources)
        pinned = PinnedProgram.all(resources)
        if firewall == nil && socketBind == nil && interfaces == nil && binding == nil && pinned.isEmpty { return nil }
    }

    /// One line per program set, for --dry-run.
    public var summary: [String] {
        [firewall?.summary, socketBind?.summary, interfaces?.summary, binding?.summary].compactMap { $0 } + pinned.map(\.summary)
    }

    /// Loads every program, then attaches them all to `cgroup`. `counters` receives the IP
    /// accounting maps. On an error the caller removes the cgroup, which detaches what was attached.
    public func install(in cgroup: String, counters: IPAccounting?) throws(JailError) {
        var programs: [(fd: Int32, attachType: UInt32, directive: String)] = []
        var keep: [IPFirewall.Loaded] = []
        defer { for p in programs { close(p.fd) } }
        if let firewall {
            let loaded = try firewall.load(counters: counters)
            keep.append(loaded)
            let directive = firewall.allow.isEmpty && firewall.deny.isEmpty ? "IPAccounting=" : "IPAddressDeny="
            for p in loaded.programs { programs.append((fcntl(p.fd, F_DUPFD_CLOEXEC, 3), p.attachType, directive)) }
        }
        if let socketBind {
            for version in socketBind.families {
                let fd = try NetworkPrograms.load(socketBind.program(ipVersion: version), type: BPFNumbers.programCgroupSockAddr,
                                                  attachType: version == 4 ? BPFNumbers.attachBind4 : BPFNumbers.attachBind6,
                                                  directive: "SocketBindDeny=")
                programs.append((fd, version == 4 ? BPFNumbers.attachBind4 : BPFNumbers.attachBind6, "SocketBindDeny="))
            }
        }
        if let interfaces {
            let code = InterfaceFilter.program(indices: try interfaces.indices(), isAllowList: interfaces.isAllowList)
            for attachType in [BPFNumbers.attachIngress, BPFNumbers.attachEgress] {
                let fd = try NetworkPrograms.load(code, type: BPFNumbers.programCgroupSKB, directive: "RestrictNetworkInterfaces=")
                programs.append((fd, attachType, "RestrictNetworkInterfaces="))
            }
        }
        if let binding {
            let fd = try NetworkPrograms.load(InterfaceBinding.program(index: try binding.index()), type: BPFNumbers.programCgroupSock,
                                              attachType: BPFNumbers.attachSockCreate, directive: "BindNetworkInterface=")
            programs.append((fd, BPFNumbers.attachSockCreate, "BindNetworkInterface="))
        }
        for program in pinned { programs.append((try program.open(), program.attachType, program.setting)) }

        let directory = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory < 0 { throw .system("cgroup \(cgroup)", errno) }
        defer { close(directory) }
        for program in programs {
            let result = cjail_bpf_prog_attach(directory, program.fd, program.attachType)
            if result < 0 { throw NetworkPrograms.failure(program.directive, "cannot attach to the cgroup \(cgroup)", -result) }
        }
        withExtendedLifetime(keep) {}
    }
}

/// Loading brig's network programs, and the error a failure becomes.
enum NetworkPrograms {
    /// Loads `code` (the verifier's complaint goes into the error); returns the program's fd.
    static func load(_ code: [UInt8], type: UInt32, attachType: UInt32 = 0, directive: String) throws(JailError) -> Int32 {
        var log = [CChar](repeating: 0, count: 4096)
        let fd = code.withUnsafeBytes { insns in
            cjail_bpf_prog_load(type, attachType, insns.baseAddress, UInt32(code.count / 8), &log, UInt32(log.count))
        }
        if fd < 0 {
            let verifier = String(cText: log)
            let last = verifier.split(separator: "\n").suffix(2).joined(separator: "; ")
            throw failure(directive, "cannot load the cgroup BPF program" + (last.isEmpty ? "" : " (\(last))"), -fd)
        }
        return fd
    }

    static func failure(_ directive: String, _ what: String, _ code: Int32) -> JailError {
        .refused(directive: directive, reason: "\(what): \(SystemFiles.errorName(code)); brig does not start a service without the filter it asks for",
                 status: .cgroup)
    }
}

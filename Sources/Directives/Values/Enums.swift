/// A directive whose value is one word from a fixed list. Types with `yes`/`no` cases also take
/// every boolean word for them, as systemd does for ProtectSystem= and ProtectHome=.
public protocol DirectiveEnum: RawRepresentable<String>, CaseIterable, Hashable, Sendable {}

extension DirectiveEnum {
    public init(parsing value: String) throws(ValueError) {
        if let v = Self(rawValue: value) { self = v; return }
        if let b = try? parseBoolean(value), let v = Self(rawValue: b ? "yes" : "no") { self = v; return }
        let choices = Self.allCases.map(\.rawValue).joined(separator: ", ")
        throw ValueError("'\(value)' is not one of \(choices)")
    }
}

/// ProtectSystem=.
public enum ProtectSystem: String, DirectiveEnum { case no, yes, full, strict }
/// ProtectHome=.
public enum ProtectHome: String, DirectiveEnum { case no, yes, readOnly = "read-only", tmpfs }
/// ProtectProc=.
public enum ProtectProc: String, DirectiveEnum { case `default`, noaccess, invisible, ptraceable }
/// ProcSubset=.
public enum ProcSubset: String, DirectiveEnum { case all, pid }
/// KeyringMode=.
public enum KeyringMode: String, DirectiveEnum { case inherit, `private`, shared }
/// MemoryTHP= (260): whether transparent huge pages back the process's memory.
public enum MemoryTHP: String, DirectiveEnum { case inherit, disable, madvise, system }
/// NotifyAccess=.
public enum NotifyAccess: String, DirectiveEnum { case none, main, exec, all }
/// DevicePolicy=.
public enum DevicePolicy: String, DirectiveEnum { case auto, closed, strict }
/// KillMode=.
public enum KillMode: String, DirectiveEnum { case controlGroup = "control-group", process, mixed, none }
/// Type= of a service.
public enum ServiceType: String, DirectiveEnum { case simple, exec, forking, oneshot, dbus, notify, notifyReload = "notify-reload", idle }
/// Restart=.
public enum RestartPolicy: String, DirectiveEnum {
    case no, onSuccess = "on-success", onFailure = "on-failure", onAbnormal = "on-abnormal",
         onWatchdog = "on-watchdog", onAbort = "on-abort", always
}
/// OOMPolicy= of a service.
public enum OOMPolicy: String, DirectiveEnum { case `continue`, stop, kill }
/// RuntimeDirectoryPreserve=.
public enum RuntimeDirectoryPreserve: String, DirectiveEnum { case no, yes, restart }
/// MountFlags=.
public enum MountPropagation: String, DirectiveEnum { case shared, slave, `private` }
/// BindIPv6Only= of a socket.
public enum BindIPv6Only: String, DirectiveEnum { case `default`, both, ipv6Only = "ipv6-only" }
/// CPUSchedulingPolicy=.
public enum CPUSchedulingPolicy: String, DirectiveEnum { case other, batch, idle, fifo, rr }
/// NUMAPolicy=.
public enum NUMAPolicy: String, DirectiveEnum { case `default`, preferred, bind, interleave, local }
/// SyslogFacility=.
public enum SyslogFacility: String, DirectiveEnum {
    case kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp,
         local0, local1, local2, local3, local4, local5, local6, local7
}
/// SyslogLevel= and LogLevelMax=; numbers 0…7 are accepted too.
public enum LogLevel: String, DirectiveEnum {
    case emerg, alert, crit, err, warning, notice, info, debug

    public init(parsingLevel value: String) throws(ValueError) {
        if let n = Int(value), (0...7).contains(n) { self = Self.allCases[n]; return }
        self = try Self(parsing: value)
    }
}
/// Personality=.
public enum Personality: String, DirectiveEnum {
    case x86, x86_64 = "x86-64", arm64, arm64be = "arm64-be", arm, armbe = "arm-be", alpha, mips, mips64,
         ppc, ppc64, ppc64le = "ppc64-le", s390, s390x, parisc, parisc64, ia64, sh, sh64, sparc, sparc64
}

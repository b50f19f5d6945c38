/// The [Service] directives of systemd.service(5) that brig uses: type, command lists, timeouts.
public struct ServiceConfig: Sendable {
    public var type: ServiceType?
    public var execCondition: [ExecCommand] = []
    public var execStartPre: [ExecCommand] = []
    public var execStart: [ExecCommand] = []
    public var execStartPost: [ExecCommand] = []
    public var execReload: [ExecCommand] = []
    public var execStop: [ExecCommand] = []
    public var execStopPost: [ExecCommand] = []
    public var remainAfterExit: Bool?
    public var guessMainPID: Bool?
    public var pidFile: String?
    public var restart: RestartPolicy?
    public var restartSec: TimeSpan?
    public var timeoutStartSec: TimeSpan?
    public var timeoutStopSec: TimeSpan?
    /// TimeoutAbortSec=: how long a watchdog-aborted service may take to dump core (TimeoutStopSec= when unset).
    public var timeoutAbortSec: TimeSpan?
    public var successExitStatus = ExitStatusSet()
    public var restartPreventExitStatus = ExitStatusSet()
    public var restartForceExitStatus = ExitStatusSet()
    public var runtimeMaxSec: TimeSpan?
    /// RuntimeRandomizedExtraSec=: up to this much is added to RuntimeMaxSec=, drawn at each start.
    public var runtimeRandomizedExtraSec: TimeSpan?
    public var watchdogSec: TimeSpan?
    public var notifyAccess: NotifyAccess?
    public var nonBlocking: Bool?
    /// Sockets= of the service: the socket units whose descriptors it gets.
    public var sockets: [String] = []
    /// OpenFile= (253), in order; an empty assignment empties the list.
    public var openFiles: [OpenFile] = []
    public var fileDescriptorStoreMax: UInt64?
    /// PermissionsStartOnly= (deprecated): sandboxing and identity apply to ExecStart= only.
    public var permissionsStartOnly: Bool?
    /// RootDirectoryStartOnly=: RootDirectory= applies to ExecStart= only.
    public var rootDirectoryStartOnly: Bool?
    /// Slice=: the slice unit the service's cgroup lives under.
    public var slice: String?
    public var oomPolicy: OOMPolicy?
    /// BusName=: the D-Bus name a Type=dbus service is ready once it owns (and implies that type).
    public var busName: String?
    /// ReloadSignal= (systemd 253): what asks a Type=notify-reload service to reload.
    public var reloadSignal: Signal?
    /// Where each directive was last assigned, by directive name.
    public var origins: [String: SourceLocation] = [:]

    public init() {}

    /// Applies an assignment if it is a [Service] directive modelled here.
    public mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        switch d.key {
        case "OpenFile": if d.value.isEmpty { openFiles = [] } else { openFiles.append(try OpenFile(parsing: d.value)) }
        case "Type":
            let parsed = try ServiceType(parsing: d.value)
            if parsed == .notifyReload, d.rules < .v253 {
                throw ValueError("notify-reload is a type of systemd 253 and later; systemd 252 ignores this line (brig run --rules 253 or later applies it)")
            }
            type = parsed
        case "ExecCondition": try Self.commands(&execCondition, d)
        case "ExecStartPre": try Self.commands(&execStartPre, d)
        case "ExecStart": try Self.commands(&execStart, d)
        case "ExecStartPost": try Self.commands(&execStartPost, d)
        case "ExecReload": try Self.commands(&execReload, d)
        case "ExecStop": try Self.commands(&execStop, d)
        case "ExecStopPost": try Self.commands(&execStopPost, d)
        case "RemainAfterExit": remainAfterExit = try d.bool()
        case "GuessMainPID": guessMainPID = try d.bool()
        case "PIDFile":
            // A relative PID file lives under /run, as systemd reads it.
            pidFile = try d.optional { v throws(ValueError) in
                let path = try d.expand(v)
                return try absolute(path.first == "/" ? path : "/run/" + path)
            }
        case "Restart": restart = try RestartPolicy(parsing: d.value)
        case "RestartSec": restartSec = try d.time()
        case "TimeoutSec":
            let t = try Self.timeout(d)
            timeoutStartSec = t; timeoutStopSec = t
        case "TimeoutStartSec": timeoutStartSec = try Self.timeout(d)
        case "TimeoutStopSec": timeoutStopSec = try Self.timeout(d)
        case "TimeoutAbortSec": timeoutAbortSec = try Self.timeout(d)
        case "SuccessExitStatus": try Self.statuses(&successExitStatus, d)
        case "RestartPreventExitStatus": try Self.statuses(&restartPreventExitStatus, d)
        case "RestartForceExitStatus": try Self.statuses(&restartForceExitStatus, d)
        case "RuntimeMaxSec": runtimeMaxSec = try d.time()
        case "RuntimeRandomizedExtraSec": runtimeRandomizedExtraSec = try d.time()
        case "WatchdogSec": watchdogSec = try d.time()
        case "NotifyAccess": notifyAccess = try NotifyAccess(parsing: d.value)
        case "NonBlocking": nonBlocking = try d.bool()
        case "Sockets": try d.appendWords(to: &sockets) { $0 }
        case "PermissionsStartOnly": permissionsStartOnly = try d.bool()
        case "RootDirectoryStartOnly": rootDirectoryStartOnly = try d.bool()
        case "Slice":
            slice = try d.optional { v throws(ValueError) in
                let name = try d.expand(v)
                guard name.hasSuffix(".slice"), (try? UnitName(name)) != nil else { throw ValueError("'\(name)' is not a slice unit name") }
                return name
            }
        case "OOMPolicy": oomPolicy = try OOMPolicy(parsing: d.value)
        case "BusName": busName = try BusName.check(d.expand(d.value))
        case "ReloadSignal": reloadSignal = try Signal(parsing: d.value)
        case "FileDescriptorStoreMax": fileDescriptorStoreMax = try Numbers.unsigned(d.value, "descriptor count")
        default: return false
        }
        origins[d.key] = d.location
        return true
    }

    /// A command-list directive: each line adds its commands, an empty line clears the list.
    static func commands(_ list: inout [ExecCommand], _ d: DirectiveInput) throws(ValueError) {
        if d.value.isEmpty { list = []; return }
        list += try ExecCommand.parseLine(d.value, viaShell: d.rules.facts.execViaShell, expand: d.expand) { d.skipped.notes.append($0) }
    }

    /// An exit-status list: each line adds its words, an empty line clears the set.
    static func statuses(_ set: inout ExitStatusSet, _ d: DirectiveInput) throws(ValueError) {
        if d.value.isEmpty { set = ExitStatusSet(); return }
        try set.add(d.value)
    }

    /// Timeouts: a time span where 0 also means no timeout (infinity), as systemd reads them.
    static func timeout(_ d: DirectiveInput) throws(ValueError) -> TimeSpan {
        let t = try d.time()
        return t.microseconds == 0 ? .infinity : t
    }
}

/// How a unit's processes are stopped (systemd.kill(5)), for services, sockets, mounts, swaps, scopes.
public struct KillConfig: Sendable {
    public var killMode: KillMode?
    public var killSignal: Signal?
    public var restartKillSignal: Signal?
    public var finalKillSignal: Signal?
    public var watchdogSignal: Signal?
    public var sendSIGKILL: Bool?
    public var sendSIGHUP: Bool?
    public var origins: [String: SourceLocation] = [:]

    public init() {}

    public mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        switch d.key {
        case "KillMode": killMode = try d.optional { v throws(ValueError) in try KillMode(parsing: v) }
        case "KillSignal": killSignal = try Signal(parsing: d.value)
        case "RestartKillSignal": restartKillSignal = try Signal(parsing: d.value)
        case "FinalKillSignal": finalKillSignal = try Signal(parsing: d.value)
        case "WatchdogSignal": watchdogSignal = try Signal(parsing: d.value)
        case "SendSIGKILL": sendSIGKILL = try d.bool()
        case "SendSIGHUP": sendSIGHUP = try d.bool()
        default: return false
        }
        origins[d.key] = d.location
        return true
    }
}

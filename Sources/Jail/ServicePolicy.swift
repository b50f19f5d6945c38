import Directives
#if canImport(Glibc)
import Glibc
#endif

/// How a service is started, supervised, stopped and restarted: the [Service] and kill settings
/// systemd's service manager acts on, with systemd 252's defaults.
public struct ServicePolicy: Sendable {
    /// Type=: when the start is complete; idle is simple.
    public enum Readiness: Sendable, Equatable { case simple, forking, oneshot, notify, dbus }

    public var readiness = Readiness.simple
    /// Type=notify-reload (systemd 253; readiness is notify's): the signal that asks the main
    /// process to reload (ReloadSignal=, SIGHUP by default), which then says RELOADING=1 and READY=1.
    public var reloadSignal: Int32? = nil
    /// BusName= with Type=dbus: the name whose owner makes the service ready, and the system bus
    /// socket it is watched on.
    public var busName: (name: String, busPath: String)? = nil
    /// Who may send sd_notify messages (NotifyAccess=): main for Type=notify and with WatchdogSec=.
    public var notifyAccess = NotifyAccess.none
    public var remainAfterExit = false
    public var pidFile: String? = nil
    public var guessMainPID = true
    /// Control processes get MAINPIDFDID= beside MAINPID= (`ReleaseFacts.pidfdAndCookieVariables`).
    public var announcesMainPIDFDID = false

    /// TimeoutStartSec=, TimeoutStopSec=, TimeoutAbortSec= (nil: TimeoutStopSec=), in seconds.
    public var startTimeout: Double = 90
    public var stopTimeout: Double = 90
    public var abortTimeout: Double? = nil
    /// RuntimeMaxSec= (with its randomized extra already drawn).
    public var runtimeMax: Double? = nil
    /// WatchdogSec=: the service must send WATCHDOG=1 at least this often once started.
    public var watchdog: Double? = nil

    public var killMode = KillMode.controlGroup
    public var killSignal: Int32 = SIGTERM
    public var finalKillSignal: Int32 = SIGKILL
    public var watchdogSignal: Int32 = SIGABRT
    public var sendSIGHUP = false
    public var sendSIGKILL = true

    public var restart = RestartPolicy.no
    /// RestartSec=: systemd's default is 100 ms.
    public var restartDelay: Double = 0.1
    public var successStatus = ExitStatusSet()
    public var restartPreventStatus = ExitStatusSet()
    public var restartForceStatus = ExitStatusSet()
    /// StartLimitIntervalSec= and StartLimitBurst= (systemd's defaults: 10 s, 5 starts); an
    /// interval of 0 turns the limit off.
    public var startLimitInterval: Double = 10
    public var startLimitBurst = 5

    /// Whether the start, readiness, reloads, restarts and the result are told on stderr.
    public var reports = false
    /// The unit's name in those lines.
    public var unitName = "brig-run.service"

    public init() {}

    /// Whether the main process gets $NOTIFY_SOCKET (control processes too under exec and all).
    var wantsNotifySocket: Bool { notifyAccess != .none }
}

import CJail
import Directives
#if canImport(Glibc)
import Glibc
#endif

/// The life of one service in the foreground, state by state as systemd 252's service manager
/// leads it (src/core/service.c): ExecStartPre=, the main process and its readiness by Type=,
/// ExecStartPost=, running (sd_notify messages, the watchdog, RuntimeMaxSec=, reloads on
/// SIGHUP), then ExecStop=, the kill per KillMode=, ExecStopPost=, and Restart=. Each process is
/// jailed afresh from the service's spec; every wait is one poll on the processes' pidfds, brig's
/// signals and the notify socket, with one timer per state as systemd has.
final class ServiceSupervisor {
    enum State: String {
        case condition, startPre = "start-pre", start, startPost = "start-post", running, exited, reload, stop
        /// Type=notify-reload (systemd 253): the reload signal was sent, RELOADING=1 is awaited;
        /// then READY=1 ends the reload.
        case reloadSignal = "reload-signal", reloadNotify = "reload-notify"
        case stopWatchdog = "stop-watchdog", stopSigterm = "stop-sigterm", stopSigkill = "stop-sigkill", stopPost = "stop-post"
        case finalSigterm = "final-sigterm", finalSigkill = "final-sigkill", dead, autoRestart = "auto-restart"
    }

    /// systemd's service results: the first failure of a run sticks.
    enum Result: String {
        case success, resources, `protocol`, timeout, exitCode = "exit-code", signal, coreDump = "core-dump", watchdog
        case startLimitHit = "start-limit-hit"
        /// ExecCondition= exited 1…254: the service is skipped, not failed, and not restarted.
        case skipCondition = "exec-condition"
    }

    private enum KillOperation { case terminate, kill, watchdog }

    /// A process of the service that brig waits for.
    private struct Child {
        var pid: pid_t
        var fd: Int32
        var command: LaunchCommand?
    }

    private let policy: ServicePolicy
    private let commands: [LaunchCommand]
    private let site: RunSite
    private let reaper: Reaper
    private let signals: Int32
    /// The plan of one command, given the variables this start adds to its environment.
    private let plan: (LaunchCommand, [String]) -> JailPlan
    private let notify: NotifySocket?
    /// BusName= of a Type=dbus service, watched on the system bus.
    private let bus: BusNameWatch?
    /// Renews what a start uses (directories, private /tmp) before an automatic restart.
    private let beforeRestart: () throws(JailError) -> Void

    private var state = State.dead
    private var result = Result.success
    private var main: Child? = nil
    /// Whether the main process is known: once it is, its death ends the service.
    private var mainKnown = false
    /// The last main process's wait status, for $EXIT_CODE/$EXIT_STATUS and brig's own status.
    private var mainStatus: Int32? = nil
    private var control: Child? = nil
    /// The commands of the current phase still to run after the control (or oneshot main) process.
    private var pending: ArraySlice<LaunchCommand> = []
    private var timer: Double? = nil
    private var watchdogDeadline: Double? = nil
    private var forbidRestart = false
    private var starts: [Double] = []
    private var restarts = 0
    /// The status of the first start command that failed and was not ignored (brig's status then).
    private var failedStartStatus: Int32? = nil
    private var statusText: String? = nil
    /// The last ERRNO= the service sent.
    private var serviceErrno: Int32? = nil
    /// The jail step at which the first ExecStart= process failed, for callers that want it whole.
    private(set) var stepFailure: JailError? = nil

    /// brig's keeper, which ends the run if brig itself is ended before it could.
    private var keeper: Int32? = nil

    /// `keeper`: a forked keeper ends the run if brig is ended first (brig run and brig listen;
    /// a test process runs many jails and outlives them all).
    init(policy: ServicePolicy, commands: [LaunchCommand], site: RunSite, reaper: Reaper, signals: Int32, keeper: Bool = false,
         beforeRestart: @escaping () throws(JailError) -> Void = {},
         plan: @escaping (LaunchCommand, [String]) -> JailPlan) throws(JailError) {
        self.beforeRestart = beforeRestart
        self.policy = policy
        self.commands = commands
        self.site = site
        self.reaper = reaper
        self.signals = signals
        self.plan = plan
        notify = policy.wantsNotifySocket ? try NotifySocket(runID: site.id) : nil
        bus = try policy.busName.map { name, path throws(JailError) in try BusNameWatch(name: name, busPath: path) }
        // Processes the main process leaves behind are re-parented to us, so we can reap them.
        _ = cjail_become_subreaper()
        if keeper { self.keeper = JailRunner.startKeeper(site) }
    }

    deinit {
        notify?.close()
        if let keeper { cjail_stop_keeper(keeper) }
    }

    /// Starts the service and leads it until it is dead for good; brig's exit status: the status
    /// of the start command that failed, else of the main process (128+N for signal N).
    func run() -> Int32 {
        begin()
        while !isDead {
            var fds = descriptors
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 && errno == EINTR { continue }
            handle(fds)
        }
        return finish()
    }

    /// Starts the service; the caller then waits on `descriptors` for `timeout` and hands each
    /// poll's result to `handle` until `isDead`, then takes the status from `finish`. `run` does
    /// that for one service; brig listen does it for all its instances in one poll.
    func begin() { start() }

    var isDead: Bool { state == .dead }

    /// The status once dead, as `run` returns it; the result line is told first.
    func finish() -> Int32 {
        reaper.reap(except: [])
        if let keeper { cjail_stop_keeper(keeper) }
        keeper = nil
        report(resultLine())
        if let failed = failedStartStatus { return failed }
        let status = mainStatus.map(JailRunner.exitCode) ?? 0
        // A failed service never reports success (a notify service that exited 0 unready, a start limit).
        return status == 0 && result != .success ? 1 : status
    }

    /// Stops the service as SIGTERM to brig would (brig listen stopping its instances).
    func requestStop() { stopRequested() }

    /// The processes the supervisor collects itself: nobody else may reap them.
    var collectedPIDs: [pid_t] { [main?.pid, control?.pid].compactMap { $0 }.filter { $0 > 0 } }

    // MARK: - entering states

    private func start() {
        let now = JailRunner.now()
        if policy.startLimitInterval > 0 {
            starts = starts.filter { now - $0 < policy.startLimitInterval }
            if starts.count >= policy.startLimitBurst {
                tell("start request repeated too quickly (StartLimitBurst=\(policy.startLimitBurst) within StartLimitIntervalSec=\(Self.seconds(policy.startLimitInterval)))")
                result = .startLimitHit
                state = .dead
                return
            }
            starts.append(now)
        }
        result = .success
        mainKnown = false
        mainStatus = nil
        failedStartStatus = nil
        runControl(phase: .condition, state: .condition, timeout: policy.startTimeout) { self.enterStartPre() }
    }

    private func enterStartPre() {
        runControl(phase: .startPre, state: .startPre, timeout: policy.startTimeout) { self.enterStart() }
    }

    /// Runs the commands of `phase` one after another as control processes; `next` follows once
    /// all succeeded (or there are none).
    private func runControl(phase: LaunchCommand.Phase, state: State, timeout: Double, then next: () -> Void) {
        pending = ArraySlice(commands.filter { $0.phase == phase })
        guard let first = pending.popFirst() else { return next() }
        self.state = state
        arm(timeout)
        spawnControl(first)
    }

    private func enterStart() {
        let starts = commands.filter { $0.phase == .start }
        guard let first = starts.first else { return enterStartPost() }
        state = .start
        arm(policy.readiness == .oneshot ? .infinity : policy.startTimeout)
        if policy.readiness == .forking {
            // The launcher is a control process; the daemon it leaves is the main one.
            pending = []
            return spawnControl(first)
        }
        pending = policy.readiness == .oneshot ? ArraySlice(starts.dropFirst()) : []
        spawnMain(first)
        if main != nil, policy.readiness == .simple { enterStartPost() }
    }

    private func enterStartPost() {
        resetWatchdog()
        runControl(phase: .startPost, state: .startPost, timeout: policy.startTimeout) { self.enterRunning(.success) }
    }

    private func enterRunning(_ f: Result) {
        note(f)
        control = nil
        if result != .success { return enterSignal(.stopSigterm, .success) }
        if serviceGood {
            state = .running
            arm(policy.runtimeMax ?? .infinity)
        } else if policy.remainAfterExit {
            state = .exited
            arm(.infinity)
        } else {
            enterStop(.success)
        }
    }

    private func enterStop(_ f: Result) {
        note(f)
        report("stopping")
        runControl(phase: .stop, state: .stop, timeout: policy.stopTimeout) { self.enterSignal(.stopSigterm, .success) }
    }

    private func enterSignal(_ next: State, _ f: Result) {
        note(f)
        let operation: KillOperation = next == .stopWatchdog ? .watchdog
            : next == .stopSigkill || next == .finalSigkill ? .kill : .terminate
        if killProcesses(operation) {
            state = next
            arm(operation == .watchdog ? policy.abortTimeout ?? policy.stopTimeout : policy.stopTimeout)
        } else if (next == .stopWatchdog || next == .stopSigterm) && policy.sendSIGKILL {
            enterSignal(.stopSigkill, .success)
        } else if next == .stopWatchdog || next == .stopSigterm || next == .stopSigkill {
            enterStopPost(.success)
        } else if next == .finalSigterm && policy.sendSIGKILL {
            enterSignal(.finalSigkill, .success)
        } else {
            enterDead(.success, allowRestart: true)
        }
    }

    private func enterStopPost(_ f: Result) {
        note(f)
        runControl(phase: .stopPost, state: .stopPost, timeout: policy.stopTimeout) { self.enterSignal(.finalSigterm, .success) }
    }

    private func enterDead(_ f: Result, allowRestart: Bool) {
        note(f)
        main = nil
        control = nil
        watchdogDeadline = nil
        guard allowRestart, !forbidRestart, shallRestart else {
            state = .dead
            return
        }
        report(resultLine())
        state = .autoRestart
        arm(policy.restartDelay)
    }

    // MARK: - what ends a state

    private func mainExited(_ status: Int32) {
        let f = outcome(status, daemon: policy.readiness != .oneshot)
        closeChild(&main)
        mainStatus = status
        var f2 = f
        if let command = lastMainCommand, command.exec.ignoreFailure { f2 = .success }
        if policy.reports, f2 != .success { report("main process \(Self.describe(status))") }
        note(f2)
        if policy.readiness == .oneshot, state == .start, f2 == .success, let next = pending.popFirst() {
            return spawnMain(next)
        }
        switch state {
        case .startPost, .reload, .reloadSignal, .reloadNotify:
            if control == nil { enterStop(f2) }
        case .start:
            if policy.readiness == .oneshot {
                f2 == .success ? enterStartPost() : enterSignal(.stopSigterm, f2)
            } else if policy.readiness == .notify {
                enterSignal(.stopSigterm, f2 == .success ? .protocol : f2)
            } else {
                enterRunning(f2)
            }
        case .running: enterRunning(f2)
        case .stopWatchdog, .stopSigterm, .stopSigkill: if control == nil { enterStopPost(f2) }
        case .stopPost: if control == nil { enterSignal(.finalSigterm, f2) }
        case .finalSigterm, .finalSigkill: if control == nil { enterDead(f2, allowRestart: true) }
        default: break
        }
    }

    private func controlExited(_ status: Int32) {
        var f = outcome(status, daemon: false)
        let command = control?.command
        closeChild(&control)
        if command?.exec.ignoreFailure == true { f = .success }
        // ExecCondition= exiting 1…254 skips the service instead of failing it (255 or a signal fails it).
        if state == .condition, f == .exitCode, (status & 0x7f) == 0, (status >> 8) & 0xff < 255 { f = .skipCondition }
        if f != .success, let command {
            tell("\(command.phase.rawValue)= \(command.exec.path) \(Self.describe(status))")
            if [.condition, .startPre, .start, .startPost].contains(state), f != .skipCondition, failedStartStatus == nil {
                failedStartStatus = JailRunner.exitCode(status)
            }
        }
        if f == .success, let next = pending.popFirst() {
            return spawnControl(next)
        }
        pending = []
        switch state {
        case .condition: f == .success ? enterStartPre() : enterSignal(.stopSigterm, f)
        case .startPre: f == .success ? enterStart() : enterSignal(.stopSigterm, f)
        case .start:
            // Type=forking: the launcher has exited.
            guard f == .success else { return enterSignal(.stopSigterm, f) }
            findForkedMain() ? enterStartPost() : enterSignal(.stopSigterm, .protocol)
        case .startPost: f == .success ? enterRunning(.success) : enterStop(f)
        case .reload:
            if f != .success { tell("reload failed") }
            // notify-reload: a service still saying RELOADING=1 has yet to say READY=1.
            if policy.reloadSignal != nil, saysReloading { state = .reloadNotify } else { enterRunning(.success) }
        case .stop: enterSignal(.stopSigterm, f)
        case .stopWatchdog, .stopSigterm, .stopSigkill: if !mainAlive { enterStopPost(f) }
        case .stopPost: enterSignal(.finalSigterm, f)
        case .finalSigterm, .finalSigkill: enterDead(f, allowRestart: true)
        default: break
        }
    }

    private func timerFired() {
        timer = nil
        switch state {
        case .condition, .startPre, .start:
            tell("start operation timed out (TimeoutStartSec=\(Self.seconds(policy.startTimeout))), terminating")
            enterSignal(.stopSigterm, .timeout)
        case .startPost:
            tell("start-post operation timed out, stopping")
            enterStop(.timeout)
        case .running:
            tell("RuntimeMaxSec= reached, stopping")
            enterStop(.timeout)
        case .reload, .reloadSignal, .reloadNotify:
            tell("reload timed out")
            if let control { kill(control.pid, policy.killSignal) }
            enterRunning(.success)
        case .stop:
            tell("stop operation timed out, terminating")
            enterSignal(.stopSigterm, .timeout)
        case .stopWatchdog, .stopSigterm:
            tell("\(state.rawValue) timed out\(policy.sendSIGKILL ? ", killing" : ", leaving the processes running (SendSIGKILL=no)")")
            policy.sendSIGKILL ? enterSignal(.stopSigkill, .timeout) : enterStopPost(.timeout)
        case .stopSigkill:
            enterStopPost(.timeout)
        case .stopPost:
            enterSignal(.finalSigterm, .timeout)
        case .finalSigterm:
            policy.sendSIGKILL ? enterSignal(.finalSigkill, .timeout) : enterDead(.timeout, allowRestart: true)
        case .finalSigkill:
            enterDead(.timeout, allowRestart: true)
        case .autoRestart:
            restarts += 1
            tell("restarting (restart \(restarts))")
            do {
                try beforeRestart()
            } catch {
                tell("cannot restart: \(error)")
                result = .resources
                state = .dead
                return
            }
            start()
        case .exited, .dead:
            break
        }
    }

    private func stopRequested() {
        forbidRestart = true
        switch state {
        case .autoRestart: enterDead(.success, allowRestart: false)
        case .condition, .startPre, .start, .startPost, .reload, .reloadSignal, .reloadNotify, .stopWatchdog: enterSignal(.stopSigterm, .success)
        case .running, .exited: enterStop(.success)
        default: break
        }
    }

    private func reloadRequested() {
        guard state == .running else { return }
        // Type=notify-reload: the main process is told with its reload signal, and says when it
        // has reloaded; an ExecReload= runs as well.
        var signalled = false
        if let signal = policy.reloadSignal, let main {
            guard kill(main.pid, signal) == 0 else {
                return tell("cannot send the reload signal: \(String(cString: strerror(errno)))")
            }
            _ = kill(main.pid, SIGCONT)
            signalled = true
        }
        guard signalled || commands.contains(where: { $0.phase == .reload }) else {
            return tell("no ExecReload=: SIGHUP ignored")
        }
        report("reloading")
        // Only a RELOADING=1 stamped after this moment answers this request.
        reloadBegan = JailRunner.now()
        runControl(phase: .reload, state: .reload, timeout: policy.startTimeout) {
            if signalled {
                self.state = .reloadSignal
                self.arm(self.policy.startTimeout)
            } else {
                self.enterRunning(.success)
            }
        }
    }

    /// When the last reload was asked for (CLOCK_MONOTONIC, seconds).
    private var reloadBegan = Double.infinity
    /// The service said RELOADING=1 last (not yet READY=1).
    private var saysReloading = false

    private func watchdogExpired() {
        watchdogDeadline = nil
        tell("watchdog timeout (WatchdogSec=\(Self.seconds(policy.watchdog ?? 0)))")
        enterSignal(.stopWatchdog, .watchdog)
    }

    // MARK: - sd_notify

    private func received(_ message: NotifySocket.Message) {
        guard authorized(message.sender) else { return }
        let f = message.fields
        if let text = f["STATUS"] { statusText = text }
        // ERRNO=: why the service says it failed, told with the result (systemd shows it in status).
        if let value = f["ERRNO"] { serviceErrno = Int32(value).flatMap { $0 > 0 ? $0 : nil } }
        // Only a process of the service may become its main one: brig signals the main process
        // as root, and a jail must not steer that at anything outside it.
        if let value = f["MAINPID"], let pid = pid_t(value), pid > 1, pid != getpid(),
           [.start, .startPost, .running].contains(state), reaper.pids(of: site).contains(pid) {
            adoptMain(pid)
        }
        if let value = f["EXTEND_TIMEOUT_USEC"], let usec = Double(value), timer != nil,
           [.start, .startPost, .stop, .stopSigterm, .stopPost, .finalSigterm, .reload, .reloadSignal, .reloadNotify].contains(state) {
            timer = max(timer!, JailRunner.now() + usec / 1e6)
        }
        if let value = f["WATCHDOG_USEC"], let usec = Double(value), usec > 0 {
            watchdogOverride = usec / 1e6
            resetWatchdog()
        }
        if f["WATCHDOG"] == "1" { resetWatchdog() }
        if f["WATCHDOG"] == "trigger", watchdogDeadline != nil || policy.watchdog != nil { return watchdogExpired() }
        if f["STOPPING"] == "1", [.running, .reloadSignal, .reloadNotify].contains(state) {
            report("stopping, as the service said")
            state = .stopSigterm
            arm(policy.stopTimeout)
            return
        }
        // A reload cycle counts as the answer to brig's request only if it is stamped after it.
        let stamped = f["MONOTONIC_USEC"].flatMap(Double.init).map { $0 / 1e6 >= reloadBegan } ?? false
        if f["READY"] == "1" {
            saysReloading = false
            if state == .start, policy.readiness == .notify {
                report("ready" + (statusText.map { ": \($0)" } ?? ""))
                enterStartPost()
            } else if state == .reload, control == nil {
                enterRunning(.success)
            } else if state == .reloadNotify || state == .reloadSignal && f["RELOADING"] == "1" && stamped {
                report("reloaded")
                enterRunning(.success)
            }
            return
        }
        if f["RELOADING"] == "1" {
            saysReloading = true
            if state == .reloadSignal, stamped {
                state = .reloadNotify
            } else if state == .running {
                report("reloading, as the service said")
                state = policy.reloadSignal != nil ? .reloadNotify : .reload
                arm(policy.startTimeout)
            }
        }
    }

    // MARK: - D-Bus

    /// Type=dbus: the service is started once its name has an owner, and a running service that
    /// loses it is stopped (systemd's service_bus_name_owner_change).
    private func busNameChanged(_ bus: BusNameWatch) {
        guard policy.readiness == .dbus else { return }
        if state == .running {
            if !bus.owned { report("stopping: \(bus.name) has no owner on the bus any more") }
            enterRunning(.success)
        } else if state == .start, bus.owned {
            report("ready: \(bus.name) is on the bus")
            enterStartPost()
        }
    }

    /// NotifyAccess=: main, exec (main or control), all (any process of the service).
    private func authorized(_ sender: pid_t) -> Bool {
        switch policy.notifyAccess {
        case .none: false
        case .main: sender == main?.pid
        case .exec: sender == main?.pid || sender == control?.pid
        case .all: sender > 0 && reaper.pids(of: site).contains(sender)
        }
    }

    private var watchdogOverride: Double? = nil

    private func resetWatchdog() {
        guard let interval = watchdogOverride ?? policy.watchdog, interval > 0, interval.isFinite else { return }
        watchdogDeadline = JailRunner.now() + interval
    }

    // MARK: - processes

    private func spawnMain(_ command: LaunchCommand) {
        var environment: [String] = []
        if let notify { environment.append("NOTIFY_SOCKET=\(notify.path)") }
        if let watchdog = policy.watchdog, watchdog > 0, watchdog.isFinite {
            environment += ["WATCHDOG_USEC=\(UInt64(watchdog * 1e6))", JailPlanner.watchdogPIDPlaceholder]
        }
        if let file = policy.pidFile { environment.append("PIDFILE=\(file)") }
        switch spawn(command, environment) {
        case .running(let child):
            main = child
            mainKnown = true
            lastMainCommand = command
            report("started, main PID \(child.pid)")
        case .exited(let status):
            lastMainCommand = command
            mainKnown = true
            mainExited(status)
        case .failed:
            enterSignal(.stopSigterm, .resources)
        }
    }

    private var lastMainCommand: LaunchCommand? = nil

    private func spawnControl(_ command: LaunchCommand) {
        var environment: [String] = []
        if let notify, policy.notifyAccess == .all || policy.notifyAccess == .exec {
            environment.append("NOTIFY_SOCKET=\(notify.path)")
        }
        if let main {
            environment.append("MAINPID=\(main.pid)")
            if policy.announcesMainPIDFDID, let id = PidfdID.of(main.fd) { environment.append("MAINPIDFDID=\(id)") }
        }
        if let file = policy.pidFile { environment.append("PIDFILE=\(file)") }
        if command.phase == .stop || command.phase == .stopPost {
            environment.append("SERVICE_RESULT=\(result.rawValue)")
            if let status = mainStatus {
                let signal = status & 0x7f
                environment.append("EXIT_CODE=\(signal == 0 ? "exited" : status & 0x80 != 0 ? "dumped" : "killed")")
                environment.append("EXIT_STATUS=\(signal == 0 ? String((status >> 8) & 0xff) : Self.signalName(signal))")
            }
        }
        switch spawn(command, environment) {
        case .running(let child): control = child
        case .exited(let status):
            control = Child(pid: 0, fd: -1, command: command)
            controlExited(status)
        case .failed:
            control = nil
            pending = []
            switch state {
            case .stopPost: enterDead(.resources, allowRestart: true)
            case .stop, .condition, .startPre, .startPost: enterSignal(.stopSigterm, .resources)
            case .reload: enterRunning(.success)
            default: enterStop(.resources)
            }
        }
    }

    private enum Spawned { case running(Child), exited(Int32), failed }

    /// A jail step that fails is a process that exited with the step's status, as under systemd;
    /// a failure of brig's own set-up fails the operation with the result "resources".
    private func spawn(_ command: LaunchCommand, _ environment: [String]) -> Spawned {
        do {
            let pid = try ChildSpawner.spawn(plan(command, environment))
            return .running(Child(pid: pid, fd: cjail_pidfd_open(pid), command: command))
        } catch {
            SystemFiles.warn("brig run: \(error)")
            if case .step(let failure) = error {
                if command.phase == .start && stepFailure == nil { stepFailure = error }
                return .exited(failure.step.failure.rawValue << 8)
            }
            return .failed
        }
    }

    /// Type=forking after its launcher succeeded: the daemon named by PIDFile=, or guessed.
    private func findForkedMain() -> Bool {
        if let file = policy.pidFile {
            // The daemon may write it a moment after its launcher exits.
            let deadline = JailRunner.now() + 5
            var pid: pid_t? = nil
            while pid == nil && JailRunner.now() < deadline && !site.isEmpty {
                pid = MainProcess.fromPIDFile(file)
                if pid == nil { usleep(10_000) }
            }
            // systemd trusts a root-owned PID file naming any process; brig trusts none that
            // points out of the jail.
            guard let pid, reaper.pids(of: site).contains(pid) else {
                SystemFiles.warn("brig run: PIDFile=\(file) names no process of the service")
                failedStartStatus = 1
                return false
            }
            adoptMain(pid)
        } else if policy.guessMainPID, let pid = MainProcess.guess(among: reaper.pids(of: site)) {
            adoptMain(pid)
        }
        return true
    }

    private func adoptMain(_ pid: pid_t) {
        guard pid != main?.pid else { return }
        closeChild(&main)
        main = Child(pid: pid, fd: cjail_pidfd_open(pid), command: nil)
        mainKnown = true
        report("main PID \(pid)")
    }

    private func closeChild(_ child: inout Child?) {
        if let fd = child?.fd, fd >= 0 { Glibc.close(fd) }
        child = nil
    }

    /// Whether the service still runs: its main process, or without a known one, its cgroup.
    private var serviceGood: Bool {
        if policy.readiness == .dbus, bus?.owned != true { return false }
        return mainKnown ? main != nil : !site.isEmpty
    }
    private var mainAlive: Bool { main != nil }

    /// Sends the operation's signal as KillMode= says; whether there is anything to wait for.
    private func killProcesses(_ operation: KillOperation) -> Bool {
        let signal = switch operation {
        case .terminate: policy.killSignal
        case .kill: policy.finalKillSignal
        case .watchdog: policy.watchdogSignal
        }
        var waitFor = false
        func send(_ pid: pid_t) {
            guard kill(pid, signal) == 0 else { return }
            if operation == .terminate && policy.sendSIGHUP && signal != SIGHUP { kill(pid, SIGHUP) }
            if signal != SIGCONT && signal != SIGKILL { kill(pid, SIGCONT) }
        }
        if policy.killMode != .none {
            for child in [main, control].compactMap({ $0 }) where child.pid > 0 {
                send(child.pid)
                waitFor = true
            }
        }
        let wholeGroup = policy.killMode == .controlGroup || (policy.killMode == .mixed && operation == .kill)
        if wholeGroup {
            let pids = reaper.pids(of: site)
            if !pids.isEmpty {
                // cgroup.kill also reaches what forks while it works; one by one otherwise.
                let killed = operation == .kill && signal == SIGKILL && SystemFiles.write(site.cgroup + "/cgroup.kill", "1") == 0
                if !killed { for pid in pids { send(pid) } }
                waitFor = true
            }
        }
        return waitFor
    }

    // MARK: - waiting

    private var watchdogOn: Bool { [.startPost, .running, .reload, .reloadSignal, .reloadNotify].contains(state) }

    /// Where an empty cgroup ends the state and no process can wake us, it is looked at every 20 ms.
    private var polling: Bool {
        (main?.fd ?? -1) < 0 && (control?.fd ?? -1) < 0
            && [.running, .stopWatchdog, .stopSigterm, .stopSigkill, .finalSigterm, .finalSigkill].contains(state)
    }

    /// What the next wait polls: the processes' pidfds, brig's signals, the notify and bus sockets.
    var descriptors: [pollfd] {
        [main?.fd ?? -1, control?.fd ?? -1, signals, notify?.fd ?? -1, bus?.fd ?? -1].map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    }

    /// How long the next wait may last, in milliseconds (-1: until a descriptor is ready).
    var timeout: Int32 {
        let wake = [timer, watchdogOn ? watchdogDeadline : nil, polling ? JailRunner.now() + 0.02 : nil].compactMap { $0 }.min()
        return wake.map { $0.isFinite ? Int32(max(0, min(($0 - JailRunner.now()) * 1000, 3_600_000))) : -1 } ?? -1
    }

    /// Acts on what a poll of `descriptors` returned (or on a timeout).
    func handle(_ fds: [pollfd]) {
        let watchdogOn = watchdogOn, polling = polling   // as they were for the poll
        reaper.reap(except: [main?.pid, control?.pid].compactMap { $0 })
        // Readiness first: a READY=1 sent just before exiting counts, as systemd reads the socket first.
        if fds[3].revents != 0, let notify { for m in notify.receive() { received(m) } }
        if let child = control, fds[1].revents != 0 || (child.fd < 0 && !alive(child.pid)) {
            return controlExited(collect(child.pid))
        }
        if let child = main, fds[0].revents != 0 || (child.fd < 0 && !alive(child.pid)) {
            return mainExited(collect(child.pid))
        }
        // A name lost as its owner exits is the exit, which the lines above have taken.
        if fds[4].revents != 0, let bus, bus.receive() { return busNameChanged(bus) }
        if fds[2].revents != 0 {
            var byte: UInt8 = 0
            while read(signals, &byte, 1) == 1 {
                if Int32(byte) == SIGHUP { reloadRequested() } else { stopRequested() }
            }
            return
        }
        let now = JailRunner.now()
        if watchdogOn, let deadline = watchdogDeadline, now >= deadline { return watchdogExpired() }
        if let t = timer, now >= t { return timerFired() }
        if polling && site.isEmpty { cgroupEmpty() }
    }

    /// Nothing of the service is left to wait for: what the state waited on has happened.
    private func cgroupEmpty() {
        switch state {
        case .running where !mainKnown: enterRunning(.success)
        case .start where policy.readiness == .forking: break
        case .stopWatchdog, .stopSigterm, .stopSigkill: enterStopPost(.success)
        case .finalSigterm, .finalSigkill: enterDead(.success, allowRestart: true)
        default: break
        }
    }

    /// The wait status of a process that has exited: our child's, or 0 for one we cannot wait for
    /// (a MAINPID= that is not ours).
    private func collect(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, __WALL) < 0 {
            if errno != EINTR { return 0 }
        }
        return status
    }

    private func alive(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 || errno == EPERM }

    // MARK: - results

    private func arm(_ seconds: Double) {
        timer = seconds.isFinite ? JailRunner.now() + seconds : nil
    }

    private func note(_ f: Result) {
        if result == .success { result = f }
    }

    /// systemd's reading of an exit: SIGHUP, SIGINT, SIGTERM and SIGPIPE end a daemon cleanly,
    /// SuccessExitStatus= adds statuses and signals.
    private func outcome(_ status: Int32, daemon: Bool) -> Result {
        let signal = status & 0x7f
        if signal == 0 {
            let code = (status >> 8) & 0xff
            return code == 0 || policy.successStatus.contains(exited: code) ? .success : .exitCode
        }
        if daemon && [SIGHUP, SIGINT, SIGTERM, SIGPIPE].contains(signal) { return .success }
        if policy.successStatus.contains(killedBy: signal) { return .success }
        return status & 0x80 != 0 ? .coreDump : .signal
    }

    private var shallRestart: Bool {
        if result == .skipCondition { return false }
        if let status = mainStatus {
            let signal = status & 0x7f
            let exited = signal == 0, code = (status >> 8) & 0xff
            if exited ? policy.restartPreventStatus.contains(exited: code) : policy.restartPreventStatus.contains(killedBy: signal) { return false }
            if exited ? policy.restartForceStatus.contains(exited: code) : policy.restartForceStatus.contains(killedBy: signal) { return true }
        }
        switch policy.restart {
        case .no: return false
        case .always: return true
        case .onSuccess: return result == .success
        case .onFailure: return result != .success
        case .onAbnormal: return result != .success && result != .exitCode
        case .onWatchdog: return result == .watchdog
        case .onAbort: return result == .signal || result == .coreDump
        }
    }

    /// How the service ended: its result, the main process's status, what it said of an error.
    func resultLine() -> String {
        var line = "result \(result.rawValue)"
        if let status = mainStatus { line += ", main process \(Self.describe(status))" }
        if let e = serviceErrno { line += ", the service said errno \(e) (\(String(cString: strerror(e))))" }
        return line
    }

    /// A step of the service's life, told when the policy asks for reports.
    private func report(_ line: String) {
        if policy.reports { tell(line) }
    }

    /// What the user must hear whatever was asked: timeouts, failures, restarts.
    private func tell(_ line: String) {
        SystemFiles.warn("brig run: \(policy.unitName): \(line)")
    }

    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exited, status=\((status >> 8) & 0xff)" }
        return "\(status & 0x80 != 0 ? "dumped core" : "killed"), signal=\(signalName(signal))"
    }

    /// A signal as systemd names it in $EXIT_STATUS: "TERM", "KILL".
    static func signalName(_ signal: Int32) -> String {
        let name = Signal(number: signal).description
        return name.hasPrefix("SIG") ? String(name.dropFirst(3)) : name
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s))s" : "\(s)s"
    }
}

import CJail
#if canImport(Glibc)
import Glibc
#endif

/// How a run ends: systemd's KillSignal=, TimeoutStopSec= and SendSIGKILL=.
public struct StopPolicy: Sendable {
    public var killSignal: Int32 = SIGTERM
    public var timeoutSeconds: Double = 90
    public var sendSIGKILL = true
    /// RuntimeMaxSec= (with its randomized extra already drawn): the main command is stopped
    /// this long after its start, as if brig had been asked to stop it.
    public var runtimeMaxSeconds: Double? = nil
    /// Type=forking: the command started is a launcher; once it exits successfully the daemon it
    /// left is supervised, found by `pidFile` or, with `guessMainPID`, as the one process left.
    public var forking: (pidFile: String?, guessMainPID: Bool)? = nil
    public init() {}
}

/// Runs plans in a cgroup of their own and reaps every process the run started.
public enum JailRunner {
    /// Forks the child, waits for the main process and returns its status as a
    /// shell sees it (128+N for death by signal N). Signals sent to brig are
    /// forwarded as KillSignal= and any child is reaped when brig `ownsProcess`
    /// (the CLI; a test process shares both with others). Afterwards nothing
    /// of the run is left: the cgroup is emptied and removed, directories gone.
    /// The site must be prepared; the caller removes it after its last run.
    public static func run(_ plan: JailPlan, site: RunSite, stop: StopPolicy = StopPolicy(),
                           ownsProcess: Bool = false) throws(JailError) -> Int32 {
        // Processes the main process leaves behind are re-parented to us, so we can reap them.
        _ = cjail_become_subreaper()
        let pid: pid_t
        do {
            pid = try ChildSpawner.spawn(plan)
        } catch {
            terminateCgroup(site, stop: stop, reaper: Reaper(any: ownsProcess))
            throw error
        }
        // brig's keeper ends the run if brig itself is ended before it could (the CLI only: a
        // test process runs many jails and outlives them all).
        let keeper = ownsProcess ? startKeeper(site) : nil
        let reaper = Reaper(any: ownsProcess)
        var status = waitForMain(pid, site: site, stop: stop, forwardSignals: ownsProcess, reaper: reaper)
        if status == 0, let forking = stop.forking {
            status = superviseDaemon(forking, site: site, stop: stop, forwardSignals: ownsProcess, reaper: reaper)
        }
        terminateCgroup(site, stop: stop, reaper: reaper)
        if let keeper { cjail_stop_keeper(keeper) }
        return status
    }

    /// A pidfd on the keeper; nil when none could be forked, and the run goes on without it.
    private static func startKeeper(_ site: RunSite) -> Int32? {
        let keeper = cjail_start_keeper(site.cgroup, site.cgroup + "/cgroup.kill", site.cgroupProcs, site.ownerLock.fd,
                                        RunSite.ownerLocks + "/" + site.id, site.controllerCgroups.map { $0 + "\0" }.joined() + "\0")
        if keeper < 0 { SystemFiles.warn("brig run: no keeper for the run: \(SystemFiles.errorName(-keeper))") }
        return keeper >= 0 ? keeper : nil
    }

    /// The read end of the pipe brig's stop signals are written to. One for brig's life: a signal
    /// that comes between two waits (between commands, while a PID file is awaited) waits in it,
    /// and the handler never writes into a descriptor closed and numbered anew since.
    private static let forwardedSignals: Int32? = {
        var fds: [Int32] = [-1, -1]
        guard cjail_pipe(&fds) == 0, cjail_forward_signals(fds[1]) == 0 else { return nil }
        return fds[0]
    }()

    /// Polls the main process (or, without one, the cgroup until it is empty) and the forwarded
    /// signals; after the first signal, SIGKILL follows once TimeoutStopSec= has passed.
    private static func waitForMain(_ pid: pid_t?, site: RunSite, stop: StopPolicy, forwardSignals: Bool,
                                    reaper: Reaper) -> Int32 {
        let pidfd = pid.map(cjail_pidfd_open) ?? -1
        let signals = forwardSignals ? forwardedSignals ?? -1 : -1
        defer { if pidfd >= 0 { close(pidfd) } }
        var deadline: Double? = nil
        var runtimeEnd = stop.runtimeMaxSeconds.map { now() + $0 }
        // Without a main process there is nothing to wake on: the cgroup is looked at every 20 ms.
        while pid == nil ? !site.isEmpty : pidfd >= 0 {
            var fds = [pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: signals, events: Int16(POLLIN), revents: 0)]
            let wake = [deadline, runtimeEnd, pid == nil ? now() + 0.02 : nil].compactMap { $0 }.min()
            let ready = poll(&fds, 2, wake.map { Int32(max(0, ($0 - now()) * 1000)) } ?? -1)
            if ready < 0 && errno == EINTR { continue }
            if pid == nil { reaper.reap() }
            if fds[0].revents != 0 { break }
            if fds[1].revents != 0 {
                var byte: UInt8 = 0
                while read(signals, &byte, 1) == 1 {}
                signalCgroup(site, stop.killSignal, reaper)
                if deadline == nil { deadline = now() + stop.timeoutSeconds }
            } else if let end = runtimeEnd, now() >= end {
                SystemFiles.warn("brig run: RuntimeMaxSec= reached, stopping the service")
                signalCgroup(site, stop.killSignal, reaper)
                runtimeEnd = nil
                if deadline == nil { deadline = now() + stop.timeoutSeconds }
            } else if let d = deadline, now() >= d {
                if stop.sendSIGKILL { killCgroup(site, reaper) }
                deadline = nil
            }
        }
        guard let pid else { return 0 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return exitCode(status)
    }

    /// Type=forking after a successful launcher: the daemon's status once it exits, or 0 once the
    /// cgroup is empty where no main process can be told (stop signals are forwarded either way). A PID file naming a process outside the
    /// run's cgroup is refused (status 1), whoever wrote it: systemd trusts a root-owned one, brig
    /// trusts none that points out of the jail.
    private static func superviseDaemon(_ forking: (pidFile: String?, guessMainPID: Bool), site: RunSite, stop: StopPolicy,
                                        forwardSignals: Bool, reaper: Reaper) -> Int32 {
        var main: pid_t? = nil
        if let file = forking.pidFile {
            // The daemon may write it a moment after its launcher exits.
            let deadline = now() + 5
            while main == nil && now() < deadline && !site.isEmpty {
                main = MainProcess.fromPIDFile(file)
                if main == nil { usleep(10_000) }
            }
            guard let pid = main, reaper.pids(of: site).contains(pid) else {
                SystemFiles.warn("brig run: PIDFile=\(file) names no process of the service")
                return 1
            }
        } else if forking.guessMainPID {
            main = MainProcess.guess(among: reaper.pids(of: site))
        }
        return waitForMain(main, site: site, stop: stop, forwardSignals: forwardSignals, reaper: reaper)
    }

    /// The shell's view of a wait status.
    static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// KillMode=control-group: the rest of the tree gets KillSignal=, then
    /// SIGKILL after TimeoutStopSec=; every process is reaped, the cgroup removed.
    private static func terminateCgroup(_ site: RunSite, stop: StopPolicy, reaper: Reaper) {
        if !reaper.pids(of: site).isEmpty {
            signalCgroup(site, stop.killSignal, reaper)
            let deadline = now() + stop.timeoutSeconds
            while !reaper.pids(of: site).isEmpty && now() < deadline {
                reaper.reap()
                usleep(2000)
            }
            // SendSIGKILL=no: what ignored KillSignal= is left running, as under systemd.
            guard stop.sendSIGKILL else { return reaper.reap() }
            killCgroup(site, reaper)
        }
        for _ in 0..<5000 {
            reaper.reap()
            if reaper.pids(of: site).isEmpty { break }
            usleep(1000)
        }
        reaper.reap()
    }

    private static func signalCgroup(_ site: RunSite, _ signal: Int32, _ reaper: Reaper) {
        for pid in reaper.pids(of: site) { kill(pid, signal) }
    }

    private static func killCgroup(_ site: RunSite, _ reaper: Reaper) {
        if SystemFiles.write(site.cgroup + "/cgroup.kill", "1") != 0 { signalCgroup(site, SIGKILL, reaper) }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// Reaps the processes of a run that were re-parented to us: every pid ever
/// seen in the run's cgroup, or any child at all when brig owns the process.
private final class Reaper {
    private let any: Bool
    private var seen: Set<pid_t> = []

    init(any: Bool) { self.any = any }

    func pids(of site: RunSite) -> [pid_t] {
        let pids = (SystemFiles.read(site.cgroupProcs) ?? "").split(separator: "\n").compactMap { pid_t($0) }
        seen.formUnion(pids)
        return pids
    }

    func reap() {
        var status: Int32 = 0
        if any {
            while waitpid(-1, &status, WNOHANG | __WALL) > 0 {}
            return
        }
        for pid in seen where waitpid(pid, &status, WNOHANG | __WALL) != 0 { seen.remove(pid) }
    }
}

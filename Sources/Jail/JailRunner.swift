import CJail
import Directives
#if canImport(Glibc)
import Glibc
#endif

/// Runs a service's processes in a cgroup of their own and reaps every process the run started.
public enum JailRunner {
    /// Leads the service through its commands (`ServiceSupervisor`) and returns brig's status: the
    /// failed start command's, else the main process's as a shell sees it (128+N for signal N).
    /// Signals sent to brig stop (SIGTERM, SIGINT, SIGQUIT) or reload (SIGHUP) the service, and any
    /// child is reaped when brig `ownsProcess` (the CLI; a test process shares both with others).
    /// The site must be prepared; the caller removes it after the run.
    static func supervise(_ commands: [LaunchCommand], policy: ServicePolicy, site: RunSite, ownsProcess: Bool,
                          rethrowStepFailure: Bool = false, beforeRestart: @escaping () throws(JailError) -> Void = {},
                          plan: @escaping (LaunchCommand, [String]) -> JailPlan) throws(JailError) -> Int32 {
        let supervisor = try ServiceSupervisor(policy: policy, commands: commands, site: site, reaper: Reaper(any: ownsProcess),
                                               signals: ownsProcess ? forwardedSignals ?? -1 : -1, keeper: ownsProcess,
                                               beforeRestart: beforeRestart, plan: plan)
        let status = supervisor.run()
        if rethrowStepFailure, let failure = supervisor.stepFailure { throw failure }
        return status
    }

    /// One plan as a simple service's only command (for tests and tools that plan by hand); a
    /// failed jail step is thrown.
    public static func run(_ plan: JailPlan, site: RunSite, policy: ServicePolicy = ServicePolicy(),
                           ownsProcess: Bool = false) throws(JailError) -> Int32 {
        let command = LaunchCommand(.start, ExecCommand(path: plan.arguments.first ?? "", arguments: plan.arguments))
        return try supervise([command], policy: policy, site: site, ownsProcess: ownsProcess, rethrowStepFailure: true) { _, _ in plan }
    }

    /// A pidfd on the keeper; nil when none could be forked, and the run goes on without it.
    static func startKeeper(_ site: RunSite) -> Int32? {
        let keeper = cjail_start_keeper(site.cgroup, site.cgroup + "/cgroup.kill", site.cgroupProcs, site.ownerLock.fd,
                                        site.controllerCgroups.map { $0 + "\0" }.joined() + "\0")
        if keeper < 0 { SystemFiles.warn("brig run: no keeper for the run: \(SystemFiles.errorName(-keeper))") }
        return keeper >= 0 ? keeper : nil
    }

    /// The read end of the pipe brig's signals are written to, a byte each. One for brig's life: a
    /// signal that comes between two waits waits in it, and the handler never writes into a
    /// descriptor closed and numbered anew since.
    static let forwardedSignals: Int32? = {
        var fds: [Int32] = [-1, -1]
        guard cjail_pipe(&fds) == 0, cjail_forward_signals(fds[1]) == 0 else { return nil }
        return fds[0]
    }()

    /// The shell's view of a wait status.
    public static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// Reaps the processes of a run that were re-parented to us: every pid ever
/// seen in the run's cgroup, or any child at all when brig owns the process.
final class Reaper {
    private let any: Bool
    private var seen: Set<pid_t> = []

    init(any: Bool) { self.any = any }

    func pids(of site: RunSite) -> [pid_t] {
        let pids = site.processes
        seen.formUnion(pids)
        return pids
    }

    /// Reaps what has exited, but not `kept`: the supervisor collects their statuses itself.
    func reap(except kept: [pid_t]) {
        var status: Int32 = 0
        if any {
            while true {
                let pid = cjail_peek_exited()
                if pid <= 0 || kept.contains(pid) { return }
                waitpid(pid, &status, WNOHANG | __WALL)
            }
        }
        for pid in seen where !kept.contains(pid) && waitpid(pid, &status, WNOHANG | __WALL) != 0 { seen.remove(pid) }
    }
}

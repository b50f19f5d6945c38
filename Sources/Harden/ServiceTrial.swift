import Jail
#if canImport(Glibc)
import Glibc
#endif

/// One run of the service under `brig run` with extra directives, the workload against it, then
/// the stop. Services take a moment to start: the workload is tried again until it passes, the
/// service ends, or the start window closes.
struct ServiceTrial {
    /// The brig binary to run the service with.
    var brig: String
    /// NAME.service or a unit file's path, as brig run takes it (a socket unit, as brig listen does).
    var unit: String
    /// `unit` is a socket unit: brig listen holds its listeners and starts the service with them.
    var socketActivated = false
    /// None: the service is only observed, for `observeFor` seconds of live traffic.
    var workload: String?
    /// An observed run lasts at least this long (the workload's traffic and any other).
    var observeFor: Double = 0
    /// How long one run of the workload may take.
    var timeout: Double
    var startWindow: Double

    struct Outcome {
        var passed: Bool
        /// What went wrong, in a sentence: the workload's last output, or the service's.
        var detail: String
        var serviceEnded: Bool
        var timedOut: Bool
        var observations: Observations?
        var seconds: Double
        /// How long the last run of the workload took.
        var workloadSeconds: Double = 0
    }

    func run(_ lines: [String], observe: Bool) throws(HardenError) -> Outcome {
        let started = Deadline.now()
        let cgroup = try TrialCgroup()
        defer { cgroup.remove() }
        let observer = observe ? try KernelObserver(watching: cgroup) : nil
        // The shell moves itself into the trial's cgroup, then becomes brig run (or brig listen).
        let service = try ChildProcess(["/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", cgroup.path, brig, socketActivated ? "listen" : "run"]
                                       + lines.flatMap { ["-p", $0] } + [unit])
        var outcome = Outcome(passed: false, detail: "", serviceEnded: false, timedOut: false, seconds: 0)
        let window = Deadline(after: startWindow)
        while let workload {
            let attempt = Deadline.now()
            let workload = try ChildProcess(["/bin/sh", "-c", workload])
            defer { outcome.workloadSeconds = Deadline.now() - attempt }
            if !workload.wait(until: Deadline(after: timeout)) {
                workload.stop(signal: SIGKILL)
                if Interruption.requested { break }
                outcome.timedOut = true
                outcome.detail = "the workload ran longer than \(Int(timeout)) s"
                break
            }
            if workload.status == 0 {
                outcome.passed = true
                break
            }
            outcome.detail = "workload exit status \(workload.status ?? -1)" + Self.quoted(workload.outputTail())
            if service.poll() {
                outcome.serviceEnded = true
                outcome.detail = "the service ended with status \(service.status ?? -1)" + Self.quoted(service.outputTail(lines: 6)) + "; " + outcome.detail
                break
            }
            if window.passed || Interruption.requested { break }
            usleep(200_000)
        }
        if observe {
            let end = Deadline(after: observeFor - (Deadline.now() - started))
            while !end.passed && !service.poll() && !Interruption.requested { usleep(50_000) }
            if workload == nil {
                outcome.passed = !service.poll()
                outcome.serviceEnded = !outcome.passed
                if !outcome.passed { outcome.detail = "the service ended with status \(service.status ?? -1)" + Self.quoted(service.outputTail(lines: 6)) }
            }
        }
        // brig run stops the service on SIGTERM, as systemctl stop would.
        if !service.poll() {
            kill(service.pid, SIGTERM)
            let stopping = Deadline(after: 30)
            while !service.poll() && !stopping.passed { usleep(5_000) }
            if !service.poll() { service.stop(signal: SIGKILL) }
        }
        if Interruption.requested { throw .interrupted(Interruption.signal) }
        observer?.detach()
        outcome.observations = observer?.observations()
        outcome.seconds = Deadline.now() - started
        return outcome
    }

    static func quoted(_ text: String) -> String { text.isEmpty ? "" : ": \(text)" }
}

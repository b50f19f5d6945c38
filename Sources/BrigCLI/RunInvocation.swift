import Directives
import Jail
#if canImport(Glibc)
import Glibc
#endif

/// One `brig run` with its words read: by ArgumentParser for `RunCommand`, or by the fast path
/// (`plainForm`) without constructing a ParsableCommand, whose property wrappers alone cost as
/// much as reading the whole input. Both run this, so messages and exit statuses are the same.
enum StatsFormat: Equatable { case text, json }

/// Microseconds of the monotonic clock, for the runtime --stats reports.
enum MonotonicClock {
    static func microseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }
}

struct RunInvocation {
    /// The -p assignments, in order.
    var properties: [String] = []
    /// --unit FILE|NAME.
    var unit: String?
    var dryRun = false
    /// --stats (systemd-run's summary on standard error) or --stats-json (one JSON line there).
    var stats: StatsFormat? = nil
    /// The command words as captured; a leading "--" is dropped here.
    var command: [String] = []
    /// --listen-fds: the sockets brig was started with.
    var activation: SocketActivation? = nil
    /// --rules: the systemd release whose reading of the unit applies.
    var rules = SystemdRelease.v252

    /// Sets up the jail and runs the command, or prints the plan; returns the status brig exits
    /// with. Errors of the input or the jail are reported here; others are the caller's.
    func run() throws -> Int32 {
        var arguments = command
        if arguments.first == "--" { arguments.removeFirst() }
        let started = stats == nil ? 0 : MonotonicClock.microseconds()
        do {
            var service = try RunInput.resolve(properties: properties, unit: unit, command: arguments, prepareAhead: !dryRun,
                                               accounting: stats != nil, activation: activation, rules: rules)
            if stats != nil { service.request.ipAccounting = IPAccounting() }
            if dryRun {
                print(RunInput.describe(service))
                return 0
            }
            // What systemd would log on loading the unit (a directive newer than the rules, say),
            // said where the one who started the run sees it, once, before the service's output.
            for warning in service.warnings { printError("brig run: \(warning)") }
            let status = try Launcher.run(service.request, commands: service.commands)
            if let stats, let usage = service.request.usage {
                let report = RunStatistics(status: status, runtimeMicroseconds: MonotonicClock.microseconds() - started, usage: usage,
                                           traffic: service.request.ipAccounting?.traffic)
                printError(stats == .json ? report.json : report.text)
            }
            return status
        } catch let error as JailError {
            printError("brig run: \(error)")
            // A start that failed is a result too, with systemd's exit status for the failed step.
            if let stats, !dryRun {
                let report = RunStatistics(status: error.exitStatus, runtimeMicroseconds: MonotonicClock.microseconds() - started,
                                           usage: RunUsage(counts: false), failedStep: ExitStatus(rawValue: error.exitStatus))
                printError(stats == .json ? report.json : report.text)
            }
            return error.exitStatus
        } catch let error as RunInputError {
            printError("brig run: \(error)")
            return error.exitStatus
        }
    }
}

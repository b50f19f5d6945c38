import Directives
import Jail
import Synchronization
import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// The service a socket starts, started inside brig listen as `brig run --listen-fds N SERVICE`
/// would start it: for each start the unit's files, read once with the socket (for Accept=yes as
/// the connection's instance, so that %i and the other specifiers are its own), become a
/// `ServiceRun` here, with the same jail, log lines and exit statuses as that brig run would
/// have, without an exec of brig and a walk of the unit search path per connection. The syscall
/// filter, the costly part of a jail, is compiled once while the policy stays the same. Starts
/// run on several threads at once (`ConcurrentStarts`): nothing here changes after `init` but
/// the filter cache, which locks, and whether the service's warnings were said, an atomic.
final class ServiceTemplate: Sendable {
    private let rules: SystemdRelease
    private let filters = SyscallFilterCache()
    private let warned = Atomic<Bool>(false)
    /// Directive=value lines added to the service's own, as `brig run -p` adds them.
    private let properties: [String]

    init(rules: SystemdRelease, properties: [String] = []) { self.rules = rules; self.properties = properties }

    /// Why a start failed, as brig run would say it, and the status it would exit with.
    struct Failure: Error {
        let message: String
        let status: Int32
    }

    /// `environment`: Environment= lines after the unit's own (as `-p` adds them). The
    /// descriptors stay the caller's. `reports`: the run tells its start, readiness, reloads and
    /// result as brig run does; an Accept=yes instance leaves that to brig listen's one line
    /// for its start and one for its end.
    func start(_ unit: LoadedUnit, activation: SocketActivation, environment: [String], cgroupParent: String,
               reports: Bool) throws(Failure) -> ServiceRun {
        do {
            var loaded = unit
            // Checked by the command line: each has a name before its '='.
            loaded.assignments += properties.enumerated().compactMap { Assignment.property($1, line: $0 + 1) }
            for (index, line) in environment.enumerated() {
                loaded.assignments.append(Assignment(section: "Service", key: "Environment", value: line,
                                                     location: SourceLocation(file: "-p", line: properties.count + index + 1)))
            }
            if loaded.isMasked { throw Failure(message: "brig run: \(loaded.name.name) is masked", status: 2) }
            let resolved = try ResolvedService.resolve(loaded, UnitConfig(loaded, rules: rules), prepareAhead: true, accounting: false,
                                                       activation: activation, filters: filters)
            // What brig run would warn about (a directive newer than the rules, one with no effect),
            // said at the first start only, not at every connection.
            if !warned.exchange(true, ordering: .relaxed) {
                for warning in resolved.config.warnings { SystemFiles.warn("brig run: \(warning)") }
            }
            var request = resolved.request
            request.service.reports = reports
            // As a service of systemd's: no input unless it says so, and its output is the log
            // (brig listen's standard error), never standard output, where --json events go.
            if request.stdin == .inherit { request.stdin = .null }
            if request.stdout == .inherit { request.stdout = .descriptor(STDERR_FILENO) }
            let commands = ServiceJail.commands(resolved.config.service)
            if !commands.contains(where: { $0.phase == .start }) {
                throw Failure(message: "brig run: \(resolved.config.name.name) has no ExecStart=", status: 2)
            }
            let run = try ServiceRun(request, commands: commands, host: .listener, cgroupParent: cgroupParent)
            run.begin()
            return run
        } catch let failure as Failure {
            throw failure
        } catch let invalid as ResolvedService.Invalid {
            throw Failure(message: invalid.lines.map { "brig run: \($0)" }.joined(separator: "\n"), status: 2)
        } catch let error as JailError {
            throw Failure(message: "brig run: \(error)", status: error.exitStatus)
        } catch {
            throw Failure(message: "Error: \(error)", status: 1)
        }
    }
}

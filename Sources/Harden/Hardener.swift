import Directives
import Exposure
import Jail
import Listen
import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// `brig harden`: observe the service under its workload, synthesise the tightest drop-in the
/// observations allow (`HardeningRules`), prove it (`Prover`), and score before and after with
/// the same analyzer as `brig analyze`.
public struct Hardener {
    public var unit: String
    /// None: learn from `observeSeconds` of live traffic, and prove nothing.
    public var workload: String?
    /// The observation lasts at least this long.
    public var observeSeconds: Double = 0
    public var brig: String
    public var timeout: Double = 60
    public var startWindow: Double = 5
    public var rules = SystemdRelease.v252
    /// Directive=value lines to add to the candidate (proven like the rest).
    public var additions: [String] = []
    public var progress: (String) -> Void = { _ in }

    public init(unit: String, workload: String?, brig: String) {
        self.unit = unit; self.workload = workload; self.brig = brig
    }

    public func harden() throws(HardenError) -> HardenResult {
        let started = Deadline.now()
        let say = { (phase: String, text: String) in progress("[\(tenths(Deadline.now() - started)) s] \(phase): \(text)") }
        let analyzer = Analyzer(rules: rules)
        var loaded: LoadedUnit
        do { loaded = try analyzer.load(unit) } catch { throw .unit(error.message) }
        // A socket unit: its service is what is hardened, observed and proven as the socket
        // starts it (under brig listen, which hands over the listeners), and the drop-in is the service's.
        var socket: SocketUnit? = nil
        var trialUnit = unit
        if loaded.name.type == "socket" {
            do { socket = try SocketUnit.load(unit, rules: rules) } catch { throw .unit("\(error)") }
            do { loaded = try analyzer.load(socket!.service) } catch { throw .unit(error.message) }
        } else if let (path, found) = socketStarting(loaded, analyzer) {
            // A service with a socket of its own name that starts it runs as that socket starts it.
            socket = found
            trialUnit = path
            say("observe", "\(found.name.name) starts \(loaded.name.name): it is observed and proven under brig listen with it")
        }
        let config = UnitConfig(loaded, rules: rules).withImplications()
        let errors = config.diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty { throw .unit(errors.map(\.description).joined(separator: "\n")) }
        do { try UnsupportedDirectives.check(loaded, config) } catch { throw .refused(error.description) }
        let before = try exposure(analyzer, loaded, [])

        var trial = ServiceTrial(brig: brig, unit: trialUnit, workload: workload, observeFor: observeSeconds, timeout: timeout, startWindow: startWindow)
        trial.socketActivated = socket != nil
        say("observe", "\(loaded.name.name) under " + (socket.map { "brig listen with \($0.name.name)" } ?? "brig run") + " with its own directives, " + (workload.map { "workload: \($0)" } ?? "for \(tenths(observeSeconds)) s of live traffic"))
        let baseline = try trial.run([], observe: true)
        if baseline.timedOut { throw .timeout("the workload did not finish within --timeout \(Int(timeout))s with the service as it is") }
        if !baseline.passed {
            throw baseline.serviceEnded
                ? .serviceDidNotStart(baseline.detail) : .workloadFailsUnhardened(baseline.detail)
        }
        let observations = baseline.observations ?? Observations()
        let written = observations.writtenPaths.filter { !$0.hasPrefix("/dev/") && !$0.hasPrefix("/proc/") }
        say("observe", "\(observations.syscalls.count) system calls, \(observations.capabilities.count) capabilities, \(observations.openedPaths.count) paths opened, \(written.count) written, in \(tenths(baseline.seconds)) s")

        let exec = config.exec
        let user = exec.identity.user ?? ""
        var input = RuleInput(observations: observations, writable: WritablePaths(observations),
                              runsAsRoot: (user.isEmpty || user == "root" || user == "0") && exec.identity.dynamicUser != true,
                              ambient: exec.capabilities.ambient ?? .empty, rules: rules, socketActivated: socket != nil)
        let start = Identities.start(user: exec.identity.user, group: exec.identity.group, dynamic: exec.identity.dynamicUser == true)
        let identities = Identities(startUID: start.uid, startGID: start.gid, observations)
        if let switched = Identities.switched(observations) { say("observe", "it switched itself to \(switched)") }
        var candidate = try synthesise(input)
        let proposed = try exposure(analyzer, loaded, candidate)
        say("synthesise", "\(candidate.count) directives, exposure \(tenthsText(before)) -> \(tenthsText(proposed)) if all hold")
        guard workload != nil else {
            say("synthesise", "no workload: nothing is proven")
            return HardenResult(unitName: loaded.name.name, socketName: socket?.name.name, fragmentPath: loaded.fragmentPath, workload: nil, kept: candidate, relaxed: [],
                                notSet: HardeningRules.omissions(input), exposureBefore: before, exposureAfter: proposed,
                                observations: observations, identities: identities, trials: 1, seconds: Deadline.now() - started,
                                observedWorkloadSeconds: baseline.seconds)
        }
        // A jailed program takes other paths (another user's name service, say): the service is
        // observed once more under the candidate without its system call filter (which would stop
        // a new call before the observer sees it), and what it calls there is learnt.
        // Directives asked for with --add are left out too: they are the user's to prove.
        let fromRules = try synthesise(input, adding: false)
        let learning = try trial.run(Prover.lines(fromRules.filter { $0.directive != "SystemCallFilter" }), observe: true)
        let learnt = (learning.observations?.syscalls ?? []).subtracting(input.observations.syscalls)
        if !learnt.isEmpty {
            input.observations.syscalls.formUnion(learnt)
            say("synthesise", "under the candidate it also called " + learnt.compactMap { SyscallTable.x86_64.name(of: Int32($0)) }.sorted().joined(separator: ", "))
            candidate = try synthesise(input)
        }

        let prover = Prover(trial: trial, progress: { say("prove", $0) })
        let proof: Prover.Result
        do { proof = try prover.prove(candidate) { HardeningRules.conflict($0, input) } }
        catch let error as HardenError { throw error } catch { throw .unit("\(error)") }
        let after = try exposure(analyzer, loaded, proof.kept)
        say("prove", "\(proof.kept.count) directives hold, \(proof.relaxed.count) relaxed, in \(proof.trials) runs; exposure \(tenthsText(before)) -> \(tenthsText(after))")
        var result = HardenResult(unitName: loaded.name.name, socketName: socket?.name.name, fragmentPath: loaded.fragmentPath, workload: workload,
                            kept: proof.kept, relaxed: proof.relaxed.map { ($0.restriction, $0.reason) },
                            notSet: HardeningRules.omissions(input),
                            exposureBefore: before, exposureAfter: after, observations: observations, identities: identities,
                            trials: proof.trials + 2, seconds: Deadline.now() - started,
                            observedWorkloadSeconds: baseline.workloadSeconds)
        // Once more under the real systemd when it is PID 1 (a socket's service: not yet).
        if socket == nil, let prefix = SystemdProof.available(), let workload {
            say("systemd", "proving the drop-in under systemd (PID 1) with a copy of the unit")
            let systemd = SystemdProof(prefix: prefix, workload: workload, timeout: timeout, startWindow: startWindow)
            if let failure = try systemd.failure(of: loaded, with: result.dropIn) { throw .failsUnderSystemd(failure) }
            result.provenUnderSystemd = true
            result.seconds = Deadline.now() - started
            say("systemd", "the workload passed")
        }
        return result
    }

    /// NAME.socket (beside the unit file given, or by name) when there is one and the service it
    /// starts is `service`, with the path or name brig listen is to be given.
    func socketStarting(_ service: LoadedUnit, _ analyzer: Analyzer) -> (String, SocketUnit)? {
        guard service.name.type == "service", service.name.instance == nil else { return nil }
        let name = service.name.prefix + ".socket"
        let target = unit.contains("/") ? String(unit[..<unit.lastIndex(of: "/")!]) + "/" + name : name
        if unit.contains("/") ? access(target, F_OK) != 0 : (try? analyzer.load(target))?.fragmentPath == nil { return nil }
        guard let socket = try? SocketUnit.load(target, rules: rules),
              socket.service.split(separator: "/").last.map(String.init) == service.name.name else { return nil }
        return (target, socket)
    }

    /// The rule table's candidate, and the directives asked for with --add.
    func synthesise(_ input: RuleInput, adding: Bool = true) throws(HardenError) -> [Restriction] {
        var candidate = HardeningRules.candidate(input)
        for line in adding ? additions : [] {
            guard let eq = line.firstIndex(of: "="), eq != line.startIndex else { throw .unit("--add \(line): expected Directive=value") }
            candidate.append(Restriction(String(line[..<eq]), String(line[line.index(after: eq)...]), evidence: "asked for with --add"))
        }
        return candidate
    }

    /// The unit's exposure in tenths with `restrictions` added as a drop-in's lines.
    func exposure(_ analyzer: Analyzer, _ unit: LoadedUnit, _ restrictions: [Restriction]) throws(HardenError) -> UInt64 {
        let extra = Prover.lines(restrictions).enumerated().map { index, line in
            let eq = line.firstIndex(of: "=")!
            return Assignment(section: "Service", key: String(line[..<eq]), value: String(line[line.index(after: eq)...]),
                              location: SourceLocation(file: DropInFile.name, line: index + 1))
        }
        do { return try analyzer.assess(unit, target: unit.name.name, extra: extra).exposure }
        catch { throw .unit(error.message) }
    }
}

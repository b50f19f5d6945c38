import ArgumentParser
import Directives
import Harden
#if canImport(Glibc)
import Glibc
#endif

/// `brig harden`: learn what a service needs under a workload, write the tightest drop-in, prove it.
struct HardenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "harden",
        abstract: "Learn what a service needs, write the tightest drop-in, and prove the service still works with it.",
        discussion: """
            brig harden lighttpd.service --workload 'curl -fsS http://127.0.0.1/'
            brig harden ./app.service --workload './client-test' --write
            brig harden app.service --observe 10min       (live traffic; the drop-in is not proven)
            brig harden ./app.socket --workload 'curl -fsS http://127.0.0.1:8080/'   (app.service, started by its socket)
            The service runs under brig run three ways: as it is, observed in the kernel while the
            workload runs; with the candidate drop-in (directives the workload then fails with are
            relaxed by delta debugging); and the drop-in is printed with each line's evidence and
            the exposure before and after (brig analyze's figures). Where systemd is PID 1 the
            drop-in is proven once more under it, with a copy of the unit under a temporary name
            in /run/systemd/system ($BRIG_HARDEN_SYSTEMD: a command prefix to reach another
            systemd; empty: no such proof). Progress goes to standard error.
            Exit status: 0 proven, 1 the service or workload failed as it is (or timed out, or
            the drop-in failed under systemd),
            2 bad input or a unit brig run refuses, 3 the system refused (cgroup, BPF, files).
            """)

    @Argument(help: ArgumentHelp("The service: NAME.service or a unit file's path; or the socket unit that starts it (NAME.socket), to run it as the socket does, under brig listen.", valueName: "UNIT"),
              completion: Completions.units(type: "service"))
    var unit: String

    @Option(help: ArgumentHelp("A shell command that exercises the service and exits 0 when it behaved.", valueName: "CMD"))
    var workload: String?

    @Option(help: ArgumentHelp("Observe for this long (60, 60s, 2min); without --workload, learn from live traffic and prove nothing.", valueName: "DURATION"))
    var observe: String?

    @Option(help: ArgumentHelp("Seconds one run of the workload may take.", valueName: "SECONDS"))
    var timeout: Double = 60

    @Option(help: ArgumentHelp("Seconds a service has to start: the workload is retried until it passes within them.", valueName: "SECONDS"))
    var startWindow: Double = 5

    @Option(name: .customLong("add"), help: ArgumentHelp("One more directive for the candidate, proven like the rest.", valueName: "Directive=value"))
    var additions: [String] = []

    @Option(help: ArgumentHelp("Score with this systemd release's rules (252 by default).", valueName: "RELEASE"))
    var rules: Int?

    @Flag(help: "Install the drop-in as UNIT.d/50-brig-harden.conf (the previous one kept as .bak).")
    var write = false

    @Flag(help: "Show the difference from the installed drop-in instead of the drop-in.")
    var diff = false

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard timeout > 0, startWindow > 0 else { throw ValidationError("--timeout and --start-window take a positive number of seconds") }
        guard workload != nil || observe != nil else { throw ValidationError("give a --workload to prove against, or --observe DURATION to learn from live traffic") }
        _ = try observeSeconds()
    }

    /// --observe in seconds (0 when not given).
    func observeSeconds() throws -> Double {
        try observe.map { text in
            let units: [(String, Double)] = [("min", 60), ("s", 1), ("m", 60), ("", 1)]
            guard let (suffix, scale) = units.first(where: { text.hasSuffix($0.0) }), let value = Double(text.dropLast(suffix.count)), value > 0
            else { throw ValidationError("--observe \(text): expected a duration such as 60, 60s or 2min") }
            return value * scale
        } ?? 0
    }

    func run() throws {
        // The service runs under this same binary (brig run), named by its path: /proc/self/exe
        // would name whatever program reads it.
        guard let brig = realpath("/proc/self/exe", nil) else { throw ExitCode(3) }
        defer { free(brig) }
        var hardener = Hardener(unit: unit, workload: workload, brig: String(cString: brig))
        hardener.timeout = timeout
        hardener.startWindow = startWindow
        hardener.observeSeconds = try observeSeconds()
        hardener.additions = additions
        if let rules {
            guard let release = SystemdRelease.known(rules) else { throw ValidationError("--rules takes \(SystemdRelease.numbersText)") }
            hardener.rules = release
        }
        hardener.progress = { printError("brig harden: " + $0) }
        Interruption.install()
        do {
            let result = try hardener.harden()
            let directory = DropInFile.directory(for: unit, unitName: result.unitName)
            if json {
                print(result.json)
            } else if diff {
                print(DropInFile.diff(installed: directory + "/" + DropInFile.name, against: result.dropIn), terminator: "")
            } else {
                print(result.dropIn, terminator: "")
            }
            if write {
                let path = try DropInFile.install(result.dropIn, in: directory)
                printError("brig harden: wrote \(path)")
            }
            printError("brig harden: " + result.summary)
        } catch {
            printError("brig harden: \(error)")
            throw ExitCode(error.exitStatus)
        }
    }
}

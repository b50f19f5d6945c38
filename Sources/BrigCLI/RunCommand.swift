import ArgumentParser
import Directives
import Jail

/// `brig run`: a command, or a service's commands, inside the jail its
/// directives describe, in the foreground like `systemd-run --wait --pipe`.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command or a service inside the jail its directives describe.",
        discussion: """
            brig run -p ProtectSystem=strict -p PrivateTmp=yes -- /usr/bin/env
            brig run --unit foo.service -- /bin/sh      (foo's [Service] jail, another command)
            brig run foo.service                        (foo's ExecStartPre=, ExecStart=, ...)
            The exit status is the command's own (128+N for death by signal N), or
            systemd's exit status (200-244) when the jail could not be set up.
            """)

    @Option(name: .customShort("p"), help: ArgumentHelp("A [Service] directive, as in a unit file.", valueName: "Directive=value"),
            completion: Completions.directives)
    var property: [String] = []

    @Option(help: ArgumentHelp("Take the directives of this unit (a file path or a unit name).", valueName: "FILE|NAME"),
            completion: Completions.units(type: "service"))
    var unit: String?

    @Option(help: ArgumentHelp("Read the unit as this systemd release does: 252 (the default) or a later one brig knows, for directives and values it added (Type=notify-reload, ReloadSignal=, syscall groups).", valueName: "RELEASE"))
    var rules: Int?

    @Flag(help: "Print the plan, step by step, and run nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("Descriptors 3 to 3+N-1 are sockets for the service (socket activation, as brig listen and inetd-like activators hand them): passed on with $LISTEN_FDS, or, with StandardInput=socket, one connection as its stdin and stdout.", valueName: "N"))
    var listenFds: Int = 0

    @Option(help: ArgumentHelp("The name of each passed socket, in order, for $LISTEN_FDNAMES (default: connection, or unknown).", valueName: "NAME"))
    var fdName: [String] = []

    @Flag(help: "At exit, print what systemd-run --wait prints (result, runtime, CPU time, memory and tasks peaks) on standard error.")
    var stats = false

    @Flag(help: "As --stats, as one JSON object.")
    var statsJson = false

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The command, or NAME.service.", valueName: "CMD"))
    var command: [String] = []

    func run() throws {
        // The command swallows every word after the options, so help has to be spotted here;
        // after "--" a command named --help still runs.
        if command.first == "--help" || command.first == "-h" { throw CleanExit.helpRequest(self) }
        guard (0...1000).contains(listenFds) else { throw ValidationError("--listen-fds takes 0 to 1000") }
        var invocation = RunInvocation(properties: property, unit: unit, dryRun: dryRun,
                                       stats: statsJson ? .json : stats ? .text : nil, command: command)
        if let rules {
            guard let release = SystemdRelease.known(rules) else {
                throw ValidationError("--rules takes \(SystemdRelease.numbersText)")
            }
            invocation.rules = release
        }
        if listenFds > 0 {
            let names = fdName + Array(repeating: listenFds == 1 ? "connection" : "unknown", count: max(0, listenFds - fdName.count))
            invocation.activation = SocketActivation(descriptors: (0..<Int32(listenFds)).map { 3 + $0 }, names: Array(names.prefix(listenFds)))
        }
        let status = try invocation.run()
        if status != 0 { throw ExitCode(status) }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// One line on standard error.
func printError(_ message: String) {
    let line = Array((message + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

import ArgumentParser
import Directives
import Glibc
import Listen

/// `brig listen`: socket units served in the foreground, each service started as `brig run` starts one.
struct ListenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Hold the sockets of socket units and start their services in jails, as systemd's socket units do.",
        discussion: """
            brig listen foo.socket            (Accept=no: foo.service gets every listener from fd 3)
            brig listen ./callout.socket      (Accept=yes: one callout@N-….service per connection)
            brig listen --now --ready-fd 3 --json web.socket 3>ready
            Serves until SIGTERM or SIGINT, then stops every instance as brig run stops a service.
            """)

    @Argument(help: ArgumentHelp("Socket units: file paths or unit names.", valueName: "UNIT.socket"),
              completion: Completions.units(type: "socket"))
    var units: [String]

    @Option(help: ArgumentHelp("Once every listener is bound, write READY=1 and a newline to this descriptor and close it.", valueName: "N"))
    var readyFd: Int32?

    @Flag(help: "Start the services of Accept=no sockets at once, not at their first connection.")
    var now = false

    @Option(help: ArgumentHelp("Read the units as this systemd release does: 252 (the default) or a later one brig knows (PollLimitIntervalSec= and PollLimitBurst= from 255, for example).", valueName: "RELEASE"))
    var rules: Int?

    @Option(name: .customShort("p"), help: ArgumentHelp("A directive for every service the sockets start, as brig run -p adds it.", valueName: "Directive=value"),
            completion: Completions.directives)
    var properties: [String] = []

    @Flag(help: "Tell every event (listening, started, ended, refused, throttled, counters on SIGUSR1, stopped) as one JSON object per line on standard output.")
    var json = false

    func run() throws {
        var options = SocketServer.Options()
        if let fd = readyFd {
            guard fd > 2, fcntl(fd, F_GETFD) >= 0 else { throw ValidationError("--ready-fd \(fd): not an open descriptor above 2") }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)   // no instance inherits it
            options.readyFD = fd
        }
        options.startNow = now
        options.json = json
        for (index, property) in properties.enumerated() where Assignment.property(property, line: index + 1) == nil {
            throw ValidationError("-p \(property): expected Directive=value")
        }
        options.serviceProperties = properties
        if let rules {
            guard let release = SystemdRelease.known(rules) else { throw ValidationError("--rules takes \(SystemdRelease.numbersText)") }
            options.rules = release
        }
        do {
            let loaded = try units.map { unit throws(ListenError) in try SocketUnit.load(unit, rules: options.rules) }
            for warning in loaded.flatMap(\.warnings) { printError("brig listen: \(warning)") }
            let server = try SocketServer(loaded, options: options)
            let status = server.run()
            if status != 0 { throw ExitCode(status) }
        } catch let error as ListenError {
            printError("brig listen: \(error)")
            throw ExitCode(1)
        }
    }
}

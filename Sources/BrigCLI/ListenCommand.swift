import ArgumentParser
import Listen

/// `brig listen`: socket units served in the foreground, each service started by `brig run`.
struct ListenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Hold the sockets of socket units and start their services in jails, as systemd's socket units do.",
        discussion: """
            brig listen foo.socket            (Accept=no: foo.service gets every listener from fd 3)
            brig listen ./callout.socket      (Accept=yes: one callout@N-….service per connection)
            Serves until SIGTERM or SIGINT, then stops every instance as brig run stops a service.
            """)

    @Argument(help: ArgumentHelp("Socket units: file paths or unit names.", valueName: "UNIT.socket"))
    var units: [String]

    func run() throws {
        do {
            let server = try SocketServer(try units.map(SocketUnit.load))
            let status = server.run()
            if status != 0 { throw ExitCode(status) }
        } catch let error as ListenError {
            printError("brig listen: \(error)")
            throw ExitCode(1)
        }
    }
}

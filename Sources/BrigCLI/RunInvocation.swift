import Jail

/// One `brig run` with its words read: by ArgumentParser for `RunCommand`, or by the fast path
/// (`plainForm`) without constructing a ParsableCommand, whose property wrappers alone cost as
/// much as reading the whole input. Both run this, so messages and exit statuses are the same.
struct RunInvocation {
    /// The -p assignments, in order.
    var properties: [String] = []
    /// --unit FILE|NAME.
    var unit: String?
    var dryRun = false
    /// The command words as captured; a leading "--" is dropped here.
    var command: [String] = []
    /// --listen-fds: the sockets brig was started with.
    var activation: SocketActivation? = nil

    /// Sets up the jail and runs the command, or prints the plan; returns the status brig exits
    /// with. Errors of the input or the jail are reported here; others are the caller's.
    func run() throws -> Int32 {
        var arguments = command
        if arguments.first == "--" { arguments.removeFirst() }
        do {
            let service = try RunInput.resolve(properties: properties, unit: unit, command: arguments,
                                                prepareAhead: !dryRun, activation: activation)
            if dryRun {
                print(RunInput.describe(service))
                return 0
            }
            return try Launcher.run(service.request, commands: service.commands)
        } catch let error as JailError {
            printError("brig run: \(error)")
            return error.exitStatus
        } catch let error as RunInputError {
            printError("brig run: \(error)")
            return error.exitStatus
        }
    }
}

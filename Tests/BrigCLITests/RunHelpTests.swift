import Foundation
import Testing

/// `brig run` takes every word after its options as the command, so its own
/// help flags have to be recognised before they become one.
@Suite(.timeLimit(.minutes(1)))
struct RunHelpTests {
    @Test(arguments: [["run", "--help"], ["run", "-h"], ["run", "-p", "PrivateTmp=yes", "--help"]])
    func helpPrintsUsageAndRunsNothing(_ arguments: [String]) throws {
        let result = try BrigBinary.run(arguments)
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: brig run"))
        #expect(result.stderr.isEmpty)
    }

    /// After "--", --help is a command name like any other: not found, exit 203.
    @Test func helpAfterDoubleDashIsTheCommand() throws {
        let result = try BrigBinary.run(["run", "--", "--help"])
        #expect(result.status == 203)
        #expect(result.stderr.contains("ExecStart=--help: not found"))
    }

    /// A flag after the command belongs to the command (running one needs root).
    @Test(.enabled(if: geteuid() == 0, "brig run needs root"))
    func helpAfterTheCommandIsTheCommands() throws {
        let result = try BrigBinary.run(["run", "/bin/sh", "-c", "echo \"$0\"", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout == "--help\n")
    }
}

import ArgumentParser

/// The `brig` command: jails Linux services the systemd way.
public struct Brig: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "brig",
        abstract: "Jail (legacy) Linux services the systemd way.",
        version: BrigVersion.text,
        subcommands: [AnalyzeCommand.self, RunCommand.self, VerifyCommand.self, ListenCommand.self, HardenCommand.self]
    )
    public init() {}
}

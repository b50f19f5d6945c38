import Foundation

/// The reference implementation: this machine's real systemd, booted by the repository's
/// scripts/systemd-oracle in private mount, PID, UTS and IPC namespaces
/// (its own /run, /tmp, /var/tmp and /etc/systemd/system, and cgroups below /brig-oracle).
public enum SystemdOracle {
    /// scripts/systemd-oracle of this checkout, or $SYSTEMD_ORACLE (a script with the same verbs).
    public static let script = ProcessInfo.processInfo.environment["SYSTEMD_ORACLE"]
        ?? Repository.path("scripts/systemd-oracle")

    /// nil when the oracle runs a command here, else why it cannot.
    public static let unavailableReason: String? = {
        if getuid() != 0 { return "needs root: the oracle boots systemd in new namespaces" }
        if !FileManager.default.isExecutableFile(atPath: "/lib/systemd/systemd") { return "systemd is not installed" }
        if !FileManager.default.isExecutableFile(atPath: script) { return "\(script) is missing" }
        // Booting is locked and idempotent in the script; the first caller waits for it.
        guard let boot = try? Subprocess.run([script, "start"], timeout: 60), boot.status == 0 else {
            return "systemd-oracle did not boot systemd"
        }
        guard let run = try? Subprocess.run([script, "run", "--", "/bin/true"], timeout: 60), run.status == 0 else {
            return "systemd-oracle could not run /bin/true under systemd"
        }
        return nil
    }()

    public static var isAvailable: Bool { unavailableReason == nil }

    /// `systemd-run --wait --pipe -p K=V ... -- command` inside the oracle, started.
    public static func start(properties: [String], _ command: [String], timeout: Double = 120) throws -> Subprocess {
        try Subprocess([script, "run"] + properties.flatMap { ["-p", $0] } + ["--"] + command, timeout: timeout)
    }

    /// `systemd-run --wait --pipe -p K=V ... -- command` inside the oracle, to its end.
    public static func run(properties: [String], _ command: [String], timeout: Double = 120) throws -> Subprocess.Output {
        try start(properties: properties, command, timeout: timeout).wait()
    }

    /// A command in the oracle's mount and PID namespaces, outside any unit.
    public static func exec(_ command: [String], timeout: Double = 120) throws -> Subprocess.Output {
        try Subprocess.run([script, "exec"] + command, timeout: timeout)
    }
}

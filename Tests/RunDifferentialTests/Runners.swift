import Foundation
import TestSupport

/// Child processes of these tests: started without inheriting anything, killed at a deadline.
typealias Command = Subprocess

/// The reference: the machine's real systemd, booted by scripts/systemd-oracle
/// in private mount, PID, UTS and IPC namespaces (its own /run, /tmp, /var/tmp).
enum Oracle {
    static let script = SystemdOracle.script

    /// nil when the oracle can run a command here, else why it cannot.
    static var unavailableReason: String? { SystemdOracle.unavailableReason }

    /// The namespace ids ("net:[4026531840]", ...) of the oracle's PID 1, its systemd,
    /// or why they could not be read.
    static let pid1Namespaces: Result<Set<String>, PreparationError> = {
        let list = "for ns in /proc/1/ns/*; do readlink \"$ns\"; done"
        let output: Command.Output
        do { output = try exec(["/bin/sh", "-c", list]) } catch {
            return .failure(PreparationError(reason: "cannot read PID 1's namespaces: \(error)"))
        }
        let ids = Set(output.stdout.split(separator: "\n").map(String.init))
        guard output.status == 0, ids.count >= 7 else {
            return .failure(PreparationError(reason: "cannot read PID 1's namespaces (\(output.status)): \(output.stderr)"))
        }
        return .success(ids)
    }()

    /// `systemd-run --wait --pipe -p K=V ... -- command` inside the oracle.
    static func start(_ properties: [String], _ command: [String]) throws -> Command {
        try SystemdOracle.start(properties: properties, command)
    }

    /// A command in the oracle's namespaces, outside any unit.
    static func exec(_ command: [String]) throws -> Command.Output {
        try SystemdOracle.exec(command)
    }
}

/// The implementation under test: the `brig` executable built beside this test
/// bundle, run as a user runs it. It runs inside the oracle's mount, PID, UTS
/// and IPC namespaces, so both runners start from the same world: the same
/// /run, /tmp and /var/tmp, the same API file systems systemd mounted at boot
/// (mqueue, debugfs, a read-only /sys/fs/cgroup), the same /proc and PID 1.
/// Whatever the probe then sees differently, the runner made different.
enum BrigRunner {
    /// The built executable, beside the test bundle.
    static var built: String { BuiltBrig.path }

    /// A copy of the built executable where the oracle's namespaces can see it: the build
    /// directory may be under /tmp, which the oracle replaces with its own. One copy per test
    /// process (several worktrees may test at once); copies of processes gone are removed.
    static let binary: String = {
        let directory = ProbeInstaller.directory
        let copy = "\(directory)/brig-\(getpid())"
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix("brig-") {
            if let pid = Int32(name.dropFirst(5)), kill(pid, 0) != 0, errno == ESRCH {
                try? fm.removeItem(atPath: "\(directory)/\(name)")
            }
        }
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try? fm.removeItem(atPath: copy)
            try fm.copyItem(atPath: built, toPath: copy)
            return copy
        } catch {
            return built
        }
    }()

    /// nil when `brig run` works here, else why not.
    static let unavailableReason: String? = {
        guard FileManager.default.isExecutableFile(atPath: built) else { return "no brig executable at \(built)" }
        return refusal(of: [], "brig run --dry-run -- /bin/true")
    }()

    /// nil when `brig run` takes a syscall filter, else why not.
    static let seccompUnavailableReason: String? = unavailableReason
        ?? refusal(of: ["SystemCallFilter=@system-service"], "brig run --dry-run -p SystemCallFilter=@system-service")

    private static func refusal(of properties: [String], _ what: String) -> String? {
        let args = ["run", "--dry-run"] + properties.flatMap { ["-p", $0] } + ["--", "/bin/true"]
        guard let dry = try? Command.run([binary] + args) else { return "\(what) could not start" }
        return dry.status == 0 ? nil : "\(what) failed (\(dry.status)): \(dry.stderr)"
    }

    /// `brig run -p K=V ... -- command`: the one place the brig side starts.
    static func start(_ properties: [String], _ command: [String]) throws -> Command {
        // `exec` enters the oracle's mount and PID namespaces; its PID 1 lends the UTS and IPC ones.
        let enter = [Oracle.script, "exec", "/usr/bin/nsenter", "--target", "1", "--uts", "--ipc", "--"]
        return try Command(enter + [binary, "run"] + properties.flatMap { ["-p", $0] } + ["--"] + command)
    }
}

import Foundation
import TestSupport
@testable import Jail

/// What a run of brig can leave on the host, looked for by the pid of the brig that ran it
/// (each run is named "run-PID-...").
enum RunLeftovers {
    /// Whatever of the run of the brig `pid` is still on the host: its owner lock, notify socket,
    /// private /tmp directories, cgroups (v2 and v1), dynamic-user and managed-range leases, and the
    /// RuntimeDirectory=, RootEphemeral= copy and credential store (mounted or not) of the service
    /// `unit` (a name without ".service").
    /// `earlier`: what `existing()` found before that brig started, which it cannot have left
    /// (an earlier brig with the same pid, once pids wrap, can have).
    static func of(_ pid: pid_t, unit: String, besides earlier: Set<String> = []) throws -> [String] {
        try found(prefix: "run-\(pid)-", unit: unit).filter { !earlier.contains($0) }
    }

    /// The cgroups and owner locks of every run now on the host.
    static func existing() throws -> Set<String> { Set(try found(prefix: "run-", unit: nil)) }

    private static func found(prefix run: String, unit: String?) throws -> [String] {
        let fm = FileManager.default
        var found: [String] = []
        for directory in [RunSite.ownerLocks, NotifySocket.directory, "/tmp", "/var/tmp"] {
            let names = (try? fm.contentsOfDirectory(atPath: directory)) ?? []
            found += names.filter { $0.hasPrefix(run) || $0.hasPrefix("brig-private-" + run) }.map { "\(directory)/\($0)" }
        }
        let cgroups = try Subprocess.run(["/usr/bin/find", "/sys/fs/cgroup", "-maxdepth", "5", "-type", "d", "-name", run + "*"])
        found += cgroups.stdout.split(separator: "\n").map(String.init)
        for directory in [DynamicUserLease.lockDirectory, ManagedUserRangeLease.lockDirectory] {
            for name in (try? fm.contentsOfDirectory(atPath: directory)) ?? [] {
                let lease = "\(directory)/\(name)"
                if ((try? String(contentsOfFile: lease, encoding: .utf8)) ?? "").contains(run) { found.append(lease) }
            }
        }
        guard let unit else { return found }
        let copies = (try? fm.contentsOfDirectory(atPath: EphemeralRoot.directory)) ?? []
        found += copies.filter { $0.hasPrefix(".#\(unit).service") }.map { "\(EphemeralRoot.directory)/\($0)" }
        for path in ["/run/\(unit)", "\(CredentialStore.base)/\(unit).service"] where fm.fileExists(atPath: path) { found.append(path) }
        if try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8).contains(" /run/credentials/\(unit).service ") {
            found.append("mount /run/credentials/\(unit).service")
        }
        return found
    }
}

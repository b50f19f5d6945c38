import Foundation
import Testing

/// Runs a probe under systemd and under brig with the same directives and
/// reports every observation that differs.
enum Differential {
    /// The name every directory-creating setting uses (RuntimeDirectory=brig-diff, ...).
    static let directoryName = "brig-diff"
    static let directoryPaths = ["/run", "/var/lib", "/var/cache", "/var/log", "/etc"].map { "\($0)/\(directoryName)" }

    /// nil when probes are installed and the shared world is prepared, else why not.
    static let preparationFailure: String? = {
        if let failure = ProbeInstaller.failure { return failure }
        if case .failure(let failure) = Oracle.pid1Namespaces { return failure.reason }
        // Markers in the /tmp and /var/tmp both runners share: PrivateTmp= hides them.
        guard let touch = try? Oracle.exec(["/usr/bin/touch", "/tmp/brig-diff-marker", "/var/tmp/brig-diff-marker"]),
              touch.status == 0 else { return "cannot put the /tmp markers into the oracle" }
        return nil
    }()

    private static let sharedDirectoriesLock = NSLock()

    /// The probe under systemd (what is expected) and under brig (what is observed).
    static func run(_ setting: Setting, _ probe: [String]) throws -> (systemd: Observations, brig: Observations, brigErrors: String) {
        if let failure = preparationFailure { throw PreparationError(reason: failure) }
        if setting.createsSharedDirectories {
            // One runner after the other, each starting from no directories at all.
            let systemd = try alone { try Oracle.start(setting.properties, probe).wait() }
            let brig = try alone { try BrigRunner.start(setting.properties, probe).wait() }
            return (Observations(systemd), Observations(brig), brig.stderr)
        }
        let systemd = try Oracle.start(setting.properties, probe)
        let brig = try BrigRunner.start(setting.properties, probe)
        let brigOutput = brig.wait()
        return (Observations(systemd.wait()), Observations(brigOutput), brigOutput.stderr)
    }

    /// The probe under systemd alone.
    static func runOracle(_ setting: Setting, _ probe: [String]) throws -> Observations {
        if let failure = preparationFailure { throw PreparationError(reason: failure) }
        let start = { try Oracle.start(setting.properties, probe).wait() }
        return Observations(setting.createsSharedDirectories ? try alone(start) : try start())
    }

    /// Runs one directory-creating start at a time, with no directories before or after it.
    private static func alone(_ body: () throws -> Command.Output) throws -> Command.Output {
        try sharedDirectoriesLock.withLock {
            removeSharedDirectories()
            defer { removeSharedDirectories() }
            return try body()
        }
    }

    private static let baselineLock = NSLock()
    nonisolated(unsafe) private static var baselines: [[String]: Observations] = [:]

    /// The probe under systemd with no directives, once per probe command line.
    static func oracleBaseline(_ probe: [String]) throws -> Observations {
        if let known = baselineLock.withLock({ baselines[probe] }) { return known }
        let plain = try runOracle(Setting(), probe)
        baselineLock.withLock { baselines[probe] = plain }
        return plain
    }

    /// The probe under systemd with the setting against its baseline without: a start that fails
    /// exactly where the setting should make it fail, a difference the probe sees where the setting
    /// is visible to it, none where it is not. Without this a setting could "match" only because
    /// the probe cannot see it. `plain` names a run without the setting ("unjailed", "unfiltered").
    static func expectProbeSees(_ setting: Setting, _ probe: [String], unlike plain: String,
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
        let baseline = try oracleBaseline(probe)
        let applied = try runOracle(setting, probe)
        #expect(baseline.status == 0 && !baseline.facts.isEmpty, sourceLocation: sourceLocation)
        #expect((applied.status != 0) == setting.startFails, "systemd exited \(applied.status)", sourceLocation: sourceLocation)
        if setting.isVisible && applied == baseline {
            Issue.record("\(setting.testDescription): the probe saw no difference from an \(plain) run", sourceLocation: sourceLocation)
        }
        if !setting.isVisible {
            #expect(applied.differences(from: baseline).isEmpty, "\(setting.testDescription) should change nothing",
                    sourceLocation: sourceLocation)
        }
    }

    /// Compares and records one issue naming the setting and every differing observation.
    static func expectSame(_ setting: Setting, _ probe: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (systemd, brig, brigErrors) = try run(setting, probe)
        #expect(!systemd.facts.isEmpty || systemd.status != 0, "the probe printed nothing under systemd",
                sourceLocation: sourceLocation)
        let differences = brig.differences(from: systemd)
        guard !differences.isEmpty else { return }
        // The reference itself is now and then off for a run (systemd 252 under the oracle once
        // found /sys/fs/cgroup unreadable for a device policy it lists in every other run): it runs
        // once more before a difference counts. brig's observation is the one it made.
        if brig.differences(from: try runOracle(setting, probe)).isEmpty { return }
        let said = brigErrors.trimmingCharacters(in: .whitespacesAndNewlines)
        // When only one side ran the probe, its absent lines say nothing more than the status.
        let shown = systemd.facts.isEmpty != brig.facts.isEmpty ? Array(differences.prefix(1)) : differences
        Issue.record("""
            \(setting.testDescription): \(differences.count) observations differ (systemd expected, brig observed)
              \(shown.joined(separator: "\n  "))\(said.isEmpty ? "" : "\n  brig said: \(said)")
            """, sourceLocation: sourceLocation)
    }

    /// State the runners leave behind on the shared file system (and the oracle's /run).
    private static func removeSharedDirectories() {
        for path in directoryPaths where !path.hasPrefix("/run/") {
            let base = URL(fileURLWithPath: path)
            let privateCopy = base.deletingLastPathComponent().appendingPathComponent("private/\(directoryName)").path
            try? FileManager.default.removeItem(atPath: path)
            try? FileManager.default.removeItem(atPath: privateCopy)
        }
        _ = try? Oracle.exec(["/bin/rm", "-rf", "/run/\(directoryName)"])
    }
}

/// Why the differential tests could not set up their world.
struct PreparationError: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

import Foundation
import Testing
import Directives
import TestSupport
import UnitFile
@testable import Exposure

/// brig's `--rules 262` against systemd 262's own `systemd-analyze security --offline=true`
/// (systemd-oracle-next's Debian root), check by check, on this machine's services and on the
/// generated corpora. brig reads the units under the oracle's root, so both see the same search
/// path: the directory of the units first, then the root's own unit directories.
@Suite(.serialized, .enabled(if: SystemdOracleNext.unavailableReason == nil,
                             "systemd-oracle-next's root (systemd 262) cannot be built or entered here: it needs root, debootstrap and this machine's Debian mirror (the reason is printed on stderr)"))
struct NextParityTests {
    static var root: String { (try? SystemdOracleNext.root.get().path) ?? "/" }
    static var rules: SystemdRelease {
        (try? SystemdOracleNext.root.get()).flatMap { SystemdRelease(number: $0.release) } ?? .newest
    }

    static func analyzer(in directory: String) -> SystemdAnalyze.Command {
        SystemdAnalyze.Command(argv: [SystemdOracleNext.script, "analyze"], directory: directory)
    }

    @Test func theOracleHoldsTheNewestReleaseBrigKnows() throws {
        let release = try SystemdOracleNext.root.get().release
        #expect(SystemdRelease(number: release) == .newest, "the oracle holds \(release): add its rules (scripts/release-facts.sh)")
        #expect(Analyzer.installedSystemdVersion(root: Self.root) == release)
    }

    /// This machine's service units, each copied with its drop-ins into one directory the oracle
    /// can see (it does not see the host's unit directories).
    @Test func hostServiceUnitsScoreLikeSystemd262() throws {
        let dir = NSTemporaryDirectory() + "brig-next-host-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: dir) }
        let loader = UnitLoader()
        var paths: [String] = []
        for name in loader.unitNames(type: "service") {
            guard let unit = try? loader.load(name), let fragment = unit.fragmentPath else { continue }
            let file = (fragment as NSString).lastPathComponent
            let copy = "\(dir)/\(file)"
            if fm.fileExists(atPath: copy) { continue }
            try fm.copyItem(atPath: (fragment as NSString).resolvingSymlinksInPath, toPath: copy)
            // Drop-ins of the lower-priority directories first: a same-named file above replaces it.
            for base in ["/usr/lib/systemd/system", "/lib/systemd/system", "/run/systemd/system", "/etc/systemd/system"] {
                let d = "\(base)/\(file).d"
                for conf in (try? fm.contentsOfDirectory(atPath: d)) ?? [] where conf.hasSuffix(".conf") {
                    try fm.createDirectory(atPath: "\(copy).d", withIntermediateDirectories: true)
                    try? fm.removeItem(atPath: "\(copy).d/\(conf)")
                    try fm.copyItem(atPath: ("\(d)/\(conf)" as NSString).resolvingSymlinksInPath, toPath: "\(copy).d/\(conf)")
                }
            }
            paths.append(copy)
        }
        #expect(paths.count > 20)
        try ParityTests.compare(paths: paths, label: "host units", rules: Self.rules, root: Self.root,
                                systemd: Self.analyzer(in: dir))
    }

    /// The newest release's own units, as Debian unstable ships them in the oracle's root.
    @Test func theNewestReleasesOwnUnitsScoreLikeSystemd262() throws {
        let dir = Self.root + "/usr/lib/systemd/system"
        let paths = try NextParityTests.ownUnits(in: dir)
        #expect(paths.count > 50)
        try ParityTests.compare(paths: paths, label: "262's own units", rules: Self.rules, root: Self.root,
                                systemd: Self.analyzer(in: dir))
    }

    /// The same units under this machine's 252, which knows fewer directives and values.
    @Test(.enabled(if: SystemdAnalyze.available, "systemd-analyze is not installed"))
    func theNewestReleasesOwnUnitsScoreLikeSystemd252() throws {
        let dir = Self.root + "/usr/lib/systemd/system"
        try ParityTests.compare(paths: try NextParityTests.ownUnits(in: dir), label: "262's own units", rules: .v252,
                                systemd: SystemdAnalyze.Command(argv: SystemdAnalyze.host.argv, directory: dir))
    }

    /// The service unit files of `dir`: templates left out (offline, systemd scores one as `i`),
    /// and aliases (symbolic links), which systemd reports under the name they point to.
    static func ownUnits(in dir: String) throws -> [String] {
        let fm = FileManager.default
        return try fm.contentsOfDirectory(atPath: dir).sorted()
            .filter { $0.hasSuffix(".service") && !$0.hasSuffix("@.service") }
            .map { dir + "/" + $0 }
            .filter { (try? fm.destinationOfSymbolicLink(atPath: $0)) == nil }
    }

    @Test func generatedUnitsScoreLikeSystemd262() throws {
        let dir = try ParityTests.writeGenerated(count: 2500, seed: 262)
        defer { if ProcessInfo.processInfo.environment["BRIG_PARITY_KEEP"] == nil { try? FileManager.default.removeItem(atPath: dir.root) } }
        try ParityTests.compare(paths: dir.paths, label: "generated units", rules: Self.rules, root: Self.root,
                                systemd: Self.analyzer(in: dir.root))
    }

    @Test func linesLaterReleasesChangedScoreLikeSystemd262() throws {
        let dir = try ReleaseCorpus.write()
        defer { try? FileManager.default.removeItem(atPath: dir.root) }
        try ParityTests.compare(paths: dir.paths, label: "lines later releases changed", rules: Self.rules, root: Self.root,
                                systemd: Self.analyzer(in: dir.root))
    }

    @Test func benchCorpusScoresLikeSystemd262() throws {
        let dir = try ParityTests.writeBenchCorpus(count: 600)
        defer { try? FileManager.default.removeItem(atPath: dir.root) }
        try ParityTests.compare(paths: dir.paths, label: "bench corpus", rules: Self.rules, root: Self.root,
                                systemd: Self.analyzer(in: dir.root))
    }
}

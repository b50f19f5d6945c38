import Foundation
import Testing
import Directives
import TestSupport
import UnitFile
@testable import Exposure

/// brig's scores against the installed systemd-analyze, check by check, on this machine's services
/// and on thousands of generated units. brig reads every unit through the shared Directives model
/// (the one `brig run` and `brig verify` use), so these also prove that model means what systemd
/// means for every directive the checks read. Every difference is printed with the unit's text.
@Suite(.enabled(if: SystemdAnalyze.available, "systemd-analyze is not installed: parity cannot be checked here"))
struct ParityTests {
    static let rules = SystemdRelease.v252

    @Test func hostServiceUnitsScoreLikeSystemd() throws {
        let loader = UnitLoader()
        let paths = loader.unitNames(type: "service").compactMap { try? loader.load($0).fragmentPath }
        #expect(paths.count > 20)
        try compare(paths: paths, label: "host units")
    }

    @Test func generatedUnitsScoreLikeSystemd() throws {
        let dir = try Self.writeGenerated(count: 2500, seed: 252)
        defer { if ProcessInfo.processInfo.environment["BRIG_PARITY_KEEP"] == nil { try? FileManager.default.removeItem(atPath: dir.root) } }
        try compare(paths: dir.paths, label: "generated units")
    }

    /// Drop-ins that apply to many units at once: the dash-prefix directory (`pfx-.service.d/`)
    /// and the type-wide one (`service.d/`), on top of each unit's own.
    @Test func prefixAndTypeWideDropInsScoreLikeSystemd() throws {
        let root = NSTemporaryDirectory() + "brig-parity-prefix-\(UUID().uuidString)"
        let fm = FileManager.default
        defer { try? fm.removeItem(atPath: root) }
        var gen = UnitGenerator(seed: 99)
        var paths: [String] = []
        for batch in 0..<8 {
            let dir = "\(root)/\(batch)"
            try fm.createDirectory(atPath: "\(dir)/pfx-.service.d", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: "\(dir)/service.d", withIntermediateDirectories: true)
            try gen.dropInText().write(toFile: "\(dir)/pfx-.service.d/20-prefix.conf", atomically: false, encoding: .utf8)
            try gen.dropInText().write(toFile: "\(dir)/service.d/10-all.conf", atomically: false, encoding: .utf8)
            for i in 0..<40 {
                var u = gen.unit(batch * 40 + i)
                u.fileName = "pfx-" + u.fileName
                u.name = "pfx-" + u.name
                try u.text.write(toFile: "\(dir)/\(u.fileName)", atomically: false, encoding: .utf8)
                paths.append("\(dir)/\(u.name)")
            }
        }
        try compare(paths: paths, label: "units under prefix and type-wide drop-ins")
    }

    /// The corpus of the analyze benchmark (bench/analyze/generate.py): hardening lines in every
    /// combination a user might write, with drop-ins.
    @Test func benchCorpusScoresLikeSystemd() throws {
        let dir = try Self.writeBenchCorpus(count: 600)
        defer { try? FileManager.default.removeItem(atPath: dir.root) }
        try compare(paths: dir.paths, label: "bench corpus")
    }

    /// Lines whose meaning changed in later releases: 252 must still read them as 252 does.
    @Test func linesLaterReleasesChangedScoreLikeSystemd() throws {
        let dir = try ReleaseCorpus.write()
        defer { try? FileManager.default.removeItem(atPath: dir.root) }
        try compare(paths: dir.paths, label: "lines later releases changed")
    }

    struct Written { var root: String; var paths: [String] }

    static func writeBenchCorpus(count: Int) throws -> Written {
        let root = NSTemporaryDirectory() + "brig-parity-bench-\(UUID().uuidString)"
        let out = try Subprocess.run(["/usr/bin/env", "python3", Repository.path("bench/analyze/generate.py"), root, String(count)])
        guard out.status == 0 else { throw SystemdAnalyze.OracleError("generate.py failed: \(out.stderr)") }
        return Written(root: root, paths: out.stdout.split(separator: "\n").map(String.init))
    }

    static func writeGenerated(count: Int, seed: UInt64) throws -> Written {
        let root = NSTemporaryDirectory() + "brig-parity-\(seed)-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        var gen = UnitGenerator(seed: seed)
        var paths: [String] = []
        for i in 0..<count {
            let u = gen.unit(i)
            try u.text.write(toFile: "\(root)/\(u.fileName)", atomically: false, encoding: .utf8)
            if !u.dropIns.isEmpty {
                let d = "\(root)/\(u.fileName).d"
                try fm.createDirectory(atPath: d, withIntermediateDirectories: true)
                for (name, text) in u.dropIns { try text.write(toFile: "\(d)/\(name)", atomically: false, encoding: .utf8) }
            }
            paths.append("\(root)/\(u.name)")
        }
        return Written(root: root, paths: paths)
    }

    private func compare(paths: [String], label: String) throws {
        try Self.compare(paths: paths, label: label, rules: Self.rules)
    }

    /// Scores `paths` with brig under `rules` (reading units under `root`) and with `systemd`,
    /// and records every row and overall score that differ.
    static func compare(paths: [String], label: String, rules: SystemdRelease, root: String = "/",
                        systemd command: SystemdAnalyze.Command = SystemdAnalyze.host) throws {
        let systemd = try SystemdAnalyze.analyze(paths, with: command)
        let results = Analyzer(root: root, rules: rules).assess(paths)
        var matched = 0, rowsCompared = 0, refusedByBoth = 0
        var problems: [String] = []
        var byField: [String: Int] = [:]
        for (path, result) in zip(paths, results) {
            let name = (path as NSString).lastPathComponent
            var why = ""
            let ours: Assessment?
            switch result {
            case .success(let a): ours = a
            case .failure(let e): ours = nil; why = e.description
            }
            let theirs = systemd[name]
            var diffs: [String] = []
            switch (ours, theirs) {
            case (nil, nil): matched += 1; refusedByBoth += 1; continue
            case (nil, _?): diffs.append("brig failed to load it: \(why)")
            case (_?, nil): diffs.append("systemd refused to load it, brig scored it")
            case let (o?, t?):
                for row in o.rows {
                    rowsCompared += 1
                    let want = t.rows[row.check.jsonField]
                    let got = SystemdAnalyze.Row(badness: row.badness, weight: row.weight, range: row.range)
                    if want != got {
                        diffs.append("\(row.check.jsonField): brig \(got.badness.map(String.init) ?? "n/a") systemd \(want?.badness.map(String.init) ?? "n/a")")
                    }
                }
                if o.exposure != t.overallTenths {
                    diffs.append("overall: brig \(tenthsText(o.exposure)) systemd \(tenthsText(t.overallTenths))")
                }
            }
            if diffs.isEmpty { matched += 1; continue }
            for d in diffs { byField[String(d.prefix { $0 != ":" && $0 != "," }), default: 0] += 1 }
            if problems.count < 12 { problems.append("== \(path)\n\(Self.unitText(path))\n" + diffs.joined(separator: "\n")) }
            else { problems.append("") }
        }
        print("parity (\(label), rules \(rules.number)): \(matched)/\(paths.count) units identical (\(refusedByBoth) refused by both), \(rowsCompared) rows compared")
        if !byField.isEmpty {
            print("parity (\(label)) differences by row: " + byField.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if !problems.isEmpty {
            let shown: String = problems.filter { !$0.isEmpty }.joined(separator: "\n\n")
            Issue.record("\(problems.count) of \(paths.count) \(label) differ from systemd:\n\(shown)")
        }
    }

    static func unitText(_ path: String) -> String {
        let dir = (path as NSString).deletingLastPathComponent
        var name = (path as NSString).lastPathComponent
        if let at = name.firstIndex(of: "@"), let dot = name.lastIndex(of: ".") {
            let head = String(name[...at]), tail = String(name[dot...])
            name = head + tail
        }
        var text = (try? String(contentsOfFile: "\(dir)/\(name)", encoding: .utf8)) ?? ""
        if FileManager.default.fileExists(atPath: path) { text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? text }
        for f in (try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/\(name).d"))?.sorted() ?? [] {
            text += "--- drop-in \(f)\n" + ((try? String(contentsOfFile: "\(dir)/\(name).d/\(f)", encoding: .utf8)) ?? "")
        }
        return text
    }
}

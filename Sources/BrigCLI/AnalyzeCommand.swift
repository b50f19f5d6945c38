import ArgumentParser
import Directives
import Exposure
import FoundationEssentials
import Glibc
import UnitFile

/// `brig analyze`: the exposure of service units, scored exactly as systemd-analyze security does.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Score how exposed service units are, and say what would jail them.",
        discussion: """
            Without arguments every service unit of the host (or --root) is listed, most exposed first.

            \(RuleSets.text)
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, sarif, prometheus, html }

    @Argument(help: "Unit names or unit file paths.", completion: Completions.units(type: "service")) var units: [String] = []
    @Option(help: "Read units from this directory tree instead of /.", completion: .directory) var root = "/"
    @Option(help: ArgumentHelp("Rules of this systemd release: \(SystemdRelease.numbersText) (default: the release installed under --root, else \(SystemdRelease.newest.number)).",
                               valueName: "release"))
    var rules: Int?
    @Option(help: "Exit with status 1 when a unit's exposure (0-100, in tenths) exceeds this.") var threshold: UInt64 = 100
    @Option(name: .customLong("security-policy"), help: "systemd's JSON policy: weight, range, descriptions per json_field.",
            completion: .file(extensions: ["json"]))
    var securityPolicy: String?
    @Option(help: "Output format: table, json, sarif (code scanning), prometheus (textfile collector) or html (one self-contained page).")
    var format: Format = .table
    @Flag(help: "Same as --format json.") var json = false
    @Flag(name: .customLong("no-legend"), help: "Leave out column headers.") var noLegend = false
    @Flag(help: "Print a drop-in that passes every failing check it can, and the exposure it would reach.") var fix = false

    func run() throws {
        let release: SystemdRelease
        if let rules {
            guard let known = SystemdRelease(number: rules) else {
                throw ValidationError("--rules takes a systemd release brig knows: \(SystemdRelease.numbersText)")
            }
            release = known
        } else {
            release = RuleSets.defaultRelease(root: root)
        }
        var policy: SecurityPolicy?
        if let path = securityPolicy {
            guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read security policy \(path)") }
            do { policy = try SecurityPolicy(json: data, source: path) } catch { fail(error.description) }
        }
        let analyzer = Analyzer(root: root, rules: release, policy: policy)
        let units = self.units + AnalyzeArguments.units.withLock { $0 }
        let overview = units.isEmpty
        let targets = overview ? UnitListing.services(root: root) : units
        // Named units are file names relative to the working directory, as for systemd-analyze --offline.
        let cwd = overview ? nil : FileManager.default.currentDirectoryPath
        let isTTY = isatty(STDOUT_FILENO) != 0
        let utf8 = Self.localeIsUTF8(ProcessInfo.processInfo.environment)
        let table = TableRenderer(colors: isTTY && ProcessInfo.processInfo.environment["NO_COLOR"] == nil, utf8: utf8,
                                  legend: !noLegend)
        if json || format == .json {
            return try stream(targets, cwd, analyzer, head: "[", separator: ",", tail: "]\n") { r, out in
                MachineRenderers.unitJSON(r, into: &out)
            }
        }
        if format == .table && !overview {
            return try stream(targets, cwd, analyzer, head: "", separator: "\n", tail: "") { r, out in
                table.detail(r, into: &out)
                if fix, let f = try? Fix(unit: r.unit, analyzer: analyzer) {
                    out += "\n# Drop-in for \(r.assessment.unitName) (e.g. /etc/systemd/system/\(r.assessment.unitName).d/50-brig.conf),\n".utf8
                    out += "# exposure \(tenthsText(r.assessment.exposure)) -> \(tenthsText(f.assessment.exposure)) \(f.assessment.level.rawValue):\n".utf8
                    out += f.dropIn.utf8
                }
            }
        }
        let results = Array(zip(targets, analyzer.reports(targets, workingDirectory: cwd))).map { (target: $0.0, result: $0.1) }

        var failed = false
        var reports: [Report] = []
        var notScored: [(unit: String, reason: String)] = []
        for (target, result) in results {
            switch result {
            case .success(let r):
                reports.append(r)
                if r.assessment.exposure > threshold { failed = true }
            case .failure(let e):
                if e.isPolicyError { fail("\(target): \(e.message)") }
                notScored.append((target, e.isMasked ? "masked" : e.message))
                if overview && e.isMasked { continue }
                failed = true
                if !overview || format != .table { Self.report(e) }
            }
        }

        var out = ""
        switch format {
        case .table: out = table.overview(results)
        case .sarif: out = MachineRenderers.sarif(reports)
        case .prometheus: out = MachineRenderers.prometheus(reports)
        case .json: out = MachineRenderers.json(reports)
        case .html:
            let context = HTMLRenderer.Context(host: Self.hostName(), root: root, date: Date.now.ISO8601Format(),
                                               brigVersion: BrigVersion.number, rules: analyzer.rules)
            var page = HTMLRenderer(context: context).page(reports, notScored: notScored)
            Self.write(&page)
            if failed { throw ExitCode(1) }
            return
        }
        var bytes = Array(out.utf8)
        Self.write(&bytes)
        if failed { throw ExitCode(1) }
    }

    /// Named units' detail tables, or JSON for many units, written as each is scored: nothing is
    /// kept but the output buffer. Without a working directory (the overview) a masked unit is no
    /// failure and is left out.
    private func stream(_ targets: [String], _ workingDirectory: String?, _ analyzer: Analyzer,
                        head: String, separator: String, tail: String,
                        _ render: (Report, inout [UInt8]) -> Void) throws {
        var out: [UInt8] = Array(head.utf8)
        out.reserveCapacity(1 << 21)
        var first = true, failed = false
        analyzer.forEachReport(targets, workingDirectory: workingDirectory) { target, result in
            switch result {
            case .success(let r):
                if !first { out += separator.utf8 }
                first = false
                render(r, &out)
                if r.assessment.exposure > threshold { failed = true }
            case .failure(let e):
                if e.isPolicyError { fail("\(target): \(e.message)") }
                if workingDirectory == nil && e.isMasked { break }
                failed = true
                Self.report(e)
            }
            if out.count > 1 << 20 { Self.write(&out) }
        }
        out += tail.utf8
        Self.write(&out)
        if failed { throw ExitCode(1) }
    }

    private static func write(_ bytes: inout [UInt8], to fd: Int32 = STDOUT_FILENO) {
        bytes.withUnsafeBytes { buf in
            var offset = 0
            while offset < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
        bytes.removeAll(keepingCapacity: true)
    }

    /// This machine's name, for reports that say where they were made.
    static func hostName() -> String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
        return String(cText: name)
    }

    /// As systemd decides: a UTF-8 locale, or no locale set at all (plain C counts as UTF-8
    /// then); a locale chosen explicitly without UTF-8 gets ASCII faces.
    static func localeIsUTF8(_ env: [String: String]) -> Bool {
        let chosen = ["LC_ALL", "LC_CTYPE", "LANG"].compactMap { env[$0] }.first { !$0.isEmpty }
        guard let chosen else { return true }
        let upper = chosen.uppercased()
        return upper.contains("UTF-8") || upper.contains("UTF8")
    }

    /// One line on stderr naming the unit (loader messages already start with its path).
    private static func report(_ e: AnalyzeError) {
        let line = e.message.hasPrefix(e.target) || e.message.hasPrefix("/") ? e.message : "\(e.target): \(e.message)"
        var bytes = Array("brig analyze: \(line)\n".utf8)
        write(&bytes, to: STDERR_FILENO)
    }

    private func fail(_ message: String) -> Never {
        var bytes = Array("brig analyze: \(message)\n".utf8)
        Self.write(&bytes, to: STDERR_FILENO)
        Glibc.exit(1)
    }
}

/// The rule sets `brig analyze --rules` takes, for `--help` (and `brig --version`).
public enum RuleSets {
    /// "Rule sets (--rules): 252 (Debian 12's 252.38 (installed here)), 253 (upstream v253), ..."
    public static var text: String {
        "Rule sets (--rules), one per systemd release, each read from that release: "
            + SystemdRelease.allCases.map { "\($0.number) (\($0.facts.source))" }.joined(separator: ", ") + "."
    }

    /// The release whose rules apply under `root` when --rules is not given.
    public static func defaultRelease(root: String = "/") -> SystemdRelease {
        Analyzer.installedSystemdVersion(root: root).map(SystemdRelease.init(version:)) ?? .newest
    }
}

/// The service units `brig analyze` looks at when given none.
enum UnitListing {
    static func services(root: String) -> [String] {
        UnitLoader(root: root).unitNames(type: "service")
    }
}

import Directives
import UnitFile

/// Loads and scores units given by name or path, as `systemd-analyze security --offline` does:
/// a path's directory is searched first, so its drop-ins and templates apply.
public struct Analyzer: Sendable {
    public let root: String
    public let rules: SystemdRelease
    public let policy: SecurityPolicy?

    public init(root: String = "/", rules: SystemdRelease, policy: SecurityPolicy? = nil) {
        self.root = root; self.rules = rules; self.policy = policy
    }

    /// One result per target, in order.
    public func assess(_ targets: [String]) -> [Result<Assessment, AnalyzeError>] {
        reports(targets).map { $0.map(\.assessment) }
    }

    /// Loads and scores every target, keeping what renderers need.
    public func reports(_ targets: [String], workingDirectory: String? = nil) -> [Result<Report, AnalyzeError>] {
        var all: [Result<Report, AnalyzeError>] = []
        forEachReport(targets, workingDirectory: workingDirectory) { all.append($1) }
        return all
    }

    /// Scores the targets one after the other, handing each result on before loading the next,
    /// so that thousands of units never sit in memory at once. As with systemd-analyze, the
    /// directories of all paths given join the front of the search path, in the order given.
    ///
    /// With a `workingDirectory`, targets are what a user typed and are read as
    /// `systemd-analyze security --offline=true` reads its arguments (`verify_prepare_filename`):
    /// every one is a file name relative to that directory, so a bare `foo.service` searches the
    /// working directory first, and a template stands for its instance `i`. Results keep the
    /// target as given.
    public func forEachReport(_ targets: [String], workingDirectory: String? = nil,
                              _ body: (String, Result<Report, AnalyzeError>) -> Void) {
        let prepared = workingDirectory.map { cwd in targets.map { Self.prepare($0, workingDirectory: cwd) } } ?? targets
        var seen: Set<String> = []
        let dirs = prepared.map { Self.split($0).0 }.filter { !$0.isEmpty && seen.insert($0).inserted }
        let loader = UnitLoader(root: root, extraDirectories: dirs)
        for (target, path) in zip(targets, prepared) {
            let name = Self.split(path).1
            body(target, Result { () throws(AnalyzeError) -> Report in
                let unit: LoadedUnit
                do { unit = try loader.load(name) } catch { throw AnalyzeError(target: target, message: "\(error)") }
                return try report(unit, target: target)
            })
        }
    }

    public func assess(_ unit: LoadedUnit, target: String, extra: [Assignment] = []) throws(AnalyzeError) -> Assessment {
        try report(unit, target: target, extra: extra).assessment
    }

    public func load(_ target: String) throws(AnalyzeError) -> LoadedUnit {
        let (dir, name) = Self.split(target)
        let loader = dir.isEmpty ? UnitLoader(root: root) : UnitLoader(root: root, extraDirectories: [dir])
        do { return try loader.load(name) } catch { throw AnalyzeError(target: target, message: error.description) }
    }

    /// A target named on the command line as systemd-analyze's offline mode takes it: an absolute
    /// path (relative ones start at `workingDirectory`), a template replaced by its instance `i`.
    /// "foo@.service" in /srv -> "/srv/foo@i.service".
    static func prepare(_ target: String, workingDirectory: String) -> String {
        let absolute = target.hasPrefix("/") ? target
            : (workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/") + target
        let (dir, name) = split(absolute)
        guard let unit = try? UnitName(name) else { return absolute }
        return (dir == "/" ? "" : dir) + "/" + unit.instantiatingTemplate().name
    }

    /// "dir/foo.service" -> ("dir", "foo.service"); a bare name has no directory.
    static func split(_ target: String) -> (String, String) {
        guard let slash = target.lastIndex(of: "/") else { return ("", target) }
        let dir = String(target[..<slash])
        return (dir.isEmpty ? "/" : dir, String(target[target.index(after: slash)...]))
    }
}

public struct AnalyzeError: Error, CustomStringConvertible, Sendable {
    public let target: String
    public let message: String
    public var isPolicyError = false
    /// The unit is masked: systemd refuses to load it, but in the overview of a host that is a
    /// state to show, not a failure.
    public var isMasked = false
    public var description: String { message }
}

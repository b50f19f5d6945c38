import FoundationEssentials
import UnitFile

/// One unit's assessment together with what renderers need besides the score: the unit's files
/// (for locations) and the remedy of each failing row.
public struct Report: Sendable {
    public let target: String
    public let assessment: Assessment
    public let unit: LoadedUnit
    /// The remedy of each row, by the row's index; nil for rows that did not fail. (An array
    /// rather than a dictionary by json_field: renderers look one up for every row of every unit.)
    public let remedies: [[String]?]

    public init(target: String, assessment: Assessment, unit: LoadedUnit, assessed: AssessedUnit) {
        self.target = target; self.assessment = assessment; self.unit = unit
        remedies = assessment.rows.map { $0.failed ? $0.check.remedy(for: assessed) : nil }
    }

    /// Where the directive a row is about was last set, else the unit's main file.
    public func location(of row: Row) -> SourceLocation? {
        let keys = row.check.id.split(separator: "/").map { String($0.prefix { $0 != "=" }) }
        if let a = unit.assignments.last(where: { keys.contains($0.key) }) { return a.location }
        return unit.fragmentPath.map { SourceLocation(file: $0, line: 1) }
    }
}

extension Analyzer {
    /// Scores a loaded unit, keeping what renderers need.
    public func report(_ unit: LoadedUnit, target: String, extra: [Assignment] = []) throws(AnalyzeError) -> Report {
        do {
            let assessed = try AssessedUnit(unit, rules: rules, extra: extra)
            let a = try Assessment(assessed, rules: rules, policy: policy)
            return Report(target: target, assessment: a, unit: unit, assessed: assessed)
        } catch let e as UnitLoadError {
            throw AnalyzeError(target: target, message: e.description, isMasked: unit.isMasked)
        } catch let e as AssessmentError {
            throw AnalyzeError(target: target, message: e.description, isPolicyError: true)
        } catch {
            throw AnalyzeError(target: target, message: "\(error)")
        }
    }

    /// Loads and scores one target.
    public func report(_ target: String) throws(AnalyzeError) -> Report {
        try report(load(target), target: target)
    }

    /// The systemd release installed under `root`, if any: the NNN its systemd binaries link
    /// (libsystemd-shared-NNN.so, libsystemd-core-NNN.so, named so since systemd 231).
    public static func installedSystemdVersion(root: String) -> Int? {
        let dirs = ["/usr/lib/systemd", "/usr/lib/x86_64-linux-gnu/systemd", "/lib/systemd", "/usr/lib64/systemd"]
        for dir in dirs {
            let path = root == "/" ? dir : root + dir
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            where name.hasPrefix("libsystemd-shared-") || name.hasPrefix("libsystemd-core-") {
                let digits = name.drop { $0 != "-" }.dropFirst().drop { $0 != "-" }.dropFirst().prefix { $0.isNumber }
                if let v = Int(digits) { return v }
            }
        }
        return nil
    }
}

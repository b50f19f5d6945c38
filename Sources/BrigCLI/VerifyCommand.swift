import ArgumentParser
import Directives
import FoundationEssentials
import UnitFile

/// `brig verify`: what is wrong with a unit before anything runs it.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check unit files for unknown sections and directives, values that do not parse, and misplaced directives.",
        discussion: "With no unit named, checks every unit in the search path. Exits 1 when any error is found.")

    @Argument(help: "Unit names (foo.service) or paths to unit files.", completion: Completions.units(type: nil))
    var units: [String] = []

    @Option(help: "Read units from the tree under this directory, as on an image or another machine.", completion: .directory)
    var root: String = "/"

    @Flag(help: "One JSON object per finding, for machines.")
    var json = false

    func run() throws {
        let loader = UnitLoader(root: root)
        let names = units.isEmpty ? UnitName.types.sorted().flatMap { loader.unitNames(type: $0) } : units
        var findings: [Finding] = []
        for name in names {
            findings += Self.check(name, loader: loader)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(findings), as: UTF8.self))
        } else {
            for finding in findings { print(finding.text) }
        }
        if findings.contains(where: { $0.severity == "error" }) { throw ExitCode(1) }
    }

    /// All findings for one unit: a loading error, or what the model says (syntax findings included).
    static func check(_ name: String, loader: UnitLoader) -> [Finding] {
        let unit: LoadedUnit
        do {
            unit = try loader.load(instantiated(name))
        } catch {
            return [Finding(unit: name, place: error.place, severity: "error", message: error.message)]
        }
        if unit.isMasked { return [] }
        let diagnostics = UnitConfig(unit).diagnostics
        return diagnostics.map {
            Finding(unit: unit.name.name, place: $0.location.description, severity: $0.severity.rawValue, message: $0.message)
        }
    }

    /// A template is checked as its instance `i`, as `systemd-analyze verify` does, so that
    /// `%i` and friends expand to something.
    static func instantiated(_ nameOrPath: String) -> String {
        let slash = nameOrPath.lastIndex(of: "/")
        let base = slash.map { String(nameOrPath[nameOrPath.index(after: $0)...]) } ?? nameOrPath
        guard let unit = try? UnitName(base), unit.isTemplate else { return nameOrPath }
        let directory = slash.map { String(nameOrPath[...$0]) } ?? ""
        return directory + "\(unit.prefix)@i.\(unit.type)"
    }

    struct Finding: Encodable {
        var unit: String
        var place: String
        var severity: String
        var message: String

        var text: String { "\(place): \(severity): \(message)" }
    }
}

import Directives
import UnitFile

/// A service unit built from `Key=Value` lines of one section, each at its own line of "test.service".
func loadedUnit(_ sections: [(String, [String])], name: String = "test.service") -> LoadedUnit {
    loadedUnit(name, sections)
}

func loadedUnit(_ name: String, _ sections: [(String, [String])]) -> LoadedUnit {
    var assignments: [Assignment] = []
    var line = 0
    for (section, lines) in sections {
        line += 1
        for text in lines {
            line += 1
            let eq = text.firstIndex(of: "=")!
            assignments.append(Assignment(section: section, key: String(text[..<eq]), value: String(text[text.index(after: eq)...]),
                                          location: SourceLocation(file: "/test/\(name)", line: line, column: 1)))
        }
    }
    return LoadedUnit(name: try! UnitName(name), fragmentPath: "/test/\(name)", assignments: assignments,
                      sections: sections.map(\.0))
}

/// The model of a service with these [Service] lines.
func service(_ lines: String...) -> UnitConfig { UnitConfig(loadedUnit([("Service", lines)])) }

/// The messages of the diagnostics, for comparing with expected text.
func messages(_ u: UnitConfig) -> [String] { u.diagnostics.map(\.message) }

import Directives
import Testing
import UnitFile

/// An exec context read from `Key=Value` lines, through the same directive parsers
/// `brig run` uses (the lines are what `systemd-run -p` is given).
enum UnitFixture {
    struct UnknownDirective: Error { var line: String }

    static func exec(_ properties: [String]) throws -> ExecContext {
        var exec = ExecContext()
        for (index, property) in properties.enumerated() {
            let eq = try #require(property.firstIndex(of: "="))
            let input = DirectiveInput(key: String(property[..<eq]), value: String(property[property.index(after: eq)...]),
                                       location: SourceLocation(file: "/test/test.service", line: index + 1, column: 1),
                                       specifiers: Specifiers(unit: try UnitName("test.service"), fragmentPath: nil))
            guard try exec.apply(input) else { throw UnknownDirective(line: property) }
        }
        return exec
    }
}

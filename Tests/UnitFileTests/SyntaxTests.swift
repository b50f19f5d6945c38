import Testing
@testable import UnitFile

/// Golden tests for systemd.syntax(7) as systemd's parser applies it.
struct SyntaxTests {
    func parse(_ text: String, sections: Set<String>? = ["Unit", "Service", "Install"]) throws -> UnitFileParser.Result {
        try UnitFileParser.parse(Array(text.utf8), path: "t.service", allowedSections: sections)
    }

    func pairs(_ text: String) throws -> [String] {
        try parse(text).assignments.map { "\($0.section).\($0.key)=\($0.value)" }
    }

    @Test func sectionsKeysAndWhitespace() throws {
        #expect(try pairs("[Unit]\n  Description = A  service \t\n[Service]\nExecStart=/bin/true\n")
            == ["Unit.Description=A  service", "Service.ExecStart=/bin/true"])
    }

    @Test func commentsAndBlankLines() throws {
        #expect(try pairs("# top\n; also\n\n[Service]\n  # indented comment\nType=simple\n") == ["Service.Type=simple"])
    }

    @Test func valueKeepsEqualsSignsAndQuotes() throws {
        #expect(try pairs("[Service]\nEnvironment=\"A=b c\" D=e\n") == ["Service.Environment=\"A=b c\" D=e"])
    }

    @Test func backslashContinuationJoinsWithASpace() throws {
        #expect(try pairs("[Service]\nExecStart=/bin/echo \\\n  one \\\n  two\n")
            == ["Service.ExecStart=/bin/echo    one    two"])
    }

    @Test func commentLinesInsideAContinuationAreSkipped() throws {
        #expect(try pairs("[Service]\nExecStart=/bin/echo \\\n# not me\n  yes\n") == ["Service.ExecStart=/bin/echo    yes"])
    }

    @Test func escapedBackslashAtEndDoesNotContinue() throws {
        #expect(try pairs("[Service]\nA=x\\\\\nB=y\n") == ["Service.A=x\\\\", "Service.B=y"])
    }

    @Test func continuationAtEndOfFileStillCountsWithAWarning() throws {
        let result = try parse("[Service]\nA=x \\")
        #expect(result.assignments.map(\.value) == ["x"])
        #expect(result.diagnostics.map(\.description) == ["t.service:2:1: warning: file ends inside a line continued with a backslash; the value is used as it stands"])
    }

    @Test func locationsPointAtTheKey() throws {
        let result = try parse("[Service]\n\n   User=nobody\nGroup=a \\\n b\n")
        #expect(result.assignments.map(\.location.description) == ["t.service:3:4", "t.service:4:1"])
    }

    @Test func emptyValueIsKeptForResets() throws {
        #expect(try pairs("[Service]\nCapabilityBoundingSet=\n") == ["Service.CapabilityBoundingSet="])
    }

    @Test func unknownSectionIsIgnoredWithAWarningButXSectionsSilently() throws {
        let result = try parse("[Foo]\nA=1\n[X-Mine]\nB=2\n[Service]\nC=3\n")
        #expect(result.assignments.map(\.key) == ["C"])
        #expect(result.diagnostics.map(\.message) == ["unknown section [Foo], ignoring its lines"])
        #expect(result.sections == ["Foo", "X-Mine", "Service"])
    }

    @Test func linesWithoutEqualsOrKeyAreWarnings() throws {
        let result = try parse("[Service]\njustaword\n=value\nA\u{00A0}=1\n")
        #expect(result.diagnostics.map(\.message) == ["missing '=', ignoring line", "missing key name before '=', ignoring line"])
    }

    @Test func assignmentBeforeAnySection() throws {
        let result = try parse("A=1\n[Service]\n")
        #expect(result.assignments.isEmpty)
        #expect(result.diagnostics.first?.message == "assignment outside of any section, ignoring it")
    }

    @Test func crlfAndByteOrderMark() throws {
        #expect(try pairs("\u{FEFF}[Service]\r\nA=1\r\nB=2") == ["Service.A=1", "Service.B=2"])
    }

    @Test func badSectionHeaderIsAnError() {
        #expect(throws: UnitFileError.badSectionHeader(SourceLocation(file: "t.service", line: 2), "[Service")) {
            try parse("\n[Service\n")
        }
    }

    @Test func binaryFileIsRefused() {
        #expect(throws: UnitFileError.binary(path: "b.service")) {
            try UnitFileParser.parse([0x5B, 0x00, 0x5D], path: "b.service")
        }
    }

    @Test func invalidUTF8LineIsIgnoredWithAWarning() throws {
        let bytes = Array("[Service]\nA=".utf8) + [0xC3, 0x28] + Array("\nB=ok\n".utf8)
        let result = try UnitFileParser.parse(bytes, path: "u.service")
        #expect(result.assignments.map(\.key) == ["B"])
        #expect(result.diagnostics.map(\.description) == ["u.service:2:1: warning: line is not valid UTF-8, ignoring it"])
    }

    @Test func tenMegabyteLineIsAnErrorNotAHang() {
        let bytes = Array("[Service]\nA=".utf8) + [UInt8](repeating: 0x61, count: 10 * 1024 * 1024)
        #expect(throws: UnitFileError.lineTooLong(SourceLocation(file: "big.service", line: 2))) {
            try UnitFileParser.parse(bytes, path: "big.service")
        }
    }
}

import Testing
import TestSupport

/// The generated Swift under Sources/ (syscall numbers, errno names, syscall groups, systemd 252's
/// directive list) is exactly what the scripts under scripts/ write from the data in reference/.
@Suite struct GeneratedFilesTests {
    /// What scripts/check-generated and the generators it runs use.
    static let tools = ["sh", "awk", "sort", "cut", "diff", "cmp", "mktemp", "head", "basename", "ls", "wc"]
    static let missing = Repository.missing(tools)

    @Test(.enabled(if: missing.isEmpty, "scripts/check-generated needs \(missing.joined(separator: ", "))"))
    func regeneratingFromReferenceReproducesTheCommittedFiles() throws {
        let result = try Subprocess.run(["/bin/sh", Repository.path("scripts/check-generated")], timeout: 120)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}

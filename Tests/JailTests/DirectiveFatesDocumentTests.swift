import Foundation
@testable import Jail
import TestSupport
import Testing

/// docs/directive-fates.md is what DirectiveFates says, word for word: a user reads there what
/// brig run applies, refuses and ignores. BRIG_REGENERATE=1 writes it anew.
struct DirectiveFatesDocumentTests {
    @Test func theDocumentIsTheTable() throws {
        let path = Repository.path("docs/directive-fates.md")
        let fresh = DirectiveFates.document()
        if ProcessInfo.processInfo.environment["BRIG_REGENERATE"] == "1" {
            try FileManager.default.createDirectory(atPath: Repository.path("docs"), withIntermediateDirectories: true)
            try fresh.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOfFile: path, encoding: .utf8)
        #expect(committed == fresh, "docs/directive-fates.md is out of date: BRIG_REGENERATE=1 swift test --filter DirectiveFatesDocumentTests")
    }
}

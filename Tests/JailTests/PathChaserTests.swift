import Foundation
import Testing
@testable import Jail

/// Following symlinks inside a root, as systemd's chase_symlinks() does for mount entries.
struct PathChaserTests {
    /// A root with a/b, links inside it, and a link that loops.
    static func root() throws -> String {
        let root = NSTemporaryDirectory() + "brig-chase-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/a/b", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: root + "/absolute", withDestinationPath: "/a")
        try fm.createSymbolicLink(atPath: root + "/a/up", withDestinationPath: "../../../a")
        try fm.createSymbolicLink(atPath: root + "/loop", withDestinationPath: "loop")
        return root
    }

    @Test func linksAreFollowedInsideTheRoot() throws {
        let root = try Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let chaser = PathChaser(root: root)
        // An absolute target starts again at the root, not at the host's /.
        #expect(chaser.chase("/absolute/b") == "/a/b")
        // ".." stops at the root.
        #expect(chaser.chase("/a/up/b") == "/a/b")
        // The first missing component ends the walk; the rest stays as written.
        #expect(chaser.chase("/absolute/missing/../x") == "/a/missing/../x")
        #expect(chaser.chase("/a/b") == "/a/b")
        #expect(chaser.chase("/missing/absolute") == "/missing/absolute")
        #expect(chaser.chase("/loop") == nil)
    }
}

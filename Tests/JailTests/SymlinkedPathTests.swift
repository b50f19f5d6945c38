import Foundation
import Testing

/// Mount entry paths through symlinks: systemd follows each link inside the jail's root
/// before it mounts, so the flags land on what the path leads to. An absolute link taken
/// literally would lead out of brig's staging root and leave the jail's copy writable.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt && Oracle.isAvailable,
                "needs root, a built brig and systemd for systemd-oracle"),
       .serialized)
struct SymlinkedPathTests {
    /// dir/sub, a file, and links to them: absolute, relative, and one to the file.
    static func fixture() throws -> String {
        let base = Probe.directory + "/links"
        let fm = FileManager.default
        try? fm.removeItem(atPath: base)
        try fm.createDirectory(atPath: base + "/dir/sub", withIntermediateDirectories: true)
        try "data\n".write(toFile: base + "/file", atomically: false, encoding: .utf8)
        try fm.createSymbolicLink(atPath: base + "/absolute", withDestinationPath: base + "/dir")
        try fm.createSymbolicLink(atPath: base + "/relative", withDestinationPath: "dir")
        try fm.createSymbolicLink(atPath: base + "/filelink", withDestinationPath: "file")
        return base
    }

    /// What the jailed process can do with the real paths.
    static func look(_ base: String) -> [String] {
        ["/bin/sh", "-c", """
         if touch \(base)/dir/sub/x 2>/dev/null; then echo write; rm -f \(base)/dir/sub/x; else echo no-write; fi
         if ls \(base)/dir/sub >/dev/null 2>&1; then echo list; else echo no-list; fi
         if cat \(base)/file >/dev/null 2>&1; then echo read; else echo no-read; fi
         """]
    }

    static let cases: [[String]] = [
        ["ReadOnlyPaths=@/absolute/sub"], ["ReadOnlyPaths=@/relative/sub"], ["ReadOnlyPaths=@/absolute"],
        ["ReadOnlyPaths=@/relative"], ["InaccessiblePaths=@/absolute/sub"], ["InaccessiblePaths=@/filelink"],
        ["TemporaryFileSystem=@/absolute"], ["ReadOnlyPaths=-@/absolute/missing"],
        ["ProtectSystem=strict", "ReadWritePaths=@/absolute/sub"], ["BindReadOnlyPaths=/usr/share:@/absolute/sub"],
    ]

    @Test(arguments: cases)
    func theJailSeesWhatSystemdShows(_ templates: [String]) throws {
        let base = try Self.fixture()
        let properties = templates.map { $0.replacingOccurrences(of: "@", with: base) }
        let systemd = try Oracle.run(properties: properties, Self.look(base))
        let brig = try Brig.run(properties: properties, Self.look(base))
        #expect(brig.status == systemd.status, "\(properties): \(brig.stderr)")
        #expect(brig.stdout == systemd.stdout, "\(properties)")
    }
}

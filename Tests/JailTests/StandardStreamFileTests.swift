import Foundation
import TestSupport
import Testing

/// StandardInput=/StandardOutput=/StandardError= naming files, under brig and under systemd:
/// the same access (an input file is read-only unless it is also plain `file:` output), the
/// same mode for a created file (0666 less UMask=), the same sharing of one descriptor.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct StandardStreamFileTests {
    /// Each case: properties with FILE standing for a root-owned 0600 file holding "secret\n"
    /// (NEW for one that does not exist yet), and the command, which notes in SEEN what it saw.
    static let cases: [(properties: [String], script: String)] = [
        (["StandardInput=file:FILE"], "cat > SEEN; echo overwritten >&0 || echo refused >> SEEN"),
        (["StandardInput=file:FILE", "StandardOutput=file:FILE"], "read line; echo got-$line"),
        (["StandardInput=file:FILE", "StandardError=file:FILE", "StandardOutput=null"], "read line; echo err-$line >&2"),
        (["StandardInput=file:FILE", "StandardOutput=append:FILE"], "cat > SEEN; echo appended"),
        (["StandardOutput=file:NEW"], "echo new"),
        (["StandardOutput=file:NEW", "UMask=0077"], "echo private"),
        (["StandardOutput=truncate:FILE", "StandardError=truncate:FILE"], "echo out; echo err >&2"),
        (["StandardOutput=append:FILE", "StandardError=file:FILE"], "echo out; echo err >&2"),
    ]

    /// The exit status, then the owner, mode and contents of FILE, NEW and SEEN.
    func observe(_ index: Int, runner: ([String], [String]) throws -> Int32) throws -> String {
        let dir = "/var/lib/brig-streams-\(UUID().uuidString.prefix(6))"   // outside the oracle's private /run
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        chmod(dir, 0o1777)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "secret\n".write(toFile: "\(dir)/file", atomically: false, encoding: .utf8)
        chmod("\(dir)/file", 0o600)
        let (properties, script) = Self.cases[index]
        func resolve(_ text: String) -> String {
            text.replacingOccurrences(of: "FILE", with: "\(dir)/file").replacingOccurrences(of: "NEW", with: "\(dir)/new")
                .replacingOccurrences(of: "SEEN", with: "\(dir)/seen")
        }
        let status = try runner(["User=nobody"] + properties.map(resolve), ["/bin/sh", "-c", resolve(script)])
        let files = ["file", "new", "seen"].map { name -> String in
            var st = stat()
            guard stat("\(dir)/\(name)", &st) == 0 else { return "\(name): none" }
            let text = (try? String(contentsOfFile: "\(dir)/\(name)", encoding: .utf8)) ?? ""
            return "\(name): \(st.st_uid) \(String(st.st_mode & 0o777, radix: 8)) \(text.debugDescription)"
        }
        return "status \(status)\n" + files.joined(separator: "\n")
    }

    static func brig(_ properties: [String], _ command: [String]) throws -> Int32 {
        try Brig.run(properties: properties, command).status
    }

    /// systemd-run without --pipe, which would replace the unit's own standard streams.
    static func systemd(_ properties: [String], _ command: [String]) throws -> Int32 {
        try Oracle.exec(["systemd-run", "--wait", "--quiet"] + properties.flatMap { ["-p", $0] } + ["--"] + command).status
    }

    @Test func anInputFileIsOpenedReadOnly() throws {
        let seen = try observe(0, runner: Self.brig)
        #expect(seen == "status 0\nfile: 0 600 \"secret\\n\"\nnew: none\nseen: 65534 644 \"secret\\nrefused\\n\"")
    }

    @Test func createdFilesFollowUMask() throws {
        #expect(try observe(4, runner: Self.brig).contains("new: 0 644 \"new\\n\""))
        #expect(try observe(5, runner: Self.brig).contains("new: 0 600 \"private\\n\""))
    }

    @Test(.enabled(if: Oracle.isAvailable, "needs systemd for systemd-oracle"), arguments: cases.indices)
    func systemdOpensTheSameWay(_ index: Int) throws {
        #expect(try observe(index, runner: Self.brig) == observe(index, runner: Self.systemd), "\(Self.cases[index].properties)")
    }
}

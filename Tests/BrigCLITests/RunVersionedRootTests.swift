import Foundation
import Testing
import TestSupport

/// RootDirectory= naming a versioned directory (systemd.v(7)) under `brig run --rules 256` and
/// later: the service runs in the newest root in it; older rules take the name as a plain
/// directory. VersionedRootDifferentialTests compares the pick with systemd 262.
@Suite(.enabled(if: geteuid() == 0, "brig run needs root"), .serialized)
struct RunVersionedRootTests {
    /// `root.v` under a fresh directory, with a small root for each version, whose /etc/marker
    /// names it. The .v directory is itself laid out as a root too, marked "literal", for the
    /// rules that do not pick. Beside the roots: a file named as a newer version, and a
    /// directory whose version no release admits.
    static func makeVersioned(_ versions: [String] = ["1.9", "1.10", "1.2"]) throws -> (top: String, versioned: String) {
        let top = "/run/brig-vpick-\(UUID().uuidString.prefix(6))", versioned = top + "/root.v"
        let roots = [versioned] + versions.map { versioned + "/root_" + $0 }
        let made = try Subprocess.run(["/bin/sh", "-c", "set -e; for r in \"$@\"; do "
            + "mkdir -p $r/usr $r/proc $r/sys $r/dev $r/run $r/tmp $r/etc $r/srv; "
            + "for l in bin lib lib64 sbin; do [ -e /usr/$l ] && ln -s usr/$l $r/$l; done; "
            + "case $r in */root.v) echo literal;; *) echo ${r##*/root_};; esac > $r/etc/marker; done; "
            + "touch \(versioned)/root_3; mkdir '\(versioned)/root_4 beta'", "sh"] + roots)
        try #require(made.status == 0, "\(made.stderr)")
        return (top, versioned)
    }

    static func run(_ rules: String, _ properties: [String], _ command: [String]) throws -> BrigBinary.Result {
        try BrigBinary.run(["run", "--rules", rules] + (properties + ["BindReadOnlyPaths=/usr"]).flatMap { ["-p", $0] } + ["--"] + command)
    }

    @Test func theNewestRootOfTheVersionedDirectoryIsUsed() throws {
        let (top, versioned) = try Self.makeVersioned()
        defer { try? FileManager.default.removeItem(atPath: top) }
        for path in [versioned, versioned + "/", versioned + "/root___"] {
            let out = try Self.run("262", ["RootDirectory=\(path)"], ["/bin/cat", "/etc/marker"])
            #expect(out.status == 0 && out.stdout == "1.10\n", "RootDirectory=\(path): \(out.stdout) \(out.stderr)")
        }
        // 256 to 259 would take the file root_3 (aVersionedDirectoryWithNothingToPickStopsTheStart).
        try FileManager.default.removeItem(atPath: versioned + "/root_3")
        let at256 = try Self.run("256", ["RootDirectory=\(versioned)"], ["/bin/cat", "/etc/marker"])
        #expect(at256.stdout == "1.10\n", "256 picks too: \(at256.stderr)")
    }

    @Test func olderRulesTakeTheNameAsADirectory() throws {
        let (top, versioned) = try Self.makeVersioned()
        defer { try? FileManager.default.removeItem(atPath: top) }
        let out = try Self.run("255", ["RootDirectory=\(versioned)"], ["/bin/cat", "/etc/marker"])
        #expect(out.status == 0 && out.stdout == "literal\n", "\(out.stdout) \(out.stderr)")
    }

    /// WorkingDirectory= and RootEphemeral='s copy are of the root picked, not of the .v directory.
    @Test func everythingThatReadsTheRootSeesThePickedOne() throws {
        let (top, versioned) = try Self.makeVersioned()
        defer { try? FileManager.default.removeItem(atPath: top) }
        let out = try Self.run("262", ["RootDirectory=\(versioned)", "WorkingDirectory=/etc", "RootEphemeral=yes"],
                               ["/bin/sh", "-c", "cat marker; echo changed > marker"])
        #expect(out.status == 0 && out.stdout == "1.10\n", "\(out.stdout) \(out.stderr)")
        #expect((try? String(contentsOfFile: versioned + "/root_1.10/etc/marker", encoding: .utf8)) == "1.10\n", "the copy was written, not the root")
        let plan = try BrigBinary.run(["run", "--dry-run", "--rules", "262", "-p", "RootDirectory=\(versioned)", "--", "/bin/true"])
        #expect(plan.stdout.contains("RootDirectory=\(versioned)/root_1.10") && plan.stdout.contains("\(versioned)/root_1.10 is its newest now"),
                "\(plan.stdout)")
    }

    @Test func aVersionedDirectoryWithNothingToPickStopsTheStart() throws {
        let (top, versioned) = try Self.makeVersioned([])
        defer { try? FileManager.default.removeItem(atPath: top) }
        let out = try Self.run("262", ["RootDirectory=\(versioned)", "ExecStartPre=/bin/touch /srv/started"], ["/bin/true"])
        #expect(out.status == 226, "226 NAMESPACE, as systemd fails to set up the root: \(out.stderr)")
        #expect(out.stderr.contains("RootDirectory=\(versioned)") && out.stderr.contains("holds no directory named root_VERSION"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: versioned + "/srv/started"), "nothing ran")
        let at259 = try Self.run("259", ["RootDirectory=\(versioned)"], ["/bin/true"])
        #expect(at259.status == 226 && at259.stderr.contains("root_3, the newest entry, is not a directory"),
                "256 to 259 take the file named root_3 and fail on it: \(at259.stderr)")
    }
}

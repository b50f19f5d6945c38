import Foundation
import Testing
import TestSupport

/// RootEphemeral=yes with RootDirectory= under `brig run --rules 254` and later: the service runs
/// in a copy of its root made for the run, under /var/lib/systemd/ephemeral-trees, which is gone
/// once the run is over, also when brig was killed (the next start sweeps it). Older rules
/// ignore the directive, as those releases do. RootEphemeralDifferentialTests compares with 262.
@Suite(.enabled(if: geteuid() == 0, "brig run needs root"), .serialized)
struct RunRootEphemeralTests {
    static let trees = "/var/lib/systemd/ephemeral-trees"

    /// A small root: the host's /usr is bound into it (BindReadOnlyPaths=/usr), and it holds one
    /// of each thing a copy must keep: a set-uid file with an old mtime and a second hard link,
    /// a directory owned by nobody, a fifo, symlinks.
    static func makeRoot() throws -> String {
        let root = "/run/brig-ephemeral-\(UUID().uuidString.prefix(6))"
        let made = try Subprocess.run(["/bin/sh", "-c", """
            set -e; mkdir -p \(root)/usr \(root)/proc \(root)/sys \(root)/dev \(root)/run \(root)/tmp \(root)/etc \(root)/var
            for l in bin lib lib64 sbin; do [ -e /usr/$l ] && ln -s usr/$l \(root)/$l; done
            echo original > \(root)/etc/marker; chmod 4711 \(root)/etc/marker; touch -d 2001-02-03 \(root)/etc/marker
            ln \(root)/etc/marker \(root)/etc/marker-link; chown 65534:65534 \(root)/var; mkfifo \(root)/var/fifo
            """])
        try #require(made.status == 0, "\(made.stderr)")
        return root
    }

    static let properties = ["BindReadOnlyPaths=/usr"]
    /// What a copy must keep of each entry: name, mode, owner, links, mtime, type.
    static let listing = "stat -c '%n %a %u %g %h %Y %F' /etc/marker /etc/marker-link /var /var/fifo /bin"

    static func run(_ rules: String, root: String, _ script: String) throws -> BrigBinary.Result {
        try BrigBinary.run(["run", "--rules", rules, "-p", "RootDirectory=\(root)", "-p", "RootEphemeral=yes"]
                           + properties.flatMap { ["-p", $0] } + ["--", "/bin/sh", "-c", script])
    }

    /// The copy the service ran in, from its root mount in /proc/self/mountinfo (printed last).
    static func copyPath(_ stdout: String) -> String? {
        stdout.split(separator: "\n").last.flatMap { line in
            line.firstRange(of: trees + "/").map { String(line[$0.lowerBound...]) }
        }
    }

    @Test func theServiceWritesInACopyThatIsGoneAfterTheRun() throws {
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let original = try Subprocess.run(["/bin/sh", "-c", "cd \(root) && " + Self.listing.replacingOccurrences(of: " /", with: " ./")]).stdout
            .replacingOccurrences(of: "./", with: "/")
        let out = try Self.run("262", root: root, "echo written > /etc/new && cat /etc/new && \(Self.listing) && grep -o '/var/lib/systemd/ephemeral-trees/[^ ]*' /proc/self/mountinfo | head -1")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.hasPrefix("written\n" + original), "the copy keeps modes, owners, links, times and types:\n\(out.stdout)\nexpected\n\(original)")
        let copy = try #require(Self.copyPath(out.stdout), "the service's root is not a copy under \(Self.trees): \(out.stdout)")
        #expect(copy.hasPrefix(Self.trees + "/.#brig-run-"), "named after the unit: \(copy)")
        #expect(!FileManager.default.fileExists(atPath: root + "/etc/new"), "the original is left as it was")
        #expect(!FileManager.default.fileExists(atPath: copy), "the copy is removed after the run")
        #expect(try Subprocess.run(["/usr/bin/stat", "-c", "%a", Self.trees]).stdout == "755\n")
    }

    @Test func eachRestartRunsInAFreshCopy() throws {
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let out = try BrigBinary.run(["run", "--rules", "262", "-p", "RootDirectory=\(root)", "-p", "RootEphemeral=yes", "-p", "BindReadOnlyPaths=/usr",
                                      "-p", "Restart=on-failure", "-p", "RestartSec=10ms", "-p", "StartLimitBurst=3", "-p", "StartLimitIntervalSec=30",
                                      "--", "/bin/sh", "-c", "if test -e /etc/seen; then echo stale; else echo fresh; fi; touch /etc/seen; exit 1"])
        #expect(out.stdout == "fresh\nfresh\nfresh\n", "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root + "/etc/seen"))
    }

    @Test func olderRulesIgnoreItAndTheServiceWritesInItsRoot() throws {
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let out = try Self.run("253", root: root, "echo written > /etc/new")
        #expect(out.status == 0, "\(out.stderr)")
        #expect((try? String(contentsOfFile: root + "/etc/new", encoding: .utf8)) == "written\n", "253 knows no RootEphemeral=")
        let plan = try BrigBinary.run(["run", "--dry-run", "--rules", "253", "-p", "RootDirectory=\(root)", "-p", "RootEphemeral=yes", "--", "/bin/true"])
        #expect(plan.stdout.contains("warning: RootEphemeral= is newer than systemd 253 (it came in 254), which ignores it; brig ignores it too")
                && !plan.stdout.contains("ephemeral-trees"), "\(plan.stdout)")
    }

    @Test func aCopyLeftByAKilledBrigIsRemovedByTheNextStart() throws {
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let brig = Process()
        brig.executableURL = URL(fileURLWithPath: BuiltBrig.path)
        brig.arguments = ["run", "--rules", "262", "-p", "RootDirectory=\(root)", "-p", "RootEphemeral=yes", "-p", "BindReadOnlyPaths=/usr",
                          "--", "/bin/sh", "-c", "touch /started; exec sleep 60"]
        brig.standardOutput = FileHandle.nullDevice
        brig.standardError = FileHandle.nullDevice
        try brig.run()
        let prefix = ".#brig-run-\(brig.processIdentifier).service"
        var copy: String? = nil
        Poll.until(seconds: 5) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: Self.trees)) ?? []
            copy = names.first { $0.hasPrefix(prefix) && FileManager.default.fileExists(atPath: Self.trees + "/" + $0 + "/started") }
            return copy != nil
        }
        let name = try #require(copy, "the service never ran in a copy named \(prefix)...")
        kill(brig.processIdentifier, SIGKILL)
        brig.waitUntilExit()
        // Its keeper ends the service and lets go of the run's lock; a start after that sweeps (any
        // brig of a suite running beside this one may be that start).
        let swept = try Poll.until(seconds: 5, every: 0.1) { () throws -> Bool in
            let start = try BrigBinary.run(["run", "--", "/bin/true"])
            #expect(start.status == 0, "\(start.stderr)")
            return !FileManager.default.fileExists(atPath: Self.trees + "/" + name)
        }
        #expect(swept, "\(name) is left after the next starts")
        #expect(!FileManager.default.fileExists(atPath: root + "/started"))
    }

    @Test func whatCannotBeCopiedStopsTheStart() throws {
        let missing = try BrigBinary.run(["run", "--rules", "262", "-p", "RootDirectory=/run/brig-no-such-root", "-p", "RootEphemeral=yes", "--", "/bin/true"])
        #expect(missing.status == 226 && missing.stderr.contains("RootEphemeral=yes: opening RootDirectory=/run/brig-no-such-root: No such file or directory"), "\(missing.stderr)")
        let host = try BrigBinary.run(["run", "--rules", "262", "-p", "RootDirectory=/", "-p", "RootEphemeral=yes", "--", "/bin/true"])
        #expect(host.status == 226 && host.stderr.contains("RootEphemeral=yes"), "\(host.stderr)")
        // Without a root of its own there is nothing to copy: as systemd, the service runs as it would.
        #expect(try BrigBinary.run(["run", "--rules", "262", "-p", "RootEphemeral=yes", "--", "/bin/true"]).status == 0)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs python3 to read an xattr"))
    func deviceNodesAndExtendedAttributesAreCopied() throws {
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let made = try Subprocess.run(["/bin/sh", "-c", "mknod -m 640 \(root)/var/null c 1 3 && "
                                       + "python3 -c 'import os; os.setxattr(\"\(root)/etc/marker\", \"user.brig\", b\"kept\")'"])
        try #require(made.status == 0, "\(made.stderr)")
        let out = try Self.run("262", root: root, """
            stat -c '%F %t:%T %a' /var/null; python3 -c 'import os; print(os.getxattr("/etc/marker", "user.brig").decode())'
            """)
        #expect(out.stdout == "character special file 1:3 640\nkept\n", "\(out.stderr)")
    }

    /// A copy that fails half-way (here a file larger than RLIMIT_FSIZE allows: EFBIG, with
    /// SIGXFSZ ignored) stops the start, naming the file, and leaves nothing behind.
    @Test func aCopyThatFailsHalfWayIsRemoved() throws {
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data(repeating: 7, count: 2_000_000).write(to: URL(fileURLWithPath: root + "/var/big"))
        let before = Set((try? FileManager.default.contentsOfDirectory(atPath: Self.trees)) ?? [])
        let out = try Subprocess.run(["/bin/sh", "-c", "trap '' XFSZ; ulimit -f 1000; exec \"$0\" \"$@\"", BuiltBrig.path,
                                      "run", "--rules", "262", "-p", "RootDirectory=\(root)", "-p", "RootEphemeral=yes", "--", "/bin/true"])
        #expect(out.status == 226 && out.stderr.contains("RootEphemeral=yes: copying \(root) to \(Self.trees)/.#brig-run-")
                && out.stderr.contains("failed at var/big: File too large"), "\(out.stderr)")
        let after = Set((try? FileManager.default.contentsOfDirectory(atPath: Self.trees)) ?? [])
        #expect(after.subtracting(before).filter { $0.hasPrefix(".#brig-run-") }.isEmpty, "left: \(after.subtracting(before))")
    }

    @Test func dryRunShowsTheCopyBeforeTheStart() throws {
        let out = try BrigBinary.run(["run", "--dry-run", "--rules", "262", "-p", "RootDirectory=/srv/root", "-p", "RootEphemeral=yes", "--", "/bin/true"])
        #expect(out.stdout.contains("# RootEphemeral=yes: /srv/root copied to \(Self.trees)/.#brig-run-"), "\(out.stdout)")
        #expect(out.stdout.contains("move \(Self.trees)/.#brig-run-") && out.stdout.contains(".servicedry-run onto / and chroot"), "\(out.stdout)")
    }
}

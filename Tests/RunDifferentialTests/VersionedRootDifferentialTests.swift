import Foundation
import Testing
import TestSupport

/// RootDirectory= naming a versioned directory (systemd.v(7)) against systemd 262: one `.v`
/// directory is made inside systemd-oracle-next's instance (its /srv), a root per entry whose
/// /etc/marker names it, and the same command prints the marker as a transient service of 262
/// and under `brig run --rules 262` in the same instance. Both must pick the same root, and
/// fail alike where nothing fits.
@Suite("Versioned RootDirectory= under brig run --rules 262 and systemd 262", .serialized,
       .enabled(if: SystemdOracleNext.instanceUnavailableReason == nil && Gate.brig,
                "needs root, a built brig and systemd-oracle-next"))
struct VersionedRootDifferentialTests {
    /// `directories` become small roots in `versioned`, `files` empty files beside them.
    static func make(_ versioned: String, directories: [String], files: [String] = []) throws {
        let made = try SystemdOracleNext.exec(["/bin/sh", "-c", "set -e; v=$1; shift; mkdir -p $v; for e in \"$@\"; do case $e in "
            + "file:*) touch $v/${e#file:};; *) r=$v/$e; mkdir -p $r/usr $r/proc $r/sys $r/dev $r/run $r/tmp $r/etc; "
            + "for l in bin lib lib64 sbin; do [ -e /usr/$l ] && ln -s usr/$l $r/$l; done; echo $e > $r/etc/marker;; esac; done",
            "sh", versioned] + directories + files.map { "file:" + $0 })
        try #require(made.status == 0, "\(made.stderr)")
    }

    static let command = ["/bin/cat", "/etc/marker"]

    /// This machine's architecture by systemd's name (the instance's systemd is Debian's build
    /// for it, as brig is), and one that is not it.
    #if arch(arm64)
    static let (native, foreign) = ("arm64", "x86-64")
    #else
    static let (native, foreign) = ("x86-64", "arm64")
    #endif

    /// The status and output of both, for RootDirectory=`path`.
    static func both(_ path: String) throws -> (systemd: Subprocess.Output, brig: Subprocess.Output) {
        let properties = ["RootDirectory=\(path)", "BindReadOnlyPaths=/usr"]
        let systemd = try SystemdOracleNext.run(properties, command)
        let brig = try SystemdOracleNext.exec(try SystemdOracleNext.brig.get() + ["run", "--rules", "262"]
                                              + properties.flatMap { ["-p", $0] } + ["--"] + command)
        return (systemd, brig)
    }

    @Test func bothPickTheSameRoot() throws {
        let top = "/srv/brig-vpick-\(UUID().uuidString.prefix(6))"
        defer { _ = try? SystemdOracleNext.exec(["/bin/rm", "-rf", top]) }
        try Self.make(top + "/root.v", directories: [
            "root_7.5.13", "root_7.5.14", "root_7.6.0", "root_7.10.2_\(Self.native)", "root_7.10.2",  // this architecture wins the tie
            "root_7.10.2~rc1", "root_7.10.2,1", "root_9_\(Self.foreign)", "root_10+0-3", "root_7.9+2",
        ], files: ["root_7.11"])
        for path in [top + "/root.v", top + "/root.v/", top + "/root.v/root___"] {
            let (systemd, brig) = try Self.both(path)
            #expect(systemd.status == 0 && systemd.stdout == "root_7.10.2_\(Self.native)\n", "systemd 262, \(path): \(systemd.stdout) \(systemd.stderr)")
            #expect(brig.status == systemd.status && brig.stdout == systemd.stdout,
                    "\(path): systemd 262 printed \(systemd.stdout), brig \(brig.stdout) \(brig.stderr)")
        }
    }

    /// Exhausted tries sort last but are still taken when nothing else is there; and 262 reads
    /// UAPI.10 versions, where a pre-release is one (no release before did).
    @Test(arguments: [(["root_2+0", "root_1+0-5"], "root_2+0"), (["root_1.0", "root_2.0~rc1", "root_1.0^p1"], "root_2.0~rc1")])
    func bothPickAlike(_ entries: [String], _ picked: String) throws {
        let top = "/srv/brig-vpick-\(UUID().uuidString.prefix(6))"
        defer { _ = try? SystemdOracleNext.exec(["/bin/rm", "-rf", top]) }
        try Self.make(top + "/root.v", directories: entries)
        let (systemd, brig) = try Self.both(top + "/root.v")
        #expect(systemd.stdout == picked + "\n", "systemd 262: \(systemd.stdout) \(systemd.stderr)")
        #expect(brig.status == systemd.status && brig.stdout == systemd.stdout, "brig: \(brig.stdout) \(brig.stderr)")
    }

    @Test func bothFailAlikeWhenNothingFits() throws {
        let top = "/srv/brig-vpick-\(UUID().uuidString.prefix(6))"
        defer { _ = try? SystemdOracleNext.exec(["/bin/rm", "-rf", top]) }
        try Self.make(top + "/root.v", directories: ["root_1,0", "other_1", "root_3_\(Self.foreign)"], files: ["root_2"])
        let (systemd, brig) = try Self.both(top + "/root.v")
        #expect(systemd.status != 0, "systemd 262 ran it: \(systemd.stdout)")
        #expect(brig.status == 226 && brig.stdout.isEmpty, "brig: \(brig.status) \(brig.stdout) \(brig.stderr)")
        #expect(brig.status == systemd.status, "systemd 262 exited \(systemd.status): \(systemd.stderr)")
    }
}

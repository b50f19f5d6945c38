import Foundation
import Testing
import TestSupport

/// RootMStack= against systemd 262: the same `.mstack/` directory is made afresh inside
/// systemd-oracle-next's instance (its /srv) for each side, and a shell in the assembled root
/// reports what the service sees (files, writes, the top directories, the stack's mounts as
/// findmnt lists them), once as a transient service of 262 and once under `brig run --rules 262`
/// in the same instance; then what the run left in the stack on the host. Both must be the same.
@Suite("RootMStack= under brig run --rules 262 and systemd 262", .serialized,
       .enabled(if: SystemdOracleNext.instanceUnavailableReason == nil && Gate.brig,
                "needs root, a built brig and systemd-oracle-next"))
struct RootMStackDifferentialTests {
    /// A /usr-only tree of the instance's own programs the probe needs, with their libraries.
    static let makeBase = MiniRoot.script(programs: ["dash", "cat", "ls", "stat", "touch", "findmnt"])

    /// What the service sees. Mounts: the root's and those of the stack (their source names it),
    /// without the API file systems, whose details are each manager's.
    static func probe(_ stack: String, writes: [String]) -> String {
        """
        for f in \(writes.joined(separator: " ")); do touch $f 2>/dev/null && echo "$f writable" || echo "$f read-only"; done
        cat /etc/* 2>&1; stat -c '%N %a %u %g %F' /* /etc/* /usr/*; echo mounts:
        findmnt -rn -o TARGET,FSTYPE,SOURCE,VFS-OPTIONS | while read t f s o; do
          case "$t $s" in "/ "*|*"\(stack)"*) echo "$t $f $s $o";; esac; done
        """
    }

    struct Outcome: Equatable, CustomStringConvertible {
        var status: Int32
        var seen: [String]
        var left: String
        var description: String { "status \(status)\n" + seen.joined(separator: "\n") + "\nleft in the stack:\n" + left }
    }

    /// Makes the stack at `stack` with `script` ($m the stack, $b the base next to it), runs the
    /// probe under `properties` through `start`, and lists what the stack holds afterwards.
    static func outcome(stack: String, script: String, properties: [String], writes: [String],
                        start: ([String], [String]) throws -> Subprocess.Output) throws -> Outcome {
        let directory = (stack as NSString).deletingLastPathComponent
        let made = try SystemdOracleNext.exec(["/bin/sh", "-c", "set -e; rm -rf \(directory); b=\(directory)/base; m=\(stack); mkdir -p $m\n"
                                               + makeBase + "\n" + script])
        try #require(made.status == 0, "\(made.stderr)")
        let run = try start(["RootMStack=\(stack)"] + properties, ["/bin/sh", "-c", probe(stack, writes: writes)])
        // The mounts' order is each manager's; the link counts of /proc and the like are the moment's.
        var lines = run.stdout.split(separator: "\n").map(String.init)
        if let mounts = lines.firstIndex(of: "mounts:") { lines = lines[...mounts] + lines[(mounts + 1)...].sorted() }
        lines = lines.filter { !$0.hasPrefix("'/proc'") && !$0.hasPrefix("'/run'") && !$0.hasPrefix("'/dev'") && !$0.hasPrefix("'/sys'") }
        let left = try SystemdOracleNext.exec(["/bin/sh", "-c", "cd \(stack) && find . -path ./layer@0 -prune -o -printf '%p %M %U %G\\n' | sort"])
        return Outcome(status: run.status, seen: lines, left: left.stdout)
    }

    static func compare(_ script: String, properties: [String] = [], writes: [String]) throws -> (systemd: Outcome, brig: Outcome) {
        let stack = "/srv/brig-mstack-\(UUID().uuidString.prefix(6))/x.mstack"
        defer { _ = try? SystemdOracleNext.exec(["/bin/rm", "-rf", (stack as NSString).deletingLastPathComponent]) }
        let systemd = try outcome(stack: stack, script: script, properties: properties, writes: writes) { p, c in
            try SystemdOracleNext.run(p, c)
        }
        let brigCommand = try SystemdOracleNext.brig.get()
        let brig = try outcome(stack: stack, script: script, properties: properties, writes: writes) { p, c in
            try SystemdOracleNext.exec(brigCommand + ["run", "--rules", "262"] + p.flatMap { ["-p", $0] } + ["--"] + c)
        }
        return (systemd, brig)
    }

    /// Two layers (one a symlink), rw/, a bind@ and a robind@: shadowing, writes, whiteouts.
    @Test func layersRwAndBinds() throws {
        let (systemd, brig) = try Self.compare("""
            ln -s ../base $m/layer@0; mkdir -p $m/layer@1/etc $m/layer@2/etc $m/rw $m/robind@opt-ro $m/bind@srv-data
            echo lower > $m/layer@1/etc/both; echo lower-only > $m/layer@1/etc/lower; echo upper > $m/layer@2/etc/both
            echo kept > $m/robind@opt-ro/file
            """, writes: ["/etc/new", "/opt/ro/new", "/srv/data/new", "/usr/new"])
        #expect(systemd.status == 0 && systemd.seen.contains("/etc/new writable"), "systemd 262: \(systemd)")
        #expect(brig == systemd, "systemd 262:\n\(systemd)\nbrig:\n\(brig)")
    }

    /// Versioned layers (systemd.v(7)): each is its newest version, pre-releases counted as 262 counts them.
    @Test func versionedLayers() throws {
        let (systemd, brig) = try Self.compare("""
            ln -s ../base $m/layer@0; mkdir -p $m/rw; for v in 1 2 10~rc1 3_x86-64 4_arm64; do mkdir -p $m/layer@1.v/layer@1_$v/etc; echo $v > $m/layer@1.v/layer@1_$v/etc/v; done
            """, writes: ["/etc/new"])
        #expect(systemd.status == 0 && systemd.seen.contains("10~rc1"), "systemd 262: \(systemd)")
        #expect(brig == systemd, "systemd 262:\n\(systemd)\nbrig:\n\(brig)")
    }

    /// root/ with /usr from the layers.
    @Test func aRootWithUsrFromTheLayers() throws {
        let (systemd, brig) = try Self.compare("""
            ln -s ../base $m/layer@0; mkdir -p $m/layer@1/usr/share $m/root/etc
            echo from-root > $m/root/etc/a; echo in-usr > $m/layer@1/usr/share/u
            for l in bin lib lib64; do ln -s usr/$l $m/root/$l; done
            """, writes: ["/etc/new", "/usr/new", "/usr/share/new"])
        #expect(systemd.status == 0, "systemd 262: \(systemd)")
        #expect(brig == systemd, "systemd 262:\n\(systemd)\nbrig:\n\(brig)")
    }

    /// PrivateTmp= in a root without /tmp: both make /tmp and /var/tmp in rw/data for their tmpfs.
    @Test func privateTmpInARootWithoutTmp() throws {
        let (systemd, brig) = try Self.compare("ln -s ../base $m/layer@0; mkdir -p $m/layer@1/etc $m/rw",
                                               properties: ["PrivateTmp=yes"], writes: ["/tmp/new", "/var/tmp/new"])
        #expect(systemd.status == 0 && systemd.seen.contains("/tmp/new writable"), "systemd 262: \(systemd)")
        #expect(brig == systemd, "systemd 262:\n\(systemd)\nbrig:\n\(brig)")
    }

    /// ProtectSystem=strict with ProtectHome=yes: the whole stack read-only, rw/data the top lower layer.
    @Test func aReadOnlyNamespace() throws {
        let (systemd, brig) = try Self.compare("""
            ln -s ../base $m/layer@0; mkdir -p $m/layer@1/etc $m/layer@1/opt/ro $m/rw/data/etc $m/robind@opt-ro
            for d in proc sys dev run; do mkdir $m/layer@1/$d; done; for l in bin lib lib64; do ln -s usr/$l $m/layer@1/$l; done
            echo from-rw > $m/rw/data/etc/rw
            """, properties: ["ProtectSystem=strict", "ProtectHome=yes"], writes: ["/etc/new", "/opt/ro/new"])
        #expect(systemd.status == 0 && systemd.seen.contains("/etc/new read-only"), "systemd 262: \(systemd)")
        #expect(brig == systemd, "systemd 262:\n\(systemd)\nbrig:\n\(brig)")
    }

    /// Neither layers nor root/: the binds on a tmpfs.
    @Test func bindsOnATmpfs() throws {
        let (systemd, brig) = try Self.compare("mkdir -p $m/bind@usr $m/robind@etc; cp -a $b/usr/. $m/bind@usr/; echo e > $m/robind@etc/e",
                                               writes: ["/etc/new", "/new"])
        #expect(systemd.status == 0, "systemd 262: \(systemd)")
        #expect(brig == systemd, "systemd 262:\n\(systemd)\nbrig:\n\(brig)")
    }

    /// A bind whose location cannot be made in a read-only overlay fails both starts with 226.
    @Test func aBindThatCannotBeMadeFailsTheStart() throws {
        let (systemd, brig) = try Self.compare("ln -s ../base $m/layer@0; mkdir -p $m/layer@1/etc $m/bind@opt-new", writes: [])
        #expect(systemd.status != 0 && brig.status == systemd.status && brig.left == systemd.left,
                "systemd 262:\n\(systemd)\nbrig:\n\(brig)")
    }

    /// A symlink on the way to a mount point (a layer's /srv leading out of the root) fails both
    /// starts alike, and neither makes anything where it leads.
    @Test func aSymlinkOnTheWayToABindFailsTheStart() throws {
        let (systemd, brig) = try Self.compare("""
            o=$(dirname $m)/outside; ln -s ../base $m/layer@0; mkdir -p $m/layer@1 $m/rw $m/bind@srv-x $o; ln -s $o $m/layer@1/srv
            """, writes: [])
        #expect(systemd.status != 0 && brig.status == systemd.status && brig.left == systemd.left,
                "systemd 262:\n\(systemd)\nbrig:\n\(brig)")
    }
}

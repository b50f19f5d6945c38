import Foundation
import Testing
import TestSupport

/// RootMStack= under `brig run --rules 260` and later, as a user sees it from inside the service:
/// the root assembled from a `.mstack/` directory of directory layers. Older rules ignore the
/// directive as those releases do; disk images and .v/ entries are refused at start.
/// RootMStackDifferentialTests compares the same stacks with systemd 262.
@Suite(.enabled(if: geteuid() == 0, "brig run needs root"), .serialized)
struct RunRootMStackTests {
    /// Shell commands that make `$b` a small /usr-only tree a service can run in: dash, cat, ls,
    /// stat, touch and rm with the libraries they link, as this machine has them.
    static let makeBase = MiniRoot.script(programs: ["dash", "cat", "ls", "stat", "touch", "rm"])

    /// What a read-only stack must hold itself, as nothing can be made in it: the API file
    /// systems' mount points and the links into /usr.
    static let topDirectories = "mkdir -p $m/layer@1/proc $m/layer@1/sys $m/layer@1/dev $m/layer@1/run; for l in bin lib lib64; do ln -s usr/$l $m/layer@1/$l; done"

    /// A fresh directory holding `base/` (see makeBase) and `x.mstack/`, made by `script` run
    /// with `$m` the stack and `$b` the base; removed at the end of the test.
    final class Stack {
        let directory: String
        var path: String { directory + "/x.mstack" }
        init(_ script: String) throws {
            directory = "/run/brig-mstack-\(UUID().uuidString.prefix(8))"
            let made = try Subprocess.run(["/bin/sh", "-c", "set -e; b=\(directory)/base; m=\(directory)/x.mstack; mkdir -p $m\n"
                                           + RunRootMStackTests.makeBase + "\n" + script])
            try #require(made.status == 0, "\(made.stderr)")
        }
        deinit { _ = try? Subprocess.run(["/bin/rm", "-rf", directory]) }
        func contents(_ relative: String) -> String? { try? String(contentsOfFile: directory + "/" + relative, encoding: .utf8) }
    }

    static func run(_ stack: Stack, rules: String = "262", properties: [String] = [], _ script: String) throws -> BrigBinary.Result {
        try BrigBinary.run(["run", "--rules", rules, "-p", "RootMStack=\(stack.path)"] + properties.flatMap { ["-p", $0] }
                           + ["--", "/bin/sh", "-c", script])
    }

    /// Two layers and rw/: the upper layer's files shadow the lower one's, writes land in rw/data,
    /// and the layers are left as they were.
    @Test func upperLayersShadowLowerOnesAndWritesLandInRwData() throws {
        let stack = try Stack("""
            ln -s ../base $m/layer@0; mkdir -p $m/layer@1/etc $m/layer@10/etc $m/rw
            echo lower > $m/layer@1/etc/both; echo only-lower > $m/layer@1/etc/lower; echo upper > $m/layer@10/etc/both
            """)
        let out = try Self.run(stack, "cat /etc/both /etc/lower && echo written > /etc/new && cat /etc/new && rm /etc/lower && ls /etc")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == "upper\nonly-lower\nwritten\nboth\nnew\n", "layer@10 is above layer@1 (version order, not bytes)")
        #expect(stack.contents("x.mstack/rw/data/etc/new") == "written\n")
        #expect(stack.contents("x.mstack/layer@1/etc/lower") == "only-lower\n", "a removal is a whiteout in rw/data, the layer keeps its file")
        #expect(FileManager.default.fileExists(atPath: stack.path + "/rw/work"))
        #expect(!FileManager.default.fileExists(atPath: stack.path + "/layer@10/etc/new"))
    }

    /// rw/ outlives each start: an automatic restart finds what the last attempt wrote, and each
    /// start has its rw/work emptied before the overlayfs is made again.
    @Test func aRestartKeepsWhatRwHolds() throws {
        let stack = try Stack("ln -s ../base $m/layer@0; mkdir -p $m/layer@1/etc $m/rw")
        let out = try Self.run(stack, properties: ["Restart=on-failure", "RestartSec=10ms", "StartLimitBurst=3", "StartLimitIntervalSec=30"],
                               "if test -e /etc/seen; then echo again; else echo first; fi; touch /etc/seen; exit 1")
        #expect(out.stdout == "first\nagain\nagain\n", "\(out.stderr)")
        #expect(FileManager.default.fileExists(atPath: stack.path + "/rw/data/etc/seen"))
    }

    /// A stack is a root of the service's own: without default dependencies /var/tmp still gets
    /// PrivateTmp='s tmpfs (258 leaves it alone only where the host's /var may come later), and
    /// /tmp and /var/tmp are made in rw/data for it, as systemd 262 makes them.
    @Test func privateTmpInAStackAsInARootDirectory() throws {
        let stack = try Stack("ln -s ../base $m/layer@0; mkdir -p $m/layer@1/etc $m/rw")
        let out = try Self.run(stack, properties: ["PrivateTmp=disconnected", "DefaultDependencies=no"],
                               "stat -f -c '%n %T' /tmp /var/tmp; echo TMPDIR=$TMPDIR")
        #expect(out.stdout == "/tmp tmpfs\n/var/tmp tmpfs\nTMPDIR=\n", "\(out.stdout) \(out.stderr)")
        #expect(FileManager.default.fileExists(atPath: stack.path + "/rw/data/var/tmp"))
    }

    /// Without rw/ the layers make a read-only root.
    @Test func withoutRwTheRootIsReadOnly() throws {
        let stack = try Stack("ln -s ../base $m/layer@0; mkdir -p $m/layer@1/etc; \(Self.topDirectories)")
        let out = try Self.run(stack, "touch /etc/new 2>&1; echo $?")
        #expect(out.stdout.contains("Read-only file system") && out.stdout.hasSuffix("1\n"), "\(out.stdout) \(out.stderr)")
    }

    /// robind@ is bound as systemd 260 to 262 bind it: mstack_bind_mounts() ends by clearing the
    /// read-only flag of every mount in the tree unless the whole namespace is read-only
    /// (ProtectSystem=strict with ProtectHome=), so only then is the location read-only.
    @Test func aRobindLocationIsReadOnlyInAReadOnlyNamespaceAndWritableOtherwise() throws {
        let stack = try Stack("""
            ln -s ../base $m/layer@0; mkdir -p $m/layer@1/opt/ro $m/layer@1/etc $m/rw $m/robind@opt-ro $m/bind@opt-rw
            echo kept > $m/robind@opt-ro/file; mkdir -p $m/layer@1/opt/rw; \(Self.topDirectories)
            """)
        let strict = try Self.run(stack, properties: ["ProtectSystem=strict", "ProtectHome=yes"],
                                  "cat /opt/ro/file; touch /opt/ro/new 2>&1; touch /opt/rw/new 2>&1; touch /etc/new 2>&1; true")
        #expect(strict.status == 0, "\(strict.stderr)")
        #expect(strict.stdout.hasPrefix("kept\n") && strict.stdout.components(separatedBy: "Read-only file system").count == 4, "\(strict.stdout)")
        #expect(!FileManager.default.fileExists(atPath: stack.path + "/robind@opt-ro/new"))
        #expect(!FileManager.default.fileExists(atPath: stack.path + "/rw/data"), "a read-only stack makes nothing in rw/")

        let plain = try Self.run(stack, "touch /opt/ro/new && touch /opt/rw/new && echo both")
        #expect(plain.stdout == "both\n", "\(plain.stderr)")
        #expect(FileManager.default.fileExists(atPath: stack.path + "/robind@opt-ro/new"), "systemd 262 leaves robind@ writable")
        #expect(FileManager.default.fileExists(atPath: stack.path + "/bind@opt-rw/new"))
    }

    /// root/ is the root; the layers give it /usr alone. Missing top directories are made in
    /// root/ as systemd's base file system makes them.
    @Test func aRootTakesUsrFromTheLayers() throws {
        let stack = try Stack("""
            ln -s ../base $m/layer@0; mkdir -p $m/layer@1/usr/share $m/layer@1/etc $m/root/etc
            echo from-root > $m/root/etc/a; echo from-layer > $m/layer@1/etc/a; echo in-usr > $m/layer@1/usr/share/u
            for l in bin lib lib64; do ln -s usr/$l $m/root/$l; done
            """)
        let out = try Self.run(stack, "cat /etc/a /usr/share/u && echo written > /etc/new && touch /usr/new 2>&1; ls /")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.hasPrefix("from-root\nin-usr\n") && out.stdout.contains("Read-only file system"), "\(out.stdout)")
        #expect(stack.contents("x.mstack/root/etc/new") == "written\n", "root/ is bound writable")
        for made in ["usr", "var", "root", "proc", "sys", "dev", "run"] {
            #expect(out.stdout.contains("\n\(made)\n"), "\(made) is in the root: \(out.stdout)")
        }
    }

    /// Neither layers nor root/: the binds stand on an empty tmpfs.
    @Test func bindsAloneStandOnATmpfs() throws {
        let stack = try Stack("mkdir -p $m/bind@usr $m/bind@srv-data; cp -a $b/usr/. $m/bind@usr/; echo d > $m/bind@srv-data/d")
        let out = try Self.run(stack, "cat /srv/data/d; stat -f -c %T /; stat -c %a /")
        #expect(out.stdout == "d\ntmpfs\n755\n", "\(out.stdout) \(out.stderr)")
    }

    @Test func diskImagesAreRefusedAtStart() throws {
        let raw = try Stack("ln -s ../base $m/layer@0; mkdir -p $m/rw; truncate -s 1M $m/layer@1.raw")
        let refused = try Self.run(raw, "echo ran")
        #expect(refused.status == 226 && refused.stdout.isEmpty)
        #expect(refused.stderr.contains("RootMStack=\(raw.path)") && refused.stderr.contains("\(raw.path)/layer@1.raw: a disk image"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: raw.path + "/rw/data"), "nothing made before the refusal")

        let versioned = try Stack("ln -s ../base $m/layer@0; mkdir -p $m/layer@1.raw.v; truncate -s 1M $m/layer@1.raw.v/layer@1_1.raw")
        let out = try Self.run(versioned, "echo ran")
        #expect(out.status == 226 && out.stderr.contains("\(versioned.path)/layer@1.raw.v: versioned disk images"), "\(out.stderr)")
    }

    /// A `.v/` layer is its newest version (systemd.v(7)); one with nothing to pick fails the start.
    @Test func versionedLayersAreTheirNewestVersion() throws {
        let stack = try Stack("""
            ln -s ../base $m/layer@0; mkdir -p $m/layer@1.v/layer@1_9/etc $m/layer@1.v/layer@1_10/etc $m/rw
            echo nine > $m/layer@1.v/layer@1_9/etc/v; echo ten > $m/layer@1.v/layer@1_10/etc/v
            """)
        let out = try Self.run(stack, "cat /etc/v")
        #expect(out.stdout == "ten\n", "\(out.stderr)")
        let empty = try Stack("ln -s ../base $m/layer@0; mkdir -p $m/layer@1.v/unrelated")
        let failed = try Self.run(empty, "echo ran")
        #expect(failed.status == 226 && failed.stderr.contains("RootMStack=") && failed.stdout.isEmpty, "\(failed.stderr)")
    }

    /// A step that fails in the child fails the start, naming the directive and the error; the
    /// host keeps no mount of the stack.
    @Test func aFailedMountFailsClosed() throws {
        let stack = try Stack("ln -s ../base $m/layer@0; mkdir -p $m/layer@1/opt $m/bind@opt-new; \(Self.topDirectories)")
        let out = try Self.run(stack, "echo ran")
        #expect(out.status == 226 && out.stdout.isEmpty)
        #expect(out.stderr.contains("RootMStack=\(stack.path)") && out.stderr.contains("Read-only file system"),
                "no /opt to bind on in a read-only overlay: \(out.stderr)")
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mounts.contains(stack.directory))
    }

    /// A mount point is never looked for through a symlink (systemd's CHASE_PROHIBIT_SYMLINKS):
    /// a layer's /srv pointing at a host directory makes the start fail, and nothing is made there.
    @Test func aSymlinkOnTheWayToABindFailsTheStart() throws {
        let stack = try Stack("""
            o=$(dirname $m)/outside; ln -s ../base $m/layer@0; mkdir -p $m/layer@1 $m/rw $m/bind@srv-x $o
            ln -s $o $m/layer@1/srv
            """)
        let out = try Self.run(stack, "echo ran")
        #expect(out.status == 226 && out.stderr.contains("RootMStack=") && out.stderr.contains("Too many levels of symbolic links"), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: stack.directory + "/outside/x"))
    }

    /// With RootDirectory= the service runs there and the stack is not used, as systemd's pin_rootfs()
    /// takes RootDirectory= first (RootImage=, before both, is refused).
    @Test func rootDirectoryTakesPrecedence() throws {
        let stack = try Stack("""
            mkdir -p $b/etc $b/proc $b/sys $b/dev $b/run; ln -s usr/bin $b/bin; ln -s usr/lib64 $b/lib64; echo directory > $b/etc/m
            ln -s ../base $m/layer@0; mkdir -p $m/layer@1/etc $m/rw; echo stack > $m/layer@1/etc/m
            """)
        let out = try Self.run(stack, properties: ["RootDirectory=\(stack.directory)/base"], "cat /etc/m")
        #expect(out.stdout == "directory\n", "\(out.stdout) \(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: stack.path + "/rw/data"))
    }

    /// 259 knows no RootMStack=: the line is ignored with a warning and the service runs in the host's root.
    @Test func olderRulesIgnoreIt() throws {
        let stack = try Stack("ln -s ../base $m/layer@0; mkdir -p $m/layer@1/etc; echo stacked > $m/layer@1/etc/hostname")
        let out = try Self.run(stack, rules: "259", "cat /etc/hostname")
        #expect(out.status == 0 && out.stdout != "stacked\n", "\(out.stdout) \(out.stderr)")
        let plan = try BrigBinary.run(["run", "--dry-run", "--rules", "259", "-p", "RootMStack=\(stack.path)", "--", "/bin/true"])
        #expect(plan.stdout.contains("warning: RootMStack= is newer than systemd 259 (it came in 260), which ignores it; brig ignores it too")
                && !plan.stdout.contains("overlay"), "\(plan.stdout)")
        let planned = try BrigBinary.run(["run", "--dry-run", "--rules", "260", "-p", "RootMStack=\(stack.path)", "--", "/bin/true"])
        #expect(planned.stdout.contains("type overlay") && planned.stdout.contains("RootMStack=\(stack.path)"), "\(planned.stdout)")
    }
}

import CJail
import Directives
import Foundation
import TestSupport
import Testing
@testable import Jail

/// StateDirectoryQuota= and its kin (258): the project id systemd would pick, the limits it would
/// set, and what a service observes where the file system keeps project quotas and where it does not.
struct ProjectQuotaTests {
    /// Values computed apart from brig (a SipHash-2-4 of the reference paper's algorithm, in
    /// Python, checked against its published vector) for systemd's key and its range 2^31...2^32-2.
    @Test func theFirstIDIsSystemdsHashOfTheCgroupPathAndKind() {
        #expect(ProjectQuota.candidate(cgroupPath: "/system.slice/foo.service", kind: .state) == 2_242_839_912)
        #expect(ProjectQuota.candidate(cgroupPath: "/system.slice/system-getty.slice/getty@tty1.service", kind: .logs) == 2_350_160_429)
        #expect(ProjectQuota.candidate(cgroupPath: "/system.slice/brig-quota.service", kind: .cache) == 2_610_222_569)
        #expect(SipHash.hash([], key: Array(0..<16)) == 0x726f_db47_dd0e_0e31, "the reference vector")
    }

    @Test func theCgroupPathIsTheOneSystemdGivesTheUnit() {
        #expect(SystemdCgroupPath.of(unit: "foo.service", slice: nil) == "/system.slice/foo.service")
        #expect(SystemdCgroupPath.of(unit: "getty@tty1.service", slice: nil) == "/system.slice/system-getty.slice/getty@tty1.service")
        #expect(SystemdCgroupPath.of(unit: "a-b@x.service", slice: nil) == "/system.slice/system-a\\x2db.slice/a-b@x.service")
        #expect(SystemdCgroupPath.of(unit: "foo.service", slice: "web-front.slice") == "/web.slice/web-front.slice/foo.service")
        #expect(SystemdCgroupPath.of(unit: "foo.service", slice: "-.slice") == "/foo.service")
        #expect(SystemdCgroupPath.of(unit: "memory.service", slice: nil) == "/system.slice/_memory.service", "a controller's name is escaped")
    }

    @Test func limitsAreHardLimitsInQuotaBlocksOrAShareOfTheFileSystem() throws {
        let scratch = TemporaryDirectory(prefix: "brig-quota-limits")
        try FileManager.default.createDirectory(atPath: scratch.path + "/d", withIntermediateDirectories: false)
        let directory = try OpenDirectory(trusted: scratch.path + "/d")
        #expect(try ProjectQuota.limits(.bytes(1 << 20), for: directory) == (1024, 0))
        #expect(try ProjectQuota.limits(.bytes(1500), for: directory) == (2, 0), "rounded up to a whole block")
        #expect(try ProjectQuota.limits(.bytes(0), for: directory) == (1, 1), "0 would mean no limit")
        #expect(try ProjectQuota.limits(.share(0), for: directory) == (1, 1))
        var fs = statvfs()
        #expect(statvfs(scratch.path, &fs) == 0)
        let half = try #require(try DirectoryQuota.parse("50%"))
        let (blocks, inodes) = try ProjectQuota.limits(half, for: directory)
        let expectedBytes = UInt64(fs.f_frsize) * UInt64(fs.f_blocks) / 2
        #expect(blocks >= expectedBytes / 1024 && blocks <= expectedBytes / 1024 + 1, "\(blocks) for \(fs.f_blocks) blocks")
        #expect(inodes >= UInt64(fs.f_files) / 2 && inodes <= UInt64(fs.f_files) / 2 + 1)
    }
}

/// brig run with the directives, on this host's /var/lib and, where the kernel mounts one, on an
/// ext4 image with project quotas.
@Suite(.serialized, .enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct DirectoryQuotaRunTests {
    /// Whether /var/lib keeps project quotas: if it does, the test of a file system without
    /// them has nothing to test here.
    static let varLibHasNoProjectQuota: Bool = {
        do {
            return try ProjectQuota.query(OpenDirectory(trusted: "/var/lib"), project: ProjectQuota.ids.lowerBound) == nil
        } catch {
            return false
        }
    }()

    static func projectID(_ path: String) throws -> UInt32 {
        var project: UInt32 = 0
        let directory = try OpenDirectory(trusted: path)
        let r = cjail_project_get(directory.fd, nil, &project)
        #expect(r == 0, "FS_IOC_FSGETXATTR: \(r)")
        return project
    }

    /// systemd goes on without a quota where the file system keeps none (it says so at debug
    /// level only): the service starts, and may write past the limit it asked for.
    @Test(.enabled(if: varLibHasNoProjectQuota, "/var/lib keeps project quotas on this host"))
    func withoutProjectQuotasTheServiceStartsAndNothingIsSet() throws {
        let name = "brig-test-noquota-\(UUID().uuidString.prefix(6))"
        defer { try? FileManager.default.removeItem(atPath: "/var/lib/\(name)") }
        let run = try Brig.run(["run", "--rules", "262", "-p", "StateDirectory=\(name)", "-p", "StateDirectoryQuota=1M",
                                "-p", "StateDirectoryAccounting=yes", "--", "/bin/sh", "-c",
                                "dd if=/dev/zero of=$STATE_DIRECTORY/big bs=1K count=2048 2>/dev/null && echo wrote"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "wrote\n")
        #expect(run.stderr.isEmpty, "nothing said, as systemd says nothing above debug level")
        #expect(try Self.projectID("/var/lib/\(name)") == 0)
    }

    /// Under the rules of 257 and before they are newer directives, which brig ignores as it
    /// ignores every other one (it refused these before it applied them).
    @Test func olderRulesIgnoreThemAndStart() throws {
        let name = "brig-test-oldquota-\(UUID().uuidString.prefix(6))"
        defer { try? FileManager.default.removeItem(atPath: "/var/lib/\(name)") }
        let run = try Brig.run(["run", "--rules", "257", "-p", "StateDirectory=\(name)", "-p", "StateDirectoryQuota=1M", "--", "/bin/true"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.projectID("/var/lib/\(name)") == 0)
    }

    /// A value that does not parse names its place, and nothing starts.
    @Test func aBadValueIsRefusedWithItsPlace() throws {
        let run = try Brig.run(["run", "--rules", "262", "-p", "StateDirectoryQuota=lots", "--", "/bin/true"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("-p:1:1: error: StateDirectoryQuota=lots: 'lots' is not a disk quota"), "\(run.stderr)")
    }

    /// The proof on a file system with project quotas: the directory gets systemd's id, the
    /// quota its hard limit, a write past it fails with EDQUOT while one under it succeeds; and
    /// a later start without the quota lifts the limit and the id, as systemd's does.
    @Test(.enabled(if: QuotaImage.unavailable == nil, Comment(rawValue: QuotaImage.unavailable ?? "")))
    func aWritePastTheQuotaFailsWithEDQUOT() throws {
        let image = try QuotaImage()
        defer { image.remove() }
        let units = TemporaryDirectory(prefix: "brig-quota-unit")
        let write = "dd if=/dev/zero of=$STATE_DIRECTORY/small bs=1K count=512 2>/dev/null && echo small written; "
            + "dd if=/dev/zero of=$STATE_DIRECTORY/big bs=1K count=2048 2>&1 | grep -o 'Disk quota exceeded' | head -1"
        let unit = units.write("brig-quota-test.service", """
            [Service]
            StateDirectory=\(image.name)/svc
            StateDirectoryQuota=1M
            ExecStart=/bin/sh -c '\(write)'
            """)
        let run = try Brig.run(["run", "--rules", "262", "--unit", unit])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "small written\nDisk quota exceeded\n")

        let state = image.mountPoint + "/svc"
        let expected = ProjectQuota.candidate(cgroupPath: "/system.slice/brig-quota-test.service", kind: .state)
        #expect(try Self.projectID(state) == expected)
        #expect(try Self.projectID(state + "/small") == expected, "files made below inherit it")
        let usage = try #require(try ProjectQuota.query(OpenDirectory(trusted: state), project: expected))
        #expect(usage.block_hard == 1024 && usage.inode_hard == 0 && usage.block_soft == 0)

        // The quota taken out again: the limit goes, and so does the id (no accounting asked for).
        let off = units.write("brig-quota-test.service", """
            [Service]
            StateDirectory=\(image.name)/svc
            ExecStart=/bin/sh -c 'dd if=/dev/zero of=$STATE_DIRECTORY/big bs=1K count=2048 2>/dev/null && echo big written'
            """)
        let again = try Brig.run(["run", "--rules", "262", "--unit", off])
        #expect(again.status == 0 && again.stdout == "big written\n", "\(again.stderr)")
        #expect(try Self.projectID(state) == 0)
        let lifted = try #require(try ProjectQuota.query(OpenDirectory(trusted: state), project: expected))
        #expect(lifted.block_hard == 0)
    }
}

/// A 64M ext4 image with project quotas (enforced: mounted with prjquota) on a loop device,
/// mounted below /var/lib for a test's StateDirectory=.
struct QuotaImage {
    let name = "brig-test-quota-\(UUID().uuidString.prefix(6))"
    let scratch = TemporaryDirectory(prefix: "brig-quota-image")
    var mountPoint: String { "/var/lib/" + name }

    /// Why no such image can be mounted here, or nil when one can (tried once).
    static let unavailable: String? = {
        guard getuid() == 0 else { return "needs root to mount a loop device" }
        for tool in ["/usr/sbin/mkfs.ext4", "/usr/bin/mount", "/usr/bin/umount"] where !FileManager.default.isExecutableFile(atPath: tool) {
            return "needs \(tool)"
        }
        do {
            let probe = try QuotaImage()
            probe.remove()
            return nil
        } catch {
            return "cannot mount an ext4 image with project quotas: \(error)"
        }
    }()

    struct Failure: Error, CustomStringConvertible { let description: String }

    init() throws {
        let image = scratch.path + "/image"
        guard FileManager.default.createFile(atPath: image, contents: nil), truncate(image, 64 << 20) == 0 else {
            throw Failure(description: "no image file")
        }
        let mkfs = try Shell.run("/usr/sbin/mkfs.ext4", ["-q", "-F", "-I", "256", "-O", "quota,project", "-E", "quotatype=prjquota", image])
        guard mkfs.status == 0 else { throw Failure(description: "mkfs.ext4: \(mkfs.stderr)") }
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        let mount = try Shell.run("/usr/bin/mount", ["-o", "loop,prjquota", image, mountPoint])
        guard mount.status == 0 else {
            rmdir(mountPoint)
            // The kernel says why in its log (this one: built without CONFIG_QFMT_V2).
            let reason = (try? Shell.run("/usr/bin/dmesg", []))?.stdout.split(separator: "\n").last { $0.contains("EXT4-fs") }
            throw Failure(description: "mount -o loop,prjquota: \(mount.stderr.split(separator: "\n").first ?? "failed")"
                          + (reason.map { " (\($0))" } ?? ""))
        }
    }

    func remove() {
        _ = try? Shell.run("/usr/bin/umount", ["-d", mountPoint])
        rmdir(mountPoint)
    }
}

/// ProjectQuota's steps on a stand-in for a file system with project quotas, which this kernel
/// may not mount (the loop-device test above then skips): which id each directory ends with and
/// which limits the quota holds, step by step as systemd's apply_exec_quotas() leaves them.
struct ProjectQuotaStepTests {
    /// Quotas by project id, shared by the directories on it.
    final class FileSystem {
        var limits: [UInt32: (blockHard: UInt64, inodeHard: UInt64)] = [:]
        /// Inodes of other directories counted under an id.
        var elsewhere: [UInt32: UInt64] = [:]
        var directories: [Directory] = []
        var attributeError: Int32 = 0
        var quotaError: Int32 = 0
        var limitCalls = 0

        func directory(inodes: Int, id: UInt32 = 0) -> Directory {
            let d = Directory(fs: self, ids: Array(repeating: id, count: inodes))
            directories.append(d)
            return d
        }
    }

    final class Directory: ProjectDirectory {
        let fs: FileSystem
        /// One id per inode of the tree, the directory's own first.
        var ids: [UInt32]
        init(fs: FileSystem, ids: [UInt32]) { self.fs = fs; self.ids = ids }

        func projectID() -> (result: Int32, id: UInt32) { fs.attributeError != 0 ? (-fs.attributeError, 0) : (0, ids[0]) }
        func setProjectID(_ project: UInt32) -> Int32 { ids[0] = project; return 0 }
        func setProjectOfTree(_ project: UInt32) throws(SystemError) { ids = ids.map { _ in project } }
        func quota(of project: UInt32) -> (result: Int32, usage: cjail_project_quota) {
            if fs.quotaError != 0 { return (-fs.quotaError, cjail_project_quota()) }
            let inodes = UInt64(fs.directories.reduce(0) { $0 + $1.ids.filter { $0 == project }.count }) + fs.elsewhere[project, default: 0]
            var usage = cjail_project_quota()
            usage.inodes = inodes
            usage.space = inodes * 4096
            usage.block_hard = fs.limits[project]?.blockHard ?? 0
            usage.inode_hard = fs.limits[project]?.inodeHard ?? 0
            usage.complete = 1
            return (0, usage)
        }
        func setQuotaLimits(_ project: UInt32, blocks: (soft: UInt64, hard: UInt64), inodes: (soft: UInt64, hard: UInt64)) -> Int32 {
            fs.limitCalls += 1
            fs.limits[project] = (blocks.hard, inodes.hard)
            return 0
        }
        func hardLimits(_ quota: DirectoryQuota) throws(SystemError) -> (blocks: UInt64, inodes: UInt64) {
            guard case .bytes(let bytes) = quota else { return (1, 1) }
            return (bytes == 0 ? 1 : (bytes + 1023) / 1024, bytes == 0 ? 1 : 0)
        }
    }

    static let path = "/system.slice/foo.service"
    static let first = ProjectQuota.candidate(cgroupPath: path, kind: .state)

    @discardableResult
    static func apply(_ d: Directory, _ quota: DirectoryQuota?, accounting: Bool = false,
                      _ state: inout ProjectQuota.KindState) throws -> ProjectQuota.Skipped? {
        try ProjectQuota.apply(to: d, quota: quota, accounting: accounting, cgroupPath: path, kind: .state, state: &state)
    }

    @Test func theDirectoriesOfAKindShareSystemdsIDAndOneLimit() throws {
        let fs = FileSystem()
        let (a, b) = (fs.directory(inodes: 3), fs.directory(inodes: 1))
        var state = ProjectQuota.KindState()
        #expect(try Self.apply(a, .bytes(1 << 20), &state) == nil)
        #expect(try Self.apply(b, .bytes(1 << 20), &state) == nil)
        #expect(a.ids == [Self.first, Self.first, Self.first] && b.ids == [Self.first])
        #expect(fs.limits[Self.first]?.blockHard == 1024 && fs.limits[Self.first]?.inodeHard == 0)
        #expect(fs.limitCalls == 1, "the kind's quota is set once")
    }

    @Test func anIDCountedElsewhereIsPassedOverForARandomOne() throws {
        let fs = FileSystem()
        fs.elsewhere[Self.first] = 5
        let a = fs.directory(inodes: 2)
        var state = ProjectQuota.KindState()
        try Self.apply(a, .bytes(4096), &state)
        #expect(a.ids[0] != Self.first && ProjectQuota.ids.contains(a.ids[0]) && a.ids[1] == a.ids[0])
        #expect(fs.limits[a.ids[0]]?.blockHard == 4 && fs.limits[Self.first] == nil)
    }

    @Test func anIDInSystemdsRangeIsKeptAndOneBelowItReplaced() throws {
        let fs = FileSystem()
        let kept = fs.directory(inodes: 2, id: 3_000_000_000)
        var state = ProjectQuota.KindState()
        try Self.apply(kept, .bytes(2048), &state)
        #expect(kept.ids == [3_000_000_000, 3_000_000_000] && fs.limits[3_000_000_000]?.blockHard == 2)
        let administrators = FileSystem().directory(inodes: 1, id: 42)
        var other = ProjectQuota.KindState()
        try Self.apply(administrators, .bytes(2048), &other)
        #expect(administrators.ids == [Self.first])
    }

    @Test func offLiftsTheLimitAndTheIDUnlessAccountingKeepsIt() throws {
        for accounting in [false, true] {
            let fs = FileSystem()
            let a = fs.directory(inodes: 2)
            var state = ProjectQuota.KindState()
            try Self.apply(a, .bytes(1 << 20), &state)
            var later = ProjectQuota.KindState()
            try Self.apply(a, nil, accounting: accounting, &later)
            #expect(fs.limits[Self.first]?.blockHard == 0)
            #expect(a.ids == (accounting ? [Self.first, Self.first] : [0, 0]), "accounting: \(accounting)")
        }
    }

    @Test func accountingAloneSetsTheIDAndNoLimit() throws {
        let fs = FileSystem()
        let a = fs.directory(inodes: 1)
        var state = ProjectQuota.KindState()
        try Self.apply(a, nil, accounting: true, &state)
        #expect(a.ids == [Self.first] && fs.limitCalls == 0)
    }

    @Test func withoutProjectIDsOrQuotaNothingIsSetAndTheStartGoesOn() throws {
        let fs = FileSystem()
        let a = fs.directory(inodes: 1)
        var state = ProjectQuota.KindState()
        fs.quotaError = ESRCH
        #expect(try Self.apply(a, .bytes(1 << 20), &state) == .noProjectQuota)
        fs.quotaError = ENOSYS
        #expect(try Self.apply(a, .bytes(1 << 20), &state) == .noProjectQuota)
        fs.attributeError = ENOTTY
        #expect(try Self.apply(a, .bytes(1 << 20), &state) == .noProjectIDs(ENOTTY))
        #expect(a.ids == [0] && fs.limitCalls == 0)
    }

    @Test func anyOtherErrorFailsTheStart() {
        let fs = FileSystem()
        let a = fs.directory(inodes: 1)
        var state = ProjectQuota.KindState()
        fs.quotaError = EIO
        #expect(throws: SystemError.self) { try Self.apply(a, .bytes(1 << 20), &state) }
        fs.quotaError = 0
        fs.attributeError = EIO
        #expect(throws: SystemError.self) { try Self.apply(a, .bytes(1 << 20), &state) }
    }
}

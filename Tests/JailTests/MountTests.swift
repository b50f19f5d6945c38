import Foundation
import Testing
import TestSupport
@testable import Jail

@Suite(.enabled(if: Privileges.canCreateNamespaces, "needs root and namespaces"))
struct MountTests {
    func run(_ settings: MountSettings, _ script: String) throws -> (status: Int32, output: String) {
        let site = RunSite()
        return try runPlan(MountSteps.steps(settings, site: site), script: script,
                           usesPrivateTmp: settings.privateTmp, site: site)
    }

    /// A path the unit named that turns into a symlink between planning and mounting is
    /// refused (ELOOP), never followed to wherever the link leads.
    @Test(arguments: ["ReadOnlyPaths", "TemporaryFileSystem", "InaccessiblePaths"])
    func aPathSwappedForASymlinkAfterPlanningIsRefused(_ directive: String) throws {
        let base = "/opt/brig-race-\(getpid())-\(directive)", fm = FileManager.default
        try? fm.removeItem(atPath: base)
        try fm.createDirectory(atPath: base + "/elsewhere", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: base + "/named", withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: base) }
        var settings = MountSettings()
        switch directive {
        case "ReadOnlyPaths": settings.readOnlyPaths = [base + "/named"]
        case "TemporaryFileSystem": settings.temporaryFileSystems = [(base + "/named", "")]
        default: settings.inaccessiblePaths = [base + "/named"]
        }
        let site = RunSite()
        let steps = MountSteps.steps(settings, site: site)
        try fm.removeItem(atPath: base + "/named")
        try fm.createSymbolicLink(atPath: base + "/named", withDestinationPath: base + "/elsewhere")
        let error = #expect(throws: JailError.self) { _ = try runPlan(steps, script: "true", site: site) }
        guard case .step(let failure)? = error else { return }
        #expect(failure.errno == ELOOP)
        #expect(failure.step.directive.hasPrefix(directive + "="))
    }

    @Test func strictSystemIsReadOnlyButApiFileSystemsAreNot() throws {
        var s = MountSettings()
        s.protectSystem = .strict
        let r = try run(s, "touch /etc/brig-probe 2>/dev/null && echo etc-rw || echo etc-ro; touch /usr/brig 2>/dev/null || echo usr-ro; echo x > /dev/null && echo dev-rw")
        #expect(r.status == 0)
        #expect(r.output == "etc-ro\nusr-ro\ndev-rw\n")
    }

    @Test func privateTmpIsEmptyAndGoneAfterwards() throws {
        #expect(FileManager.default.createFile(atPath: "/tmp/brig-host-marker", contents: Data()))
        var s = MountSettings()
        s.privateTmp = true
        let r = try run(s, "ls -A /tmp /var/tmp; touch /tmp/x && echo wrote; stat -c %a /tmp")
        #expect(r.output == "/tmp:\n\n/var/tmp:\nwrote\n1777\n")
        #expect(FileManager.default.fileExists(atPath: "/tmp/brig-host-marker"))
    }

    @Test func privateDevicesHasOnlyBasicNodes() throws {
        var s = MountSettings()
        s.privateDevices = true
        let r = try run(s, "ls /dev | tr '\\n' ' '; echo; test -e /dev/vda && echo has-vda; echo ok > /dev/null && echo null-ok")
        #expect(r.output.hasPrefix("char fd full hugepages log mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero \n"))
        #expect(!r.output.contains("has-vda"))
        #expect(r.output.contains("null-ok"))
    }

    @Test func protectHomeHidesRoot() throws {
        var s = MountSettings()
        s.protectHome = .yes
        let r = try run(s, "stat -c '%a %F' /root /home; ls -A /root | wc -l")
        #expect(r.output == "0 directory\n0 directory\n0\n")
    }

    @Test func nothingStaysMountedOnTheHost() throws {
        let before = MountTable()
        var s = MountSettings()
        s.protectSystem = .strict
        s.privateTmp = true
        s.privateDevices = true
        s.protectKernelTunables = true
        _ = try run(s, "true")
        #expect(MountTable().added(since: before).isEmpty, "\(MountTable().added(since: before))")
    }

    @Test func normalizeKeepsStrongerModeAndDropsRedundantEntries() {
        var s = MountSettings()
        s.protectSystem = .strict
        s.readOnlyPaths = ["/usr"]
        s.inaccessiblePaths = ["/opt"]
        s.readWritePaths = ["/opt/x"]
        let paths = MountSettings.normalize(s.entries(site: RunSite(id: "t"))).map { "\($0.path):\($0.mode)" }
        #expect(paths.contains("/:readOnly"))
        #expect(!paths.contains("/usr:readOnly"))   // same mode as its parent "/"
        #expect(paths.contains("/opt:inaccessible"))
        #expect(!paths.contains("/opt/x:readWrite")) // hidden below an inaccessible path
    }

    /// brig listen plans every instance against the host's mount table, which it reads again
    /// only when the kernel says it changed: a mount made or removed between two starts is in
    /// the next plan.
    @Test func theMountTableIsReadAgainAfterAMountChangesIt() throws {
        let dir = MountTable.scaffolding + "mount-table-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { rmdir(dir) }
        let path = Array(dir.utf8)
        HostMountTable.watch()   // as brig listen does; a test process plans many starts too
        let paths = { HostMountTable.current().map(\.path) }
        #expect(!paths().contains(path))
        #expect(mount("tmpfs", dir, "tmpfs", 0, nil) == 0, "mount: errno \(errno)")
        defer { umount2(dir, 2) }   // MNT_DETACH, should an expectation fail before the unmount
        #expect(paths().contains(path))
        #expect(paths() == paths(), "an unchanged table reads the same")
        #expect(umount2(dir, 0) == 0)
        #expect(!paths().contains(path))
    }
}

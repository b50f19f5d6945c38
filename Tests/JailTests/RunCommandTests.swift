import CJail
import Foundation
import TestSupport
import Testing
@testable import Jail

/// `brig run` as a user runs it: exit statuses, messages, and what is left
/// behind (nothing mounted, nothing running, no cgroup).
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct RunCommandTests {
    /// Runs brig and checks that it left no mount behind.
    func run(_ properties: [String], _ command: [String]) throws -> Shell.Output {
        let before = MountTable()
        let out = try Brig.run(properties: properties, command)
        #expect(MountTable().added(since: before).isEmpty, "\(MountTable().added(since: before))")
        return out
    }

    /// A start that cannot be made: one of it, the status systemd gives the step that failed, and
    /// what brig said about it.
    struct Refusal: Sendable, CustomTestStringConvertible {
        let properties: [String], command: [String], status: Int32, said: [String]
        var testDescription: String { "\(properties.joined(separator: " ")) -> \(status)" }
    }

    static let refusals = [
        Refusal(properties: ["User=brig-no-such-user"], command: ["/bin/true"], status: 217,
                said: ["User=brig-no-such-user: no such user"]),
        Refusal(properties: ["InaccessiblePaths=/nonexistent-brig"], command: ["/bin/true"], status: 226,
                said: ["InaccessiblePaths=/nonexistent-brig", "No such file or directory"]),
        Refusal(properties: ["ProtectSystem=strict"], command: ["/nonexistent/brig-binary"], status: 203,
                said: ["execve /nonexistent/brig-binary failed: No such file or directory"]),
        Refusal(properties: ["WorkingDirectory=/nonexistent-brig"], command: ["/bin/true"], status: 200, said: ["WorkingDirectory="]),
        // A value that does not parse is a usage error, named by its place on the command line.
        Refusal(properties: ["ProtectSystem=sideways"], command: ["/bin/true"], status: 2, said: ["-p:1"]),
        // A resource-control directive brig does not apply is still refused by name.
        Refusal(properties: ["ManagedOOMSwap=kill"], command: ["/bin/true"], status: 219, said: ["ManagedOOMSwap=kill"]),
    ]

    @Test(arguments: refusals)
    func aStartThatCannotBeMadeExitsWithSystemdsStatus(_ refusal: Refusal) throws {
        let out = try run(refusal.properties, refusal.command)
        #expect(out.status == refusal.status, "\(out.stderr)")
        for text in refusal.said { #expect(out.stderr.contains(text), "\(out.stderr)") }
    }

    /// A missing path is skipped where the unit says it may be missing ("-").
    @Test func aMissingPathWithADashIsSkipped() throws {
        #expect(try run(["InaccessiblePaths=-/nonexistent-brig"], ["/bin/true"]).status == 0)
    }

    /// systemd reads RootDirectory=/ as no root of the service's own: the service runs in the
    /// host's root, and nothing that depends on a root of its own (MountAPIVFS=) follows.
    @Test func rootDirectorySlashIsTheHostsRoot() throws {
        let out = try run(["RootDirectory=/", "PrivateTmp=yes"], ["/bin/sh", "-c", "test -d /proc/1 && echo host root"])
        #expect(out.status == 0 && out.stdout == "host root\n", "\(out.stderr)")
    }

    /// socket and fd: streams are a socket unit's; without socket activation the start fails
    /// with the stream's own status, as systemd's does without exactly one socket to pass.
    @Test func socketStreamsNeedSocketActivation() throws {
        for (property, status) in [("StandardInput=socket", Int32(208)), ("StandardInput=fd:listener", 208),
                                   ("StandardOutput=socket", 209), ("StandardError=fd:listener", 222)] {
            let out = try run([property], ["/bin/true"])
            #expect(out.status == status, "\(property)")
            #expect(out.stderr.contains(String(property.prefix { $0 != "=" }) + "="), "\(property)")
            #expect(out.stderr.contains("socket activation"), "\(property)")
        }
    }

    @Test func macProfilesFailWithoutAnLSMUnlessOptional() throws {
        let apparmor = try run(["AppArmorProfile=brig-test"], ["/bin/true"])
        #expect(apparmor.status == 231)
        #expect(apparmor.stderr.contains("AppArmorProfile=brig-test"))
        #expect(try run(["SELinuxContext=system_u:system_r:brig_t:s0"], ["/bin/true"]).status == 229)
        #expect(try run(["SmackProcessLabel=brig"], ["/bin/true"]).status == 236)
        #expect(try run(["AppArmorProfile=-brig-test", "SELinuxContext=-x", "SmackProcessLabel=-y"], ["/bin/true"]).status == 0)
    }

    @Test func exitStatusAndSignalsPassThrough() throws {
        #expect(try run([], ["/bin/sh", "-c", "exit 42"]).status == 42)
        #expect(try run([], ["/bin/sh", "-c", "kill -TERM $$$$"]).status == 143)
    }

    @Test func terminationIsForwardedAsKillSignal() throws {
        let marker = CleanupTests.uniqueSleep()
        let brig = try Subprocess([Brig.path, "run", "-p", "KillSignal=SIGUSR1", "--", "/bin/sleep", marker])
        // The service itself, not brig or its keeper, whose words carry the marker too: a SIGTERM
        // before brig has started the service ends brig with 143.
        let serviceRuns = Poll.until(seconds: 5) {
            CleanupTests.running(marker).contains { (try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8)) == "sleep\n" }
        }
        #expect(serviceRuns)
        brig.send(SIGTERM)
        #expect(brig.wait().status == 128 + SIGUSR1)
        #expect(CleanupTests.remaining(marker).isEmpty)
    }

    @Test func sigkillFollowsAfterTimeoutStopSec() throws {
        let brig = try Subprocess([Brig.path, "run", "-p", "TimeoutStopSec=0.3", "--",
                                   "/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.05; done"])
        usleep(300_000)
        let start = Date()
        brig.send(SIGTERM)
        #expect(brig.wait().status == 128 + SIGKILL)
        #expect(Date().timeIntervalSince(start) < 3)
    }

    @Test func runtimeAndStateDirectoriesAreOwnedAndCleaned() throws {
        let name = "brig-test-\(UUID().uuidString.prefix(6))"
        defer { try? FileManager.default.removeItem(atPath: "/var/lib/\(name)") }
        let out = try run(["User=nobody", "RuntimeDirectory=\(name)", "RuntimeDirectoryMode=0710", "StateDirectory=\(name)",
                           "ProtectSystem=strict"],
                          ["/bin/sh", "-c", "stat -c '%a %U' /run/\(name) /var/lib/\(name); echo $RUNTIME_DIRECTORY $STATE_DIRECTORY; touch /var/lib/\(name)/f && echo wrote"])
        #expect(out.stdout == "710 nobody\n755 nobody\n/run/\(name) /var/lib/\(name)\nwrote\n")
        #expect(!FileManager.default.fileExists(atPath: "/run/\(name)"))
        #expect(FileManager.default.fileExists(atPath: "/var/lib/\(name)/f"))
    }

    @Test func dynamicUserStateLivesInPrivate() throws {
        let name = "brig-dyn-\(UUID().uuidString.prefix(6))"
        defer {
            try? FileManager.default.removeItem(atPath: "/var/lib/\(name)")
            try? FileManager.default.removeItem(atPath: "/var/lib/private/\(name)")
        }
        let out = try run(["DynamicUser=yes", "StateDirectory=\(name)"],
                          ["/bin/sh", "-c", "id -u; touch /var/lib/\(name)/f && echo wrote; ls /var/lib/private"])
        let lines = out.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(UInt32(lines.first ?? "").map { (61184...65519).contains($0) } == true)
        #expect(lines.dropFirst().first == "wrote")
        #expect(lines.last == Substring(name))  // only its own directory is visible under private/
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/var/lib/\(name)")
        #expect(link == "private/\(name)")
    }

    @Test func environmentDirectivesApply() throws {
        let file = "/run/brig-envfile-\(UUID().uuidString.prefix(6))"
        try "FROM_FILE=\"yes\"\n# comment\nDROP=me\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let out = try run(["Environment=A=1 \"B=two words\"", "EnvironmentFile=\(file)", "EnvironmentFile=-/nonexistent",
                           "UnsetEnvironment=DROP"],
                          ["/bin/sh", "-c", "echo \"$A|$B|$FROM_FILE|${DROP:-unset}|$PATH\""])
        #expect(out.stdout == "1|two words|yes|unset|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n")
    }

    @Test func standardOutputToFiles() throws {
        let file = "/run/brig-out-\(UUID().uuidString.prefix(6))"
        defer { try? FileManager.default.removeItem(atPath: file) }
        _ = try run(["StandardOutput=truncate:\(file)"], ["/bin/echo", "one"])
        _ = try run(["StandardOutput=append:\(file)"], ["/bin/echo", "two"])
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "one\ntwo\n")
        let out = try run(["StandardOutput=null"], ["/bin/echo", "gone"])
        #expect(out.stdout.isEmpty)
    }

    @Test func dryRunPrintsThePlanAndRunsNothing() throws {
        let out = try Brig.run(["run", "--dry-run", "-p", "PrivateNetwork=yes", "-p", "User=nobody", "--", "/bin/touch", "/run/brig-dry"])
        #expect(out.status == 0)
        #expect(out.stdout.contains("unshare net    <- PrivateNetwork=yes  [225 NETWORK]"))
        #expect(out.stdout.contains("execve /bin/touch"))
        #expect(!FileManager.default.fileExists(atPath: "/run/brig-dry"))
    }

    /// `brig run UNIT` of a unit written by `text`, given a fresh directory for the unit and what
    /// its commands write; returns the run and the contents of DIR/pre.
    func runService(_ text: (String) -> String) throws -> (out: Shell.Output, pre: String) {
        let dir = "/run/brig-unit-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try text(dir).write(toFile: "\(dir)/brig-probe.service", atomically: true, encoding: .utf8)
        let out = try Brig.run(["run", "\(dir)/brig-probe.service"])
        return (out, (try? String(contentsOfFile: "\(dir)/pre", encoding: .utf8)) ?? "")
    }

    @Test func serviceRunsItsCommandsWithPrefixes() throws {
        let (out, pre) = try runService { dir in """
            [Service]
            User=nobody
            ExecStartPre=-/bin/false
            ExecStartPre=+/bin/sh -c 'id -u > \(dir)/pre'
            ExecStart=/bin/sh -c 'id -u; exit 3'
            ExecStopPost=/bin/sh -c 'echo $SERVICE_RESULT > /dev/null'
            """
        }
        #expect(out.status == 3)
        #expect(out.stdout == "65534\n")
        #expect(pre == "0\n")
    }

    /// As under systemd, the processes of one service share its private network and IPC namespaces.
    @Test func commandsOfOneServiceShareItsNetworkAndIPCNamespaces() throws {
        let (out, preText) = try runService { dir in """
            [Service]
            PrivateNetwork=yes
            PrivateIPC=yes
            ExecStartPre=/bin/sh -c 'readlink /proc/self/ns/net /proc/self/ns/ipc > \(dir)/pre'
            ExecStart=/bin/sh -c 'readlink /proc/self/ns/net /proc/self/ns/ipc; cat /sys/class/net/lo/operstate'
            """
        }
        let host = try ["net", "ipc"].map { try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/\($0)") }
        let lines = out.stdout.split(separator: "\n").map(String.init)
        let pre = preText.split(separator: "\n").map(String.init)
        #expect(out.status == 0)
        #expect(lines.count == 3 && Array(lines.prefix(2)) == pre)
        #expect(lines.first != host[0] && lines.dropFirst().first != host[1])
        #expect(lines.last != "down")
    }

    /// The reference for the test above: systemd's ExecStartPre= and ExecStart= see one namespace each.
    @Test(.enabled(if: Oracle.isAvailable, "needs systemd for systemd-oracle"))
    func systemdSharesTheNamespacesAcrossCommandsToo() throws {
        let file = "/run/brig-ns-pre-\(UUID().uuidString.prefix(6))"   // the oracle's own /run
        let out = try Oracle.run(properties: ["PrivateNetwork=yes", "PrivateIPC=yes",
                                              "ExecStartPre=/bin/sh -c 'readlink /proc/self/ns/net /proc/self/ns/ipc > \(file)'"],
                                 ["/bin/sh", "-c", "readlink /proc/self/ns/net /proc/self/ns/ipc; cat \(file); rm \(file)"])
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(out.status == 0)
        #expect(lines.count == 4 && Array(lines.prefix(2)) == Array(lines.suffix(2)))
    }
}

@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct MoreDirectiveTests {
    static func sysVSharedMemory(ownedBy uid: String) -> [String] {
        let text = (try? String(contentsOfFile: "/proc/sysvipc/shm", encoding: .utf8)) ?? ""
        let rows = text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        guard let header = rows.first, let column = header.firstIndex(of: "uid") else { return [] }
        return rows.dropFirst().filter { $0.count > column && $0[column] == uid }.map { $0[1] }
    }

    @Test func removeIPCRemovesTheUsersObjects() throws {
        let script = "ipcmk -M 4096 >/dev/null && touch /dev/shm/brig-ipc-probe"
        var out = try Brig.run(properties: ["User=nobody", "RemoveIPC=yes"], ["/bin/sh", "-c", script])
        #expect(out.status == 0)
        #expect(Self.sysVSharedMemory(ownedBy: "65534").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "/dev/shm/brig-ipc-probe"))
        out = try Brig.run(properties: ["User=nobody"], ["/bin/sh", "-c", script])
        #expect(!Self.sysVSharedMemory(ownedBy: "65534").isEmpty)  // kept without RemoveIPC=
        for id in Self.sysVSharedMemory(ownedBy: "65534") { _ = try Shell.run("/usr/bin/ipcrm", ["-m", id]) }
        try? FileManager.default.removeItem(atPath: "/dev/shm/brig-ipc-probe")
    }

    @Test func rootDirectoryChangesTheRoot() throws {
        let root = "/run/brig-root-\(UUID().uuidString.prefix(6))"
        let fm = FileManager.default
        for dir in ["usr", "proc", "sys", "dev", "run", "tmp", "etc"] {
            try fm.createDirectory(atPath: "\(root)/\(dir)", withIntermediateDirectories: true)
        }
        for link in ["bin", "lib", "lib64", "sbin"] where fm.fileExists(atPath: "/usr/\(link)") {
            try fm.createSymbolicLink(atPath: "\(root)/\(link)", withDestinationPath: "usr/\(link)")
        }
        try "inside\n".write(toFile: "\(root)/etc/marker", atomically: true, encoding: .utf8)
        defer { try? fm.removeItem(atPath: root) }
        let out = try Brig.run(properties: ["RootDirectory=\(root)", "BindReadOnlyPaths=/usr"],
                               ["/bin/sh", "-c", "cat /etc/marker; test -e /etc/passwd && echo host-etc; ls /proc/self >/dev/null && echo proc"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == "inside\nproc\n")
        #expect(try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8).contains(root) == false)
    }

    /// The serial of the session keyring the command sees (keyctl(KEYCTL_GET_KEYRING_ID, @s)).
    static let sessionKeyring = ["/usr/bin/python3", "-c", "import ctypes; print(ctypes.CDLL(None).syscall(250, 0, -3, 0))"]

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs python3 for keyctl"))
    func keyringModeDecidesTheSessionKeyring() throws {
        let mine = try Shell.run(Self.sessionKeyring[0], Array(Self.sessionKeyring.dropFirst())).stdout
        let inherited = try Brig.run(properties: ["KeyringMode=inherit"], Self.sessionKeyring).stdout
        let fresh = try Brig.run(properties: ["KeyringMode=private"], Self.sessionKeyring).stdout
        #expect(inherited == mine)
        #expect(fresh != mine && Int(fresh.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 0)
    }

    @Test func secureBitsNorootKeepsRootWithoutCapabilities() throws {
        let out = try Brig.run(properties: ["SecureBits=noroot noroot-locked"], ["/bin/grep", "CapEff", "/proc/self/status"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(statusField(out.stdout, "CapEff") == "0000000000000000")
        let plain = try Brig.run(properties: [], ["/bin/grep", "CapEff", "/proc/self/status"])
        #expect(statusField(plain.stdout, "CapEff") != "0000000000000000")
    }

    @Test func passEnvironmentTakesBrigsOwnVariables() throws {
        let process = try Shell.run(Brig.path, ["run", "-p", "PassEnvironment=BRIG_PASSED", "--", "/bin/sh", "-c", "echo ${BRIG_PASSED:-unset}"],
                                    environment: ["BRIG_PASSED": "through", "PATH": "/usr/bin:/bin"])
        #expect(process.stdout == "through\n")
    }
}

@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct DevicePolicyTests {
    static let openKmsg = ["/bin/sh", "-c", "if (: < /dev/kmsg) 2>/dev/null; then echo open; else echo denied; fi; (: < /dev/null) && echo null"]

    /// PrivateDevices= implies DevicePolicy=closed: a device bound in from the
    /// host still cannot be opened, because the cgroup's device program says no.
    @Test func privateDevicesClosesTheDeviceCgroup() throws {
        let closed = try Brig.run(properties: ["PrivateDevices=yes", "BindReadOnlyPaths=/dev/kmsg"], Self.openKmsg)
        #expect(closed.stdout == "denied\nnull\n")
        let open = try Brig.run(properties: ["BindReadOnlyPaths=/dev/kmsg"], Self.openKmsg)
        #expect(open.stdout == "open\nnull\n")
    }

    /// Runs with one policy share its cgroup and its one program; each run's own cgroup goes.
    @Test func runsWithOnePolicyShareItsProgram() throws {
        let policy = try #require(DeviceFilter.closed().sharedCgroupName)
        let directory = RunSite.cgroupParent + "/" + policy
        for _ in 0..<2 {
            #expect(try Brig.run(properties: ["PrivateDevices=yes", "BindReadOnlyPaths=/dev/kmsg"], Self.openKmsg).stdout == "denied\nnull\n")
        }
        let line = try Brig.run(properties: ["PrivateDevices=yes"], ["/bin/grep", "^0::", "/proc/self/cgroup"]).stdout
        let cgroup = RunSite.cgroupRoot + line.dropFirst(3).trimmingCharacters(in: .newlines)
        #expect(cgroup.hasPrefix(directory + "/run-"))
        #expect(!FileManager.default.fileExists(atPath: cgroup))
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(cjail_device_programs_attached(fd) == 1)
    }

    /// A policy's cgroup found without its program (its maker killed in between) gets it
    /// before any run goes in: the device stays closed.
    @Test func aPolicyCgroupWithoutItsProgramGetsItFirst() throws {
        let filter = DeviceFilter.closed(adding: [("/dev/full", "r")])
        let directory = RunSite.cgroupParent + "/" + (try #require(filter.sharedCgroupName))
        _ = rmdir(directory)
        #expect(mkdir(directory, 0o755) == 0)
        let run = try Brig.run(properties: ["PrivateDevices=yes", "DeviceAllow=/dev/full r", "BindReadOnlyPaths=/dev/kmsg"], Self.openKmsg)
        #expect(run.stdout == "denied\nnull\n")
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(fd) }
        #expect(cjail_device_programs_attached(fd) == 1)
    }

    @Test(.enabled(if: Oracle.isAvailable, "needs systemd for systemd-oracle"))
    func systemdAgrees() throws {
        for properties in [["PrivateDevices=yes", "BindReadOnlyPaths=/dev/kmsg"], ["ProtectClock=yes", "BindReadOnlyPaths=/dev/kmsg"]] {
            #expect(try Brig.run(properties: properties, Self.openKmsg).stdout == Oracle.run(properties: properties, Self.openKmsg).stdout)
        }
    }
}

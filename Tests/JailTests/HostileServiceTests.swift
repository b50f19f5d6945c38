import Foundation
import TestSupport
import Testing
@testable import Jail
import Directives

/// The attacks of the adversarial review of `brig run` (a service that turns brig's root
/// privileges against the host), each replayed under brig and, where systemd has an outcome
/// to compare, under systemd 252.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct HostileServiceTests {
    /// A root-owned 0600 file outside /run and /tmp (which the oracle keeps private), and a
    /// fresh name for the managed directories.
    struct Victim {
        let name = "brig-hostile-\(UUID().uuidString.prefix(6))"
        var file: String { "/var/lib/\(name)-victim" }

        init() throws {
            try "secret\n".write(toFile: file, atomically: false, encoding: .utf8)
            chmod(file, 0o600)
        }

        /// Owner, group, mode and contents: what an attack would change.
        var state: String {
            var st = stat()
            guard lstat(file, &st) == 0 else { return "missing" }
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? "?"
            return "\(st.st_uid):\(st.st_gid) \(String(st.st_mode & 0o7777, radix: 8)) \(text)"
        }

        func remove(_ paths: [String]) {
            for path in [file] + paths { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    typealias Runner = (_ properties: [String], _ command: [String]) throws -> Subprocess.Output

    /// The first start lets the service swap its nested directory for a link to the victim;
    /// the second start must refuse the link and change nothing.
    func plantLink(kind: ManagedDirectoryKind, _ victim: Victim, runner: Runner) throws -> (first: Int32, second: Int32) {
        let directive = "\(kind.rawValue)Directory=\(victim.name) \(victim.name)/sub"
        let properties = ["User=nobody", directive, "RuntimeDirectoryPreserve=yes"]
        let sub = "\(kind.base)/\(victim.name)/sub"
        let first = try runner(properties, ["/bin/sh", "-c", "rm -r \(sub) && ln -s \(victim.file) \(sub)"])
        let second = try runner(properties, ["/bin/sh", "-c", "echo owned >> \(victim.file)"])
        return (first.status, second.status)
    }

    @Test func aLinkPlantedInAManagedDirectoryIsRefusedNotFollowed() throws {
        for kind in ManagedDirectoryKind.allCases {
            let victim = try Victim()
            defer { victim.remove(["\(kind.base)/\(victim.name)"]) }
            let before = victim.state
            let statuses = try plantLink(kind: kind, victim, runner: { try Brig.run(properties: $0, $1) })
            #expect(statuses.first == 0, "\(kind)")
            #expect(statuses.second == kind.failure.rawValue, "\(kind)")
            #expect(victim.state == before, "\(kind)")
        }
    }

    @Test(.enabled(if: Oracle.isAvailable, "needs systemd for systemd-oracle"))
    func systemdRefusesThePlantedLinkToo() throws {
        let victim = try Victim()
        defer { victim.remove(["/var/lib/\(victim.name)"]) }
        let before = victim.state
        let statuses = try plantLink(kind: .state, victim) { try Oracle.run(properties: $0, $1) }
        #expect(statuses.first == 0 && statuses.second == 238)
        #expect(victim.state == before)
    }

    /// Directories brig makes below a service's own tree are owned by the service the way
    /// systemd owns them: the whole tree, set-uid bits dropped for a dynamic user.
    @Test func theWholeTreeOfAManagedDirectoryIsChowned() throws {
        let name = "brig-tree-\(UUID().uuidString.prefix(6))"
        let fm = FileManager.default
        defer { try? fm.removeItem(atPath: "/var/lib/\(name)") }
        try fm.createDirectory(atPath: "/var/lib/\(name)/deep", withIntermediateDirectories: true)
        #expect(fm.createFile(atPath: "/var/lib/\(name)/deep/file", contents: Data()))
        chmod("/var/lib/\(name)/deep/file", 0o4755)
        let out = try Brig.run(properties: ["User=nobody", "StateDirectory=\(name)"],
                               ["/usr/bin/stat", "-c", "%U %a", "/var/lib/\(name)/deep", "/var/lib/\(name)/deep/file"])
        #expect(out.stdout == "nobody 755\nnobody 4755\n")
    }

    /// A leftover process (SendSIGKILL=no) that keeps swapping a subdirectory of its
    /// RuntimeDirectory= for a link to a root-owned directory gets nothing deleted there:
    /// brig leaves the directory of a run whose processes still live.
    @Test func cleanupWaitsForTheLastProcessAndFollowsNoLink() throws {
        let name = "brig-clean-\(UUID().uuidString.prefix(6))"
        let victim = "/var/lib/\(name)-victim"
        let fm = FileManager.default
        try fm.createDirectory(atPath: victim, withIntermediateDirectories: true)
        for i in 0..<20 { #expect(fm.createFile(atPath: "\(victim)/f\(i)", contents: Data())) }
        defer { try? fm.removeItem(atPath: victim); try? fm.removeItem(atPath: "/run/\(name)") }
        let swapper = """
            d=/run/\(name)
            (trap '' TERM; while :; do
              mkdir $d/real; touch $d/real/x; mv $d/real $d/sub; rm -rf $d/sub; ln -s \(victim) $d/sub; rm $d/sub
            done) 2>/dev/null &
            sleep 0.3
            """
        let out = try Brig.run(properties: ["User=nobody", "RuntimeDirectory=\(name)", "SendSIGKILL=no", "TimeoutStopSec=0.5"],
                               ["/bin/sh", "-c", swapper])
        let leftover = try #require(out.stderr.split(separator: " ").first { $0.hasPrefix("/sys/fs/cgroup") }?.dropLast())
        #expect(try fm.contentsOfDirectory(atPath: victim).count == 20)
        #expect(fm.fileExists(atPath: "/run/\(name)"))
        // What systemd would leave too; ended here so that the suite leaves nothing behind.
        #expect(SystemFiles.write(leftover + "/cgroup.kill", "1") == 0)
        while RunSite.isEmpty(String(leftover)) == false { usleep(10_000) }
        rmdir(String(leftover))
    }

    /// The descriptor walk of the cleanup unlinks a link and leaves its target alone.
    @Test func removingATreeUnlinksItsLinksOnly() throws {
        let base = "/run/brig-rm-\(UUID().uuidString.prefix(6))"
        let fm = FileManager.default
        try fm.createDirectory(atPath: "\(base)/tree/a", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: "\(base)/outside", withIntermediateDirectories: true)
        #expect(fm.createFile(atPath: "\(base)/outside/keep", contents: Data()))
        try fm.createSymbolicLink(atPath: "\(base)/tree/a/link", withDestinationPath: "\(base)/outside")
        defer { try? fm.removeItem(atPath: base) }
        #expect(try OpenDirectory(trusted: base).removeTree("tree") == 0)
        #expect(!fm.fileExists(atPath: "\(base)/tree"))
        #expect(fm.fileExists(atPath: "\(base)/outside/keep"))
    }

    static let capabilities = ["/bin/grep", "-E", "^Cap(Inh|Prm|Eff|Bnd|Amb)", "/proc/self/status"]

    /// Capabilities in brig's own inheritable and ambient sets do not reach the service:
    /// they become exactly AmbientCapabilities=, as systemd (which starts from PID 1) has them.
    @Test func theCallersInheritableCapabilitiesDoNotLeakIn() throws {
        let out = try Subprocess.run(["/usr/bin/setpriv", "--inh-caps=+sys_admin,+net_admin", "--ambient-caps=+sys_admin,+net_admin",
                                      Brig.path, "run", "-p", "CapabilityBoundingSet=CAP_CHOWN", "--"] + Self.capabilities)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == """
            CapInh:\t0000000000000000
            CapPrm:\t0000000000000001
            CapEff:\t0000000000000001
            CapBnd:\t0000000000000001
            CapAmb:\t0000000000000000

            """)
    }

    /// CAP_SETUID stays until the uid has changed even when the bounding set leaves it out.
    @Test func aUserWithABoundingSetWithoutSetuidStarts() throws {
        let properties = ["User=nobody", "AmbientCapabilities=CAP_CHOWN", "CapabilityBoundingSet=CAP_CHOWN"]
        let out = try Brig.run(properties: properties, Self.capabilities)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(statusField(out.stdout, "CapEff") == "0000000000000001")
        #expect(statusField(out.stdout, "CapAmb") == "0000000000000001")
        #expect(statusField(out.stdout, "CapInh") == "0000000000000001")
    }

    @Test(.enabled(if: Oracle.isAvailable, "needs systemd for systemd-oracle"))
    func systemdSetsTheSameCapabilities() throws {
        for properties in [["CapabilityBoundingSet=CAP_CHOWN"],
                           ["User=nobody", "AmbientCapabilities=CAP_CHOWN", "CapabilityBoundingSet=CAP_CHOWN"],
                           ["User=nobody", "AmbientCapabilities=CAP_NET_RAW CAP_SYS_ADMIN", "CapabilityBoundingSet=CAP_NET_RAW"]] {
            let brig = try Subprocess.run(["/usr/bin/setpriv", "--inh-caps=+sys_admin", "--ambient-caps=+sys_admin",
                                           Brig.path, "run"] + properties.flatMap { ["-p", $0] } + ["--"] + Self.capabilities)
            #expect(brig.stdout == (try Oracle.run(properties: properties, Self.capabilities)).stdout, "\(properties)")
        }
    }

    /// A jailed root without CAP_KILL and CAP_SYS_PTRACE cannot stop, kill or read the brig that
    /// runs it (under systemd, PID 1 is as far out of its reach), and is root all the same.
    @Test func aJailCannotSignalOrReadItsBrig() throws {
        let probe = "kill -STOP $PPID || echo stop-refused; kill -KILL $PPID || echo kill-refused; "
            + "cat /proc/$PPID/environ >/dev/null || echo read-refused; id -u"
        let out = try Brig.run(properties: ["CapabilityBoundingSet="], ["/bin/sh", "-c", probe])
        #expect(out.status == 0)
        #expect(out.stdout == "stop-refused\nkill-refused\nread-refused\n0\n")
    }

    /// Whatever ends brig ends its run: its keeper kills the cgroup and removes it.
    @Test func aJailWhoseBrigIsKilledDiesWithIt() throws {
        let marker = CleanupTests.uniqueSleep()
        let brig = try Subprocess([Brig.path, "run", "--", "/bin/sh", "-c", "sleep \(marker) & sleep \(marker) & wait"])
        func runCgroups() -> [String] {   // brig's own command line carries the marker too
            CleanupTests.running(marker).compactMap { pid in
                let lines = (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8))?.split(separator: "\n") ?? []
                return lines.first { $0.hasPrefix("0::") && $0.contains("/brig/run-") }.map { RunSite.cgroupRoot + $0.dropFirst(3) }
            }
        }
        Poll.until(seconds: 2) { runCgroups().count >= 3 }
        let cgroup = try #require(runCgroups().first)
        #expect(FileManager.default.fileExists(atPath: cgroup))
        brig.send(SIGKILL)
        _ = brig.wait()
        Poll.until(seconds: 3) { !FileManager.default.fileExists(atPath: cgroup) }
        #expect(CleanupTests.remaining(marker).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: cgroup))
    }

    /// A run whose brig and keeper were both killed is ended by the next start of brig.
    @Test func theNextStartSweepsARunWhoseBrigIsGone() throws {
        let marker = CleanupTests.uniqueSleep()
        let brig = try Subprocess([Brig.path, "run", "--", "/bin/sh", "-c", "sleep \(marker) & sleep \(marker) & wait"])
        Poll.until(seconds: 2) { CleanupTests.running(marker).count >= 3 }
        // brig's own children: the jail's shell and the keeper; the sleeps are the shell's.
        let children = try String(contentsOfFile: "/proc/\(brig.pid)/task/\(brig.pid)/children", encoding: .utf8)
            .split(separator: " ").compactMap { pid_t($0) }
        #expect(children.count == 2)
        for pid in children + [brig.pid] { kill(pid, SIGKILL) }
        _ = brig.wait()
        // The sleeps run on until a start of brig (this one, or one of a test running beside it) sweeps them.
        #expect(try Brig.run(properties: [], ["/bin/true"]).status == 0)
        #expect(CleanupTests.remaining(marker).isEmpty)
    }

    /// Nothing brig holds (its lock and namespace descriptors, the keeper's pidfd, cgroup and
    /// seccomp descriptors) reaches the jail: the program sees its three streams and no more.
    @Test(arguments: [[], ["PrivateNetwork=yes", "PrivateIPC=yes", "PrivateDevices=yes", "DynamicUser=yes",
                           "SystemCallFilter=@system-service", "RuntimeDirectory=brig-fds"]])
    func noDescriptorOfBrigReachesTheJail(_ properties: [String]) throws {
        let out = try Brig.run(properties: properties, ["/bin/ls", "/proc/self/fd"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == "0\n1\n2\n3\n")   // 3: ls's own handle on the directory it lists
    }
}

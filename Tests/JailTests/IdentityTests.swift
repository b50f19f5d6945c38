import Foundation
import TestSupport
import Testing
@testable import Jail

@Suite(.enabled(if: Privileges.canCreateNamespaces, "needs root and namespaces"))
struct IdentityTests {
    @Test func userAndGroupAreApplied() throws {
        var spec = JailSpec()
        spec.identity = try Identity.resolve(user: "nobody", group: nil, supplementary: [])
        let r = try runSpec(spec, script: "id -u; id -g; grep -E '^(CapEff|CapPrm|CapBnd)' /proc/self/status")
        let lines = r.output.split(separator: "\n")
        #expect(lines.first == "65534")
        #expect(statusField(r.output, "CapEff") == "0000000000000000")
        #expect(statusField(r.output, "CapPrm") == "0000000000000000")
    }

    @Test func unknownUserIsRefusedWith217() {
        #expect {
            _ = try Identity.resolve(user: "brig-no-such-user", group: nil, supplementary: [])
        } throws: { ($0 as? JailError)?.exitStatus == 217 }
        #expect {
            _ = try Identity.resolve(user: "nobody", group: "brig-no-such-group", supplementary: [])
        } throws: { ($0 as? JailError)?.exitStatus == 216 }
    }

    @Test func boundingSetDropStopsRootFromOverridingPermissions() throws {
        let file = "/var/tmp/brig-readonly-\(UUID().uuidString)"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8), attributes: [.posixPermissions: 0o444]))
        defer { try? FileManager.default.removeItem(atPath: file) }
        var spec = JailSpec()
        spec.capabilityBoundingSet = Capabilities.everything & ~Capabilities.bit("CAP_DAC_OVERRIDE")!
        let r = try runSpec(spec, script: "echo y >> \(file) 2>/dev/null && echo wrote || echo denied; grep CapBnd /proc/self/status")
        #expect(r.output.hasPrefix("denied\n"))
        let allowed = try runSpec(JailSpec(), script: "echo y >> \(file) 2>/dev/null && echo wrote || echo denied")
        #expect(allowed.output == "wrote\n")
    }

    @Test func emptyBoundingSetLeavesNoCapabilities() throws {
        var spec = JailSpec()
        spec.capabilityBoundingSet = 0
        let r = try runSpec(spec, script: "grep -E '^(CapEff|CapBnd)' /proc/self/status")
        #expect(statusField(r.output, "CapBnd") == "0000000000000000")
        #expect(statusField(r.output, "CapEff") == "0000000000000000")
    }

    @Test func ambientCapabilitiesSurviveTheUserChange() throws {
        var spec = JailSpec()
        spec.identity = try Identity.resolve(user: "nobody", group: nil, supplementary: [])
        spec.ambientCapabilities = Capabilities.bit("CAP_NET_BIND_SERVICE")!
        let r = try runSpec(spec, script: "grep -E '^(CapEff|CapAmb)' /proc/self/status")
        #expect(statusField(r.output, "CapAmb") == "0000000000000400")
        #expect(statusField(r.output, "CapEff") == "0000000000000400")
    }

    @Test func noNewPrivilegesIsSet() throws {
        var spec = JailSpec()
        spec.noNewPrivileges = true
        let r = try runSpec(spec, script: "grep NoNewPrivs /proc/self/status")
        #expect(statusField(r.output, "NoNewPrivs") == "1")
    }

    @Test func dynamicUserGetsAFreeIdInRange() throws {
        let lease = try DynamicUserLease.acquire(name: "brig-test", cgroup: RunSite().cgroup)
        defer { lease.release() }
        #expect(DynamicUserLease.range.contains(lease.uid))
        let other = try DynamicUserLease.acquire(name: "brig-test", cgroup: RunSite().cgroup)
        defer { other.release() }
        #expect(other.uid != lease.uid)
    }

    /// A uid whose processes outlive the run that leased it (its brig killed, or SendSIGKILL=no)
    /// is not handed out again until its cgroup is empty.
    @Test func aUidStaysLeasedWhileItsCgroupHasProcesses() throws {
        let site = RunSite()
        try site.prepare(privateTmp: false, privateDevices: false)
        let sleeper = try Subprocess(["/bin/sleep", "30"])
        #expect(SystemFiles.write(site.cgroupProcs, "\(sleeper.pid)") == 0)
        let name = "brig-lease-\(UUID().uuidString.prefix(6))"
        let first = try DynamicUserLease.acquire(name: name, cgroup: site.cgroup)
        first.release()
        // The same name and cgroup start the search at the same uid, the one still in use.
        let again = try DynamicUserLease.acquire(name: name, cgroup: site.cgroup)
        #expect(again.uid != first.uid)
        again.release()
        sleeper.send(SIGKILL)
        _ = sleeper.wait()
        site.remove()
        let free = try DynamicUserLease.acquire(name: name, cgroup: site.cgroup)
        #expect(free.uid == first.uid)
        free.release()
    }

    @Test func privateUsersMapsOnlyRootAndTheServiceUser() throws {
        var spec = JailSpec()
        spec.identity = try Identity.resolve(user: "nobody", group: nil, supplementary: [])
        spec.privateUsers = true
        let r = try runSpec(spec, script: "cat /proc/self/uid_map | tr -s ' '; id -u")
        #expect(r.output == " 0 0 1\n 65534 65534 1\n65534\n")
    }

    @Test func hostnameNamespaceAndNetwork() throws {
        var spec = JailSpec()
        spec.protectHostname = true
        spec.privateNetwork = true
        let r = try runSpec(spec, script: "hostname brig-inside 2>/dev/null; hostname; ls /sys/class/net")
        #expect(r.output == "brig-inside\nlo\n" || r.output.hasSuffix("\nlo\n"))
        #expect(String(cText: gethostnameC()) != "brig-inside")
    }

    @Test func limitsNiceUmaskAndWorkingDirectory() throws {
        var spec = JailSpec()
        spec.limits = [.init(resource: 7, soft: 123, hard: 456)]
        spec.nice = 5
        spec.umask = 0o077
        spec.workingDirectory = "/usr"
        let r = try runSpec(spec, script: "ulimit -n; ulimit -Hn; cut -d' ' -f19 /proc/self/stat; umask; pwd")
        #expect(r.output == "123\n456\n5\n0077\n/usr\n")
    }
}

func gethostnameC() -> [CChar] {
    var name = [CChar](repeating: 0, count: 256)
    gethostname(&name, 255)
    return name
}

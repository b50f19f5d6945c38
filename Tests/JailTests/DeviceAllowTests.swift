import Foundation
import Testing
import Directives
@testable import Jail

/// What each DeviceAllow= entry and DevicePolicy= value turns into, read
/// from this machine's /dev and /proc/devices, without privileges.
struct DeviceAllowResolutionTests {
    static func rules(_ entry: String) throws -> [String] {
        let rule = try DeviceRule(parsing: entry)
        return DeviceFilter.rules(for: rule.device, access: DeviceFilter.bits(rule.access)).map(\.description)
    }

    @Test func entriesResolveAsSystemdResolvesThem() throws {
        #expect(try Self.rules("/dev/char/1:3 rw") == ["c 1:3 rw"])
        #expect(try Self.rules("/dev/block/7:0 r") == ["b 7:0 r"])
        // systemd's placeholder nodes are 0:0 whether or not they exist here.
        #expect(DeviceFilter.rules(for: "/run/systemd/inaccessible/blk", access: 7).map(\.description) == ["b 0:0 rwm"])
        #expect(try Self.rules("char-*") == ["c *:* rwm"])
        #expect(try Self.rules("block-* m") == ["b *:* m"])
        #expect(try Self.rules("char-136 w") == ["c 136:* w"])
        #expect(try Self.rules("block-brig-no-such-driver r").isEmpty)
        #expect(try Self.rules("/dev/brig-no-such-node r").isEmpty)
        #expect(try Self.rules("/dev/null r") == ["c 1:3 r"])
    }

    /// A glob matches every driver of that kind whose name it fits, each by its major.
    @Test func classNamesAreGlobsOverProcDevices() throws {
        let drivers = DeviceFilter.drivers(.char)
        #expect(drivers.contains { $0.name == "mem" && $0.major == 1 })
        let expected = drivers.filter { $0.name.hasPrefix("m") }.map { "c \($0.major):* r" }
        #expect(!expected.isEmpty)
        #expect(try Self.rules("char-m* r") == expected)
    }

    @Test func policiesDecideTheStaticList() throws {
        let null = [try DeviceRule(parsing: "/dev/null r")]
        #expect(DeviceFilter(policy: .auto, allow: []) == nil)
        #expect(DeviceFilter(policy: .auto, allow: null) == DeviceFilter.closed(adding: [("/dev/null", "r")]))
        #expect(DeviceFilter(policy: .closed, allow: []) == DeviceFilter.closed())
        #expect(DeviceFilter(policy: .strict, allow: null)?.rules.map(\.description) == ["c 1:3 r"])
        #expect(DeviceFilter(policy: .strict, allow: [])?.rules == [])
    }
}

/// DevicePolicy=/DeviceAllow= applied by the run's cgroup device program: a
/// denied device fails to open with EPERM even though the node is there.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct DeviceAllowTests {
    /// For each device: "r" or "-" for reading, "w" or "-" for writing.
    static let probe = ["/bin/sh", "-c", """
        for d in /dev/kmsg /dev/null /dev/zero /dev/full /dev/urandom /dev/ptmx; do
          r=-; w=-; (: < $d) 2>/dev/null && r=r; (: > $d) 2>/dev/null && w=w; echo "$d $r$w"
        done
        """]

    @Test func strictAllowsOnlyTheList() throws {
        let out = try Brig.run(properties: ["DevicePolicy=strict", "DeviceAllow=/dev/null rw", "DeviceAllow=/dev/char/1:11 r"], Self.probe)
        #expect(out.status == 0)
        #expect(out.stdout == "/dev/kmsg r-\n/dev/null rw\n/dev/zero --\n/dev/full --\n/dev/urandom --\n/dev/ptmx --\n")
    }

    @Test func aListUnderAutoAddsTheAlwaysAllowedDevices() throws {
        let out = try Brig.run(properties: ["DeviceAllow=char-pts rw"], Self.probe)
        #expect(out.stdout == "/dev/kmsg --\n/dev/null rw\n/dev/zero rw\n/dev/full rw\n/dev/urandom rw\n/dev/ptmx rw\n")
    }

    @Test func aDeniedOpenIsEPERM() throws {
        let out = try Brig.run(properties: ["DevicePolicy=closed"], ["/bin/cat", "/dev/kmsg"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("/dev/kmsg: Operation not permitted"))
    }

    /// Nothing allowed at all still loads (an empty allow list is a program that only denies).
    @Test func strictWithNothingDeniesEverything() throws {
        let out = try Brig.run(properties: ["DevicePolicy=strict", "DeviceAllow=/dev/brig-no-such-node r"], ["/bin/cat", "/dev/zero"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("/dev/zero: Operation not permitted"))
    }

    @Test(.enabled(if: Oracle.isAvailable, "needs systemd for systemd-oracle"))
    func systemdAgrees() throws {
        for properties in [["DevicePolicy=closed"], ["DevicePolicy=strict", "DeviceAllow=/dev/null w", "DeviceAllow=char-m* r"],
                           ["DeviceAllow=block-* r", "DeviceAllow=/dev/kmsg w"], ["DevicePolicy=auto"]] {
            let ours = try Brig.run(properties: properties, Self.probe)
            let theirs = try Oracle.run(properties: properties, Self.probe)
            #expect(ours.stdout == theirs.stdout, "\(properties)")
            #expect(ours.status == theirs.status, "\(properties)")
        }
    }
}

/// The dry run names what the device program allows, nothing when nothing.
@Suite(.enabled(if: Brig.isBuilt, "needs a built brig"))
struct DevicePolicyDryRunTests {
    @Test func planShowsTheAllowList() throws {
        let listed = try Brig.run(["run", "--dry-run", "-p", "DevicePolicy=strict", "-p", "DeviceAllow=/dev/char/1:3 rw", "--", "/bin/true"])
        #expect(listed.stdout.hasPrefix("# cgroup device policy: allow c 1:3 rw\n"))
        let none = try Brig.run(["run", "--dry-run", "-p", "DevicePolicy=strict", "--", "/bin/true"])
        #expect(none.stdout.hasPrefix("# cgroup device policy: allow no device\n"))
        let auto = try Brig.run(["run", "--dry-run", "-p", "DevicePolicy=auto", "--", "/bin/true"])
        #expect(!auto.stdout.contains("cgroup device policy"))
    }
}

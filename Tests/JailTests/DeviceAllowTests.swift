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

/// The device program answers every request exactly as its rules say: run it in a small
/// interpreter of the instructions it uses, over requests of every kind, number and access.
struct DeviceProgramTests {
    /// Runs the program on one request; nil when it uses an instruction the interpreter lacks.
    static func allows(_ program: [UInt8], type: UInt32, access: UInt32, major: UInt32, minor: UInt32) -> Bool? {
        let context = [type | access << 16, major, minor]  // struct bpf_cgroup_dev_ctx
        var r = [UInt64](repeating: 0, count: 11)
        r[1] = 0  // the context is read through r1 only, at offsets 0, 4 and 8
        var pc = 0
        while pc * 8 < program.count {
            let at = pc * 8
            let op = program[at], dst = Int(program[at + 1] & 0xf), src = Int(program[at + 1] >> 4)
            let offset = Int(Int16(bitPattern: UInt16(program[at + 2]) | UInt16(program[at + 3]) << 8))
            let imm = UInt64(UInt32(program[at + 4]) | UInt32(program[at + 5]) << 8 | UInt32(program[at + 6]) << 16 | UInt32(program[at + 7]) << 24)
            pc += 1
            switch op {
            case 0x61: r[dst] = UInt64(context[offset / 4])                 // ldx w [r1 + off]
            case 0x54: r[dst] = (r[dst] & imm) & 0xffff_ffff               // and32 imm
            case 0x74: r[dst] = (r[dst] & 0xffff_ffff) >> imm              // rsh32 imm
            case 0xbc: r[dst] = r[src] & 0xffff_ffff                       // mov32 reg
            case 0xb7: r[dst] = imm                                        // mov64 imm
            case 0x05: pc += offset                                        // ja
            case 0x15: if r[dst] == imm { pc += offset }                   // jeq imm
            case 0x55: if r[dst] != imm { pc += offset }                   // jne imm
            case 0x5d: if r[dst] != r[src] { pc += offset }                // jne reg
            case 0x95: return r[0] == 1                                    // exit
            default: return nil
            }
        }
        return nil
    }

    static func matches(_ rule: DeviceFilter.Rule, type: UInt32, access: UInt32, major: UInt32, minor: UInt32) -> Bool {
        (rule.kind == .char ? 2 : 1) == type && UInt32(rule.access) & access == access
            && (rule.major.map { $0 == major } ?? true) && (rule.minor.map { $0 == minor } ?? true)
    }

    static let filters: [DeviceFilter] = [
        .closed(),
        .closed(adding: [("char-*", "r"), ("block-loop", "rw")]),
        DeviceFilter(rules: [.init(kind: .block, major: 7, minor: nil, access: 7)]),
        DeviceFilter(rules: [.init(kind: .char, major: nil, minor: nil, access: 7), .init(kind: .char, major: 1, minor: 3, access: 2),
                             .init(kind: .block, major: 8, minor: 0, access: 1)]),
        DeviceFilter(rules: [.init(kind: .block, major: nil, minor: nil, access: 7), .init(kind: .char, major: 5, minor: nil, access: 4)]),
        DeviceFilter(rules: [.init(kind: .char, major: 1, minor: 5, access: 4), .init(kind: .char, major: 1, minor: nil, access: 1)]),
        DeviceFilter(rules: [.init(kind: .char, major: 1, minor: 3, access: 6), .init(kind: .char, major: 1, minor: 5, access: 2),
                             .init(kind: .char, major: 1, minor: 7, access: 6), .init(kind: .char, major: 1, minor: nil, access: 1),
                             .init(kind: .block, major: 8, minor: 0, access: 2), .init(kind: .block, major: 8, minor: 1, access: 2),
                             .init(kind: .char, major: 1, minor: 3, access: 6)]),
        DeviceFilter(rules: []),
    ]

    @Test(arguments: filters.indices)
    func programAllowsExactlyWhatTheRulesAllow(_ index: Int) throws {
        let filter = Self.filters[index]
        let program = filter.program
        for type: UInt32 in [1, 2] {
            for access: UInt32 in 1...7 {
                for major: UInt32 in [0, 1, 5, 7, 8, 136, 4095] {
                    for minor: UInt32 in [0, 3, 5, 9] {
                        let expected = filter.rules.contains { Self.matches($0, type: type, access: access, major: major, minor: minor) }
                        let answer = try #require(Self.allows(program, type: type, access: access, major: major, minor: minor) as Bool?)
                        #expect(answer == expected, "\(filter.rules) type \(type) access \(access) \(major):\(minor)")
                    }
                }
            }
        }
    }

    /// Grouped by device type, access and major, a rule costs one to three instructions,
    /// not four to six: PrivateDevices= loads 30 instead of 52.
    @Test func closedPolicyProgramIsShort() {
        let filter = DeviceFilter.closed()
        #expect(filter.program.count / 8 <= 6 + 4 + 3 + 3 * filter.rules.count, "\(filter.rules)")
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

import Foundation
import Testing
import Synchronization
import TestSupport

/// PrivateUsers=managed (260) under `brig run --rules 260` and later: the service runs as root of
/// a user namespace whose 65536 ids are a block leased for the run from systemd's container range,
/// two runs never share a block, and nothing stays leased once a run ends, even a killed one.
/// (systemd 262 itself needs systemd-nsresourced for this; without it the command never runs:
/// see NextJailDifferentialTests.managedUsersGetOneLeasedBlockWhereSystemdCanLeaseOne.)
@Suite(.enabled(if: geteuid() == 0, "brig run needs root"), .serialized)
struct RunManagedUsersTests {
    static let leases = "/run/brig/managed-uid-range"
    /// What the service reports: its uid_map, its gid_map, its uid and gid, whether the lease
    /// file of its block is there while it runs, and the ids it has after dropping root the way a
    /// daemon does (setgroups() included: nsresourced leaves it allowed).
    static let report = """
        cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g
        start=$(awk '{print $2}' /proc/self/uid_map); test -e \(leases)/$start && echo leased
        setpriv --reuid=1000 --regid=1000 --clear-groups sh -c 'echo $(id -u) $(id -g) $(id -G)' 2>&1
        """

    /// The start of the one map line `0 START 65536`, or nil for any other map.
    static func start(ofMap line: Substring) -> UInt32? {
        let fields = line.split(separator: " ")
        guard fields.count == 3, fields[0] == "0", fields[2] == "65536" else { return nil }
        return UInt32(fields[1])
    }

    static func leased() -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: leases)) ?? [])
    }

    @Test func theServiceRunsAsRootOfALeasedBlockOf65536Ids() throws {
        let result = try BrigBinary.run(["run", "--rules", "262", "-p", "PrivateUsers=managed", "--", "/bin/sh", "-c", Self.report])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        try #require(lines.count == 6, "\(result.stdout)")
        let start = try #require(Self.start(ofMap: lines[0]), "uid_map: \(lines[0])")
        #expect(Self.start(ofMap: lines[1]) == start, "gid_map maps the same block: \(lines[1])")
        #expect((0x80000...0x6FFF0000).contains(start) && start % 65536 == 0, "\(start) is not a start nsresourced would lease")
        #expect(lines[2...5] == ["0", "0", "leased", "1000 1000 1000"])
        #expect(!Self.leased().contains("\(start)"), "the block stays leased after the run")
    }

    @Test func twoRunsAtOnceGetDisjointBlocks() throws {
        // Each run writes its map and waits for the other's: both blocks are leased at once.
        let meeting = TemporaryDirectory(prefix: "brig-managed")
        chmod(meeting.path, 0o777)
        let script = """
            awk '{print $2}' /proc/self/uid_map > \(meeting.path)/$1
            for i in $(seq 100); do [ $(ls \(meeting.path) | wc -l) -ge 2 ] && exit 0; sleep 0.1; done; exit 1
            """
        let results = Mutex<[Int: BrigBinary.Result]>([:])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let result = try? BrigBinary.run(["run", "--rules", "262", "-p", "PrivateUsers=managed", "--", "/bin/sh", "-c", script, "sh", "run\(i)"])
            results.withLock { $0[i] = result }
        }
        for i in 0..<2 { #expect(results.withLock { $0[i]?.status } == 0, "run \(i) did not meet the other") }
        let starts = try (0..<2).map { i in
            try #require(UInt32(String(contentsOfFile: "\(meeting.path)/run\(i)", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        #expect(starts[0] != starts[1] && (starts[0] + 65536 <= starts[1] || starts[1] + 65536 <= starts[0]), "\(starts)")
    }

    @Test func theBlockOfAKilledBrigIsReleasedByTheNextStart() throws {
        let before = Self.leased()
        let brig = Process()
        brig.executableURL = URL(fileURLWithPath: BuiltBrig.path)
        brig.arguments = ["run", "--rules", "262", "-p", "PrivateUsers=managed", "--", "/bin/sleep", "60"]
        try brig.run()
        var held: Set<String> = []
        Poll.until(seconds: 5) {
            held = Self.leased().subtracting(before)
            return !held.isEmpty
        }
        try #require(held.count == 1, "no lease file appeared for the run")
        let cgroup = (try? String(contentsOfFile: "\(Self.leases)/\(held.first!)", encoding: .utf8))?
            .split(separator: "\n").first.map(String.init) ?? ""
        kill(brig.processIdentifier, SIGKILL)
        brig.waitUntilExit()
        // brig's keeper ends the run's processes and removes its cgroup; a start that sweeps before
        // then finds the block still in use, and rightly keeps it leased. (Whether the lease is
        // still there now is not asked: any brig of a suite running beside this one sweeps too.)
        Poll.until(seconds: 5) { !FileManager.default.fileExists(atPath: cgroup) }
        let next = try BrigBinary.run(["run", "--rules", "262", "-p", "PrivateUsers=managed", "--", "/bin/true"])
        #expect(next.status == 0, "\(next.stderr)")
        #expect(Self.leased().isDisjoint(with: held), "the killed run's block is still leased: \(Self.leased())")
    }

    @Test func aUserOrGroupBesideItIsRefusedAsSystemdRefusesToLoadTheUnit() throws {
        for setting in ["User=nobody", "DynamicUser=yes", "Group=nogroup"] {
            let result = try BrigBinary.run(["run", "--rules", "262", "-p", "PrivateUsers=managed", "-p", setting, "--", "/bin/true"])
            #expect(result.status == 2, "\(setting)")
            #expect(result.stderr.contains("PrivateUsers=managed may not be used in combination with User=/DynamicUser=/Group=/PAMName="),
                    "\(setting): \(result.stderr)")
        }
    }

    @Test func releasesBefore260DoNotKnowTheMode() throws {
        let result = try BrigBinary.run(["run", "--rules", "259", "-p", "PrivateUsers=managed", "--", "/bin/true"])
        #expect(result.status == 2 && result.stderr.contains("'managed' is not a boolean"), "\(result.stderr)")
        let plan = try BrigBinary.run(["run", "--dry-run", "--rules", "260", "-p", "PrivateUsers=managed", "--", "/bin/true"]).stdout
        #expect(plan.contains("user namespace uid_map=\"0 524288 65536\\n\" gid_map=\"0 524288 65536\\n\" setgroups=allow    <- PrivateUsers=managed  [217 USER]"),
                "\(plan)")
    }
}

import Foundation
import Testing
import TestSupport

/// `brig harden` as a user runs it: the built binary on the hit counter (a small Python HTTP app
/// under Fixtures/ that writes to its state directory), on Debian's lighttpd and memcached, and
/// on bad input. Each drop-in is then proven again under the real systemd (the oracle). Ports
/// 9500-9599, below the ephemeral range, where a connection of another suite could hold one.
@Suite(.serialized, .enabled(if: getuid() == 0 && BuiltBrig.isBuilt, "needs root (cgroups, BPF) and a built brig"))
struct HardenTests {
    /// The fixtures copied where every jail can read them: a checkout under /tmp or /home is
    /// hidden by the PrivateTmp= and ProtectHome= a candidate drop-in sets.
    static let fixtures: String = {
        let directory = "/usr/local/libexec/brig-tests/harden"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in ["hit-counter.py", "memcached-set-get.py", "doing-server.py"] {
            let staged = "\(directory)/\(name).\(getpid()).new"
            try? FileManager.default.removeItem(atPath: staged)
            try? FileManager.default.copyItem(atPath: Repository.path("Tests/HardenTests/Fixtures/\(name)"), toPath: staged)
            rename(staged, "\(directory)/\(name)")
        }
        return directory
    }()
    static var hitCounter: String { fixtures + "/hit-counter.py" }
    static var setGet: String { fixtures + "/memcached-set-get.py" }
    /// `doing-server.py PORT ACTION...`: an HTTP app that does on each GET what its arguments say.
    static var doingServer: String { fixtures + "/doing-server.py" }
    static let hits = "curl -fsS http://127.0.0.1:9501/ && curl -fsS http://127.0.0.1:9501/"
    static let lighttpdFetch = "curl -fsS -o /dev/null http://127.0.0.1/index.nginx-debian.html && curl -fsS -o /dev/null http://127.0.0.1/index.nginx-debian.html"

    /// A directory with one unit file in it, removed afterwards.
    final class UnitFile {
        let directory: String
        let path: String
        init(_ name: String, _ text: String) throws {
            directory = NSTemporaryDirectory() + "brig-harden-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            path = directory + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        deinit { try? FileManager.default.removeItem(atPath: directory) }
        var dropIn: String { path + ".d/50-brig-harden.conf" }
    }

    /// The hit counter's unit, its state directory (and DynamicUser='s twin of it) removed first.
    static func hitCounterUnit(port: Int = 9501) throws -> UnitFile {
        for path in ["/var/lib/brig-harden-hits", "/var/lib/private/brig-harden-hits"] { try? FileManager.default.removeItem(atPath: path) }
        return try UnitFile("brig-harden-hits.service", "[Service]\nExecStart=/usr/bin/python3 \(hitCounter) \(port)\n")
    }

    /// A unit `name` running the doing-server on `port` with `actions`, and the workload that asks
    /// it once.
    static func doingServerUnit(_ name: String, port: Int, _ actions: [String] = []) throws -> (unit: UnitFile, workload: String) {
        let command = ([doingServer, String(port)] + actions).joined(separator: " ")
        return (try UnitFile(name, "[Service]\nExecStart=/usr/bin/python3 \(command)\n"), "curl -fsS http://127.0.0.1:\(port)/")
    }

    /// `brig harden ARGS...` to its end, awaited (it runs for seconds to minutes).
    static func harden(_ arguments: [String], timeout: Double = 300) async throws -> Subprocess.Output {
        try await Subprocess([BuiltBrig.path, "harden"] + arguments, timeout: timeout).finished()
    }

    /// `brig harden ARGS... --json`, which must succeed: its output, its JSON and the drop-in in
    /// it; the exposure before and after (and the time taken) is printed under `label`.
    static func hardenJSON(_ arguments: [String], label: String) async throws
        -> (output: Subprocess.Output, result: [String: Any], dropIn: String) {
        let output = try await harden(arguments + ["--json"])
        #expect(output.status == 0, "\(output.stderr)")
        let result = try json(output)
        print("\(label): exposure \(result["exposure_before"]!) -> \(result["exposure_after"]!), \(result["seconds"] ?? "?") s")
        return (output, result, try #require(result["drop_in"] as? String))
    }

    static func json(_ output: Subprocess.Output) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
    }

    static func exposure(_ result: [String: Any], _ key: String) -> Double { (result[key] as? NSNumber)?.doubleValue ?? 99 }

    /// Every directive line of a drop-in comes right after a comment giving its evidence.
    static func everyLineHasEvidence(_ dropIn: String) -> Bool {
        let lines = dropIn.split(separator: "\n").map(String.init)
        guard let start = lines.firstIndex(of: "[Service]") else { return false }
        for (index, line) in lines.enumerated() where index > start && !line.hasPrefix("#") {
            let key = line.prefix { $0 != "=" }
            // A list directive's reset line and its value share one comment.
            var previous = index - 1
            while previous > start && lines[previous].hasPrefix(key + "=") { previous -= 1 }
            if !lines[previous].hasPrefix("# ") || lines[previous].count < 6 { return false }
        }
        return true
    }

    /// The unit (copied in when it is a file) with the drop-in, started under the oracle's systemd;
    /// nil when the workload passes against it within 30 s, else what systemd said of the unit.
    /// A start that fails is tried once more: on a loaded machine the first start of a unit under
    /// the oracle can time out while nothing is wrong with the drop-in. The unit is removed after.
    /// A socket unit comes with its `service`, whose the drop-in is.
    /// The workload passes against the unit with the drop-in under the oracle's systemd, when
    /// the oracle is here (see `failureUnderSystemd`).
    static func expectPassesUnderSystemd(unit name: String, file: String?, dropIn: String, workload: String,
                                         service: (name: String, file: String)? = nil,
                                         sourceLocation: SourceLocation = #_sourceLocation) async throws {
        guard SystemdOracle.isAvailable else { return }
        let failure = try await failureUnderSystemd(unit: name, file: file, dropIn: dropIn, workload: workload, service: service)
        #expect(failure == nil, "\(failure ?? "")", sourceLocation: sourceLocation)
    }

    static func failureUnderSystemd(unit name: String, file: String?, dropIn: String, workload: String,
                                    service: (name: String, file: String)? = nil) async throws -> String? {
        let directory = "/etc/systemd/system"
        let owner = service?.name ?? name
        var script = "set -e; mkdir -p \(directory)/\(owner).d; printf '%s' \"$1\" > \(directory)/\(owner).d/50-brig-harden.conf; "
        // The oracle has a /tmp of its own: the units go in as text.
        if file != nil { script += "printf '%s' \"$2\" > \(directory)/\(name); " }
        if let service { script += "printf '%s' \"$3\" > \(directory)/\(service.name); " }
        script += "systemctl daemon-reload"
        let unitText = try file.map { try String(contentsOfFile: $0, encoding: .utf8) } ?? ""
        let serviceText = try service.map { try String(contentsOfFile: $0.file, encoding: .utf8) } ?? ""
        let units = [name] + (service.map { [$0.name] } ?? [])
        let files = (file == nil ? [] : [directory + "/" + name]) + (service.map { [directory + "/" + $0.name] } ?? [])
        defer {
            _ = try? SystemdOracle.exec(["/bin/sh", "-c", "systemctl stop \(units.joined(separator: " ")); rm -rf \(directory)/\(owner).d \(files.joined(separator: " ")); systemctl daemon-reload; systemctl reset-failed \(units.joined(separator: " ")) || true"])
        }
        let install = try SystemdOracle.exec(["/bin/sh", "-c", script, "sh", dropIn, unitText, serviceText])
        guard install.status == 0 else { return "installing the unit: \(install.stderr)" }
        for attempt in 1...2 {
            let start = try SystemdOracle.exec(["systemctl", "start", name])
            if start.status == 0 {
                let deadline = Date().addingTimeInterval(30)
                while Date() < deadline {
                    if try Subprocess.run(["/bin/sh", "-c", workload], timeout: 30).status == 0 { return nil }
                    try? await Task.sleep(nanoseconds: 200_000_000)
                }
            }
            let status = try SystemdOracle.exec(["/bin/sh", "-c", "systemctl status --no-pager -n 20 \(units.joined(separator: " ")); systemctl stop \(units.joined(separator: " ")); systemctl reset-failed \(units.joined(separator: " "))"])
            if attempt == 2 { return "start exit \(start.status) \(start.stderr)\n\(status.stdout)" }
        }
        return nil
    }

    @Test func theHitCounterIsHardenedProvenAndWrittenWithItsEvidence() async throws {
        let unit = try Self.hitCounterUnit()
        let (first, result, dropIn) = try await Self.hardenJSON([unit.path, "--workload", Self.hits, "--write"], label: "hit counter")
        #expect(Self.exposure(result, "exposure_before") >= 9)
        #expect(Self.exposure(result, "exposure_after") <= 2.5)
        #expect(dropIn.contains("\nDynamicUser=yes\n") && dropIn.contains("\nStateDirectory=brig-harden-hits\n"))
        #expect(dropIn.contains("\nProtectSystem=strict\n") && dropIn.contains("\nSocketBindAllow=9501\n"))
        #expect(Self.everyLineHasEvidence(dropIn))
        #expect(try String(contentsOfFile: unit.dropIn, encoding: .utf8) == dropIn)
        // Every trial's cgroup is gone again.
        let hybrid = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified/cgroup.procs")
        let cgroups = try FileManager.default.contentsOfDirectory(atPath: hybrid ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup")
        #expect(!cgroups.contains { $0.hasPrefix("brig-harden-") })
        // Progress went to standard error, phase by phase.
        for phase in ["observe:", "synthesise:", "prove:"] { #expect(first.stderr.contains(phase)) }
        // The same drop-in under the real systemd (before the run below, which writes the state as root).
        try await Self.expectPassesUnderSystemd(unit: "brig-harden-hits.service", file: unit.path, dropIn: dropIn, workload: Self.hits)

        // A second --write keeps the first as the backup; --diff compares with what is installed.
        try "[Service]\nPrivateTmp=no\n".write(toFile: unit.dropIn, atomically: true, encoding: .utf8)
        let diff = try await Self.harden([unit.path, "--workload", Self.hits, "--diff", "--write"])
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("\n-PrivateTmp=no\n") && diff.stdout.contains("\n+PrivateTmp=yes\n"))
        #expect(try String(contentsOfFile: unit.dropIn + ".bak", encoding: .utf8) == "[Service]\nPrivateTmp=no\n")
        #expect(try String(contentsOfFile: unit.dropIn, encoding: .utf8).contains("\nProtectSystem=strict\n"))

    }

    @Test func liveTrafficAloneGivesADropInMarkedUnproven() async throws {
        let unit = try Self.hitCounterUnit()
        let harden = try Subprocess([BuiltBrig.path, "harden", unit.path, "--observe", "3s"], timeout: 60)
        // Traffic from elsewhere while it watches.
        for _ in 0..<40 {
            _ = try Subprocess.run(["/usr/bin/curl", "-fsS", "http://127.0.0.1:9501/"], timeout: 5)
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        let output = await harden.finished()
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.hasPrefix("# Written by brig harden for brig-harden-hits.service, learnt from 3."))
        #expect(output.stdout.contains("s of live traffic; NOT proven (no workload)\n"))
        #expect(output.stdout.contains("\nStateDirectory=brig-harden-hits\n") && output.stdout.contains("\nSocketBindAllow=9501\n"))
        #expect(!output.stderr.contains("prove: run"))
    }

    /// A server a client talks to, over IPv4 or IPv6.
    struct Peer: Sendable, CustomTestStringConvertible {
        let address: String
        let port: Int
        let family: String
        var url: String { address.contains(":") ? "http://[\(address)]:\(port)/" : "http://\(address):\(port)/" }
        var testDescription: String { family }
    }

    /// A client gets its peer in an allow list, an IPv6 one as an IPv4 one.
    @Test(arguments: [Peer(address: "127.0.0.1", port: 9503, family: "AF_INET"), Peer(address: "::1", port: 9511, family: "AF_INET6")])
    func aClientGetsAnAllowListOfThePeersItTalkedTo(peer: Peer) async throws {
        let server = try Subprocess(["/usr/bin/python3", "-m", "http.server", "\(peer.port)", "--bind", peer.address], timeout: 120)
        defer { server.send(SIGKILL); _ = server.wait() }
        let unit = try UnitFile("brig-harden-client-\(peer.port).service",
                                "[Service]\nExecStart=/bin/sh -c \"while :; do curl -fsS -o /dev/null '\(peer.url)'; sleep 0.2; done\"\n")
        let output = try await Self.harden([unit.path, "--workload", "sleep 1"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("\n# talked to these addresses only\nIPAddressDeny=any\n# connected to \(peer.address)\nIPAddressAllow=\(peer.address)\n"))
        #expect(output.stdout.contains("# Not set: PrivateNetwork=: the service opened \(peer.family) sockets\n"))
    }

    @Test func aPathTheServiceWritesMadeReadOnlyIsRelaxedByDeltaDebugging() async throws {
        // lighttpd appends to its error log as it starts: the candidate, broken on purpose, makes the log read-only.
        // The default start window: on a loaded machine lighttpd can take over 2 s to answer, and a
        // good candidate that fails for that would be relaxed too.
        let output = try await SharedPort.holding(80) {
            try await Self.harden(["lighttpd.service", "--workload", Self.lighttpdFetch, "--add", "ReadOnlyPaths=/var/log/lighttpd/error.log"])
        }
        #expect(output.status == 0, "\(output.stderr)")
        // ddmin halves the failing candidate (28, 14, 7, ...) down to the one line, not one directive at a time.
        #expect(output.stderr.contains("with 14 of") && output.stderr.contains("with 1 of"))
        #expect(output.stderr.contains("prove: relaxed ReadOnlyPaths=/var/log/lighttpd/error.log"))
        let relaxed = try #require(output.stdout.split(separator: "\n").first { $0.hasPrefix("# Relaxed ReadOnlyPaths=/var/log/lighttpd/error.log: ") })
        // Whether lighttpd is seen to end first (it cannot open its log) depends on timing; the workload fails either way.
        #expect(relaxed.contains("with it the workload failed (") && relaxed.contains("workload exit status")
                && relaxed.hasSuffix("; the service wrote /var/log/lighttpd/error.log"), "\(relaxed)")
        #expect(!output.stdout.contains("\nReadOnlyPaths="))
        #expect(output.stdout.contains("\nProtectSystem=strict\n") && output.stdout.contains("\nReadWritePaths=-/var/log/lighttpd\n"),
                "\(output.stdout)\(output.stderr.suffix(3000))")
    }

    @Test func bindingPort80AsAnotherUserKeepsOnlyNetBindService() async throws {
        let unit = try UnitFile("brig-harden-port80.service", """
            [Service]
            ExecStart=/usr/bin/python3 -m http.server 80 --bind 127.0.0.1 --directory /usr/share/doc/curl
            User=nobody
            AmbientCapabilities=CAP_NET_BIND_SERVICE CAP_NET_ADMIN CAP_SYS_ADMIN CAP_DAC_OVERRIDE

            """)
        let output = try await SharedPort.holding(80) {
            try await Self.harden([unit.path, "--workload", "curl -fsS -o /dev/null http://127.0.0.1:80/copyright"])
        }
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("\nCapabilityBoundingSet=\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n"))
        #expect(output.stdout.contains("\nAmbientCapabilities=\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n"))
        #expect(output.stdout.contains("# exercised CAP_NET_BIND_SERVICE in bind()\n"))
        #expect(output.stdout.contains("\nSocketBindAllow=80\n"))
    }

    /// `brig harden NAME.service` on a unit as Debian installs it: the drop-in, once its exposure
    /// is at most 2.5 and the workload passes with it under the real systemd too.
    static func hardenDebianUnit(_ name: String, workload: String) async throws -> String {
        try #require(FileManager.default.fileExists(atPath: "/lib/systemd/system/" + name))
        let (_, result, dropIn) = try await Self.hardenJSON([name, "--workload", workload], label: name)
        #expect(Self.exposure(result, "exposure_after") <= 2.5)
        try await Self.expectPassesUnderSystemd(unit: name, file: nil, dropIn: dropIn, workload: workload)
        return dropIn
    }

    @Test func lighttpdAsDebianShipsIt() async throws {
        let dropIn = try await SharedPort.holding(80) { try await Self.hardenDebianUnit("lighttpd.service", workload: Self.lighttpdFetch) }
        #expect(dropIn.contains("CAP_NET_BIND_SERVICE") && dropIn.contains("\nReadWritePaths=-/var/log/lighttpd\n"))
    }

    @Test func memcachedAsDebianShipsIt() async throws {
        let dropIn = try await SharedPort.holding(11211) {
            try await Self.hardenDebianUnit("memcached.service", workload: "python3 \(Self.setGet) 11211")
        }
        #expect(dropIn.contains("\nCapabilityBoundingSet=CAP_SETGID CAP_SETUID\n"))
    }

    @Test func aWorkloadThatFailsUnhardenedStopsWithNothingWritten() async throws {
        let unit = try Self.hitCounterUnit()
        let output = try await Self.harden([unit.path, "--workload", "curl -fsS http://127.0.0.1:9501/missing-port:1 || exit 3; false", "--write", "--start-window", "1"])
        #expect(output.status == 1)
        #expect(output.stderr.contains("the workload fails with the service as it is, before any hardening: nothing to prove against"))
        #expect(!FileManager.default.fileExists(atPath: unit.path + ".d"))
    }

    @Test func aServiceThatDoesNotStartIsSaidSo() async throws {
        let unit = try UnitFile("brig-harden-broken.service", "[Service]\nExecStart=/bin/sh -c 'echo no config; exit 4'\n")
        let output = try await Self.harden([unit.path, "--workload", "true; false", "--write"])
        #expect(output.status == 1)
        #expect(output.stderr.contains("the service did not start: the service ended with status 4"))
        #expect(output.stderr.contains("no config"))
        #expect(!FileManager.default.fileExists(atPath: unit.path + ".d"))
    }

    @Test func aWorkloadThatHangsEndsAtTheTimeout() async throws {
        let unit = try Self.hitCounterUnit()
        let started = Date()
        let output = try await Self.harden([unit.path, "--workload", "sleep 60", "--timeout", "1", "--write"])
        #expect(output.status == 1)
        #expect(output.stderr.contains("the workload did not finish within --timeout 1s"))
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(!FileManager.default.fileExists(atPath: unit.path + ".d"))
    }

    @Test func aSignalStopsTheServiceAndWorkloadUnderWay() async throws {
        let unit = try Self.hitCounterUnit()
        let harden = try Subprocess([BuiltBrig.path, "harden", unit.path, "--workload", "sleep 30", "--write"], timeout: 60)
        // Once the service answers, brig harden is in the middle of its observation.
        let deadline = Date().addingTimeInterval(20)
        while try Subprocess.run(["/usr/bin/curl", "-fsS", "http://127.0.0.1:9501/"], timeout: 5).status != 0 && Date() < deadline { try? await Task.sleep(nanoseconds: 100_000_000) }
        harden.send(SIGTERM)
        let output = await harden.finished()
        #expect(output.status == 128 + SIGTERM)
        #expect(output.stderr.contains("stopped by signal 15; the service and workload under way were stopped, nothing written"))
        #expect(try Subprocess.run(["/usr/bin/curl", "-fsS", "http://127.0.0.1:9501/"], timeout: 5).status == 7)   // nothing listens
        #expect(!FileManager.default.fileExists(atPath: unit.path + ".d"))
    }

    @Test func aUnitBrigRunRefusesIsNamedWithItsDirective() async throws {
        let unit = try UnitFile("brig-harden-pam.service", "[Service]\nExecStart=/bin/sleep 10\nPAMName=login\n")
        let output = try await Self.harden([unit.path, "--workload", "true", "--write"])
        #expect(output.status == 2)
        #expect(output.stderr.contains("brig run cannot run this unit") && output.stderr.contains("PAMName="))
        #expect(!FileManager.default.fileExists(atPath: unit.path + ".d"))
    }
}

import Foundation
@testable import Jail
import TestSupport
import Testing

/// Debian's own units, unchanged, as `brig run NAME.service` runs them: each daemon answers a real
/// client, and SIGTERM to brig stops it leaving no process, cgroup or mount behind. .ci/run
/// installs the packages; one at a time, as nginx and lighttpd both listen on port 80.
/// The unit, the daemon's executable, a shell command that succeeds once the daemon answers, and
/// the TCP port it serves.
let debianServices: [(unit: String, executable: String, client: String, port: Int)] = [
    ("nginx.service", "/usr/sbin/nginx", "curl -sf -o /dev/null http://127.0.0.1/", 80),
    ("unbound.service", "/usr/sbin/unbound", "dig +short +time=1 +tries=1 @127.0.0.1 localhost A | grep -qx 127.0.0.1", 53),
    ("redis-server.service", "/usr/bin/redis-server", "redis-cli -h 127.0.0.1 ping | grep -qx PONG", 6379),
    ("memcached.service", "/usr/bin/memcached",
     "exec 3<>/dev/tcp/127.0.0.1/11211; printf 'version\\r\\n' >&3; timeout 1 head -1 <&3 | grep -q ^VERSION", 11211),
    ("lighttpd.service", "/usr/sbin/lighttpd", "curl -sI http://127.0.0.1/ | grep -qi '^server: lighttpd'", 80),
]

@Suite(.serialized, .enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"),
       .enabled(if: debianServices.allSatisfy { FileManager.default.fileExists(atPath: "/lib/systemd/system/\($0.unit)") },
                "needs Debian's nginx-light, unbound, redis-server, memcached and lighttpd (.ci/run installs them)"))
struct DebianUnitTests {
    /// Processes running `executable`.
    static func processes(of executable: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\($0)/exe")) == executable
        }
    }

    static func mountPoints() -> Set<String> {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return Set(text.split(separator: "\n").map { $0.split(separator: " ")[4] }.map(String.init))
    }

    @Test(arguments: debianServices.map(\.unit))
    func aDebianUnitServesAndStopsClean(_ unit: String) throws {
        let service = try #require(debianServices.first { $0.unit == unit })
        try SharedPort.holding(service.port) { try Self.serveAndStop(service) }
    }

    static func serveAndStop(_ service: (unit: String, executable: String, client: String, port: Int)) throws {
        let unit = service.unit
        #expect(processes(of: service.executable).isEmpty, "\(service.executable) already runs")
        let mountsBefore = mountPoints()
        let brig = try Subprocess([Brig.path, "run", unit], timeout: 60)
        let answered = Poll.until(seconds: 10, every: 0.1) {
            (try? Subprocess.run(["/bin/bash", "-c", service.client], timeout: 5).status) == 0
        }
        #expect(answered, "\(unit) did not answer its client")
        // lighttpd exits with status 1 when it is stopped while a connection is still open (under
        // systemd too): stop it once the client's connection has closed on the daemon's side.
        #expect(Poll.until(seconds: 10) { TCPTable.isQuiet(port: service.port) }, "\(TCPTable.states(localPort: service.port))")
        brig.send(SIGTERM)
        let out = brig.wait()
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stderr.contains("\(unit): result success"))
        #expect(processes(of: service.executable).isEmpty)
        // Only what this run could have left: the suite shares the host's mount table with tests
        // running beside it (a credential store of another run, a network namespace file).
        let left = mountPoints().subtracting(mountsBefore).filter { $0.contains(unit) || $0.hasPrefix("/run/brig/") }
        #expect(left.isEmpty, "\(left)")
        let cgroups = (try? FileManager.default.contentsOfDirectory(atPath: RunSite.cgroupParent)) ?? []
        #expect(!cgroups.contains { $0.hasPrefix("run-\(brig.pid)-") })
    }
}

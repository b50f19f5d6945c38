import Foundation
import TestSupport
import Testing

/// Type=forking: the launcher exits, and the daemon it left is supervised until it exits, found by
/// PIDFile= or guessed as the one process left; its exit status is the service's. Under systemd
/// 252 the same commands take as long and end with the same status.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct ForkingServiceTests {
    /// A daemon that runs `seconds`, then exits 5 (7 when it is told to stop), its PID in `pidFile`.
    static func daemon(_ seconds: Double, pidFile: String?) -> [String] {
        let write = pidFile.map { " echo $! > \($0)" } ?? ""
        return ["/bin/sh", "-c", "(trap 'exit 7' TERM; sleep \(seconds); exit 5) &\(write)"]
    }

    func timed(_ run: () throws -> Subprocess.Output) rethrows -> (status: Int32, seconds: Double) {
        let start = Date()
        let out = try run()
        return (out.status, Date().timeIntervalSince(start))
    }

    @Test func theDaemonOfAPIDFileIsSupervisedUntilItExits() throws {
        let pidFile = "/run/brig-forking-\(UUID().uuidString.prefix(6)).pid"
        defer { unlink(pidFile) }
        let properties = ["Type=forking", "PIDFile=\(pidFile)"]
        let brig = try timed { try Brig.run(properties: properties, Self.daemon(1, pidFile: pidFile)) }
        #expect(brig.status == 5 && brig.seconds >= 0.9)
        if Oracle.isAvailable {
            let systemd = try timed { try Oracle.run(properties: properties, Self.daemon(1, pidFile: pidFile)) }
            #expect(systemd.status == 5 && systemd.seconds >= 0.9)
        }
    }

    @Test func withoutAPIDFileTheOneProcessLeftIsTheMainProcess() throws {
        let brig = try timed { try Brig.run(properties: ["Type=forking"], Self.daemon(1, pidFile: nil)) }
        #expect(brig.status == 5 && brig.seconds >= 0.9)
        if Oracle.isAvailable {
            #expect(try Oracle.run(properties: ["Type=forking"], Self.daemon(1, pidFile: nil)).status == 5)
        }
    }

    @Test func stoppingBrigStopsTheDaemon() throws {
        let pidFile = "/run/brig-forking-\(UUID().uuidString.prefix(6)).pid"
        defer { unlink(pidFile) }
        let brig = try Subprocess([Brig.path, "run", "-p", "Type=forking", "-p", "PIDFile=\(pidFile)", "--"] + Self.daemon(30, pidFile: pidFile))
        Poll.until(seconds: 2) { FileManager.default.fileExists(atPath: pidFile) }
        usleep(100_000)
        brig.send(SIGTERM)
        #expect(brig.wait().status == 7)
    }

    /// Two processes left and no PID file: no main process can be told, so brig waits for the
    /// cgroup to empty, and still stops it when asked.
    @Test func withoutAMainProcessAStopStillEndsTheService() throws {
        let marker = CleanupTests.uniqueSleep()
        let brig = try Subprocess([Brig.path, "run", "-p", "Type=forking", "--", "/bin/sh", "-c",
                                   "sleep \(marker) & sleep \(marker) &"])
        Poll.until(seconds: 2) { CleanupTests.running(marker).count >= 3 }   // brig and two sleeps
        usleep(100_000)
        let start = Date()
        brig.send(SIGTERM)
        #expect(brig.wait().status == 0)
        #expect(Date().timeIntervalSince(start) < 5)
        #expect(CleanupTests.remaining(marker).isEmpty)
    }

    /// A PID file naming a process outside the service is not followed.
    @Test func aPIDFileNamingAnotherProcessIsRefused() throws {
        let pidFile = "/run/brig-forking-\(UUID().uuidString.prefix(6)).pid"
        try "1\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        defer { unlink(pidFile) }
        let out = try Brig.run(properties: ["Type=forking", "PIDFile=\(pidFile)"], ["/bin/true"])
        #expect(out.status == 1 && out.stderr.contains("names no process of the service"))
    }
}

import Foundation
import TestSupport
import Testing
@testable import Jail

/// brig killed (SIGKILL) at every point of a run where it makes or removes something on the
/// host: strace kills it as it enters the Nth call of each such system call, for every N until
/// a run gets through. After each, once its keeper is done, the next start of brig sweeps, and
/// nothing of the killed run may be left: cgroup (v2 and v1), owner lock, private /tmp
/// directories, notify socket, RuntimeDirectory=, the credential store's mount, the dynamic
/// user's lease, processes.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt && Tools.strace != nil,
                "needs root, namespaces, a built brig and strace"))
struct BrigKilledTests {
    /// The calls that make (mkdir, mount, bpf, linkat, clone for the keeper and the jail) and
    /// remove (rmdir, umount2, unlink) what a run leaves on the host.
    static let killPoints = ["mkdir", "mkdirat", "linkat", "mount", "bpf", "clone", "clone3", "rmdir", "umount2", "unlink", "unlinkat"]

    /// A service that makes one of each thing a run can leave behind.
    static func unit(_ name: String) -> String {
        """
        [Service]
        ExecStartPre=/bin/true
        ExecStart=/bin/sleep 0.02
        ExecStopPost=/bin/true
        DynamicUser=yes
        PrivateTmp=yes
        RuntimeDirectory=\(name)
        SetCredential=token:secret
        MemoryMax=64M
        IPAddressDeny=any

        """
    }

    /// brig under strace, killed entering the `nth` call of `call`: its pid (nil when it was
    /// killed before it first asked for it, so before anything named after the run could be
    /// made) and exit status.
    static func run(killedAt call: String, nth: Int, unit: String) throws -> (pid: pid_t?, status: Int32) {
        let trace = NSTemporaryDirectory() + "brig-killed-\(UUID().uuidString)"
        defer { unlink(trace) }
        let out = try Subprocess.run([Tools.strace!, "-qq", "-o", trace, "-e", "trace=getpid,\(call)",
                                      "-e", "inject=\(call):signal=KILL:when=\(nth)", Brig.path, "run", unit])
        let text = (try? String(contentsOfFile: trace, encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("getpid()") }
        return (line.flatMap { $0.split(separator: " ").last }.flatMap { pid_t($0) }, out.status)
    }

    /// The run's keeper holds its lock until it has emptied and removed the cgroup.
    static func waitForTheKeeper(of pid: pid_t) {
        let prefix = "run-\(pid)-"
        for _ in 0..<300 {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: RunSite.ownerLocks)) ?? []
            guard let lock = names.first(where: { $0.hasPrefix(prefix) }) else { return }
            let fd = open(RunSite.ownerLocks + "/" + lock, O_RDONLY | O_CLOEXEC)
            let free = fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0
            if fd >= 0 { close(fd) }
            if free || fd < 0 { return }
            usleep(10_000)
        }
    }

    @Test(arguments: killPoints)
    func nothingIsLeftOnceTheNextStartHasSwept(_ call: String) throws {
        let units = try UnitDirectory()
        let name = "brig-killed-\(UUID().uuidString.prefix(6))"
        let unit = try units.write(name + ".service", Self.unit(name))
        var kills = 0
        for nth in 1...60 {
            let earlier = try RunLeftovers.existing()
            let (pid, status) = try Self.run(killedAt: call, nth: nth, unit: unit)
            guard status == 128 + SIGKILL else {
                #expect(status == 0, "\(call) #\(nth): a run that was not killed failed")
                break
            }
            kills += 1
            guard let pid else { continue }
            Self.waitForTheKeeper(of: pid)
            #expect(try Brig.run(properties: [], ["/bin/true"]).status == 0)
            // A start of another test may be sweeping the run at this moment (holding its lock,
            // which makes ours pass it by): give it the time to finish.
            var left: [String] = []
            try Poll.until(seconds: 1) {
                left = try RunLeftovers.of(pid, unit: name, besides: earlier)
                return left.isEmpty
            }
            #expect(left.isEmpty, "killed entering \(call) #\(nth): \(left)")
        }
        #expect(kills > 0, "brig never made a \(call) call")
    }
}

import Foundation
import TestSupport
import Testing
@testable import Jail

/// brig short of descriptors, of room in /run, of processes and of memory: each run either
/// starts, or fails with the step, the errno and the exit status systemd gives that step (1,
/// `systemd-run`'s for the result "resources", when brig cannot fork at all), and leaves
/// nothing behind.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct ResourceExhaustionTests {
    /// One of each thing a run makes on the host, and a syscall filter and a firewall.
    static var properties: [String] {
        ["DynamicUser=yes", "PrivateTmp=yes", "RuntimeDirectory=brig-exhausted-\(UUID().uuidString.prefix(6))",
         "SetCredential=token:secret", "Type=notify", "MemoryMax=64M", "IPAddressDeny=any",
         "SystemCallFilter=@system-service"]
    }
    /// The main process says it is ready itself: a message from another process of the service
    /// (NotifyAccess=all) may come from one already gone when brig looks for it in the cgroup.
    static let command = ["/usr/bin/systemd-notify", "--ready"]

    static var arguments: [String] { ["run"] + properties.flatMap { ["-p", $0] } + ["--"] + command }

    /// `argv` (which ends by executing brig in its own process), to its end; what it printed,
    /// its status and what it left.
    static func run(_ argv: [String]) throws -> (output: Subprocess.Output, left: [String]) {
        let earlier = try RunLeftovers.existing()
        let process = try Subprocess(argv)
        let output = process.wait()
        return (output, try RunLeftovers.of(process.pid, unit: "brig-run-\(process.pid)", besides: earlier))
    }

    /// A clear failure: the errno's text, and systemd's status for the step that met it.
    static func failsClearly(_ output: Subprocess.Output, _ errno: String) -> Bool {
        output.stderr.contains(errno) && (output.status == 1 || (200...245).contains(output.status))
    }

    @Test(arguments: 4...16)
    func aDescriptorLimit(_ limit: Int) throws {
        let (output, left) = try Self.run(["/usr/bin/prlimit", "--nofile=\(limit)", Brig.path] + Self.arguments)
        #expect(output.status == 0 || Self.failsClearly(output, "Too many open files"), "\(output.status) \(output.stderr)")
        if limit == 16 { #expect(output.status == 0, "\(output.stderr)") }
        #expect(left.isEmpty, "\(left); brig said: \(output.stderr.suffix(600))")
    }

    /// /run, a tmpfs of the test's own mount namespace, with `free` inodes left: every step that
    /// makes something there (brig's run record, the lease, RuntimeDirectory=, the credential
    /// store, the notify socket, ...) meets ENOSPC in turn as `free` grows, until the run starts.
    /// (The nodes of /run/brig/inaccessible stay, made once for every run, as systemd's
    /// /run/systemd/inaccessible.)
    @Test func aFullRun() throws {
        let script = """
            mount -t tmpfs -o size=1m,mode=755 tmpfs /run || exit 100
            used=$(df --output=iused /run | tail -1)
            mount -o remount,nr_inodes=$((used + $1)) /run || exit 100
            shift
            "$@" & brig=$!
            wait $brig; status=$?
            echo "pid $brig" >&2
            find /run -not -type d | grep -v -e '^/run/mount/' -e '^/run/brig/inaccessible/' | sed 's/^/left /' >&2
            grep -o " /run/credentials/brig-run-$brig[^ ]*" /proc/self/mountinfo | sed 's/^/left mount/' >&2
            exit $status
            """
        var failures: [String] = []
        let earlier = try RunLeftovers.existing()
        for free in 1...60 {
            let process = try Subprocess(["/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c", script,
                                          "sh", String(free), Brig.path] + Self.arguments)
            let output = process.wait()
            #expect(output.status != 100, "cannot make the small /run: \(output.stderr)")
            let lines = output.stderr.split(separator: "\n")
            let pid = try #require(lines.first { $0.hasPrefix("pid ") }.flatMap { pid_t($0.dropFirst(4)) })
            let left = lines.filter { $0.hasPrefix("left") }.map(String.init)
                + (try RunLeftovers.of(pid, unit: "brig-run-\(pid)", besides: earlier))
            #expect(left.isEmpty, "\(free) inodes free: \(left); brig said: \(output.stderr.suffix(600))")
            if output.status == 0 { break }
            #expect(Self.failsClearly(output, "No space left on device") || Self.failsClearly(output, "ENOSPC"),
                    "\(free) inodes free: \(output.status) \(output.stderr)")
            failures.append(String(lines.first ?? ""))
        }
        // Each of brig's own steps and the service's in turn: at least the record, the lease,
        // RuntimeDirectory= and the credential store.
        #expect(Set(failures).count >= 4, "\(failures)")
    }

    static let pidsHierarchy = "/sys/fs/cgroup/pids"

    /// brig in a pids cgroup (v1) whose limit leaves it no process to fork (1), only its keeper
    /// (2), or a few (whether those are enough depends on the threads brig has at that moment).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: pidsHierarchy + "/cgroup.procs"),
                   "needs a cgroup v1 pids hierarchy at /sys/fs/cgroup/pids"),
          arguments: ["1", "2", "4", "8", "max"])
    func aPIDLimit(_ limit: String) throws {
        let cgroup = "\(Self.pidsHierarchy)/brig-test-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: cgroup, withIntermediateDirectories: false)
        defer { Poll.until(seconds: 1) { rmdir(cgroup) == 0 } }
        #expect(SystemFiles.write(cgroup + "/pids.max", limit) == 0)
        let enter = "echo $$ > \(cgroup)/cgroup.procs && exec \"$@\""
        let (output, left) = try Self.run(["/bin/sh", "-c", enter, "sh", Brig.path] + Self.arguments)
        let failedClearly = Self.failsClearly(output, "Resource temporarily unavailable")
        switch limit {
        case "1", "2": #expect(failedClearly, "\(output.status) \(output.stderr)")
        case "max": #expect(output.status == 0, "\(output.stderr)")
        default: #expect(output.status == 0 || failedClearly, "\(output.status) \(output.stderr)")
        }
        #expect(left.isEmpty, "\(left); brig said: \(output.stderr.suffix(600))")
    }

    /// A memory limit below what a start needs: the step the kernel refused memory for, with
    /// ENOMEM and its status, or the OOM killer's SIGKILL (137, result oom-kill).
    @Test(arguments: ["1", "4K", "16K", "64K"])
    func aMemoryLimitTooSmallToStart(_ limit: String) throws {
        let (output, left) = try Self.run([Brig.path, "run", "-p", "MemoryMax=\(limit)", "-p", "PrivateTmp=yes",
                                           "-p", "ProtectSystem=strict", "--", "/bin/echo", "started"])
        #expect(output.stdout.isEmpty)
        #expect(Self.failsClearly(output, "Cannot allocate memory") || (output.status == 137 && output.stderr.contains("oom-kill")),
                "\(output.status) \(output.stderr)")
        #expect(left.isEmpty, "\(left); brig said: \(output.stderr.suffix(600))")
    }

    /// systemd's start fails too: its child is killed by the OOM killer (result "signal").
    @Test(.enabled(if: Oracle.isAvailable, "needs systemd for systemd-oracle"), arguments: ["1", "4K"])
    func systemdCannotStartWithSuchALimitEither(_ limit: String) throws {
        let output = try Oracle.run(properties: ["MemoryMax=\(limit)", "PrivateTmp=yes", "ProtectSystem=strict"], ["/bin/echo", "started"])
        #expect(output.stdout.isEmpty)
        #expect(output.status != 0)
    }
}

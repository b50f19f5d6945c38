import Foundation

/// A child process for tests, started with posix_spawn so that it inherits nothing but
/// /dev/null as stdin and two files as stdout and stderr.
///
/// Foundation's `Process` is not used on purpose: it learns of an exit when a socket it
/// passes to the child reaches EOF, so a daemon the child leaves behind (the systemd
/// oracle, booted by whichever test needs it first) keeps that socket open and the test
/// waits forever. Here the exit comes from waitpid, and a deadline kills the child's
/// whole process group, so no test can hang the suite.
public final class Subprocess: @unchecked Sendable {
    public struct Output: Sendable {
        /// The exit status, or 128+N after death by signal N (as a shell reports it).
        public var status: Int32
        /// The signal that ended the process, if one did.
        public var signal: Int32?
        public var stdout: String
        public var stderr: String
        /// The deadline passed and the process group was killed.
        public var timedOut: Bool
    }

    public let pid: pid_t
    private let stdoutPath: String, stderrPath: String
    private let lock = NSLock()
    private var reaped = false, killed = false

    /// Starts argv[0] (an absolute path) with the rest as arguments; `environment` nil inherits ours.
    public init(_ argv: [String], environment: [String: String]? = nil, timeout: Double = 300) throws {
        precondition(argv.first?.hasPrefix("/") == true, "Subprocess needs an absolute path: \(argv)")
        let base = NSTemporaryDirectory() + "brig-test-\(getpid())-\(UUID().uuidString)"
        stdoutPath = base + ".out"
        stderrPath = base + ".err"

        // Every descriptor opened here is close-on-exec; the spawn dups them onto 0, 1, 2.
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        let out = open(stdoutPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let err = open(stderrPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { for fd in [null, out, err] where fd >= 0 { close(fd) } }
        guard null >= 0, out >= 0, err >= 0 else { throw SubprocessError("cannot open output files: errno \(errno)") }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, null, 0)
        posix_spawn_file_actions_adddup2(&actions, out, 1)
        posix_spawn_file_actions_adddup2(&actions, err, 2)
        // Descriptors other threads opened without O_CLOEXEC must not reach the child either.
        for fd in Self.openDescriptors() where fd > 2 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so the deadline can kill everything it started; default signals.
        var defaults = sigset_t()
        sigfillset(&defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var child: pid_t = 0
        let result = Self.withCStrings(argv) { cArgv in
            Self.withCStrings(env) { cEnv in posix_spawn(&child, argv[0], &actions, &attributes, cArgv, cEnv) }
        }
        guard result == 0 else {
            unlink(stdoutPath)
            unlink(stderrPath)
            throw SubprocessError("cannot start \(argv[0]): \(String(cString: strerror(result)))")
        }
        pid = child

        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [weak self] in
            guard let self else { return }
            self.lock.withLock {
                guard !self.reaped else { return }
                self.killed = true
                kill(-self.pid, SIGKILL)
            }
        }
    }

    /// Sends `signal` to the process (not its group), unless it has been waited for.
    public func send(_ signal: Int32) {
        lock.withLock { if !reaped { kill(pid, signal) } }
    }

    /// Waits for the exit and collects what the process printed.
    public func wait() -> Output {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return collect(status)
    }

    /// As `wait()`, without holding one of the test runner's few threads meanwhile: a test that
    /// waits minutes for a process (brig harden, a service) leaves the others able to run.
    public func finished() async -> Output {
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 { try? await Task.sleep(nanoseconds: 20_000_000) }
        return collect(status)
    }

    private func collect(_ status: Int32) -> Output {
        let timedOut = lock.withLock { reaped = true; return killed }
        defer { unlink(stdoutPath); unlink(stderrPath) }
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        let signal = status & 0x7f
        let signaled = signal != 0 && signal != 0x7f
        return Output(status: signaled ? 128 + signal : (status >> 8) & 0xff, signal: signaled ? signal : nil,
                      stdout: read(stdoutPath), stderr: read(stderrPath), timedOut: timedOut)
    }

    /// Starts argv and waits for it.
    public static func run(_ argv: [String], environment: [String: String]? = nil, timeout: Double = 300) throws -> Output {
        try Subprocess(argv, environment: environment, timeout: timeout).wait()
    }

    private static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}

public struct SubprocessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

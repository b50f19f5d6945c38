import Jail
import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// A process brig harden starts (a `brig run` of the service, the workload): in a process group
/// of its own so that a stop reaches all of it, its output kept in a file for the evidence.
final class ChildProcess {
    let pid: pid_t
    private let outputPath: String
    private(set) var status: Int32? = nil

    /// `argv[0]` is run as given, or looked up in $PATH when it has no slash.
    init(_ argv: [String]) throws(HardenError) {
        var template = Array("/tmp/brig-harden-output-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        if fd < 0 { throw .system("creating an output file", errno) }
        outputPath = String(cText: template)
        defer { close(fd) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fd, 1)
        posix_spawn_file_actions_adddup2(&actions, fd, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { for a in cArguments { free(a) } }
        var child: pid_t = 0
        let code = posix_spawnp(&child, argv[0], &actions, &attributes, cArguments, environ)
        if code != 0 {
            unlink(outputPath)
            throw .system("starting \(argv[0])", code)
        }
        pid = child
    }

    deinit {
        if status == nil { stop(signal: SIGKILL) }
        _ = wait(until: .distantFuture)
        unlink(outputPath)
    }

    /// Whether it has ended (and its status is known).
    func poll() -> Bool {
        if status != nil { return true }
        var raw: Int32 = 0
        guard waitpid(pid, &raw, WNOHANG) == pid else { return false }
        // The status as a shell shows it: the exit code, or 128 + the signal.
        status = raw & 0x7f == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        return true
    }

    /// Waits until it ends, the deadline passes or brig harden is interrupted; true when it ended.
    func wait(until deadline: Deadline) -> Bool {
        while !poll() {
            if deadline.passed || Interruption.requested { return false }
            usleep(5_000)
        }
        return true
    }

    /// Signals its whole process group.
    func stop(signal: Int32) { if status == nil { kill(-pid, signal) } }

    /// The last lines it wrote (standard output and error together).
    func outputTail(lines: Int = 3) -> String {
        guard let text = SystemFiles.read(outputPath) else { return "" }
        return text.split(separator: "\n").suffix(lines).joined(separator: " | ")
    }
}

/// "12.3" for seconds, to a tenth.
func tenths(_ seconds: Double) -> String {
    let t = Int((seconds * 10).rounded())
    return "\(t / 10).\(t % 10)"
}

/// A point on the monotonic clock.
struct Deadline {
    let seconds: Double
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
    init(after interval: Double) { seconds = Deadline.now() + interval }
    static let distantFuture = Deadline(after: 1e12)
    var passed: Bool { Deadline.now() >= seconds }
}

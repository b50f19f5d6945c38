#if canImport(Glibc)
import Glibc
#endif

/// How a Type=forking service's main process is found once its launcher has exited.
enum MainProcess {
    /// The PID in the file, read without following a symlink in its last component.
    static func fromPIDFile(_ path: String) -> pid_t? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        close(fd)
        return SystemFiles.read(path).flatMap { pid_t($0.trimmed) }.flatMap { $0 > 0 ? $0 : nil }
    }

    /// systemd's guess: the one process of the cgroup whose parent is the supervisor (here brig,
    /// the subreaper the daemon fell back to); nil when there is none or more than one.
    static func guess(among pids: [pid_t]) -> pid_t? {
        let mine = pids.filter { parent(of: $0) == getpid() }
        return mine.count == 1 ? mine[0] : nil
    }

    private static func parent(of pid: pid_t) -> pid_t? {
        // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
        guard let stat = SystemFiles.read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }
}

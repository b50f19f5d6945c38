#if canImport(Glibc)
import Glibc
#endif

/// StandardInput=/StandardOutput=/StandardError= targets brig can serve
/// without a journal: the files are opened in the parent, the child only
/// duplicates descriptors.
public enum StreamTarget: Sendable, Equatable {
    case inherit
    case null
    case tty(String)
    /// file: (read-write for input, write at offset 0 for output), append:, truncate:.
    case file(String, FileMode)
    case descriptor(Int32)
    /// StandardError= only: the same as standard output.
    case sameAsOutput

    public enum FileMode: Sendable { case plain, append, truncate }
}

/// Descriptors opened for one start; closed in the parent once the child runs.
public final class OpenStreams {
    private(set) var opened: [Int32] = []

    public init() {}

    /// Opens what the target needs, for stream 0, 1 or 2.
    func resolve(_ target: StreamTarget, stream: Int32, directive: String) throws(JailError) -> JailSpec.Stdio {
        switch target {
        case .inherit: return .inherit
        case .sameAsOutput: return .sameAsOutput
        case .descriptor(let fd): return .descriptor(fd)
        case .null: return .descriptor(try open("/dev/null", stream == 0 ? O_RDONLY : O_WRONLY, directive))
        case .tty(let path): return .descriptor(try open(path, O_RDWR | O_NOCTTY, directive))
        case .file(let path, let mode):
            var flags = stream == 0 ? O_RDONLY : O_WRONLY | O_CREAT
            switch mode {
            case .plain: if stream == 0 { flags = O_RDWR }
            case .append: flags |= O_APPEND
            case .truncate: flags |= O_TRUNC
            }
            return .descriptor(try open(path, flags, directive))
        }
    }

    private func open(_ path: String, _ flags: Int32, _ directive: String) throws(JailError) -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC | O_NOCTTY, 0o644)
        if fd < 0 {
            let status: ExitStatus = directive.hasPrefix("StandardInput") ? .stdin
                : directive.hasPrefix("StandardError") ? .stderr : .stdout
            throw .refused(directive: directive, reason: "opening \(path): \(SystemFiles.errorName(errno))", status: status)
        }
        opened.append(fd)
        return fd
    }

    public func close() {
        for fd in opened { Glibc.close(fd) }
        opened = []
    }
}

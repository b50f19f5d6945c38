import CJail
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
    /// file: (read-only input, or read-write when also plain output; output written from offset 0), append:, truncate:.
    case file(String, FileMode)
    case descriptor(Int32)
    /// StandardError= only: the same as standard output.
    case sameAsOutput
    /// StandardInput=data: StandardInputText= and StandardInputData=, read from a sealed memfd.
    case data([UInt8])

    public enum FileMode: Sendable, Equatable { case plain, append, truncate }
}

/// Descriptors opened for one start; closed in the parent once the child runs.
public final class OpenStreams {
    private(set) var opened: [Int32] = []

    public init() {}

    /// Opens the three streams as systemd does: input files read-only unless the same file
    /// is also plain `file:` output, output files created with 0666 less UMask=, and an output
    /// naming the input's file (or standard error naming standard output's) sharing its descriptor.
    /// A terminal on standard input is given `terminalSize` (TTYRows=, TTYColumns=).
    func resolve(stdin: StreamTarget, stdout: StreamTarget, stderr: StreamTarget,
                 umask: mode_t, terminalSize: TerminalSize? = nil) throws(JailError) -> [JailSpec.Stdio] {
        let mode = 0o666 & ~umask
        var result: [JailSpec.Stdio] = []
        for (stream, target) in [stdin, stdout, stderr].enumerated() {
            let directive = ["StandardInput=", "StandardOutput=", "StandardError="][stream]
            switch target {
            case .inherit: result.append(.inherit)
            case .sameAsOutput: result.append(.sameAsOutput)
            case .descriptor(let fd): result.append(.descriptor(fd))
            case .data(let bytes): result.append(.descriptor(try dataDescriptor(bytes)))
            case .null: result.append(.descriptor(try open("/dev/null", stream == 0 ? O_RDONLY : O_WRONLY, mode, directive)))
            case .tty(let path):
                let fd = try open(path, O_RDWR, mode, directive)
                if stream == 0 { try terminalSize?.apply(to: fd) }
                result.append(.descriptor(fd))
            case .file(let path, _) where stream == 0:
                let shared = [stdout, stderr].contains(.file(path, .plain))
                result.append(.descriptor(try open(path, shared ? O_RDWR | O_CREAT : O_RDONLY, mode, directive)))
            case .file(let path, let how):
                if stream == 2, stdout == target {
                    result.append(.sameAsOutput)
                } else if case .file(path, _) = stdin {
                    result.append(result[0])
                } else {
                    let flags = O_WRONLY | O_CREAT | (how == .append ? O_APPEND : how == .truncate ? O_TRUNC : 0)
                    result.append(.descriptor(try open(path, flags, mode, directive)))
                }
            }
        }
        return result
    }

    /// A descriptor that reads `bytes` and nothing else, as systemd's acquire_data_fd() makes it: a
    /// sealed memfd, or /dev/null for no data.
    private func dataDescriptor(_ bytes: [UInt8]) throws(JailError) -> Int32 {
        if bytes.isEmpty { return try open("/dev/null", O_RDONLY, 0, "StandardInput=") }
        let fd = bytes.withUnsafeBytes { cjail_data_fd($0.baseAddress, $0.count) }
        guard fd >= 0 else { throw .refused(directive: "StandardInputData=", reason: "a descriptor for the data: \(SystemFiles.errorName(-fd))", status: .stdin) }
        opened.append(fd)
        return fd
    }

    /// open(2), or for a path that is a listening AF_UNIX socket (ENXIO) a connection to it,
    /// shut down in the direction the stream does not use.
    private func open(_ path: String, _ flags: Int32, _ mode: mode_t, _ directive: String) throws(JailError) -> Int32 {
        var fd = Glibc.open(path, flags | O_CLOEXEC | O_NOCTTY, mode)
        if fd < 0 && errno == ENXIO { fd = connect(path, flags) }
        if fd < 0 {
            let status: ExitStatus = directive.hasPrefix("StandardInput") ? .stdin
                : directive.hasPrefix("StandardError") ? .stderr : .stdout
            throw .refused(directive: directive, reason: "opening \(path): \(SystemFiles.errorName(errno))", status: status)
        }
        opened.append(fd)
        return fd
    }

    private func connect(_ path: String, _ flags: Int32) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let fits = withUnsafeMutableBytes(of: &address.sun_path) { raw -> Bool in
            guard bytes.count < raw.count else { return false }
            raw.copyBytes(from: bytes)
            return true
        }
        let connected = fits && withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 }
        }
        let direction = flags & O_ACCMODE == O_RDONLY ? Int32(SHUT_WR) : flags & O_ACCMODE == O_WRONLY ? Int32(SHUT_RD) : -1
        if !connected || (direction >= 0 && shutdown(fd, direction) != 0) {
            let code = connected ? errno : (fits ? errno : ENXIO)
            Glibc.close(fd)
            errno = code
            return -1
        }
        return fd
    }

    public func close() {
        for fd in opened { Glibc.close(fd) }
        opened = []
    }
}

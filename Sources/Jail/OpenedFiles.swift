import Directives
#if canImport(Glibc)
import Glibc
#endif

/// A descriptor the main process is given beside its streams, with its name for $LISTEN_FDNAMES.
public struct PassedFile: Sendable, Equatable {
    public var fd: Int32
    public var name: String
}

/// OpenFile= (253): systemd's manager opens each file with its own privileges, before the jail,
/// and passes it to the main process after any socket-activation descriptors, in $LISTEN_FDS and
/// $LISTEN_FDNAMES. A service can so read a file its jail hides or its user may not open.
/// brig opens them once per run (systemd opens them anew at each start of ExecStart=).
enum OpenedFiles {
    /// Each file opened, in order; one marked graceful that fails is left out, another fails the
    /// start with FDS, naming the file and the errno.
    static func open(_ files: [OpenFile]) throws(JailError) -> [PassedFile] {
        var opened: [PassedFile] = []
        for file in files {
            let fd = descriptor(for: file)
            if fd >= 0 {
                opened.append(PassedFile(fd: fd, name: file.name))
            } else if !file.graceful {
                for passed in opened { close(passed.fd) }
                throw .refused(directive: "OpenFile=\(file.path)", reason: "cannot open: \(SystemFiles.errorName(-fd))", status: .fds)
            }
        }
        return opened
    }

    /// The file reopened with the access asked for, or a socket connected to it (read-only: its
    /// sending side shut down); close-on-exec. -errno on failure.
    private static func descriptor(for file: OpenFile) -> Int32 {
        // Looked up once, without access (O_PATH), then used by descriptor: the file cannot change between.
        let handle = Glibc.open(file.path, FileFlags.pathOnly | O_CLOEXEC)
        guard handle >= 0 else { return -errno }
        defer { close(handle) }
        var st = stat()
        guard fstat(handle, &st) == 0 else { return -errno }
        let byHandle = "/proc/self/fd/\(handle)"
        guard st.st_mode & S_IFMT == S_IFSOCK else {
            var flags = file.readOnly ? O_RDONLY : O_RDWR
            if file.append { flags |= O_APPEND } else if file.truncate { flags |= O_TRUNC }
            let fd = Glibc.open(byHandle, flags | O_NOCTTY | O_CLOEXEC)
            return fd >= 0 ? fd : -errno
        }
        // As systemd: a stream socket first, then datagram, then sequential packets.
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            for (i, byte) in byHandle.utf8.enumerated() { path[i] = byte }
        }
        var error = EPROTOTYPE
        for type in [SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET] {
            let fd = socket(AF_UNIX, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return -errno }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if connected == 0 {
                if file.readOnly && shutdown(fd, Int32(SHUT_WR)) != 0 { error = errno; close(fd); return -error }
                return fd
            }
            error = errno
            close(fd)
            if error != EPROTOTYPE { break }
        }
        return -error
    }

    /// The main process's share: the sockets of socket activation, then the files, and the
    /// variables that count and name them all.
    static func pass(sockets: SocketActivation?, files: [PassedFile], into spec: inout JailSpec) {
        let names = (sockets?.names ?? []) + files.map(\.name)
        spec.passedDescriptors = (sockets?.descriptors ?? []) + files.map(\.fd)
        guard !spec.passedDescriptors.isEmpty else { return }
        spec.environment += [JailPlanner.listenPIDPlaceholder, "LISTEN_FDS=\(spec.passedDescriptors.count)",
                             "LISTEN_FDNAMES=" + names.joined(separator: ":")]
        if spec.announcesPIDFDID { spec.environment.append(JailPlanner.listenPIDFDIDPlaceholder) }
    }
}

import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// Where credentials come from, read as systemd 252 reads them: whole files up to a size limit,
/// AF_UNIX sockets that hand a credential to whoever connects, directory trees, and the
/// credential stores brig itself was given.
enum CredentialSources {
    /// systemd's CREDENTIAL_SIZE_MAX: one credential, and all of a service's together
    /// (CREDENTIALS_TOTAL_SIZE_MAX, counting each ID's length too).
    static let sizeMax = 1024 * 1024
    static let totalSizeMax = sizeMax
    /// CREDENTIAL_ENCRYPTED_SIZE_MAX: an encrypted credential as stored (Base64 text).
    static let encryptedSizeMax = sizeMax + 128 * 1024

    /// The whole content of `path` (relative to `directory`, or absolute), E2BIG beyond `limit`
    /// bytes. A socket there is connected to when `socketName` is given: brig binds that abstract
    /// address first (it tells the server which unit and credential ask), sends nothing, and
    /// reads until the server closes.
    static func read(_ path: String, in directory: Int32 = AT_FDCWD, limit: Int, socketName: String? = nil) throws(SystemError) -> [UInt8] {
        var fd = openat(directory, path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        if fd < 0 {
            // Opening a socket fails with ENXIO.
            guard errno == ENXIO, let socketName else { throw SystemError(errno) }
            fd = try connect(path, boundTo: socketName)
        }
        defer { close(fd) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError(errno)
            }
            if n == 0 { return data }
            data += chunk[0..<n]
            if data.count > limit { throw SystemError(E2BIG) }
        }
    }

    /// A stream socket connected to the socket at `path`, its sending side shut.
    private static func connect(_ path: String, boundTo name: String) throws(SystemError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw SystemError(errno) }
        do throws(SystemError) {
            // "\0" first: an abstract address, as systemd's "@" names one.
            var local = try address([0] + Array(name.utf8))
            if withUnsafePointer(to: &local.address, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, local.length) } }) != 0 {
                throw SystemError(errno)
            }
            var remote = try address(Array(path.utf8) + [0])
            if withUnsafePointer(to: &remote.address, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, remote.length) } }) != 0 {
                // Not a socket after all: the open's error stands.
                throw SystemError(errno == ENOTSOCK || errno == EINVAL ? ENXIO : errno)
            }
            if shutdown(fd, Int32(SHUT_WR)) != 0 { throw SystemError(errno) }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    private static func address(_ bytes: [UInt8]) throws(SystemError) -> (address: sockaddr_un, length: socklen_t) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count <= capacity else { throw SystemError(EINVAL) }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in bytes.enumerated() { buffer[i] = byte }
        }
        return (address, socklen_t(MemoryLayout<sa_family_t>.size + bytes.count))
    }

    /// The abstract socket address systemd binds before it connects: a random number, then
    /// "/unit/UNIT/ID".
    static func socketName(unit: String, id: String) -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 16) + "/unit/\(unit)/\(id)"
    }

    /// The stores a credential name is looked up in, first match wins: the directory brig itself
    /// was given ($CREDENTIALS_DIRECTORY, with $ENCRYPTED_CREDENTIALS_DIRECTORY and the
    /// credstore.encrypted directories before it for encrypted ones), then the credstore directories.
    static func searchPath(encrypted: Bool, plain: Bool = true) -> [String] {
        let configurationPaths = ["/etc", "/run", "/usr/local/lib", "/usr/lib"]
        var path: [String] = []
        func own(_ name: String) -> String? { getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } }
        if encrypted {
            if let dir = own("ENCRYPTED_CREDENTIALS_DIRECTORY") { path.append(dir) }
            path += configurationPaths.map { $0 + "/credstore.encrypted" }
        }
        if plain {
            if let dir = own("CREDENTIALS_DIRECTORY") { path.append(dir) }
            path += configurationPaths.map { $0 + "/credstore" }
        }
        return path
    }

    /// Every regular file and socket below the directory `fd`, depth first in byte order of the
    /// names, dot files left out: `visit` gets the file's directory, its name, and its path below
    /// `fd` prefixed with `top` and with "/" turned into "_" (systemd's sub-credential ID).
    static func walk(_ fd: Int32, top: String, failure: (Int32) -> JailError,
                     _ visit: (Int32, String, String) throws(JailError) -> Void) throws(JailError) {
        let names: [String]
        do { names = try FileSystem.names(inDirectory: fd) } catch { throw failure(error.code) }
        for name in names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) where !name.hasPrefix(".") {
            var st = stat()
            if fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                let sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard sub >= 0 else { continue }
                defer { close(sub) }
                try walk(sub, top: top + "/" + name, failure: failure, visit)
            case S_IFREG, S_IFSOCK:
                try visit(fd, name, (top + "/" + name).replacingSlashes)
            default:
                continue
            }
        }
    }
}

private extension String {
    var replacingSlashes: String { String(map { $0 == "/" ? "_" : $0 }) }
}

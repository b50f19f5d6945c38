#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The few file-system questions the loader asks, answered with plain system calls so that reading a
/// whole host's units stays in the low milliseconds.
public enum FileSystem {
    enum Kind: Sendable { case file, directory, symlink, other }

    static func kind(_ path: String, followingLinks: Bool = false) -> Kind? {
        var st = stat()
        let rc = followingLinks ? stat(path, &st) : lstat(path, &st)
        guard rc == 0 else { return nil }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    /// The names in a directory (without "." and ".."), or [] when it does not exist.
    static func entries(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        return names(in: dir)
    }

    /// The names in a directory, and apart the names that are not UTF-8 (decoded with U+FFFD in
    /// place of each bad byte, for messages only: such a name cannot be opened again through a String).
    static func entries(_ path: String, undecodable: inout [String]) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if let name = String(validating: bytes, as: UTF8.self) {
                if name != "." && name != ".." { names.append(name) }
            } else {
                undecodable.append(String(decoding: bytes, as: UTF8.self))
            }
        }
        return names
    }

    /// The errno of looking `path` up, if the look-up fails.
    static func lookupError(_ path: String) -> Int32? {
        var st = stat()
        return lstat(path, &st) == 0 ? nil : errno
    }

    /// The entries of a directory with their kinds (of the entry itself, as lstat says), or []
    /// when it does not exist. The kind comes from the directory listing where the file system
    /// records it, saving a stat per entry.
    static func kinds(in path: String) -> [(name: String, kind: Kind)] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var result: [(name: String, kind: Kind)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name == "." || name == ".." { continue }
            let kind: Kind?
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): kind = .file
            case Int32(DT_DIR): kind = .directory
            case Int32(DT_LNK): kind = .symlink
            case Int32(DT_UNKNOWN): kind = Self.kind(path + "/" + name)
            default: kind = .other
            }
            if let kind { result.append((name, kind)) }
        }
        return result
    }

    /// The names an open directory stream lists, without "." and "..".
    public static func names(in dir: OpaquePointer) -> [String] {
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, Int(PATH_MAX))
        guard count >= 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Reads a whole unit file; the errors say what a user must fix. Only regular files are read, and
    /// no more than `limit` bytes: a FIFO would block the open, a device's open can act, and a huge
    /// (or sparse) file would be held in memory whole.
    static func read(_ path: String, limit: Int = UnitFileParser.maximumFileSize) throws(UnitFileError) -> [UInt8] {
        var st = stat()
        guard stat(path, &st) == 0 else { throw .unreadable(path: path, errno: errno) }
        try requireRegular(st, path)
        // Non-blocking, so that a FIFO put in the file's place since the stat cannot hold the open.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { throw .unreadable(path: path, errno: errno) }
        defer { close(fd) }
        guard fstat(fd, &st) == 0 else { throw .unreadable(path: path, errno: errno) }
        try requireRegular(st, path)
        guard st.st_size <= limit else { throw .tooLarge(path: path, limit: limit) }
        // The size is a hint only (a file may grow, /proc files say 0): the limit holds while reading.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(st.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, errno: errno)
            }
            if n == 0 { return bytes }
            guard bytes.count + n <= limit else { throw .tooLarge(path: path, limit: limit) }
            bytes += chunk[..<n]
        }
    }

    private static func requireRegular(_ st: stat, _ path: String) throws(UnitFileError) {
        switch st.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: throw .isDirectory(path: path)
        case S_IFIFO: throw .notRegularFile(path: path, kind: "a FIFO")
        case S_IFSOCK: throw .notRegularFile(path: path, kind: "a socket")
        case S_IFCHR: throw .notRegularFile(path: path, kind: "a character device")
        case S_IFBLK: throw .notRegularFile(path: path, kind: "a block device")
        default: throw .notRegularFile(path: path, kind: "an unknown kind of file")
        }
    }

    /// Whether a file is empty or a link to /dev/null: systemd treats both as "masked".
    static func isNullOrEmpty(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        if st.st_mode & S_IFMT == S_IFCHR { return st.st_rdev == makedev(1, 3) }
        return st.st_mode & S_IFMT == S_IFREG && st.st_size == 0
    }

    static func makedev(_ major: UInt32, _ minor: UInt32) -> dev_t {
        dev_t(major & 0xfff) << 8 | dev_t(minor & 0xff) | dev_t(minor & ~0xff) << 12 | dev_t(major & ~0xfff) << 32
    }

    static func directoryName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func baseName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    static func readTextFile(_ path: String) -> String? {
        guard let bytes = try? read(path) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

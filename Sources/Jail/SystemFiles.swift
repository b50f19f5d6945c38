#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The few file operations the parent needs, on plain libc (Foundation stays
/// out of the start-up path of `brig run`).
public enum SystemFiles {
    public static func read(_ path: String) -> String? { readBytes(path).map { String(decoding: $0, as: UTF8.self) } }

    /// A file's bytes as they are (EnvironmentFile=, which must be UTF-8 but is judged by its reader).
    public static func readBytes(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return nil }
        defer { close(fd) }
        return readBytes(descriptor: fd)
    }

    /// The rest of an open file, from its current offset.
    static func read(descriptor fd: Int32) -> String? { readBytes(descriptor: fd).map { String(decoding: $0, as: UTF8.self) } }

    static func readBytes(descriptor fd: Int32) -> [UInt8]? {
        var bytes: [UInt8] = []
        // An uninitialised stack buffer: these are small /proc and cgroup files, read at every start.
        let complete = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 8192) { buffer -> Bool in
            while true {
                let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
                if n < 0 { if errno == EINTR { continue }; return false }
                if n == 0 { return true }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<n]))
            }
        }
        return complete ? bytes : nil
    }

    /// Writes (truncating) a file; returns errno on failure.
    @discardableResult
    public static func write(_ path: String, _ contents: String, create mode: mode_t? = nil) -> Int32 {
        let flags = O_WRONLY | O_CLOEXEC | (mode != nil ? O_CREAT | O_TRUNC : 0)
        let fd = open(path, flags, mode ?? 0)
        if fd < 0 { return errno }
        defer { close(fd) }
        var utf8 = Array(contents.utf8)
        var offset = 0
        while offset < utf8.count {
            let n = utf8.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 { if errno == EINTR { continue }; return errno }
            offset += n
        }
        return 0
    }

    /// The paths `pattern` matches, sorted, as glob(3) with no flags gives them; none when nothing
    /// matches or the directory is missing.
    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }
    }

    /// One line on brig's standard error.
    public static func warn(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// mkdir -p; returns errno of the first failure other than EEXIST.
    @discardableResult
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) -> Int32 {
        var current = ""
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, mode) != 0 && errno != EEXIST { return errno }
        }
        return 0
    }

    public static func errorName(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}

import CJail
#if canImport(Glibc)
import Glibc
#endif

/// systemd's chase_symlinks() with CHASE_NONEXISTENT, for the paths of mount entries: each
/// symlink on the way is followed inside `root` (an absolute target starts again at the root,
/// ".." stops there), so a mount lands where the path leads in the jail's tree. Left alone,
/// the kernel would follow an absolute link out of brig's staging root into the host's tree,
/// and the jail's own copy of the path would keep its flags. The walk ends at the first
/// missing component; the rest is kept as written.
struct PathChaser {
    /// "/" (the staging root is a copy of it) or RootDirectory=.
    let root: String

    /// Links followed for one path before giving up, as systemd's CHASE_SYMLINKS_MAX.
    static let maximumLinks = 32

    /// `path` (absolute, inside the root) with its symlinks followed; nil if they loop.
    func chase(_ path: String) -> String? {
        // One system call settles the usual case, a path without any link on the way.
        if cjail_path_is_plain(onDisk(path)) == 1 { return path }
        var done: [Substring] = []
        var todo = Array(path.split(separator: "/").reversed())
        var links = 0
        while let component = todo.popLast() {
            if component == "." { continue }
            if component == ".." { _ = done.popLast(); continue }
            let candidate = "/" + (done + [component]).joined(separator: "/")
            var status = stat()
            if lstat(onDisk(candidate), &status) != 0 {
                return ([candidate] + todo.reversed().map(String.init)).joined(separator: "/")
            }
            guard status.st_mode & S_IFMT == S_IFLNK else {
                done.append(component)
                continue
            }
            links += 1
            guard links <= Self.maximumLinks, let target = Self.target(of: onDisk(candidate)) else { return nil }
            if target.hasPrefix("/") { done = [] }
            todo += target.split(separator: "/").reversed()
        }
        return "/" + done.joined(separator: "/")
    }

    private func onDisk(_ path: String) -> String { root == "/" ? path : root + path }

    private static func target(of link: String) -> String? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = buffer.withUnsafeMutableBytes { readlink(link, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count - 1) }
        return length > 0 ? String(decoding: buffer[..<length], as: UTF8.self) : nil
    }
}

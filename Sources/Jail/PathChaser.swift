#if canImport(Glibc)
import Glibc
#endif

/// systemd's chase_symlinks() with CHASE_NONEXISTENT, for the paths of mount entries: each
/// symlink on the way is followed inside `root` (an absolute target starts again at the root,
/// ".." stops there), so a mount lands where the path leads in the jail's tree. Left alone,
/// the kernel would follow an absolute link out of the staging root into the host's tree,
/// and the jail's own copy of the path would keep its flags. The walk ends at the first
/// missing component; the rest is kept as written.
struct PathChaser {
    /// "/" (the staging root is a copy of it) or RootDirectory=.
    let root: String
    /// Paths known to be no symlink without asking: mount points, which never are.
    private var plain: Set<String>
    /// What lstat said of each path asked about; entries share most of their parents.
    private var seen: [String: Node] = [:]

    private enum Node {
        case missing, plain
        case link(String)
    }

    /// Links followed for one path before giving up, as systemd's CHASE_SYMLINKS_MAX.
    static let maximumLinks = 32

    init(root: String, mountPoints: [String] = []) {
        self.root = root
        plain = Set(mountPoints)
    }

    /// `path` (absolute, inside the root) with its symlinks followed; nil if they loop.
    mutating func chase(_ path: String) -> String? {
        var done: [Substring] = []
        var todo = Array(path.split(separator: "/").reversed())
        var links = 0
        while let component = todo.popLast() {
            if component == "." { continue }
            if component == ".." { _ = done.popLast(); continue }
            let candidate = "/" + (done + [component]).joined(separator: "/")
            switch lookUp(candidate) {
            case .missing:
                return ([candidate] + todo.reversed().map(String.init)).joined(separator: "/")
            case .plain:
                done.append(component)
            case .link(let target):
                links += 1
                if links > Self.maximumLinks { return nil }
                if target.hasPrefix("/") { done = [] }
                todo += target.split(separator: "/").reversed()
            }
        }
        return "/" + done.joined(separator: "/")
    }

    private mutating func lookUp(_ path: String) -> Node {
        if plain.contains(path) { return .plain }
        if let known = seen[path] { return known }
        let onDisk = root == "/" ? path : root + path
        var status = stat()
        var node = Node.plain
        if lstat(onDisk, &status) != 0 {
            node = .missing
        } else if status.st_mode & S_IFMT == S_IFLNK {
            var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = buffer.withUnsafeMutableBytes { readlink(onDisk, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count - 1) }
            node = length > 0 ? .link(String(decoding: buffer[..<length], as: UTF8.self)) : .missing
        }
        seen[path] = node
        return node
    }
}

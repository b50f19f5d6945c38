#if canImport(Glibc)
import Glibc
#endif

/// PrivateUsers=managed (260): a block of 65536 uids and gids for one run, where systemd's
/// nsresourced would lease one: a 64K-aligned start from systemd's container range (0x80000 to
/// 0x6FFF0000), whose first id is free in the user and group databases, that no user namespace
/// alive maps already, and that no other run holds. Like `DynamicUserLease`, a lock file in
/// /run/brig names the run's cgroup while its brig lives, so a block whose processes outlived
/// their brig is not handed out again until that cgroup is empty.
public final class ManagedUserRangeLease: @unchecked Sendable {
    /// The ids one lease covers, as nsresourced leases them for a unit.
    public static let size: UInt32 = 65536
    /// The starts nsresourced draws from (systemd's default container-uid-base-min/max).
    public static let starts: ClosedRange<UInt32> = 0x0008_0000...0x6FFF_0000
    static let lockDirectory = "/run/brig/managed-uid-range"
    /// Candidates tried before giving up, as many as nsresourced tries.
    static let tries = 100

    public let start: UInt32
    private let lockFD: Int32
    private let cgroup: String

    private init(start: UInt32, lockFD: Int32, cgroup: String) {
        self.start = start
        self.lockFD = lockFD
        self.cgroup = cgroup
    }

    /// The line of /proc/PID/uid_map (and gid_map) that maps root inside to the block.
    public static func map(start: UInt32) -> String { "0 \(start) \(size)\n" }

    /// Leases a block for a run in `cgroup`; the lease lasts until `release()`.
    public static func acquire(cgroup: String) throws(JailError) -> ManagedUserRangeLease {
        let slots = (starts.upperBound - starts.lowerBound) / size + 1
        var generator = SystemRandomNumberGenerator()
        return try acquire(cgroup: cgroup) { starts.lowerBound + UInt32.random(in: 0..<slots, using: &generator) * size }
    }

    /// Leases the first free block of up to `tries` starts drawn by `draw` (random but in tests).
    static func acquire(cgroup: String, draw: () -> UInt32) throws(JailError) -> ManagedUserRangeLease {
        let code = SystemFiles.makeDirectories(lockDirectory, mode: 0o755)
        if code != 0 {
            throw .refused(directive: "PrivateUsers=managed", reason: "creating \(lockDirectory): \(SystemFiles.errorName(code))", status: .user)
        }
        let mapped = mappedElsewhere()
        for _ in 0..<tries {
            let start = draw()
            if mapped.contains(where: { $0.overlaps(start...(start + (size - 1))) }) { continue }
            if UserDatabase.user(.id(start), { _ in true }) != nil || UserDatabase.group(.id(start), { _ in true }) != nil { continue }
            let path = "\(lockDirectory)/\(start)"
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if fd < 0 && [EMFILE, ENFILE, ENOSPC, ENOMEM].contains(errno) {
                throw .refused(directive: "PrivateUsers=managed", reason: "creating \(path): \(SystemFiles.errorName(errno))", status: .user)
            }
            if fd < 0 { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 && isStill(path, fd) {
                let previous = SystemFiles.read(path) ?? ""
                if previous.isEmpty || RunSite.isEmpty(previous) {
                    let bytes = Array(cgroup.utf8)
                    if pwrite(fd, bytes, bytes.count, 0) == bytes.count
                        && (previous.utf8.count <= bytes.count || ftruncate(fd, off_t(bytes.count)) == 0) {
                        return ManagedUserRangeLease(start: start, lockFD: fd, cgroup: cgroup)
                    }
                }
            }
            close(fd)
        }
        throw .refused(directive: "PrivateUsers=managed", reason: "no free block of \(size) ids found in \(tries) tries (EBUSY)", status: .user)
    }

    /// The outside ids every user namespace alive maps (from each process's uid_map and gid_map),
    /// the identity maps of the initial namespace aside: a block in use by a container or
    /// another manager's lease is not taken, even where no lock file names it.
    static func mappedElsewhere() -> [ClosedRange<UInt32>] {
        guard let proc = try? OpenDirectory(trusted: "/proc"), let names = try? proc.names() else { return [] }
        var seen: Set<String> = []
        var ranges: [ClosedRange<UInt32>] = []
        for name in names where name.first?.isNumber == true {
            for file in ["uid_map", "gid_map"] {
                guard let text = SystemFiles.read("/proc/\(name)/\(file)"), seen.insert(text).inserted else { continue }
                for line in text.split(separator: "\n") {
                    let fields = line.split(separator: " ").compactMap { UInt32($0) }
                    guard fields.count == 3, fields[2] > 0, !(fields[0] == 0 && fields[1] == 0) else { continue }
                    let (outside, count) = (UInt64(fields[1]), UInt64(fields[2]))
                    ranges.append(fields[1]...UInt32(min(outside + count - 1, UInt64(UInt32.max))))
                }
            }
        }
        return ranges
    }

    private static func isStill(_ path: String, _ fd: Int32) -> Bool {
        var locked = stat(), current = stat()
        return fstat(fd, &locked) == 0 && lstat(path, &current) == 0
            && locked.st_ino == current.st_ino && locked.st_dev == current.st_dev
    }

    /// Ends the lease; while the run's cgroup still has processes the file stays, naming it.
    public func release() {
        if RunSite.isEmpty(cgroup) { unlink("\(ManagedUserRangeLease.lockDirectory)/\(start)") }
        close(lockFD)
    }

    /// Removes the lease files of runs whose brig was killed (as `DynamicUserLease.sweep`).
    static func sweep() {
        guard let directory = try? OpenDirectory(trusted: lockDirectory), let names = try? directory.names() else { return }
        for name in names where UInt32(name).map(starts.contains) == true {
            let path = "\(lockDirectory)/\(name)"
            let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                let cgroup = SystemFiles.read(path) ?? ""
                if cgroup.isEmpty || RunSite.isEmpty(cgroup) { unlink(path) }
            }
            close(fd)
        }
    }
}

import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The host's mount table, which every start plans its mounts against. A process that starts
/// many (brig listen, hundreds a second) asks to `watch` it: mountinfo stays open and is read
/// again only when it has changed. The kernel marks an open mountinfo with POLLPRI after any
/// mount or unmount in its namespace, and a poll clears the mark, so a poll that returns at once
/// says whether the table read last is still the table. The mount namespace is checked too: a
/// thread or a forked child that has entered another one reads its own. Any other process (brig
/// run, one start) reads the file each time and keeps no descriptor open.
public enum HostMountTable {
    private struct Cached {
        let fd: Int32
        let namespace: ino_t
        let mounts: [HostMount]
    }

    private static let cached = Mutex<(watching: Bool, table: Cached?)>((false, nil))

    /// From now on, the table is kept and read again only when the kernel marks it changed.
    public static func watch() { cached.withLock { $0.watching = true } }

    static func current() -> [HostMount] {
        cached.withLock { state in
            guard state.watching else {
                return SystemFiles.read("/proc/thread-self/mountinfo").map(parse) ?? []
            }
            var st = stat()
            let namespace = stat("/proc/thread-self/ns/mnt", &st) == 0 ? st.st_ino : 0
            if let table = state.table, table.namespace == namespace, namespace != 0 {
                var watch = pollfd(fd: table.fd, events: Int16(POLLPRI), revents: 0)
                if poll(&watch, 1, 0) == 0 { return table.mounts }
                // The poll cleared the mark before this read: a change after it marks the file again.
                if lseek(table.fd, 0, SEEK_SET) == 0, let text = SystemFiles.read(descriptor: table.fd) {
                    state.table = Cached(fd: table.fd, namespace: namespace, mounts: parse(text))
                    return state.table!.mounts
                }
            }
            if let stale = state.table { close(stale.fd) }
            state.table = nil
            let fd = open("/proc/thread-self/mountinfo", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return [] }
            guard let text = SystemFiles.read(descriptor: fd) else {
                close(fd)
                return []
            }
            state.table = Cached(fd: fd, namespace: namespace, mounts: parse(text))
            return state.table!.mounts
        }
    }

    /// Split as bytes: splitting a String by Characters costs more than the rest of the planning.
    static func parse(_ text: String) -> [HostMount] {
        text.utf8.split(separator: UInt8(ascii: "\n")).compactMap { line in
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 5)
            guard fields.count > 4, let id = Int(Substring(fields[0])), let parent = Int(Substring(fields[1])) else { return nil }
            return HostMount(id: id, parent: parent, path: Array(MountSteps.decodeOctal(fields[4]).utf8))
        }
    }
}

import CJail
#if canImport(Glibc)
import Glibc
#endif

/// RemoveIPC=: when the run ends, System V and POSIX IPC objects the
/// service's user owns are removed (systemd does this for non-root users).
public enum RemoveIPC {
    public static func removeObjects(ownedBy uid: UInt32) {
        guard uid != 0 else { return }
        // /proc/sysvipc/*: a header line, then one object per line; the id is
        // the second column, the owner's uid the column named "uid".
        for (file, remove) in [("shm", removeSharedMemory), ("msg", removeMessageQueue), ("sem", removeSemaphores)] {
            let lines = (SystemFiles.read("/proc/sysvipc/\(file)") ?? "").split(separator: "\n")
            guard let header = lines.first?.split(separator: " "), let uidColumn = header.firstIndex(of: "uid") else { continue }
            for line in lines.dropFirst() {
                let columns = line.split(separator: " ")
                guard columns.count > uidColumn, UInt32(columns[uidColumn]) == uid, let id = Int32(columns[1]) else { continue }
                remove(id)
            }
        }
        for directory in ["/dev/shm", "/dev/mqueue"] { removeFiles(in: directory, ownedBy: uid) }
    }

    private static func removeSharedMemory(_ id: Int32) { _ = shmctl(id, IPC_RMID, nil) }
    private static func removeMessageQueue(_ id: Int32) { _ = msgctl(id, IPC_RMID, nil) }
    private static func removeSemaphores(_ id: Int32) { _ = cjail_remove_semaphores(id) }

    /// POSIX shared memory, semaphores and message queues are files there.
    private static func removeFiles(in directory: String, ownedBy uid: UInt32) {
        guard let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name == "." || name == ".." { continue }
            var st = stat()
            let path = directory + "/" + name
            if lstat(path, &st) == 0, st.st_uid == uid, (st.st_mode & S_IFMT) != S_IFDIR { unlink(path) }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// MemoryPressureWatch= as systemd 254 and later set it up by default: the run's cgroup's
/// memory.pressure file, handed to the service's user, named in MEMORY_PRESSURE_WATCH=, with the
/// threshold to write there in MEMORY_PRESSURE_WRITE= (base64 of "some 200000 2000000" and its
/// NUL: 200 ms of stall in each 2 s, MemoryPressureThresholdSec='s default). Only on a pure
/// cgroup v2 tree, the only one those releases run on.
enum PressureWatch {
    static let defaultThreshold = "c29tZSAyMDAwMDAgMjAwMDAwMAA="

    /// The variables and the file as the service sees it, or nothing where the kernel keeps no
    /// pressure file for the cgroup. In a cgroup namespace of its own (ProtectControlGroups=private
    /// or strict) the service sees its cgroup at the root of /sys/fs/cgroup.
    static func environment(cgroup: String, uid: UInt32, gid: UInt32, ownNamespace: Bool) -> (variables: [String], path: String)? {
        guard RunSite.cgroupRoot == "/sys/fs/cgroup" else { return nil }
        let file = cgroup + "/memory.pressure"
        guard chown(file, uid, gid) == 0, chmod(file, 0o644) == 0 else { return nil }
        let seen = ownNamespace ? "/sys/fs/cgroup/memory.pressure" : file
        return (["MEMORY_PRESSURE_WATCH=\(seen)", "MEMORY_PRESSURE_WRITE=\(defaultThreshold)"], seen)
    }
}

import CJail
import Jail
#if canImport(Glibc)
import Glibc
#endif

/// The cgroup every instance of brig listen goes below, and its keeper: one forked process that,
/// should brig listen be ended before it could stop its instances (SIGKILL, a crash), kills them
/// all and removes their cgroups, where brig run forks a keeper for its one run. One fork for
/// the listener instead of one per connection.
final class InstanceCgroup {
    let path: String
    private var keeper: Int32? = nil

    init() throws(ListenError) {
        do { try RunSite.enterHome() } catch { throw ListenError("\(error)") }
        // What brigs killed before they could clean up left behind goes first (brig run sweeps
        // at each start; the instances here go below this one listener).
        RunSite.sweepOrphans()
        path = RunSite.cgroupParent + "/listen-\(getpid())-instances"
        let code = SystemFiles.makeDirectories(path, mode: 0o755)
        guard code == 0 else { throw ListenError("making the cgroup \(path) for the instances", code) }
        let keeper = cjail_start_keeper(path, path + "/cgroup.kill", path + "/cgroup.procs", -1, nil)
        if keeper < 0 { SystemFiles.warn("brig listen: no keeper for the instances: \(SystemFiles.errorName(-keeper))") }
        self.keeper = keeper >= 0 ? keeper : nil
    }

    /// Once every instance has ended: the keeper goes, and the cgroup with the device-policy
    /// cgroups instances made below it.
    func remove() {
        if let keeper { cjail_stop_keeper(keeper) }
        keeper = nil
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if entry.pointee.d_type == UInt8(DT_DIR), name != ".", name != ".." { rmdir(path + "/" + name) }
            }
            closedir(directory)
        }
        rmdir(path)
    }
}

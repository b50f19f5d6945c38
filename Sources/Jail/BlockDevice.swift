#if canImport(Glibc)
import Glibc
#endif

/// The block device the per-device I/O directives mean, found as systemd's lookup_block_device()
/// finds it: the node itself, or the device of the file system a file is on, then its whole disk.
enum BlockDevice {
    /// "MAJOR:MINOR", or nil when `path` is neither (a missing path, a file on a virtual file system).
    static func wholeDisk(of path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        let device = UInt64((st.st_mode & S_IFMT) == S_IFBLK ? st.st_rdev : st.st_dev)
        // glibc's gnu_dev_major()/gnu_dev_minor() split, which Swift does not import.
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff))
        let minor = (device & 0xff) | ((device >> 12) & ~UInt64(0xff))
        guard major != 0 else { return nil }
        // A partition's sysfs directory sits inside its disk's, which names the disk's number.
        let partition = "/sys/dev/block/\(major):\(minor)"
        if SystemFiles.exists(partition + "/partition"), let disk = SystemFiles.read(partition + "/../dev")?.trimmed {
            return disk
        }
        return "\(major):\(minor)"
    }
}

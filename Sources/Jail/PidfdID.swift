import CJail
#if canImport(Glibc)
import Glibc
#endif

/// The 64-bit inode number of a pidfd, which names a process for good where its pid may be reused
/// (MAINPIDFDID=, systemd 258). Only pidfs (Linux 6.9) gives each process an inode of its own;
/// elsewhere there is none to tell, and systemd then sets nothing.
enum PidfdID {
    static let pidfsMagic = 0x5049_4446

    static func of(_ pidfd: Int32) -> UInt64? {
        guard pidfd >= 0 else { return nil }
        var st = stat()
        guard cjail_filesystem_type(pidfd) == pidfsMagic, fstat(pidfd, &st) == 0 else { return nil }
        return UInt64(st.st_ino)
    }
}

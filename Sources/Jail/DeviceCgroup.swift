import CJail
#if canImport(Glibc)
import Glibc
#endif

/// One cgroup per device policy, below brig's own, that holds the policy's program for
/// every run with the same rules: each run's cgroup is made inside it, and the kernel
/// applies the programs of all ancestors. Loading and verifying the program, attaching
/// it and freeing it again cost a start more than anything else brig asks of the kernel,
/// so it is done once per policy instead of once per run.
extension DeviceFilter {
    /// The directory's name: the rules themselves ("c1:3rwm,c136:*rw") and a checksum of
    /// the program, so another policy, or another brig's program for the same rules, never
    /// shares it. nil when the rules are too many to fit a file name.
    public var sharedCgroupName: String? {
        let rules = self.rules.map { $0.description.filter { $0 != " " } }.joined(separator: ",")
        var checksum: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in program { checksum = (checksum ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let name = "devices-" + rules + "-" + String(checksum, radix: 16)
        return name.utf8.count <= 200 ? name : nil
    }

    /// Where the policy's cgroup is below `parent`, made or not (--dry-run shows it).
    func sharedCgroupPath(under parent: String) -> String? {
        sharedCgroupName.map { parent + "/" + $0 }
    }

    /// The policy's cgroup below `parent`, made (with its program) on first use; nil when
    /// it cannot serve, and the run's own cgroup must get the program instead.
    func sharedCgroup(under parent: String) throws(JailError) -> String? {
        guard let path = sharedCgroupPath(under: parent) else { return nil }
        for directory in [parent, path] where mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw .system("cgroup \(directory)", errno)
        }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw .system("cgroup \(path)", errno) }
        defer { close(fd) }
        // No run goes below until the program is attached. A directory without one (its
        // maker was killed in between) gets it here; the lock keeps starts racing for a new
        // policy from attaching a copy each. Where the kernel can neither lock nor tell, the
        // run's own cgroup gets the program, as without a name.
        guard flock(fd, LOCK_EX) == 0 else { return nil }
        let attached = cjail_device_programs_attached(fd)
        guard attached >= 0 else { return nil }
        if attached == 0 { try attach(toDirectory: fd) }
        return path
    }
}

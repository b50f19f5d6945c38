import Testing

/// `brig run --dry-run` shows what the jail would do, seccomp rules included, and runs nothing.
struct RunDryRunTests {
    @Test func dryRunShowsTheSyscallFilterRules() throws {
        let result = try BrigBinary.run(["run", "--dry-run", "-p", "SystemCallFilter=~@mount",
                                         "-p", "SystemCallArchitectures=native", "--", "/bin/true"])
        #expect(result.status == 0)
        let filter = result.stdout.split(separator: "# seccomp filter (installed last, before execve)\n").last ?? ""
        #expect(filter.contains("default action: allow\n"))
        #expect(filter.contains("ABIs: x86-64; other ABIs (x86 x32):"))
        #expect(filter.contains("kill-process (11): chroot fsconfig fsmount fsopen fspick mount mount_setattr move_mount open_tree pivot_root umount2\n"))
        #expect(filter.contains("program: one filter, "))
    }

    @Test func noSyscallDirectiveNoFilter() throws {
        let result = try BrigBinary.run(["run", "--dry-run", "--", "/bin/true"])
        #expect(result.status == 0)
        #expect(!result.stdout.contains("seccomp"))
    }

    /// A warning is printed once, with its place, as brig verify prints it.
    @Test func aWarningIsSaidOnce() throws {
        let result = try BrigBinary.run(["run", "--dry-run", "-p", "SysVStartPriority=1", "--", "/bin/true"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("-p:1:1: warning: SysVStartPriority= is no longer supported"), "\(result.stdout)")
    }
}

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

    /// StateDirectoryQuota= and its kin (258): the dry run says what the start would set, in the
    /// unit the size was written in, for the kinds that have a directory; older rules set nothing.
    @Test func dryRunShowsDirectoryQuotas() throws {
        let settings = ["StateDirectory=brig-dry", "StateDirectoryQuota=512M", "CacheDirectory=brig-dry", "CacheDirectoryAccounting=yes",
                        "LogsDirectoryQuota=1G"].flatMap { ["-p", $0] }
        let result = try BrigBinary.run(["run", "--dry-run", "--rules", "262"] + settings + ["--", "/bin/true"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").filter { $0.contains("project quota") }
        #expect(lines.count == 2, "\(result.stdout)")
        #expect(lines.first?.hasPrefix("# StateDirectoryQuota=512M: a hard limit by the project quota of /var/lib's file system, project id ") == true)
        #expect(lines.first?.hasSuffix("[238 STATE_DIRECTORY]") == true)
        #expect(lines.last?.hasPrefix("# CacheDirectoryAccounting=yes: usage counted by the project quota of /var/cache's file system") == true)
        let older = try BrigBinary.run(["run", "--dry-run", "--rules", "257"] + settings + ["--", "/bin/true"])
        #expect(!older.stdout.contains("project quota"), "\(older.stdout)")
    }

    /// A warning is printed once, with its place, as brig verify prints it.
    @Test func aWarningIsSaidOnce() throws {
        let result = try BrigBinary.run(["run", "--dry-run", "-p", "SysVStartPriority=1", "--", "/bin/true"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("-p:1:1: warning: SysVStartPriority= is no longer supported"), "\(result.stdout)")
    }
}

import Testing

/// RestrictSUIDSGID=, alone and as DynamicUser= implies it: every call that sets a file mode or
/// creates a file, with set-user-ID or set-group-ID bits, through each ABI, answers under
/// `brig run` as under systemd. fchmodat2() (Linux 6.6) once went through unchecked.
@Suite("brig run refuses set-ID modes as systemd does",
       .enabled(if: Gate.brigSeccomp, "needs `brig run` with syscall filters and the systemd oracle"))
struct SetIDModeDifferentialTests {
    /// Calls systemd 252 refuses with EPERM (the i386 and x32 ones pass NULL paths: without a
    /// filter the kernel answers EFAULT, or ENOSYS where x32 is off).
    static let refused = [
        "chmod-suid", "chmod-sgid", "fchmod-suid", "fchmodat-sgid", "fchmodat2-suid", "fchmodat2-sgid",
        "creat-suid", "creat-sgid", "open-creat-suid", "openat-creat-sgid", "mkdir-suid", "mkdirat-sgid",
        "mknod-suid", "mknodat-sgid",
        "i386-chmod-suid", "i386-fchmodat2-suid", "i386-open-creat-suid",
        "x32-chmod-suid", "x32-fchmodat2-suid", "x32-openat-creat-suid",
    ]
    /// openat2() is refused with ENOSYS whatever it asks; an O_TMPFILE open carries no O_CREAT
    /// and systemd 252 lets its mode through.
    static let others = ["openat2-creat-suid", "open-tmpfile-suid", "openat-tmpfile-suid", "chmod-plain", "fchmodat2-plain"]
    static let probe = [ProbeInstaller.syscalls] + refused + others

    static let settings = [
        Setting("RestrictSUIDSGID=yes"),
        Setting("DynamicUser=yes"),
        Setting("DynamicUser=yes", "SystemCallFilter=@system-service", "SystemCallErrorNumber=EPERM"),
    ]

    @Test("every mode-setting call answers as under systemd", arguments: settings)
    func sameAnswersAsSystemd(_ setting: Setting) throws {
        try Differential.expectSame(setting, Self.probe)
    }

    /// Holds without the oracle's word: no call of the list leaves a set-ID bit on a file.
    @Test("no call sets a set-ID mode", arguments: settings)
    func noCallSetsASetIDMode(_ setting: Setting) throws {
        if let failure = Differential.preparationFailure { throw PreparationError(reason: failure) }
        let brig = Observations(try BrigRunner.start(setting.properties, Self.probe).wait())
        #expect(brig.status == 0)
        for call in Self.refused {
            #expect(brig.facts[call] == "EPERM", "\(call) under \(setting.testDescription)")
        }
        #expect(brig.facts["openat2-creat-suid"] == "ENOSYS")
        #expect(brig.facts["fchmodat2-plain"] == "ok")
    }
}

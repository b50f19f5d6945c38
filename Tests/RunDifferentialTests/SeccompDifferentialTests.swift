import Testing

/// The seccomp differential: every call of the syscalls probe gets the same answer under
/// `brig run -p ...` as under systemd with the same directives.
@Suite("brig run seccomp against systemd, call by call",
       .enabled(if: Gate.oracle, "needs root and systemd for systemd-oracle"))
struct SeccompDifferentialTests {
    static let probe = [ProbeInstaller.syscalls, "all"]

    @Test("systemd's filters change what the probe's calls return", arguments: SeccompSettings.all)
    func probeSeesTheSetting(_ setting: Setting) throws {
        try Differential.expectProbeSees(setting, Self.probe, unlike: "unfiltered")
    }

    @Test("brig run answers the probe's calls as systemd does",
          .enabled(if: Gate.brigSeccomp, "needs `brig run` built beside the tests, with syscall filters"),
          arguments: SeccompSettings.all)
    func sameAnswers(_ setting: Setting) throws {
        try Differential.expectSame(setting, Self.probe)
    }
}

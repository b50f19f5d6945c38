import Testing

/// The seccomp differential: every call of the syscalls probe gets the same answer under
/// `brig run -p ...` as under systemd with the same directives.
@Suite("brig run seccomp against systemd, call by call",
       .enabled(if: Gate.oracle, "needs root and systemd for systemd-oracle"))
struct SeccompDifferentialTests {
    static let probe = [ProbeInstaller.syscalls, "all"]

    /// Without this a setting could "match" only because the probe cannot see it.
    @Test("systemd's filters change what the probe's calls return", arguments: SeccompSettings.all)
    func probeSeesTheSetting(_ setting: Setting) throws {
        let plain = try Differential.oracleBaseline(Self.probe)
        let filtered = try Differential.runOracle(setting, Self.probe)
        #expect(plain.status == 0 && !plain.facts.isEmpty)
        #expect((filtered.status != 0) == setting.startFails, "systemd exited \(filtered.status)")
        if setting.isVisible && filtered == plain {
            Issue.record("\(setting.testDescription): the probe saw no difference from an unfiltered run")
        }
        if !setting.isVisible {
            #expect(filtered.differences(from: plain).isEmpty, "\(setting.testDescription) should change nothing")
        }
    }

    @Test("brig run answers the probe's calls as systemd does",
          .enabled(if: Gate.brigSeccomp, "needs `brig run` built beside the tests, with syscall filters"),
          arguments: SeccompSettings.all)
    func sameAnswers(_ setting: Setting) throws {
        try Differential.expectSame(setting, Self.probe)
    }
}

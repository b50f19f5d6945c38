import Testing

/// The jail differential: the observe probe sees the same jail under `brig run -p ...`
/// as under systemd with the same directives.
@Suite("brig run jail against systemd, observation by observation",
       .enabled(if: Gate.oracle, "needs root and systemd for systemd-oracle"))
struct JailDifferentialTests {
    static func probe(_ setting: Setting) -> [String] { [ProbeInstaller.observe] + setting.extraPaths }

    /// Without this a setting could "match" only because the probe cannot see it.
    @Test("systemd's jail differs from no jail where the probe looks", arguments: JailSettings.all)
    func probeSeesTheSetting(_ setting: Setting) throws {
        let plain = try Differential.oracleBaseline(Self.probe(setting))
        let jailed = try Differential.runOracle(setting, Self.probe(setting))
        #expect(plain.status == 0 && !plain.facts.isEmpty)
        #expect((jailed.status != 0) == setting.startFails, "systemd exited \(jailed.status)")
        if setting.isVisible && jailed == plain {
            Issue.record("\(setting.testDescription): the probe saw no difference from an unjailed run")
        }
        if !setting.isVisible {
            #expect(jailed.differences(from: plain).isEmpty, "\(setting.testDescription) should change nothing")
        }
    }

    @Test("brig run shows the probe what systemd shows",
          .enabled(if: Gate.brig, "needs `brig run` built beside the tests"),
          arguments: JailSettings.all)
    func sameObservations(_ setting: Setting) throws {
        try Differential.expectSame(setting, Self.probe(setting))
    }
}

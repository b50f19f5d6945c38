import Testing

/// The jail differential: the observe probe sees the same jail under `brig run -p ...`
/// as under systemd with the same directives.
@Suite("brig run jail against systemd, observation by observation",
       .enabled(if: Gate.oracle, "needs root and systemd for systemd-oracle"))
struct JailDifferentialTests {
    static func probe(_ setting: Setting) -> [String] { [ProbeInstaller.observe] + setting.extraPaths }

    @Test("systemd's jail differs from no jail where the probe looks", arguments: JailSettings.all + JailSettings.homeless)
    func probeSeesTheSetting(_ setting: Setting) throws {
        try Differential.expectProbeSees(setting, Self.probe(setting), unlike: "unjailed")
    }

    @Test("brig run shows the probe what systemd shows",
          .enabled(if: Gate.brig, "needs `brig run` built beside the tests"),
          arguments: JailSettings.all + JailSettings.homeless + JailSettings.hostDependent)
    func sameObservations(_ setting: Setting) throws {
        try Differential.expectSame(setting, Self.probe(setting))
    }
}

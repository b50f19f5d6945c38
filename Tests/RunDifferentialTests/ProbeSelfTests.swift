import Testing

/// The comparison is only as good as the probes' repeatability: two runs under
/// the same runner with the same directives must print the same lines.
@Suite("the probes are repeatable under systemd",
       .enabled(if: Gate.oracle, "needs root and systemd for systemd-oracle"))
struct ProbeSelfTests {
    @Test("observe prints the same lines twice", arguments: [Setting(), JailSettings.profiles[0]])
    func observeIsRepeatable(_ setting: Setting) throws {
        let probe = [ProbeInstaller.observe]
        let first = try Differential.runOracle(setting, probe), second = try Differential.runOracle(setting, probe)
        #expect(first.facts.count > 100)
        #expect(second.differences(from: first).isEmpty, "\(second.differences(from: first))")
    }

    @Test("syscalls prints the same lines twice", arguments: [Setting(), SeccompSettings.profiles[0]])
    func syscallsIsRepeatable(_ setting: Setting) throws {
        let probe = [ProbeInstaller.syscalls, "all"]
        let first = try Differential.runOracle(setting, probe), second = try Differential.runOracle(setting, probe)
        #expect(first.facts["getppid"] == "ok")
        #expect(second.differences(from: first).isEmpty, "\(second.differences(from: first))")
    }
}

import Testing

/// ExecCondition= under brig run as under systemd: exit 0 starts the service, 1 to 254 skip it
/// (not a failure, so not restarted), 255 or a signal fail it; "-" makes any exit a pass.
@Suite(.enabled(if: Gate.brig))
struct ExecConditionDifferentialTests {
    static let conditions = ["exit 0", "exit 1", "exit 254", "exit 255", "kill -KILL $$$$", "-exit 7"]

    @Test(arguments: conditions)
    func theConditionDecidesAsUnderSystemd(_ condition: String) throws {
        let ignore = condition.hasPrefix("-")
        let line = "ExecCondition=\(ignore ? "-" : "")/bin/sh -c '\(ignore ? String(condition.dropFirst()) : condition)'"
        let properties = [line, "Restart=on-failure"]
        let main = ["/bin/sh", "-c", "echo main ran"]
        let brig = try BrigRunner.start(properties, main).wait()
        let systemd = try Oracle.start(properties, main).wait()
        #expect(brig.stdout == systemd.stdout, "brig: \(brig.stdout) \(brig.stderr) systemd: \(systemd.stdout)")
        // systemd-run reports a failure as 1 where brig run passes the failed command's status on.
        #expect((brig.status == 0) == (systemd.status == 0), "brig \(brig.status): \(brig.stderr) systemd \(systemd.status)")
    }
}

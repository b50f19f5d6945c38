/// Conditions for the differential suites. A false condition prints why, so a
/// skipped run never reads like a passing one.
enum Gate {
    static var oracle: Bool { explain(Oracle.unavailableReason) }
    static var brig: Bool { explain(Oracle.unavailableReason ?? BrigRunner.unavailableReason) }
    static var brigSeccomp: Bool { explain(Oracle.unavailableReason ?? BrigRunner.seccompUnavailableReason) }

    private static func explain(_ reason: String?) -> Bool {
        if let reason { print("RunDifferentialTests: skipping: \(reason)") }
        return reason == nil
    }
}

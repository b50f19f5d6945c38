import TestSupport
import Testing

/// Without --unit, `brig run` reads its -p assignments as the [Service] lines of a transient unit
/// named after the process, as systemd-run does; with --unit they follow that unit's lines.
struct RunTransientUnitTests {
    /// The value of `NAME=` in the environment line of a --dry-run plan.
    static func variable(_ name: String, in plan: String) -> String? {
        guard let start = plan.range(of: "\"\(name)=") else { return nil }
        return String(plan[start.upperBound...].prefix { $0 != "\"" })
    }

    @Test func specifiersNameTheTransientUnit() throws {
        let result = try BrigBinary.run(["run", "--dry-run", "-p", "Environment=N=%n Y=%y D=%Y", "--", "/bin/true"])
        #expect(result.status == 0)
        let name = try #require(Self.variable("N", in: result.stdout))
        #expect(name.hasPrefix("brig-run-") && name.hasSuffix(".service"))
        #expect(Int(name.dropFirst("brig-run-".count).dropLast(".service".count)) != nil)
        #expect(Self.variable("Y", in: result.stdout) == "/run/brig/transient/" + name)
        #expect(Self.variable("D", in: result.stdout) == "/run/brig/transient")
    }

    @Test func badAssignmentIsNamedByItsPosition() throws {
        let result = try BrigBinary.run(["run", "--dry-run", "-p", "PrivateTmp=yes", "-p", "ProtectSystem=sideways", "--", "/bin/true"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "brig run: -p:2:1: error: ProtectSystem=sideways: 'sideways' is not one of no, yes, full, strict\n")
    }

    /// An assignment splits at its first "=", whatever the text around it.
    @Test func assignmentsSplitAtTheFirstEqualsSign() throws {
        let plan = try BrigBinary.run(["run", "--dry-run", "-p", "Environment=GREETING=grüß", "--", "/bin/true"])
        #expect(plan.status == 0)
        #expect(Self.variable("GREETING", in: plan.stdout) == "grüß")
        let unknown = try BrigBinary.run(["run", "--dry-run", "-p", "Ä=yes", "--", "/bin/true"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "brig run: -p:1:1: error: unknown directive Ä= in [Service]\n")
        for bad in ["ProtectSystem", "=yes"] {
            let result = try BrigBinary.run(["run", "--dry-run", "-p", bad, "--", "/bin/true"])
            #expect(result.status == 2)
            #expect(result.stderr == "brig run: -p \(bad): expected Directive=value\n")
        }
    }

    @Test func assignmentsFollowTheUnitsOwnLines() throws {
        let scratch = TemporaryDirectory(prefix: "brig-cli")
        let unit = scratch.write("foo.service", "[Service]\nExecStart=/bin/true\n")
        let plan = try BrigBinary.run(["run", "--dry-run", "--unit", unit, "-p", "Environment=N=%n Y=%y", "--", "/bin/true"])
        #expect(plan.status == 0)
        #expect(Self.variable("N", in: plan.stdout) == "foo.service")
        #expect(Self.variable("Y", in: plan.stdout) == unit)
        let bad = try BrigBinary.run(["run", "--dry-run", "--unit", unit, "-p", "PrivateTmp=yes", "-p", "ProtectSytem=strict", "--", "/bin/true"])
        #expect(bad.status == 2)
        #expect(bad.stderr == "brig run: -p:2:1: error: unknown directive ProtectSytem= in [Service]; did you mean ProtectSystem=?\n")
    }

    /// --rules reads the unit as a later release does: the modes that release added to a boolean
    /// run as that release runs them (NextJailDifferentialTests compares each; a mode brig did not
    /// build would be refused by name rather than run as plain "yes"), and 252 knows none of them.
    @Test func newerModesAreAppliedOrRefusedUnderTheirRules() throws {
        let applied = try BrigBinary.run(["run", "--rules", "262", "-p", "PrivateTmp=disconnected", "-p", "ProtectHostname=private",
                                          "--", "/bin/sh", "-c", "hostname brig-mode && hostname && grep -c ' /tmp ' /proc/self/mountinfo"])
        #expect(applied.status == 0 && applied.stdout == "brig-mode\n1\n", "\(applied.stderr)")
        let managed = try BrigBinary.run(["run", "--rules", "262", "-p", "PrivateUsers=managed", "--", "/bin/true"])
        #expect(managed.status == 0, "PrivateUsers=managed is applied (RunManagedUsersTests): \(managed.stderr)")
        #expect(try BrigBinary.run(["run", "--rules", "262", "-p", "PrivateTmp=connected", "--", "/bin/true"]).status == 0)
        let old = try BrigBinary.run(["run", "-p", "PrivateTmp=disconnected", "--", "/bin/true"])
        #expect(old.status == 2 && old.stderr.contains("'disconnected' is not a boolean"), "\(old.stderr)")
        let unknown = try BrigBinary.run(["run", "--rules", "300", "--", "/bin/true"])
        #expect(unknown.status == 64 && unknown.stderr.contains("--rules takes 252, 253"), "\(unknown.stderr)")
    }
}

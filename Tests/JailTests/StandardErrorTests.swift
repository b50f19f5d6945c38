import Foundation
import Testing

/// Where the command's stderr goes: StandardError= unset or inherit follows
/// StandardOutput= (systemd.exec(5)); where that is brig's own stdout, stderr
/// is brig's own stderr, as under `systemd-run --pipe`.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct StandardErrorTests {
    static let both = ["/bin/sh", "-c", "echo err >&2; echo out"]

    @Test(arguments: [[], ["StandardError=inherit"], ["StandardOutput=journal"]])
    func staysBrigsOwnStderr(_ properties: [String]) throws {
        let out = try Brig.run(properties: properties, Self.both)
        #expect(out.stdout == "out\n")
        #expect(out.stderr == "err\n")
    }

    @Test(arguments: [[], ["StandardError=inherit"]])
    func followsStandardOutputIntoAFile(_ extra: [String]) throws {
        let path = "/run/brig-stderr-\(UUID().uuidString)"
        defer { unlink(path) }
        let out = try Brig.run(properties: ["StandardOutput=file:\(path)"] + extra, Self.both)
        #expect(out.stdout.isEmpty && out.stderr.isEmpty)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "err\nout\n")
    }

    @Test func aTargetOfItsOwn() throws {
        let out = try Brig.run(properties: ["StandardError=null"], Self.both)
        #expect(out.stdout == "out\n")
        #expect(out.stderr.isEmpty)
    }

    @Test(.enabled(if: Oracle.isAvailable, "needs systemd for systemd-oracle"))
    func systemdAgrees() throws {
        let ours = try Brig.run(properties: [], Self.both)
        let theirs = try Oracle.run(properties: [], Self.both)
        #expect(ours.stdout == theirs.stdout)
        #expect(ours.stderr == theirs.stderr)
    }
}

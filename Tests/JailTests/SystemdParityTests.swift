import Foundation
import Testing

/// Behaviour of systemd 252 that brig run reproduces although no directive
/// asks for it: the exec'd process's own pid in its environment, no mount
/// namespace for directives that need none, /run left writable where the API
/// file systems are mounted over ProtectSystem=strict.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct SystemdParityTests {
    /// "$$$$" reaches the shell as "$$" (systemd's command line expands "$$" to "$").
    static let pids = ["/bin/sh", "-c", "echo \"$SYSTEMD_EXEC_PID $$$$\""]

    @Test(arguments: [[], ["User=nobody", "PrivateTmp=yes", "ProtectSystem=strict"]])
    func execPIDIsTheCommandsOwnPid(_ properties: [String]) throws {
        let out = try Brig.run(properties: properties, Self.pids)
        let words = out.stdout.split(whereSeparator: \.isWhitespace)
        #expect(out.status == 0)
        #expect(words.count == 2 && words[0] == words[1] && Int(words[0]) ?? 0 > 1, "\(out.stdout)")
    }

    static func hostMountNamespace() throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt")
    }

    /// RuntimeDirectory=/StateDirectory= are made by the parent: the command
    /// runs in the host's mount namespace, as under systemd.
    @Test func execDirectoriesNeedNoMountNamespace() throws {
        let name = "brig-parity-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: "/var/lib/\(name)") }
        let out = try Brig.run(properties: ["RuntimeDirectory=\(name)", "StateDirectory=\(name)", "User=nobody"],
                               ["/bin/sh", "-c", "readlink /proc/self/ns/mnt; stat -c %U /run/\(name) /var/lib/\(name)"])
        #expect(out.status == 0)
        #expect(out.stdout == "\(try Self.hostMountNamespace())\nnobody\nnobody\n")
        #expect(!FileManager.default.fileExists(atPath: "/run/\(name)"))
    }

    @Test func aMountDirectiveStillGetsItsOwnNamespace() throws {
        let out = try Brig.run(properties: ["PrivateTmp=yes"], ["/bin/readlink", "/proc/self/ns/mnt"])
        #expect(out.status == 0)
        #expect(out.stdout != "\(try Self.hostMountNamespace())\n")
    }

    static let runWritable = ["/bin/sh", "-c", "if f=$(mktemp -p /run 2>/dev/null); then rm -f \"$f\"; echo rw; else echo ro; fi"]

    /// systemd 252 adds its API file systems (/run among them) when ProtectProc=,
    /// ProcSubset=, ProtectKernelTunables=, ProtectControlGroups= or MountAPIVFS=
    /// ask for them; /run is then its own entry, left out of the read-only /.
    @Test(arguments: [
        (["ProtectSystem=strict"], "ro\n"),
        (["ProtectSystem=strict", "ProtectProc=invisible"], "rw\n"),
        (["ProtectSystem=strict", "ProcSubset=pid"], "rw\n"),
        (["ProtectSystem=strict", "ProtectKernelTunables=yes"], "rw\n"),
        (["ProtectSystem=strict", "MountAPIVFS=yes"], "rw\n"),
    ])
    func runUnderProtectSystemStrict(_ properties: [String], _ expected: String) throws {
        #expect(try Brig.run(properties: properties, Self.runWritable).stdout == expected)
    }
}

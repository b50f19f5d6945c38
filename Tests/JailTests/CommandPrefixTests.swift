import Foundation
import TestSupport
import Testing

/// ExecStart= prefixes: "+" lifts only the sandbox, "!" only the change of user, and "!!" is no
/// prefix on a kernel with ambient capabilities. Observed by a probe run as ExecStartPre= under
/// brig and under systemd 252.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct CommandPrefixTests {
    static let probe = """
        echo nice=$(cut -d' ' -f19 /proc/self/stat) oom=$(cat /proc/self/oom_score_adj) nofile=$(ulimit -n) uid=$(id -u) umask=$(umask) x=$X
        [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net)" ] && echo net=host || echo net=private
        touch /usr/brig-prefix-probe 2>/dev/null && { echo usr=rw; rm /usr/brig-prefix-probe; } || echo usr=ro
        [ -e "$BOUND/marker" ] && echo bind=yes || echo bind=no
        grep -E "^(CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status | tr '\\t' ' '
        """

    /// Runs the probe as `ExecStartPre=PREFIX...` of a unit with a strict jail; what it printed.
    func observe(prefix: String, runner: ([String], [String]) throws -> Subprocess.Output) throws -> String {
        let dir = "/var/lib/brig-prefix-\(UUID().uuidString.prefix(6))"   // outside the oracle's private /run and /tmp
        let fm = FileManager.default
        try fm.createDirectory(atPath: "\(dir)/out", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: "\(dir)/source", withIntermediateDirectories: true)
        chmod("\(dir)/out", 0o777)
        #expect(fm.createFile(atPath: "\(dir)/source/marker", contents: Data()))
        try Self.probe.write(toFile: "\(dir)/probe", atomically: true, encoding: .utf8)
        defer { try? fm.removeItem(atPath: dir) }
        let properties = ["Nice=7", "OOMScoreAdjust=100", "LimitNOFILE=1234", "User=nobody", "UMask=0077",
                          "Environment=X=1 BOUND=\(dir)/bound", "PrivateNetwork=yes", "ProtectSystem=strict",
                          "BindReadOnlyPaths=\(dir)/source:\(dir)/bound", "CapabilityBoundingSet=CAP_CHOWN",
                          "AmbientCapabilities=CAP_CHOWN", "NoNewPrivileges=yes", "SystemCallFilter=@system-service",
                          "ReadWritePaths=\(dir)/out",
                          "ExecStartPre=\(prefix)/bin/sh -c '/bin/sh \(dir)/probe > \(dir)/out/seen'"]
        let out = try runner(properties, ["/bin/true"])
        #expect(out.status == 0, "\(prefix): \(out.stderr)")
        return (try? String(contentsOfFile: "\(dir)/out/seen", encoding: .utf8)) ?? "nothing"
    }

    func brig(_ properties: [String], _ command: [String]) throws -> Subprocess.Output {
        try Brig.run(properties: properties, command)
    }

    @Test func plusLiftsTheSandboxOnly() throws {
        let seen = try observe(prefix: "+", runner: brig)
        #expect(seen.hasPrefix("nice=7 oom=100 nofile=") && seen.contains(" uid=0 umask=0077 x=1\nnet=private\nusr=rw\nbind=yes\n"), "\(seen)")
        #expect(seen.contains("NoNewPrivs: 0\nSeccomp: 0\n"), "\(seen)")
    }

    @Test func doubleBangIsNoPrefixWithAmbientCapabilities() throws {
        #expect(try observe(prefix: "!!", runner: brig) == observe(prefix: "", runner: brig))
    }

    @Test(.enabled(if: Oracle.isAvailable, "needs systemd for systemd-oracle"), arguments: ["+", "!", "!!", ""])
    func systemdAgrees(_ prefix: String) throws {
        let systemd = try observe(prefix: prefix) { try Oracle.run(properties: $0, $1) }
        #expect(try observe(prefix: prefix, runner: brig) == systemd)
    }
}

import Foundation
import Testing

/// The same probe under systemd (systemd-oracle run -p ...) and under
/// `brig run -p ...`: every observation must match. Lines that already differ
/// with no directives at all (the oracle's machine is not quite the host: its
/// own /run, /tmp, /proc mounts, pid namespace) cannot be compared and are
/// left out, by key.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt && Oracle.isAvailable,
                "needs root, a built brig and systemd for systemd-oracle"),
       .serialized)
struct DifferentialTests {
    static let resolvedLike = [
        "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes",
        "ProtectKernelTunables=yes", "ProtectKernelModules=yes", "ProtectKernelLogs=yes",
        "ProtectControlGroups=yes", "ProtectClock=yes", "ProtectHostname=yes", "ProtectProc=invisible",
        "NoNewPrivileges=yes", "CapabilityBoundingSet=",
    ]

    static let cases: [[String]] = [
        ["ProtectSystem=yes"], ["ProtectSystem=full"], ["ProtectSystem=strict"],
        ["ProtectHome=yes"], ["ProtectHome=read-only"], ["ProtectHome=tmpfs"],
        ["PrivateTmp=yes"], ["PrivateDevices=yes"], ["ProtectKernelTunables=yes"],
        ["ProtectControlGroups=yes"], ["ProtectProc=invisible"], ["ProtectProc=invisible", "User=nobody"],
        ["ProtectProc=noaccess", "User=nobody"], ["ProcSubset=pid"], ["PrivateNetwork=yes"], ["PrivateIPC=yes"],
        ["NoNewPrivileges=yes"], ["CapabilityBoundingSet="],
        ["CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_CHOWN"], ["CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_DAC_OVERRIDE"],
        ["User=nobody"], ["User=nobody", "Group=nogroup"], ["User=nobody", "SupplementaryGroups=adm"],
        ["User=nobody", "AmbientCapabilities=CAP_NET_BIND_SERVICE"], ["AmbientCapabilities=CAP_NET_RAW"],
        ["DynamicUser=yes"], ["UMask=0077"], ["WorkingDirectory=/usr"], ["WorkingDirectory=-/nonexistent"],
        ["ReadOnlyPaths=/var"], ["InaccessiblePaths=/srv"], ["InaccessiblePaths=-/nonexistent"],
        ["ProtectSystem=strict", "ReadWritePaths=/var/lib"], ["TemporaryFileSystem=/opt"],
        ["TemporaryFileSystem=/srv:ro"], ["BindReadOnlyPaths=/usr/share:/srv"], ["BindPaths=/usr/share:/opt"],
        ["NoExecPaths=/usr/local"], ["NoExecPaths=/opt"], ["ExecPaths=/usr/local/libexec", "NoExecPaths=/usr"], ["PrivateUsers=yes"],
        ["PrivateMounts=yes"], ["LimitNOFILE=1000:2000"], ["Nice=5"], ["OOMScoreAdjust=300"],
        ["User=nobody", "ProtectSystem=strict", "ProtectHome=read-only", "PrivateTmp=yes", "NoNewPrivileges=yes"],
        resolvedLike + ["User=nobody"],
        resolvedLike + ["DynamicUser=yes"],
        resolvedLike + ["PrivateNetwork=yes", "PrivateIPC=yes", "User=nobody"],
    ]

    static func observe(_ output: String) -> [String: String] {
        var facts: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ", maxSplits: 2)
            let key = words.first == "path" && words.count > 1 ? "path \(words[1])" : String(words.first ?? "")
            facts[key] = String(line)
        }
        return facts
    }

    static let incomparable: Set<String> = {
        guard let probe = try? Probe.install(),
              let brig = try? Brig.run(properties: [], [probe]),
              let systemd = try? Oracle.run(properties: [], [probe]) else { return [] }
        let a = observe(brig.stdout), b = observe(systemd.stdout)
        return Set(a.keys.filter { a[$0] != b[$0] })
    }()

    @Test(arguments: cases)
    func probeSeesWhatSystemdShows(_ properties: [String]) throws {
        let probe = try Probe.install()
        let systemd = try Oracle.run(properties: properties, [probe])
        let brig = try Brig.run(properties: properties, [probe])
        #expect(brig.status == systemd.status, "\(properties): brig exited \(brig.status): \(brig.stderr)")
        let a = Self.observe(brig.stdout), b = Self.observe(systemd.stdout)
        for key in Set(a.keys).union(b.keys).sorted() where !Self.incomparable.contains(key) {
            #expect(a[key] == b[key], "\(properties) \(key)")
        }
        if systemd.status == 0 { #expect(!a.isEmpty) }
    }
}

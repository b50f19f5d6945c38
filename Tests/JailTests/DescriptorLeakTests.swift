import Foundation
import Testing
import TestSupport

/// What `brig run` holds while it builds and supervises a jail (its lock on /run/brig/runs, the
/// keeper's pidfd, namespace and cgroup descriptors, BPF programs and maps, the seccomp export,
/// credential stores, the notify socket, files it opened for a stream) never reaches the program:
/// under every configuration the program sees its three streams and nothing else.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct DescriptorLeakTests {
    /// `ls -l /proc/self/fd`, without the line for ls's own handle on that directory, as
    /// "fd -> target" lines, so that a failure says what leaked.
    static let probe = ["/bin/sh", "-c", "ls -l /proc/self/fd | sed -n 's|.* \\([0-9]*\\) -> \\(.*\\)$|\\1 -> \\2|p' | grep -v ' -> /proc/[0-9]*/fd$'"]

    static func descriptors(_ listing: String) -> [Int] {
        listing.split(separator: "\n").compactMap { Int($0.prefix { $0 != " " }) }
    }

    /// Each configuration makes brig open something of its own before the fork.
    static let configurations: [[String]] = [
        ["IPAddressDeny=any", "IPAddressAllow=localhost", "IPAccounting=yes"],
        ["DevicePolicy=strict", "DeviceAllow=/dev/null rw"],
        ["SocketBindDeny=any", "RestrictNetworkInterfaces=lo", "RestrictAddressFamilies=AF_UNIX AF_INET"],
        ["SetCredential=token:secret", "LoadCredential=host:/etc/hostname"],
        ["PrivateUsers=yes", "PrivateMounts=yes", "ProtectProc=invisible", "TemporaryFileSystem=/mnt",
         "BindReadOnlyPaths=/etc/hostname:/mnt/h"],
        ["MemoryMax=200M", "TasksMax=64", "CPUQuota=50%", "IOAccounting=yes"],
        ["Type=notify", "NotifyAccess=all"],
        ["StandardError=file:/run/brig-fd-probe.err", "StandardInput=null"],
        ["DynamicUser=yes", "StateDirectory=brig-fd-probe", "LogsDirectory=brig-fd-probe", "RuntimeDirectory=brig-fd-probe",
         "SystemCallFilter=@system-service", "SystemCallArchitectures=native", "NoNewPrivileges=yes"],
    ]

    @Test(arguments: configurations)
    func theProgramSeesOnlyItsStreams(_ properties: [String]) throws {
        // Type=notify waits for READY=1: the probe sends it after listing. Whether it counts
        // depends on systemd-notify outliving the read of its credentials (as under systemd),
        // so only the listing is judged there.
        let notify = properties.contains("Type=notify")
        let command = notify ? ["/bin/sh", "-c", Self.probe[2] + "; systemd-notify --ready"] : Self.probe
        let out = try Brig.run(properties: properties + (notify ? ["TimeoutStartSec=10"] : []), command, timeout: 60)
        #expect(out.status == 0 || notify, "\(out.status): \(out.stdout) \(out.stderr)")
        #expect(Self.descriptors(out.stdout) == [0, 1, 2], "\(out.stdout)")
        unlink("/run/brig-fd-probe.err")
    }

    /// A service's every command (ExecStartPre=, ExecStart=, ExecStartPost=, ExecStop=,
    /// ExecStopPost=) sees its streams only, while brig holds the first commands' pidfds.
    @Test func everyCommandOfAServiceSeesOnlyItsStreams() throws {
        let directory = "/run/brig-fd-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let list = Self.probe[2].replacingOccurrences(of: "\\", with: "\\\\")
        let unit = ["ExecStartPre", "ExecStart", "ExecStartPost", "ExecStop", "ExecStopPost"].map { key in
            "\(key)=/bin/sh -c \"echo \(key):; \(list.replacingOccurrences(of: "\"", with: "\\\""))\""
        }
        try (["[Service]", "Type=oneshot", "RemainAfterExit=no"] + unit).joined(separator: "\n")
            .write(toFile: directory + "/fdprobe.service", atomically: true, encoding: .utf8)
        let out = try Brig.run(["run", directory + "/fdprobe.service"], timeout: 60)
        #expect(out.status == 0, "\(out.stderr)")
        let sections = out.stdout.components(separatedBy: "Exec").dropFirst()
        #expect(sections.count >= 3, "\(out.stdout)")
        for section in sections {
            #expect(Self.descriptors(String(section.drop { $0 != "\n" })) == [0, 1, 2], "Exec\(section)")
        }
    }
}

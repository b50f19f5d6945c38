import Foundation

/// Units made of the lines whose meaning changed between systemd releases (newer modes, the
/// PrivateMounts= tri-state, `~` capability lists, unknown address families, newer syscall
/// groups), every ordered pair of them: each release's analyzer must score them as brig does
/// under that release's rules.
enum ReleaseCorpus {
    static let lines = [
        "PrivateTmp=disconnected", "PrivateTmp=connected", "PrivateTmp=yes", "PrivateTmp=no",
        "PrivateUsers=self", "PrivateUsers=identity", "PrivateUsers=full", "PrivateUsers=managed", "PrivateUsers=yes",
        "ProtectHostname=private", "ProtectHostname=yes",
        "ProtectControlGroups=private", "ProtectControlGroups=strict", "ProtectControlGroups=yes",
        "PrivateMounts=no", "PrivateMounts=", "PrivateMounts=yes",
        "CapabilityBoundingSet=~", "CapabilityBoundingSet=CAP_KILL", "CapabilityBoundingSet=~CAP_BOGUS",
        "CapabilityBoundingSet=", "CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_BPF",
        "AmbientCapabilities=~", "AmbientCapabilities=CAP_KILL",
        "RestrictAddressFamilies=AF_UNIX AF_BOGUS AF_INET", "RestrictAddressFamilies=~AF_BOGUS AF_PACKET",
        "RestrictAddressFamilies=AF_NETLINK", "RestrictAddressFamilies=none",
        "SystemCallFilter=@sandbox", "SystemCallFilter=~@mount", "SystemCallFilter=open_tree",
        "SystemCallFilter=@known", "SystemCallFilter=~@privileged",
        "DynamicUser=yes", "User=foo", "ProtectSystem=strict",
    ]

    /// Writes the units into a new directory; returns it and the units' paths.
    static func write() throws -> ParityTests.Written {
        let root = NSTemporaryDirectory() + "brig-release-corpus-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var paths: [String] = []
        for (i, a) in lines.enumerated() {
            for (j, b) in lines.enumerated() {
                let path = "\(root)/rel-\(i)-\(j).service"
                try "[Service]\nExecStart=/bin/true\n\(a)\n\(b)\n".write(toFile: path, atomically: false, encoding: .utf8)
                paths.append(path)
            }
        }
        return ParityTests.Written(root: root, paths: paths)
    }
}

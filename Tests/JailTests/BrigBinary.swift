import Foundation

/// The `brig` executable built next to the tests, and a way to run it.
enum Brig {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static var path: String? {
        for config in ["debug", "release"] {
            let candidate = "\(packageRoot)/.build/\(config)/brig"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static var isBuilt: Bool { path != nil }

    static func run(_ arguments: [String]) throws -> Shell.Output {
        try Shell.run(path!, arguments)
    }

    /// `brig run -p K=V ... -- command`
    static func run(properties: [String], _ command: [String]) throws -> Shell.Output {
        try run(["run"] + properties.flatMap { ["-p", $0] } + ["--"] + command)
    }
}

enum Oracle {
    /// ../shared/tools/systemd-oracle beside the repository (as CI lays it out), or $SYSTEMD_ORACLE.
    static let path = ProcessInfo.processInfo.environment["SYSTEMD_ORACLE"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/tools/systemd-oracle").path

    /// systemd is installed and the oracle can start it here.
    static let isAvailable: Bool = {
        guard FileManager.default.isExecutableFile(atPath: path),
              FileManager.default.isExecutableFile(atPath: "/lib/systemd/systemd") else { return false }
        return (try? Shell.run(path, ["run", "--", "/bin/true"]).status) == 0
    }()

    static func run(properties: [String], _ command: [String]) throws -> Shell.Output {
        try Shell.run(path, ["run"] + properties.flatMap { ["-p", $0] } + ["--"] + command)
    }
}

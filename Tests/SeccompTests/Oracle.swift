import Foundation
@testable import Seccomp

/// The real systemd, booted in private namespaces by ../shared/tools/systemd-oracle.
enum Oracle {
    /// ../shared/tools/systemd-oracle beside the repository (as CI lays it out), or $SYSTEMD_ORACLE.
    static let path = ProcessInfo.processInfo.environment["SYSTEMD_ORACLE"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/tools/systemd-oracle").path

    static var isAvailable: Bool {
        ProbeRunner.canBuild && FileManager.default.isExecutableFile(atPath: path)
            && FileManager.default.isExecutableFile(atPath: "/lib/systemd/systemd")
    }

    /// Runs syscall-probe as a transient service with `properties` (Key=Value each).
    static func probe(_ operations: [String], properties: [String]) throws -> ProbeRunner.Output {
        try probeCommand([try ProbeRunner.path(of: "syscall-probe")] + operations, properties: properties)
    }

    /// Runs any command line as a transient service with `properties`.
    static func probeCommand(_ command: [String], properties: [String]) throws -> ProbeRunner.Output {
        try ProbeRunner.run(path, ["run"] + properties.flatMap { ["-p", $0] } + ["--"] + command)
    }
}

import Foundation
@testable import Seccomp

/// The real systemd, booted in private namespaces by ../shared/tools/systemd-oracle.
enum Oracle {
    static let path = ProcessInfo.processInfo.environment["SYSTEMD_ORACLE"] ?? "/work/shared/tools/systemd-oracle"

    static var isAvailable: Bool {
        ProbeRunner.canBuild && FileManager.default.isExecutableFile(atPath: path)
            && FileManager.default.isExecutableFile(atPath: "/lib/systemd/systemd")
    }

    /// Runs syscall-probe as a transient service with `properties` (Key=Value each).
    static func probe(_ operations: [String], properties: [String]) throws -> ProbeRunner.Output {
        let arguments = ["run"] + properties.flatMap { ["-p", $0] } + ["--", try ProbeRunner.path(of: "syscall-probe")] + operations
        return try ProbeRunner.run(path, arguments)
    }
}

import Foundation
import TestSupport
@testable import Seccomp

/// The real systemd (TestSupport.SystemdOracle) running the probes.
enum Oracle {
    static var isAvailable: Bool { ProbeRunner.canBuild && SystemdOracle.isAvailable }

    /// Runs syscall-probe as a transient service with `properties` (Key=Value each).
    static func probe(_ operations: [String], properties: [String]) throws -> ProbeRunner.Output {
        try probeCommand([try ProbeRunner.path(of: "syscall-probe")] + operations, properties: properties)
    }

    /// Runs any command line as a transient service with `properties`.
    static func probeCommand(_ command: [String], properties: [String]) throws -> ProbeRunner.Output {
        try SystemdOracle.run(properties: properties, command)
    }
}

import Foundation
import TestSupport

/// Runs the `brig` executable that `swift build` put beside the test bundle, as a user would.
enum BrigBinary {
    typealias Result = Subprocess.Output

    /// Runs `brig ARGS...`, optionally prefixed by a wrapper such as `setpriv ...`.
    static func run(_ arguments: [String], wrapper: [String] = [], timeout: Double = 300) throws -> Result {
        let command = wrapper + [BuiltBrig.path] + arguments
        return try Subprocess.run(command[0].hasPrefix("/") ? command : ["/usr/bin/env"] + command, timeout: timeout)
    }
}

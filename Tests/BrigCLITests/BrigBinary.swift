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

/// A throw-away directory for a test's unit files.
final class Scratch {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory.path + "/brig-cli-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ text: String, mode: Int = 0o644) -> String {
        let full = path + "/" + name
        try! FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: full, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
        return full
    }
}

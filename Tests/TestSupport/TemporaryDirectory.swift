import Foundation

/// A throw-away directory for a test's files (unit trees, scripts, reports); removed, with all it
/// holds, when the value goes away.
public final class TemporaryDirectory: Sendable {
    public let path: String

    /// `prefix` starts the directory's name, so that one left behind says which tests made it.
    public init(prefix: String) {
        path = FileManager.default.temporaryDirectory.path + "/\(prefix)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` at `name` (relative to the directory) with `mode`, making the directories on
    /// the way; returns the full path.
    @discardableResult
    public func write(_ name: String, _ text: String, mode: Int = 0o644) -> String {
        let full = directoryMade(for: name)
        precondition(FileManager.default.createFile(atPath: full, contents: Data(text.utf8), attributes: [.posixPermissions: mode]))
        return full
    }

    /// A symbolic link at `name` (relative to the directory) to `target`.
    public func link(_ name: String, to target: String) {
        try! FileManager.default.createSymbolicLink(atPath: directoryMade(for: name), withDestinationPath: target)
    }

    /// The full path of `name`, once the directory it goes in exists.
    private func directoryMade(for name: String) -> String {
        let full = path + "/" + name
        try! FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        return full
    }
}

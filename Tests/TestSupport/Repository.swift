import Foundation

/// The checkout the tests were built from, found from this file's own path.
public enum Repository {
    /// The repository's top directory (the one holding Package.swift).
    public static let root: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // Tests/TestSupport
        .deletingLastPathComponent()   // Tests
        .deletingLastPathComponent().path

    /// `relative` under the repository's top directory.
    public static func path(_ relative: String) -> String { root + "/" + relative }

    /// Those of `tools` that no directory of $PATH holds as an executable.
    public static func missing(_ tools: [String]) -> [String] {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return tools.filter { tool in
            !directories.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
        }
    }
}

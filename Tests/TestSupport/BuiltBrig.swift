import Foundation

/// The `brig` executable that `swift build` put beside the test bundle, run as a user runs it.
public enum BuiltBrig {
    public static var path: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("brig").path
    }

    public static var isBuilt: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// `brig ARGS...`, to its end.
    public static func run(_ arguments: [String], environment: [String: String]? = nil,
                           timeout: Double = 120) throws -> Subprocess.Output {
        try Subprocess.run([path] + arguments, environment: environment, timeout: timeout)
    }

    /// `brig run -p K=V ... -- command`, to its end.
    public static func run(properties: [String], _ command: [String], timeout: Double = 120) throws -> Subprocess.Output {
        try run(["run"] + properties.flatMap { ["-p", $0] } + ["--"] + command, timeout: timeout)
    }
}

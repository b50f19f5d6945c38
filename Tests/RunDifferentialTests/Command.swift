import Foundation

/// A child process whose output goes to files, so that several can run at once
/// without a reader per pipe, and which is killed if it outlives its deadline.
final class Command: @unchecked Sendable {
    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    private let process = Process()
    private let stdoutPath: String, stderrPath: String
    private let deadline: DispatchTime
    private var timedOut = false
    private let lock = NSLock()

    /// Starts argv[0] (an absolute path) with the rest as its arguments.
    init(_ argv: [String], timeout: Double = 120) throws {
        let base = NSTemporaryDirectory() + "brig-differential-\(UUID().uuidString)"
        stdoutPath = base + ".out"
        stderrPath = base + ".err"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        deadline = .now() + timeout
        try process.run()
        let process = self.process
        DispatchQueue.global().asyncAfter(deadline: deadline) { [weak self] in
            guard let self, process.isRunning else { return }
            self.lock.withLock { self.timedOut = true }
            kill(process.processIdentifier, SIGKILL)
        }
    }

    /// Waits for the exit and collects what the process printed.
    func wait() -> Output {
        process.waitUntilExit()
        defer {
            unlink(stdoutPath)
            unlink(stderrPath)
        }
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus
                                                                    : process.terminationStatus
        return Output(status: status, stdout: read(stdoutPath), stderr: read(stderrPath),
                      timedOut: lock.withLock { timedOut })
    }

    static func run(_ argv: [String], timeout: Double = 120) throws -> Output {
        try Command(argv, timeout: timeout).wait()
    }
}

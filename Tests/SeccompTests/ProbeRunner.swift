import Foundation
import TestSupport
@testable import Seccomp

/// Builds the C probes of Tests/Probes into /usr/local/libexec/brig-tests/ (a place every
/// jail and the systemd oracle can read) and runs them under a compiled program.
enum ProbeRunner {
    static let directory = "/usr/local/libexec/brig-tests"
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Probes")

    static var canBuild: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/cc") && getuid() == 0
    }

    /// The path of a built probe; rebuilt when its source is newer. Built under a temporary
    /// name and renamed, so parallel tests never run a half-written binary.
    static func path(of name: String, source: URL? = nil) throws -> String {
        let binary = "\(directory)/\(name)"
        let source = (source ?? sources.appendingPathComponent("\(name).c")).path
        let fm = FileManager.default
        if let built = try? fm.attributesOfItem(atPath: binary)[.modificationDate] as? Date,
           let written = try fm.attributesOfItem(atPath: source)[.modificationDate] as? Date, built >= written {
            return binary
        }
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = "\(binary).\(UUID().uuidString).tmp"
        let result = try run("/usr/bin/cc", ["-O2", "-Wall", "-o", temporary, source])
        guard result.status == 0 else { throw ProbeError(message: "cc \(source): \(result.stderr)") }
        guard rename(temporary, binary) == 0 else { throw ProbeError(message: "rename to \(binary) failed") }
        return binary
    }

    typealias Output = Subprocess.Output

    struct ProbeError: Error, CustomStringConvertible { var message: String; var description: String { message } }

    static func run(_ executable: String, _ arguments: [String]) throws -> Output {
        try Subprocess.run([executable] + arguments)
    }

    /// Runs syscall-probe with `operations` under `program`, installed the way the jail will.
    static func probe(_ operations: [String], under program: SeccompProgram) throws -> Output {
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("brig-seccomp-\(getpid())-\(UUID().uuidString).bpf")
        try Data(program.bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try run(path(of: "seccomp-install"), [file.path, path(of: "syscall-probe")] + operations)
    }

    /// Runs syscall-probe with no filter at all.
    static func probeUnfiltered(_ operations: [String]) throws -> Output {
        try run(path(of: "syscall-probe"), operations)
    }
}

extension Subprocess.Output {
    /// The "OP RESULT" lines a probe printed, as a dictionary.
    var results: [String: String] {
        var map: [String: String] = [:]
        for line in stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { map[String(parts[0])] = String(parts[1]) }
        }
        return map
    }
}

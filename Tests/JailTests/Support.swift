import Foundation
import TestSupport
import Testing
@testable import Jail

enum Privileges {
    /// Root with working user and mount namespaces (tested in a forked child).
    static let canCreateNamespaces: Bool = {
        guard getuid() == 0 else { return false }
        let out = try? Shell.run("/usr/bin/unshare", ["--user", "--mount", "--net", "true"])
        return out?.status == 0
    }()
}

/// The brig executable beside the test bundle, and the real systemd to compare it with.
typealias Brig = BuiltBrig
typealias Oracle = SystemdOracle

enum Shell {
    typealias Output = Subprocess.Output

    static func run(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Output {
        try Subprocess.run([path] + arguments, environment: environment)
    }
}

/// Runs a hand-built plan whose last step executes `/bin/sh -c script`, with
/// the child's stdout captured in a file.
func runPlan(_ steps: [JailStep], script: String, usesPrivateTmp: Bool = false,
             site: RunSite = RunSite()) throws -> (status: Int32, output: String) {
    let path = "/run/brig-test-\(UUID().uuidString)"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    defer { close(fd); unlink(path) }
    var plan = JailPlan(steps: [
        JailStep(.resetSignals, for: "(brig)", failing: .signalMask),
        JailStep(.joinCgroup(procsFile: site.cgroupProcs), for: "(brig)", failing: .cgroup),
        JailStep(.duplicate(fd, to: 1), for: "StandardOutput=", failing: .stdout),
        JailStep(.closeInheritedFileDescriptors(from: 3), for: "(brig)", failing: .fds),
    ] + steps, arguments: ["/bin/sh", "-c", script], environment: ["PATH=/usr/bin:/bin"])
    plan.add(.exec(path: "/bin/sh"), for: "ExecStart=", failing: .exec)
    try site.prepare(privateTmp: usesPrivateTmp)
    defer { site.remove() }
    let status = try JailRunner.run(plan, site: site)
    return (status, String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self))
}

/// Plans `spec` with `/bin/sh -c script` as the command and stdout captured.
func runSpec(_ spec: JailSpec, script: String) throws -> (status: Int32, output: String) {
    let path = "/run/brig-test-\(UUID().uuidString)"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    defer { close(fd); unlink(path) }
    var spec = spec
    spec.command = ["/bin/sh", "-c", script]
    spec.executable = "/bin/sh"
    if spec.environment.isEmpty { spec.environment = ["PATH=/usr/bin:/bin"] }
    spec.stdout = .descriptor(fd)
    let site = RunSite()
    try site.prepare(privateTmp: spec.mounts.privateTmp)
    defer { site.remove() }
    let status = try JailRunner.run(JailPlanner.plan(spec, site: site), site: site)
    return (status, String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self))
}

/// A field of /proc/self/status as the probe prints it: "CapBnd:\t..." -> value.
func statusField(_ output: String, _ name: String) -> String? {
    output.split(separator: "\n").first { $0.hasPrefix(name + ":") }
        .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
}

/// A directory of unit files for one test, under /run (where every jail and the oracle's
/// systemd can read them), removed with the value.
final class UnitDirectory {
    let path = "/run/brig-units-\(UUID().uuidString.prefix(8))"

    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }

    /// Writes `name` with `text`; its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: "\(path)/\(name)", atomically: true, encoding: .utf8)
        return "\(path)/\(name)"
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

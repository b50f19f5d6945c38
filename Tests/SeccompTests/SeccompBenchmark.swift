import Foundation
import Testing
@testable import Seccomp

/// bench/seccomp: the cost of an allowed system call with no filter, under brig's single
/// program for the resolved-like profile, and under systemd's filters for the same
/// directives. Runs only when BRIG_BENCH is set (bench/seccomp/run sets it): it takes a
/// minute and its numbers depend on the machine's load.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["BRIG_BENCH"] != nil && Oracle.isAvailable,
                "set BRIG_BENCH=1; needs root, cc and the systemd oracle"))
struct SeccompBenchmark {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let source = root.appendingPathComponent("bench/seccomp/seccomp-bench.c")
    /// The brig binary `swift build` made (BRIG overrides).
    static let brig = ProcessInfo.processInfo.environment["BRIG"] ?? root.appendingPathComponent(".build/debug/brig").path

    struct Sample { var getppid: Double; var read: Double; var mprotect: Double; var mount: String }

    static func parse(_ output: ProbeRunner.Output) throws -> Sample {
        let r = output.results
        guard let p = r["getppid"].flatMap(Double.init), let d = r["read"].flatMap(Double.init),
              let x = r["mprotect"].flatMap(Double.init), let m = r["mount"] else {
            throw ProbeRunner.ProbeError(message: "bench probe failed: \(output.stdout) \(output.stderr)")
        }
        return Sample(getppid: p, read: d, mprotect: x, mount: m)
    }

    @Test func allowedCallsCostUnderBrigAndSystemd() throws {
        let env = ProcessInfo.processInfo.environment
        let calls = env["BRIG_BENCH_CALLS"] ?? "10000000"
        let rounds = env["BRIG_BENCH_ROUNDS"] ?? "3"
        let bench = try ProbeRunner.path(of: "seccomp-bench", source: Self.source)
        let policy = try SystemdDifferentialTests.resolvedLikePolicy
        let program = try SeccompCompiler.compile(policy)
        // The floor: a one-instruction program that allows everything. Any filter at all
        // sends every call through the kernel's seccomp entry path; this measures that.
        let allowAll = SeccompProgram(policy: SeccompPolicy(),
                                      instructions: [SockFilter(code: 0x06, jt: 0, jf: 0, k: SeccompAction.allow.rawValue)])
        let install = try ProbeRunner.path(of: "seccomp-install")
        func underProgram(_ program: SeccompProgram) throws -> Sample {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("brig-bench-\(getpid()).bpf")
            try Data(program.bytes).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            return try Self.parse(ProbeRunner.run(install, [file.path, bench, calls, rounds]))
        }

        let none = try Self.parse(ProbeRunner.run(bench, [calls, rounds]))
        let floor = try underProgram(allowAll)
        let brig = try Self.parse(ProbeRunner.run(Self.brig, ["run"] + SystemdDifferentialTests.resolvedLike.flatMap { ["-p", $0] }
                                                  + ["--", bench, calls, rounds]))
        let systemd = try Self.parse(Oracle.probeCommand([bench, calls, rounds],
                                                         properties: SystemdDifferentialTests.resolvedLike))
        // The filters were really there: mount() is refused under both.
        #expect(none.mount != "EPERM")
        #expect(brig.mount == "EPERM")
        #expect(systemd.mount == "EPERM")

        func row(_ name: String, _ pick: (Sample) -> Double) -> String {
            let base = pick(none), f = pick(floor), b = pick(brig), s = pick(systemd)
            return String(format: "%-8@ %8.1f %8.1f %8.1f %8.1f   %9.3f %9.3f %12.3f %12.3f", name as NSString,
                          base, f, b, s, f / base, b / base, s / base, b / s)
        }
        print("""
            seccomp bench: \(calls) calls x \(rounds) rounds, median ns per call; brig: one program of \
            \(program.instructions.count) instructions, run by `brig run -p ...`; allow-all: a one-instruction filter
            call         none allow-all    brig  systemd  floor/none brig/none systemd/none brig/systemd
            \(row("getppid", \.getppid))
            \(row("read", \.read))
            \(row("mprotect", \.mprotect))
            """)
    }
}

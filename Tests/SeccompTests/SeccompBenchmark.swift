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

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    @Test func allowedCallsCostUnderBrigAndSystemd() throws {
        let env = ProcessInfo.processInfo.environment
        let calls = env["BRIG_BENCH_CALLS"] ?? "10000000"
        let rounds = Int(env["BRIG_BENCH_ROUNDS"] ?? "") ?? 5
        let bench = try ProbeRunner.path(of: "seccomp-bench", source: Self.source)
        let program = try SeccompCompiler.compile(try SystemdDifferentialTests.resolvedLikePolicy)
        // The floor: a one-instruction program that allows everything. Any filter at all
        // sends every call through the kernel's seccomp entry path; this measures that.
        let allowAll = SeccompProgram(policy: SeccompPolicy(),
                                      instructions: [SockFilter(code: 0x06, jt: 0, jf: 0, k: SeccompAction.allow.rawValue)])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("brig-bench-\(getpid()).bpf")
        try Data(allowAll.bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let probe = [bench, calls, "1"]
        let runs: [(name: String, run: () throws -> ProbeRunner.Output)] = [
            ("none", { try ProbeRunner.run(bench, [calls, "1"]) }),
            ("allow-all", { try ProbeRunner.run(try ProbeRunner.path(of: "seccomp-install"), [file.path] + probe) }),
            ("brig", { try ProbeRunner.run(Self.brig, ["run"] + SystemdDifferentialTests.resolvedLike.flatMap { ["-p", $0] }
                                                       + ["--"] + probe) }),
            ("systemd", { try Oracle.probeCommand(probe, properties: SystemdDifferentialTests.resolvedLike) }),
        ]
        // Rounds interleave the four set-ups, so a burst of load on this shared machine
        // hits them alike; the medians of the rounds are compared.
        var samples: [String: [Sample]] = [:]
        for _ in 0..<rounds {
            for (name, run) in runs { samples[name, default: []].append(try Self.parse(run())) }
        }
        // The filters were really there: mount() is refused under both.
        #expect(samples["none"]!.allSatisfy { $0.mount != "EPERM" })
        #expect(samples["brig"]!.allSatisfy { $0.mount == "EPERM" })
        #expect(samples["systemd"]!.allSatisfy { $0.mount == "EPERM" })

        func row(_ call: String, _ pick: (Sample) -> Double) -> String {
            let m = runs.map { Self.median(samples[$0.name]!.map(pick)) }
            let (none, floor, brig, systemd) = (m[0], m[1], m[2], m[3])
            return String(format: "%-8@ %8.1f %8.1f %8.1f %8.1f   %9.3f %9.3f %12.3f %12.3f", call as NSString,
                          none, floor, brig, systemd, floor / none, brig / none, systemd / none, brig / systemd)
        }
        print("""
            seccomp bench: \(calls) calls per run, median of \(rounds) interleaved rounds, ns per call; brig: one \
            program of \(program.instructions.count) instructions, run by `brig run -p ...`; allow-all: a one-instruction filter
            call         none allow-all    brig  systemd  floor/none brig/none systemd/none brig/systemd
            \(row("getppid", \.getppid))
            \(row("read", \.read))
            \(row("mprotect", \.mprotect))
            """)
    }
}

import Jail

/// `brig run --stats`: what `systemd-run --wait` prints when a service ends, in its words and
/// number formats (on standard error, as there), or one JSON object with `--stats-json`.
struct RunStatistics {
    /// brig's exit status: the command's own, 128+N for death by signal N, or systemd's code of a
    /// failed jail step (which systemd reports as an exit code too).
    var status: Int32
    var runtimeMicroseconds: UInt64
    var usage: RunUsage
    /// The jail could not be set up: the status is systemd's code for the step that failed.
    var failedStep: ExitStatus? = nil
    /// IPAccounting=: what the run's network programs counted.
    var traffic: IPAccounting.Traffic? = nil

    /// systemd's name for how the service ended.
    var result: String {
        if usage.oomKills > 0 { return "oom-kill" }
        if status == 0 { return "success" }
        return killed ? "signal" : "exit-code"
    }

    /// Whether the main process died by a signal (brig exits 128+N then).
    var killed: Bool { failedStep == nil && status > 128 }

    var text: String {
        var lines = ["Finished with result: \(result)"]
        if killed {
            lines.append("Main processes terminated with: code=killed/status=\(Self.signalName(status - 128))")
        } else {
            lines.append("Main processes terminated with: code=exited/status=\(status)\(failedStep.map { "/" + $0.name } ?? "")")
        }
        lines.append("Service runtime: \(Self.timespan(runtimeMicroseconds, accuracy: 1000))")
        if let cpu = usage.cpuNanoseconds {
            lines.append("CPU time consumed: \(Self.timespan((cpu + 999) / 1000, accuracy: 1000))")
        }
        if let peak = usage.memoryPeak { lines.append("Memory peak: \(Self.bytes(peak))") }
        if let peak = usage.tasksPeak { lines.append("Tasks peak: \(peak)") }
        if let traffic {
            lines.append("IP traffic received: \(Self.bytes(traffic.ingressBytes))")
            lines.append("IP traffic sent: \(Self.bytes(traffic.egressBytes))")
        }
        return lines.joined(separator: "\n")
    }

    var json: String {
        var fields = ["\"result\":\"\(result)\"",
                      killed ? "\"code\":\"killed\",\"signal\":\"\(Self.signalName(status - 128))\"" : "\"code\":\"exited\",\"status\":\(status)",
                      "\"runtime_usec\":\(runtimeMicroseconds)"]
        if let cpu = usage.cpuNanoseconds { fields.append("\"cpu_usage_nsec\":\(cpu)") }
        if let peak = usage.memoryPeak { fields.append("\"memory_peak_bytes\":\(peak)") }
        if let peak = usage.tasksPeak { fields.append("\"tasks_peak\":\(peak)") }
        fields.append("\"oom_kills\":\(usage.oomKills)")
        if let t = traffic {
            fields += ["\"ip_ingress_bytes\":\(t.ingressBytes)", "\"ip_ingress_packets\":\(t.ingressPackets)",
                       "\"ip_egress_bytes\":\(t.egressBytes)", "\"ip_egress_packets\":\(t.egressPackets)"]
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func signalName(_ n: Int32) -> String {
        let names = [1: "HUP", 2: "INT", 3: "QUIT", 4: "ILL", 5: "TRAP", 6: "ABRT", 7: "BUS", 8: "FPE", 9: "KILL", 10: "USR1",
                     11: "SEGV", 12: "USR2", 13: "PIPE", 14: "ALRM", 15: "TERM", 24: "XCPU", 25: "XFSZ", 31: "SYS"]
        return names[Int(n)] ?? "\(n)"
    }

    /// systemd's format_timespan(): units largest first, the last in dot notation below a minute.
    static func timespan(_ usec: UInt64, accuracy: UInt64) -> String {
        if usec == 0 { return "0" }
        let table: [(String, UInt64)] = [("y", 31_557_600_000_000), ("month", 2_629_800_000_000), ("w", 604_800_000_000),
                                         ("d", 86_400_000_000), ("h", 3_600_000_000), ("min", 60_000_000),
                                         ("s", 1_000_000), ("ms", 1000), ("us", 1)]
        var t = usec, parts: [String] = []
        for (suffix, unit) in table {
            if t == 0 || (t < accuracy && !parts.isEmpty) { break }
            if t < unit { continue }
            let whole = t / unit
            var rest = t % unit
            if t < 60_000_000 && rest > 0 {
                var digits = 0
                var c = unit
                while c > 1 { digits += 1; c /= 10 }
                c = accuracy
                while c > 1 { rest /= 10; digits -= 1; c /= 10 }
                if digits > 0 {
                    let fraction = String(rest)
                    parts.append("\(whole).\(String(repeating: "0", count: max(0, digits - fraction.count)))\(fraction)\(suffix)")
                    t = 0
                    continue
                }
            }
            parts.append("\(whole)\(suffix)")
            t %= unit
        }
        return parts.joined(separator: " ")
    }

    /// systemd's FORMAT_BYTES: binary units with one decimal, "B" below a kibibyte.
    static func bytes(_ n: UInt64) -> String {
        let units: [(String, UInt64)] = [("E", 1 << 60), ("P", 1 << 50), ("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)]
        for (i, (suffix, factor)) in units.enumerated() where n >= factor {
            let tenth = i != units.count - 1 ? (n / units[i + 1].1 * 10 / 1024) % 10 : (n * 10 / factor) % 10
            return "\(n / factor).\(tenth)\(suffix)"
        }
        return "\(n)B"
    }
}

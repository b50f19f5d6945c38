import Jail
import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// The last proof, under the real systemd when it is PID 1: a copy of the unit (with its own
/// drop-ins) under a temporary name in /run/systemd/system, the drop-in beside it, started; the
/// workload run against it; then stopped and removed again, whatever happened.
struct SystemdProof {
    /// What runs a command where that systemd is PID 1: nothing for this machine's own.
    var prefix: [String]
    var workload: String
    var timeout: Double
    var startWindow: Double

    /// The prefix for the systemd to prove under, nil when there is none: $BRIG_HARDEN_SYSTEMD
    /// (a command prefix, such as the tests' `scripts/systemd-oracle exec`; empty: none), else
    /// this machine's systemd when it is PID 1 (sd_booted(3): /run/systemd/system exists).
    static func available() -> [String]? {
        if let value = getenv("BRIG_HARDEN_SYSTEMD") {
            let words = String(cString: value).split(separator: " ").map(String.init)
            return words.isEmpty ? nil : words
        }
        return access("/run/systemd/system", F_OK) == 0 ? [] : nil
    }

    /// nil when the workload passed against the unit with `dropIn` under systemd, else what failed
    /// and what systemd said of the unit.
    func failure(of unit: LoadedUnit, with dropIn: String) throws(HardenError) -> String? {
        guard let fragment = unit.fragmentPath, let text = SystemFiles.read(fragment) else {
            return "\(unit.name.name) has no unit file to copy"
        }
        // The copy's name: %n, %N and %p in the unit expand to it.
        let name = "brig-harden-proof-\(getpid())-" + unit.name.name
        let directory = "/run/systemd/system"
        var script = "set -e; d=\(directory)/\(name).d; mkdir -p \"$d\"; printf '%s' \"$1\" > \(directory)/\(name); "
            + "printf '%s' \"$2\" > \"$d\"/\(DropInFile.name); "
        var files = [text, dropIn]
        for path in unit.dropInPaths {
            let base = String(path[path.index(after: path.lastIndex(of: "/")!)...])
            guard base != DropInFile.name, !base.contains("'"), let body = SystemFiles.read(path) else { continue }
            files.append(body)
            script += "printf '%s' \"${\(files.count)}\" > \"$d\"/'\(base)'; "
        }
        script += "systemctl daemon-reload; systemctl start \(name)"
        // The copy goes again whatever happened, even on a signal (which the cleanup outwaits).
        defer {
            _ = try? run(["/bin/sh", "-c", "systemctl stop \(name); rm -rf \(directory)/\(name) \(directory)/\(name).d; systemctl daemon-reload; systemctl reset-failed \(name) 2>/dev/null; true"],
                         outwaitingSignals: true)
        }
        let start = try run(["/bin/sh", "-c", script, "sh"] + files)
        var detail = start.status == 0 ? "" : "systemctl start \(name) failed: \(start.output)"
        if start.status == 0 {
            let window = Deadline(after: startWindow)
            while true {
                let attempt = try ChildProcess(["/bin/sh", "-c", workload])
                if !attempt.wait(until: Deadline(after: timeout)) {
                    attempt.stop(signal: SIGKILL)
                    if Interruption.requested { throw .interrupted(Interruption.signal) }
                    detail = "the workload ran longer than \(Int(timeout)) s"
                    break
                }
                if attempt.status == 0 { return nil }
                detail = "workload exit status \(attempt.status ?? -1)" + ServiceTrial.quoted(attempt.outputTail())
                if window.passed || Interruption.requested { break }
                usleep(200_000)
            }
        }
        if Interruption.requested { throw .interrupted(Interruption.signal) }
        let status = try run(["systemctl", "status", "--no-pager", "--lines", "6", name])
        return detail + ServiceTrial.quoted(status.output)
    }

    /// A command where that systemd is PID 1, to its end (at most a minute; a signal to brig
    /// harden ends the wait unless `outwaitingSignals`).
    private func run(_ argv: [String], outwaitingSignals: Bool = false) throws(HardenError) -> (status: Int32, output: String) {
        let child = try ChildProcess(prefix + argv)
        let deadline = Deadline(after: 60)
        while !child.poll() && !deadline.passed && (outwaitingSignals || !Interruption.requested) { usleep(5_000) }
        if !child.poll() { child.stop(signal: SIGKILL) }
        return (child.status ?? -1, child.outputTail(lines: 12))
    }
}

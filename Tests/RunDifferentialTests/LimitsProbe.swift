import Foundation

/// Probes for the resource-control tests, installed beside the others: `cgroup-values` prints the
/// value of each named file of the caller's own cgroups ("memory/memory.limit_in_bytes", the
/// controller first, "unified" for the v2 tree) and, last, the cgroup directories it is in;
/// `fork-count` forks sleeping children until the kernel refuses one; `cpu-share` spins for a
/// second and a half of wall time and prints the CPU time it got.
enum LimitsProbe {
    static var cgroupValues: String { ProbeInstaller.directory + "/cgroup-values" }
    static var forkCount: String { ProbeInstaller.directory + "/fork-count" }
    static var cpuShare: String { ProbeInstaller.directory + "/cpu-share" }

    static let sources: [(String, String)] = [
        ("cgroup-values", """
            #!/bin/sh
            for f in "$@"; do
              c=${f%%/*}; file=${f#*/}
              if [ "$c" = unified ]; then p=$(grep '^0::' /proc/self/cgroup | cut -d: -f3)
              else p=$(grep -E "^[0-9]+:([a-z_,]*,)?$c(,[a-z_]*)?:" /proc/self/cgroup | cut -d: -f3); fi
              printf '%s=%s\\n' "$f" "$(tr '\\n' ' ' < /sys/fs/cgroup/$c$p/$file 2>&1)"
            done
            grep -E ':(memory|pids|cpu|blkio|cpu,cpuacct)?:' /proc/self/cgroup | while IFS=: read -r _ c p; do
              [ -n "$c" ] && echo "cgroup-dir /sys/fs/cgroup/$c$p"
            done
            exit 0
            """),
        ("fork-count", """
            #!/usr/bin/python3
            import os, time
            children = []
            try:
                for _ in range(200):
                    pid = os.fork()
                    if pid == 0:
                        time.sleep(5)
                        os._exit(0)
                    children.append(pid)
            except OSError as e:
                print("fork refused:", e.strerror)
            print("children:", len(children))
            for pid in children:
                os.kill(pid, 9)
            """),
        ("cpu-share", """
            #!/usr/bin/python3
            import time
            start = time.monotonic()
            while time.monotonic() - start < 1.5:
                pass
            print("%.3f" % (time.process_time() / (time.monotonic() - start)))
            """),
    ]

    /// Installs them once per test process; nil when done, else why not.
    static let failure: String? = {
        if let failure = ProbeInstaller.failure { return failure }
        for (name, text) in sources {
            let path = ProbeInstaller.directory + "/" + name
            if (try? String(contentsOfFile: path, encoding: .utf8)) == text + "\n" { continue }
            let staged = path + ".\(getpid()).new"
            do { try (text + "\n").write(toFile: staged, atomically: false, encoding: .utf8) } catch { return "cannot write \(staged): \(error)" }
            chmod(staged, 0o755)
            guard rename(staged, path) == 0 else { return "cannot install \(path): errno \(errno)" }
        }
        return nil
    }()

    /// Whether they are in place; prints why not.
    static var installed: Bool {
        if let failure { print("LimitsDifferentialTests: skipping: \(failure)") }
        return failure == nil
    }

    /// The probe's values without the directory lines, and the directories it was in.
    static func split(_ output: String) -> (values: [String], directories: [String]) {
        let lines = output.split(separator: "\n").map(String.init)
        return (lines.filter { !$0.hasPrefix("cgroup-dir ") }, lines.filter { $0.hasPrefix("cgroup-dir ") }.map { String($0.dropFirst(11)) })
    }
}

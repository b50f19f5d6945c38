/// How `brig run --dry-run` shows the run's limits: the host's layout, then per controller the
/// mechanism (v2 or v1), each file and value with the directive behind it, and what is ignored.
public enum CgroupLimitsPrinter {
    public static func describe(_ limits: CgroupLimits, runCgroup: String) -> String {
        let runID = String(runCgroup[runCgroup.index(after: runCgroup.lastIndex(of: "/")!)...])
        var text = "# cgroup limits (this host: \(limits.hierarchy.layout.rawValue)):\n"
        for controller in limits.controllers {
            let v2 = limits.hierarchy.isV2(controller)
            let dir = v2 ? runCgroup : limits.hierarchy.v1Directory(of: controller, runID: runID) ?? "?"
            let writes = limits.writes.filter { $0.controller == controller }
            text += "#   \(controller): cgroup \(v2 ? "v2" : "v1") \(dir)\(writes.isEmpty ? " (joined, nothing written)" : "")\n"
            for w in writes {
                text += "#     \(w.file) = \(w.value)  <- \(w.directive)\(w.bestEffort ? " (skipped where the kernel lacks the file, as by systemd)" : "")\n"
            }
        }
        if let delegated = limits.delegated {
            text += "#   Delegate=: \(runCgroup) is handed to the service's user, controllers available below it: \(delegated.isEmpty ? "none" : delegated.joined(separator: " "))\n"
        }
        for item in limits.ignored {
            text += "#   ignored, as by systemd 252 on this host: \(item.directive): \(item.reason)\n"
        }
        return text
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// How this host's cgroups are laid out, found at run time: which mechanism (a v2 controller
/// enabled for brig's runs, or a v1 hierarchy of its own) serves each resource controller.
public struct CgroupHierarchy: Sendable, Equatable {
    public enum Layout: String, Sendable {
        case unified = "cgroup v2 only"
        case hybrid = "hybrid: v1 controllers, v2 tree without them"
        case legacy = "cgroup v1 only"
    }

    /// Where one controller's settings go.
    public enum Mechanism: Sendable, Equatable {
        /// The run's own cgroup on the v2 tree; the controller is enabled for brig's runs.
        case v2
        /// A v1 hierarchy: where it is mounted, and brig's own cgroup in it.
        case v1(mount: String, own: String)
    }

    public var layout: Layout
    /// By controller name ("memory", "pids", "cpu", "cpuset", "io", "blkio", ...).
    public var controllers: [String: Mechanism]

    public init(layout: Layout, controllers: [String: Mechanism]) {
        self.layout = layout
        self.controllers = controllers
    }

    /// The host's hierarchy, read once per process (a few small files), and only by a run that
    /// sets a limit or asks for statistics: a plain start never pays for it.
    public static let current = detect()

    static func detect(proc: String = "/proc/self/cgroup", v2Parent: String = RunSite.plannedCgroupParent,
                       delegated: Bool = CgroupHome.preview.delegated) -> CgroupHierarchy {
        let layout: Layout
        if isCgroup2("/sys/fs/cgroup") {
            layout = .unified
        } else {
            layout = isCgroup2("/sys/fs/cgroup/unified") ? .hybrid : .legacy
        }
        var controllers: [String: Mechanism] = [:]
        // v1: each "N:a,b:/path" line with controllers names a hierarchy mounted as /sys/fs/cgroup/a,b.
        if layout != .unified {
            for line in (SystemFiles.read(proc) ?? "").split(separator: "\n") {
                let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                guard fields.count == 3, fields[0] != "0", !fields[1].isEmpty, !fields[1].hasPrefix("name=") else { continue }
                let mount = "/sys/fs/cgroup/" + fields[1]
                guard SystemFiles.exists(mount + "/cgroup.procs") else { continue }
                let own = fields[2] == "/" ? "" : String(fields[2])
                for name in fields[1].split(separator: ",") { controllers[String(name)] = .v1(mount: mount, own: own) }
            }
        }
        // v2: a controller brig's runs can use is one its own cgroup passes down to "brig" (which
        // brig then enables for the runs below it); it serves in place of any v1 hierarchy. A home
        // systemd delegated passes on all it has (CgroupHome); a scope not made yet, all the tree has.
        let parentOfRuns = String(v2Parent[..<(v2Parent.lastIndex(of: "/") ?? v2Parent.endIndex)])
        let passed = !delegated ? parentOfRuns + "/cgroup.subtree_control"
            : SystemFiles.exists(parentOfRuns) ? parentOfRuns + "/cgroup.controllers" : RunSite.cgroupRoot + "/cgroup.controllers"
        if layout != .legacy, let enabled = SystemFiles.read(passed) {
            for name in enabled.split(whereSeparator: { $0 == " " || $0 == "\n" }) { controllers[String(name)] = .v2 }
        }
        return CgroupHierarchy(layout: layout, controllers: controllers)
    }

    /// Only the root of a cgroup2 mount has cgroup.controllers (v1 hierarchies have none).
    private static func isCgroup2(_ path: String) -> Bool {
        SystemFiles.exists(path + "/cgroup.controllers")
    }

    /// Whether `controller` is served by a v2 controller (as opposed to v1 or nothing).
    public func isV2(_ controller: String) -> Bool { controllers[controller] == .v2 }

    /// The directory of the run's cgroup for a v1 controller: below brig's own cgroup in that
    /// hierarchy, under the same name as the run's v2 cgroup.
    public func v1Directory(of controller: String, runID: String) -> String? {
        guard case .v1(let mount, let own)? = controllers[controller] else { return nil }
        return "\(mount)\(own)/brig/\(runID)"
    }

    /// A file of brig's own cgroup in a v1 hierarchy, to ask what the kernel offers there.
    func v1OwnFile(of controller: String, _ file: String) -> String? {
        guard case .v1(let mount, let own)? = controllers[controller] else { return nil }
        return "\(mount)\(own)/\(file)"
    }
}

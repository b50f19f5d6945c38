import Directives

/// The machine's NUMA nodes and their CPUs, as sysfs lists them.
enum NUMANodes {
    static let directory = "/sys/devices/system/node"

    /// NUMAMask=all: every node there is.
    static func all() -> Set<Int> {
        (try? CPUList.parse(SystemFiles.read(directory + "/online")?.trimmed ?? "")) ?? []
    }

    /// CPUAffinity=numa: the CPUs of these nodes.
    static func cpus(of nodes: Set<Int>) -> Set<Int> {
        nodes.reduce(into: []) { cpus, node in
            cpus.formUnion((try? CPUList.parse(SystemFiles.read("\(directory)/node\(node)/cpulist")?.trimmed ?? "")) ?? [])
        }
    }
}

import UnitFile

/// The cgroup systemd as PID 1 gives a system service ("/system.slice/foo.service",
/// "/system.slice/system-getty.slice/getty@tty1.service"): brig runs a unit in a cgroup of its
/// own, but where systemd derives something from this path (a directory's project id) brig
/// derives it from the same path, so a unit gets what it would get under systemd.
enum SystemdCgroupPath {
    /// `slice` is Slice=; without it an instance goes into its template's slice below
    /// system.slice, anything else into system.slice itself.
    static func of(unit: String, slice: String?) -> String {
        let name = try? UnitName(unit)
        let sliceName = slice ?? name.flatMap { $0.instance == nil ? nil : "system-\(escapeName($0.prefix)).slice" } ?? "system.slice"
        let slicePath = Self.slicePath(sliceName)
        return (slicePath.isEmpty ? "" : "/" + slicePath) + "/" + escapeCgroup(unit)
    }

    /// A slice's place in the tree: each dash one level down ("a-b.slice" is "a.slice/a-b.slice").
    static func slicePath(_ slice: String) -> String {
        if slice == "-.slice" { return "" }
        let prefix = slice.hasSuffix(".slice") ? String(slice.dropLast(6)) : slice
        var parts: [String] = []
        var index = prefix.startIndex
        while let dash = prefix[index...].firstIndex(of: "-") {
            parts.append(escapeCgroup(prefix[..<dash] + ".slice"))
            index = prefix.index(after: dash)
        }
        parts.append(escapeCgroup(slice))
        return parts.joined(separator: "/")
    }

    /// A name that could be taken for one of the kernel's files in the tree gets a "_" before it.
    static func escapeCgroup(_ name: String) -> String {
        let controllers = ["cpu", "cpuacct", "cpuset", "io", "blkio", "memory", "devices", "pids", "bpf-firewall", "bpf-devices",
                           "bpf-foreign", "bpf-socket-bind", "bpf-restrict-network-interfaces", "bpf-bind-network-interface"]
        let clashes = name.hasPrefix("_") || name.hasPrefix(".") || ["notify_on_release", "release_agent", "tasks"].contains(name)
            || name.hasPrefix("cgroup.") || controllers.contains { name.hasPrefix($0 + ".") }
        return clashes ? "_" + name : name
    }

    /// A template's prefix made a plain part of a slice name: every byte but letters, digits,
    /// ':', '_' and '.' (and a leading '.') as \xNN, so its dashes do not nest slices.
    static func escapeName(_ text: String) -> String {
        var out = ""
        for (offset, byte) in text.utf8.enumerated() {
            let plain = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "_") || (byte == UInt8(ascii: ".") && offset > 0)
            if byte == UInt8(ascii: "/") {
                out += "-"
            } else if plain {
                out.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                let hex = String(byte, radix: 16)
                out += "\\x" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }
}

import Foundation

/// The host's mount table, to tell what a run left mounted. Other suites run brig at the same
/// time, and each of their credential stores is mounted below /run/credentials/ for as long as
/// that run lasts: such a mount counts only for the units named. Every other new mount counts,
/// wherever it is: a jail's mount that reached the host would show up at its own path, except
/// the tests' own scaffolding, mounted by the test process itself below `scaffolding`.
public struct MountTable: Sendable {
    public let lines: Set<String>
    /// Where a test mounts something on the host for itself (a BPF file system to pin programs
    /// in, a tmpfs that changes the table): `scaffolding + NAME-PID`.
    public static let scaffolding = "/run/brig-test-"

    public init() {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        lines = Set(text.split(separator: "\n").map(String.init))
    }

    /// The mount points of what is mounted now and was not in `before`.
    public func added(since before: MountTable, credentialsOf units: [String] = []) -> [String] {
        lines.subtracting(before.lines).compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = String(fields[4])
            if point.hasPrefix(Self.scaffolding) { return nil }
            if point.hasPrefix("/run/credentials/") {
                return units.contains { point == "/run/credentials/\($0)" || point == "/run/credentials/\($0).service" } ? point : nil
            }
            return point
        }.sorted()
    }
}

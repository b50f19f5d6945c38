import Foundation
import Testing
import TestSupport

extension HardenTests {
    /// Where a service writes under /var/cache/NAME, /var/log/NAME and /run/NAME, systemd makes
    /// and hands over the directory itself (CacheDirectory=, LogsDirectory=, RuntimeDirectory=),
    /// as StateDirectory= for /var/lib/NAME (the hit counter).
    @Test func writesUnderCacheLogsAndRuntimeBecomeTheirDirectories() async throws {
        let name = "brig-harden-dirs"
        let bases = ["/var/cache", "/var/log", "/run"]
        // Made here by this test's earlier runs (or by DynamicUser=, under private/): gone first and after.
        let leftovers = bases.flatMap { ["\($0)/\(name)", "\($0)/private/\(name)"] }
        for path in leftovers { try? FileManager.default.removeItem(atPath: path) }
        defer { for path in leftovers { try? FileManager.default.removeItem(atPath: path) } }
        let (unit, workload) = try Self.doingServerUnit("\(name).service", port: 9505, bases.map { "write:\($0)/\(name)/seen" })
        let output = try await Self.harden([unit.path, "--workload", workload])
        #expect(output.status == 0, "\(output.stderr)")
        let dropIn = output.stdout
        for (base, directive) in zip(bases, ["CacheDirectory", "LogsDirectory", "RuntimeDirectory"]) {
            let evidence = try #require(dropIn.split(separator: "\n").firstIndex(of: "\(directive)=\(name)"[...]).map { dropIn.split(separator: "\n")[$0 - 1] })
            #expect(evidence.hasPrefix("# written: \(base)/\(name)") && evidence.contains("\(base)/\(name)/seen"), "\(evidence)")
        }
        // Nothing else is writable: no ReadWritePaths= at all.
        #expect(dropIn.contains("\nDynamicUser=yes\n") && dropIn.contains("\nProtectSystem=strict\n") && !dropIn.contains("ReadWritePaths="))
        try await Self.expectPassesUnderSystemd(unit: "\(name).service", file: unit.path, dropIn: dropIn, workload: workload)
    }
}

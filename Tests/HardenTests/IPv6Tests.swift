import Foundation
import Testing
import TestSupport

extension HardenTests {
    /// A server listening on IPv6 may bind its port and nothing else, proven under systemd too.
    @Test func anIPv6ListenerMayBindItsPortOnly() async throws {
        let unit = try UnitFile("brig-harden-listener6.service", "[Service]\nExecStart=/usr/bin/python3 \(Self.doingServer) 9512 --bind ::1\n")
        let workload = "curl -fsS 'http://[::1]:9512/'"
        let output = try await Self.harden([unit.path, "--workload", workload])
        #expect(output.status == 0, "\(output.stderr)")
        let dropIn = output.stdout
        #expect(dropIn.contains("\n# bound no other IP port\nSocketBindDeny=any\n# bound port 9512 (IPv6)\nSocketBindAllow=9512\n"))
        let families = dropIn.split(separator: "\n").last { $0.hasPrefix("RestrictAddressFamilies=") } ?? ""
        #expect(families.split(separator: "=").last?.split(separator: " ").contains("AF_INET6") == true, "\(families)")
        try await Self.expectPassesUnderSystemd(unit: "brig-harden-listener6.service", file: unit.path, dropIn: dropIn, workload: workload)
    }
}

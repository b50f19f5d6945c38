import Foundation
import Testing
import TestSupport

extension HardenTests {
    /// A client of an IPv6 server gets that peer in its allow list, as an IPv4 one would.
    @Test func aClientOfAnIPv6ServerGetsThatPeerInItsAllowList() async throws {
        let server = try Subprocess(["/usr/bin/python3", "-m", "http.server", "9511", "--bind", "::1"], timeout: 120)
        defer { server.send(SIGKILL); _ = server.wait() }
        let unit = try UnitFile("brig-harden-client6.service",
                                "[Service]\nExecStart=/bin/sh -c \"while :; do curl -fsS -o /dev/null 'http://[::1]:9511/'; sleep 0.2; done\"\n")
        let output = try await Self.harden([unit.path, "--workload", "sleep 1"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("\n# talked to these addresses only\nIPAddressDeny=any\n# connected to ::1\nIPAddressAllow=::1\n"))
        #expect(output.stdout.contains("AF_INET6") && output.stdout.contains("# Not set: PrivateNetwork=: the service opened AF_INET6 sockets\n"))
    }

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

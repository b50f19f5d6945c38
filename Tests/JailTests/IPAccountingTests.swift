import Foundation
import Testing
import Directives
import TestSupport
@testable import Jail

/// IPAccounting= counts what passes each way, readable after the run through `IPAccounting`.
@Suite(.enabled(if: geteuid() == 0 && NetworkProbe.isAvailable, "needs root (cgroup BPF) and /usr/bin/python3"))
struct IPAccountingTests {
    @Test func countersRoughlyMatchTheBytesSent() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        var resources = ResourceControl()
        resources.ipAccounting = true
        resources.ipAddressAllow = IPPrefix.symbolic["localhost"]
        resources.ipAddressDeny = IPPrefix.symbolic["any"]
        var request = LaunchRequest(spec: JailSpec())
        request.networkPolicy = NetworkPolicy(resources)
        let counters = IPAccounting()
        request.ipAccounting = counters
        #expect(counters.traffic == nil)
        let sent = 300_000
        let command = NetworkProbe.command(["send/127.0.0.1/\(server.port)/\(sent)", "udp/192.0.2.77/9"])
        let status = try Launcher.run(request, commands: [LaunchCommand(phase: .start, executable: command[0], arguments: command)],
                                      ownsProcess: false)
        #expect(status == 0)
        let traffic = try #require(counters.traffic)
        // Payload plus IP and TCP headers and the handshake; the denied datagram is not counted.
        #expect(traffic.egressBytes >= UInt64(sent) && traffic.egressBytes < UInt64(sent) * 11 / 10, "\(traffic)")
        #expect(traffic.egressPackets >= 3 && traffic.ingressPackets >= 2, "\(traffic)")
        #expect(traffic.ingressBytes > 0 && traffic.ingressBytes < 100_000, "\(traffic)")
        #expect(traffic.description.hasPrefix("IP traffic received: \(traffic.ingressBytes)B\nIP traffic sent: \(traffic.egressBytes)B"))
    }
}

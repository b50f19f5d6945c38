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
        let status = try Launcher.run(request, commands: [LaunchCommand(.start, ExecCommand(path: command[0], arguments: command))],
                                      ownsProcess: false)
        #expect(status == 0)
        let traffic = try #require(counters.traffic)
        // Payload plus IP and TCP headers and the handshake (segments shrink, and loopback may
        // retransmit, when the machine is busy); the denied datagram is not counted.
        #expect(traffic.egressBytes >= UInt64(sent) && traffic.egressBytes < UInt64(sent) * 5 / 4, "\(traffic)")
        #expect(traffic.egressPackets >= 3 && traffic.ingressPackets >= 2, "\(traffic)")
        #expect(traffic.ingressBytes > 0 && traffic.ingressBytes < 100_000, "\(traffic)")
        #expect(traffic.description.hasPrefix("IP traffic received: \(traffic.ingressBytes)B\nIP traffic sent: \(traffic.egressBytes)B"))
    }

    /// systemd-run --wait prints the unit's counts ("IP traffic sent: 293.4K", 1024-based); brig's
    /// counts of the same client agree within a few percent (TCP's own packets vary a little).
    @Test(.enabled(if: SystemdOracle.isAvailable, "needs systemd-oracle"))
    func countersAgreeWithSystemds() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let sent = 500_000
        let command = NetworkProbe.command(["send/127.0.0.1/\(server.port)/\(sent)"])
        let systemd = try SystemdOracle.exec(["/usr/bin/systemd-run", "--wait", "-p", "IPAccounting=yes", "--"] + command)
        let systemdSent = try #require(Self.bytes(after: "IP traffic sent: ", in: systemd.stdout + systemd.stderr), "\(systemd)")

        var resources = ResourceControl()
        resources.ipAccounting = true
        var request = LaunchRequest(spec: JailSpec())
        request.networkPolicy = NetworkPolicy(resources)
        let counters = IPAccounting()
        request.ipAccounting = counters
        _ = try Launcher.run(request, commands: [LaunchCommand(.start, ExecCommand(path: command[0], arguments: command))], ownsProcess: false)
        let brigSent = Double(try #require(counters.traffic).egressBytes)
        #expect(abs(brigSent - systemdSent) / systemdSent < 0.03, "brig \(brigSent), systemd \(systemdSent)")
    }

    /// "293.4K" after `label` as bytes.
    static func bytes(after label: String, in text: String) -> Double? {
        guard let start = text.range(of: label) else { return nil }
        let word = text[start.upperBound...].prefix { !$0.isWhitespace }
        let units: [Character: Double] = ["B": 1, "K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024]
        guard let unit = word.last, let factor = units[unit], let number = Double(word.dropLast()) else { return nil }
        return number * factor
    }
}

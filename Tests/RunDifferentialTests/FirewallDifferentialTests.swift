import Foundation
import Testing
import TestSupport

/// The IP firewall differential: a client under `brig run -p ...` reaches exactly the addresses
/// it reaches under systemd with the same IPAddressAllow=/IPAddressDeny= (systemd enforces them
/// here with its own cgroup_skb programs), TCP and UDP, IPv4 and IPv6, loopback, another local
/// address and multicast. A test server listens on every address of the host.
@Suite("brig run's IP firewall against systemd, address by address", .serialized,
       .enabled(if: Gate.brig && NetworkProbe.isAvailable, "needs root, systemd-oracle, a built brig and /usr/bin/python3"))
struct FirewallDifferentialTests {
    static let settings: [[String]] = [
        ["IPAddressDeny=any"],
        ["IPAddressDeny=any", "IPAddressAllow=localhost"],
        ["RestrictAddressFamilies=AF_INET", "IPAddressAllow=localhost", "IPAddressDeny=any"],
        ["IPAddressDeny=any", "IPAddressAllow=127.0.0.2/32"],
        ["IPAddressDeny=127.0.0.0/8"],
        ["IPAddressDeny=::1/128"],
        // Ingress judges the source, egress the destination: a connection from 127.0.0.1 to
        // 127.0.0.2 sends nothing to 127.0.0.1 and receives nothing from it.
        ["IPAddressDeny=127.0.0.1"],
        ["IPAddressAllow=127.0.0.1", "IPAddressDeny=127.0.0.0/8"],
        ["IPAddressDeny=127.0.0.0/8", "IPAddressAllow=127.0.0.1"],
        ["IPAddressDeny=any", "IPAddressAllow=multicast"],
        ["IPAddressDeny=localhost", "IPAddressAllow=any"],
        ["IPAddressDeny=0.0.0.0/0"],
        // systemd-run takes a symbolic name only alone in its -p (its client-side parser), so one each.
        ["IPAddressDeny=link-local", "IPAddressDeny=multicast"],
        ["IPAddressAllow=localhost"],
        ["IPAccounting=yes"],
        ["IPAddressDeny=any", "IPAddressAllow=127.0.0.0/24 ::1", "IPAccounting=yes"],
        ["IPAddressDeny=any", "IPAddressAllow=localhost", "IPAddressAllow="],
    ]

    static func actions(port: UInt16) -> [String] {
        var list = ["tcp/127.0.0.1/\(port)", "tcp/127.0.0.2/\(port)", "tcp/::1/\(port)", "udp/127.0.0.1/9", "udp/::1/9",
                    "udp/239.255.0.1/9", "socket6"]
        if let host = LoopbackServer.hostAddress { list += ["tcp/\(host)/\(port)", "udp/\(host)/9"] }
        return list
    }

    static func outcomes(_ command: Subprocess) -> (status: Int32, outcomes: [String: String], stderr: String) {
        let out = command.wait()
        return (out.status, NetworkProbe.outcomes(out.stdout), out.stderr)
    }

    @Test("brig run reaches what systemd reaches", arguments: settings)
    func sameReach(_ setting: [String]) throws {
        try Self.compare(setting) { command in Self.outcomes(try Oracle.start(setting, command)) }
    }

    /// systemd 262 on a pure cgroup v2 tree of its own (its root has a Python of its own).
    @Test("brig run reaches what systemd 262 reaches",
          .enabled(if: SystemdOracleNext.instanceUnavailableReason == nil, "needs systemd-oracle-next"), arguments: settings)
    func sameReachAsSystemd262(_ setting: [String]) throws {
        try Self.compare(setting) { command in
            let out = try SystemdOracleNext.run(setting, command)
            return (out.status, NetworkProbe.outcomes(out.stdout), out.stderr)
        }
    }

    static func compare(_ setting: [String], systemdRun: ([String]) throws -> (status: Int32, outcomes: [String: String], stderr: String)) throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let actions = Self.actions(port: server.port)
        let command = NetworkProbe.command(actions)
        let systemd = try systemdRun(command)
        let brig = Self.outcomes(try BrigRunner.start(setting, command))
        #expect(systemd.status == 0 && systemd.outcomes.count == actions.count, "systemd: \(systemd.stderr)")
        #expect(brig.status == systemd.status, "brig: \(brig.stderr)")
        for action in actions {
            #expect(brig.outcomes[action] == systemd.outcomes[action], "\(setting) \(action): brig \(brig.outcomes[action] ?? "-"), systemd \(systemd.outcomes[action] ?? "-")")
        }
    }
}

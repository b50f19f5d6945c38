import Foundation
import Testing
import TestSupport

/// systemd 262 (systemd-oracle-next, built with libbpf) enforces SocketBindAllow=/SocketBindDeny=
/// and RestrictNetworkInterfaces=, which this machine's 252 accepts and ignores: brig answers
/// every bind() and every send as 262 does. Both run on the host's network.
@Suite("brig run's socket-bind and interface filters against systemd 262", .serialized,
       .enabled(if: SystemdOracleNext.instanceUnavailableReason == nil && Gate.brig && ProbeInstaller.failure == nil,
                "needs root, a built brig, cc with a static libc, and systemd-oracle-next"))
struct SocketBindDifferentialTests {
    static let port = Int.random(in: 5_000...9_000)   // below the ephemeral range, where no client connection takes it

    static let bindSettings: [[String]] = {
        let p = port
        return [
            ["SocketBindDeny=any"],
            ["SocketBindAllow=tcp:\(p)", "SocketBindDeny=any"],
            ["SocketBindAllow=ipv6:\(p)-\(p + 1)", "SocketBindDeny=any"],
            ["SocketBindDeny=udp:any"],
            ["SocketBindDeny=ipv4:tcp:\(p)"],
            ["SocketBindAllow=\(p)", "SocketBindDeny=ipv6:any"],
            ["SocketBindDeny=\(p)-\(p + 2)"],
            ["SocketBindAllow=udp:any", "SocketBindDeny=any"],
            ["SocketBindAllow=ipv4:udp:\(p + 1)", "SocketBindDeny=ipv4:any"],
            ["SocketBindAllow=any", "SocketBindDeny=any"],
        ]
    }()

    static let bindActions: [String] = {
        let p = port
        return ["bind/4/tcp/\(p)", "bind/4/tcp/\(p + 1)", "bind/4/udp/\(p)", "bind/4/udp/\(p + 1)", "bind/6/tcp/\(p)",
                "bind/6/udp/\(p + 1)", "bind/6/tcp/\(p + 2)", "bind/4/tcp/0", "bind/6/udp/0"]
    }()

    static func compare(_ setting: [String], _ actions: [String], rules: String = "252") throws {
        let command = [BindProbe.path] + actions
        let systemd = try SystemdOracleNext.run(setting, command)
        let brig = try Subprocess.run([BuiltBrig.path, "run", "--rules", rules] + setting.flatMap { ["-p", $0] } + ["--"] + command, timeout: 60)
        let expected = NetworkProbe.outcomes(systemd.stdout), seen = NetworkProbe.outcomes(brig.stdout)
        #expect(systemd.status == 0 && expected.count == actions.count, "systemd 262: \(systemd.stderr)")
        #expect(brig.status == 0, "brig: \(brig.stderr)")
        for action in actions {
            #expect(seen[action] == expected[action], "\(setting) \(action): brig \(seen[action] ?? "-"), systemd 262 \(expected[action] ?? "-")")
        }
    }

    @Test("bind() is allowed or refused as systemd 262 decides", arguments: bindSettings)
    func sameBindAnswers(_ setting: [String]) throws {
        try Self.compare(setting, Self.bindActions)
    }

    /// The host's own interfaces only (a test interface would show in other tests' probes): a
    /// datagram to the default gateway leaves by its interface, one to 127.0.0.1 by lo.
    @Test("traffic passes the interfaces systemd 262 lets it through",
          .enabled(if: defaultRoute != nil, "the host has no IPv4 default route"))
    func sameInterfaces() throws {
        let (gateway, device) = try #require(Self.defaultRoute)
        let actions = ["udp/\(gateway)/9", "udp/127.0.0.1/9"]
        for setting in [["RestrictNetworkInterfaces=lo"], ["RestrictNetworkInterfaces=~\(device)"], ["RestrictNetworkInterfaces=\(device)"],
                        ["RestrictNetworkInterfaces=lo \(device)"], ["RestrictNetworkInterfaces=~lo"],
                        ["RestrictNetworkInterfaces=lo", "RestrictNetworkInterfaces=~lo"]] {
            try Self.compare(setting, actions)
        }
    }

    /// BindNetworkInterface= (260): the sockets the probe makes are bound where 262 binds them.
    /// An interface that does not exist is the one deliberate difference: 262 starts the service
    /// with its sockets unbound, brig refuses the start (RunNewerDirectiveTests).
    @Test("IP sockets are bound to the interface systemd 262 binds them to")
    func sameBoundInterface() throws {
        let actions = ["device/4", "device/6", "device/unix"]
        for setting in [["BindNetworkInterface=lo"], ["BindNetworkInterface=lo", "BindNetworkInterface="]] {
            try Self.compare(setting, actions, rules: "262")
        }
        if let (_, device) = Self.defaultRoute { try Self.compare(["BindNetworkInterface=\(device)"], actions, rules: "262") }
    }

    /// The IPv4 default gateway and its interface, from /proc/net/route.
    static let defaultRoute: (gateway: String, device: String)? = {
        guard let table = try? String(contentsOfFile: "/proc/net/route", encoding: .utf8) else { return nil }
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count > 2, fields[1] == "00000000", let raw = UInt32(fields[2], radix: 16), raw != 0 else { continue }
            let bytes = withUnsafeBytes(of: raw.littleEndian) { Array($0) }
            return (bytes.map(String.init).joined(separator: "."), String(fields[0]))
        }
        return nil
    }()
}

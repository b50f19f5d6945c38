import Foundation
import Testing
import TestSupport

/// The cgroup network programs as a user of `brig run` meets them: what a jailed client reaches,
/// which bind() calls succeed, and the messages for bad input. A server of the test's own listens
/// on every address of the host; the probe (NetworkProbe) reports each attempt by errno.
@Suite(.serialized, .enabled(if: geteuid() == 0 && NetworkProbe.isAvailable, "needs root (cgroup BPF) and /usr/bin/python3"),
       .timeLimit(.minutes(2)))
struct RunNetworkFilterTests {
    static func probe(_ properties: [String], _ actions: [String]) throws -> [String: String] {
        let result = try BrigBinary.run(["run"] + properties.flatMap { ["-p", $0] } + ["--"] + NetworkProbe.command(actions), timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        return NetworkProbe.outcomes(result.stdout)
    }

    /// The seed's recipe: a client reaches the local proxy and nothing else, and cannot even make
    /// an IPv6 socket.
    @Test func seedRecipeReachesOnlyTheLocalProxy() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let host = try #require(LoopbackServer.hostAddress, "the host has no IPv4 address but loopback ones")
        let actions = ["tcp/127.0.0.1/\(server.port)", "tcp/\(host)/\(server.port)", "udp/\(host)/9", "socket6"]
        let unjailed = try Self.probe([], actions)
        #expect(unjailed["tcp/\(host)/\(server.port)"] == "ok")
        let seen = try Self.probe(["RestrictAddressFamilies=AF_INET", "IPAddressAllow=localhost", "IPAddressDeny=any",
                                   "Environment=http_proxy=http://127.0.0.1:\(server.port)/"], actions)
        #expect(seen == ["tcp/127.0.0.1/\(server.port)": "ok", "tcp/\(host)/\(server.port)": "timeout",
                         "udp/\(host)/9": "EPERM", "socket6": "EAFNOSUPPORT"])
    }

    @Test func denyAnyAloneBlocksEverythingIncludingUDPAndIPv6Loopback() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let p = server.port
        let seen = try Self.probe(["IPAddressDeny=any"], ["tcp/127.0.0.1/\(p)", "tcp/::1/\(p)", "udp/127.0.0.1/9", "udp/::1/9"])
        #expect(seen == ["tcp/127.0.0.1/\(p)": "timeout", "tcp/::1/\(p)": "timeout", "udp/127.0.0.1/9": "EPERM", "udp/::1/9": "EPERM"])
    }

    @Test func allowListsByPrefixLocalhostAndMulticast() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let p = server.port
        let byPrefix = try Self.probe(["IPAddressDeny=any", "IPAddressAllow=127.0.0.2/32"], ["tcp/127.0.0.2/\(p)", "tcp/127.0.0.1/\(p)", "tcp/::1/\(p)"])
        #expect(byPrefix == ["tcp/127.0.0.2/\(p)": "ok", "tcp/127.0.0.1/\(p)": "timeout", "tcp/::1/\(p)": "timeout"])
        let localhost = try Self.probe(["IPAddressDeny=any", "IPAddressAllow=localhost"], ["tcp/127.0.0.9/\(p)", "tcp/::1/\(p)", "udp/239.255.0.1/9"])
        #expect(localhost == ["tcp/127.0.0.9/\(p)": "ok", "tcp/::1/\(p)": "ok", "udp/239.255.0.1/9": "EPERM"])
        let multicast = try Self.probe(["IPAddressDeny=any", "IPAddressAllow=multicast"], ["udp/239.255.0.1/9", "udp/127.0.0.1/9"])
        #expect(multicast == ["udp/239.255.0.1/9": "ok", "udp/127.0.0.1/9": "EPERM"])
    }

    /// Allow beats deny whatever their order, and an address in neither list passes.
    @Test func allowBeatsDenyAndTheDefaultIsAllow() throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let p = server.port
        let seen = try Self.probe(["IPAddressAllow=127.0.0.1", "IPAddressDeny=127.0.0.0/8"], ["tcp/127.0.0.1/\(p)", "tcp/127.0.0.2/\(p)", "tcp/::1/\(p)"])
        #expect(seen == ["tcp/127.0.0.1/\(p)": "ok", "tcp/127.0.0.2/\(p)": "timeout", "tcp/::1/\(p)": "ok"])
    }

    /// Deliberately stricter than Debian's systemd 252, which accepts SocketBind*= and ignores it.
    @Test func socketBindDenyAnyRefusesBindButAllowListedPortsBind() throws {
        let port = UInt16.random(in: 10_000...19_000)   // below the ephemeral range, where no client connection takes it
        let actions = ["bind/4/tcp/\(port)", "bind/6/tcp/\(port)", "bind/4/tcp/\(port + 1)", "bind/4/udp/\(port)", "bind/4/tcp/0"]
        let seen = try Self.probe(["SocketBindAllow=tcp:\(port)", "SocketBindDeny=any"], actions)
        #expect(seen == ["bind/4/tcp/\(port)": "ok", "bind/6/tcp/\(port)": "ok", "bind/4/tcp/\(port + 1)": "EPERM",
                         "bind/4/udp/\(port)": "EPERM", "bind/4/tcp/0": "EPERM"])
        let ranges = try Self.probe(["SocketBindAllow=ipv6:\(port)-\(port + 1)", "SocketBindDeny=any"],
                                    ["bind/6/udp/\(port + 1)", "bind/4/tcp/\(port)", "bind/6/tcp/\(port + 2)"])
        #expect(ranges == ["bind/6/udp/\(port + 1)": "ok", "bind/4/tcp/\(port)": "EPERM", "bind/6/tcp/\(port + 2)": "EPERM"])
        let onlyUDP = try Self.probe(["SocketBindDeny=udp:any"], ["bind/4/udp/\(port)", "bind/4/tcp/\(port)"])
        #expect(onlyUDP == ["bind/4/udp/\(port)": "EPERM", "bind/4/tcp/\(port)": "ok"])
        // An allow rule for everything decides before any deny rule (and leaves it unreachable).
        let allowFirst = try Self.probe(["SocketBindAllow=any", "SocketBindDeny=any"], ["bind/4/udp/\(port)", "bind/6/tcp/\(port)"])
        #expect(allowFirst == ["bind/4/udp/\(port)": "ok", "bind/6/tcp/\(port)": "ok"])
    }

    /// A veth pair of the test's own carries traffic to its subnet; RestrictNetworkInterfaces=lo
    /// keeps the service off it, `~` keeps it off that one only. The pair lives in a network
    /// namespace the test makes (and brig runs in), so tests that list the host's interfaces
    /// meanwhile never see it.
    @Test func restrictNetworkInterfacesBlocksTrafficOutOfAnotherInterface() throws {
        let namespace = "brig-test-\(getpid())", name = "brigt0"
        let ip = "/usr/sbin/ip"
        try #require(try Subprocess.run([ip, "netns", "add", namespace]).status == 0, "cannot make a network namespace")
        defer { _ = try? Subprocess.run([ip, "netns", "del", namespace]) }
        for command in [["link", "add", name, "type", "veth", "peer", "name", name + "p"], ["addr", "add", "10.213.7.1/24", "dev", name],
                        ["link", "set", name, "up"], ["link", "set", name + "p", "up"], ["link", "set", "lo", "up"]] {
            let out = try Subprocess.run([ip, "-n", namespace] + command)
            try #require(out.status == 0, "ip \(command): \(out.stderr)")
        }
        func probe(_ properties: [String]) throws -> [String: String] {
            let actions = ["udp/10.213.7.2/9", "udp/127.0.0.1/9"]
            let result = try Subprocess.run(["/usr/bin/nsenter", "--net=/run/netns/\(namespace)", BuiltBrig.path, "run"]
                                            + properties.flatMap { ["-p", $0] } + ["--"] + NetworkProbe.command(actions), timeout: 60)
            #expect(result.status == 0, "\(result.stderr)")
            return NetworkProbe.outcomes(result.stdout)
        }
        #expect(try probe([]) == ["udp/10.213.7.2/9": "ok", "udp/127.0.0.1/9": "ok"])
        #expect(try probe(["RestrictNetworkInterfaces=lo"]) == ["udp/10.213.7.2/9": "EPERM", "udp/127.0.0.1/9": "ok"])
        #expect(try probe(["RestrictNetworkInterfaces=~\(name)"]) == ["udp/10.213.7.2/9": "EPERM", "udp/127.0.0.1/9": "ok"])
        #expect(try probe(["RestrictNetworkInterfaces=\(name)"]) == ["udp/10.213.7.2/9": "ok", "udp/127.0.0.1/9": "EPERM"])
        // A list later lines empty again restricts nothing, as under systemd 262.
        #expect(try probe(["RestrictNetworkInterfaces=lo", "RestrictNetworkInterfaces=~lo"]) == ["udp/10.213.7.2/9": "ok", "udp/127.0.0.1/9": "ok"])
    }

    @Test func anInterfaceThatIsNotThereRefusesTheStart() throws {
        let result = try BrigBinary.run(["run", "-p", "RestrictNetworkInterfaces=~brignosuch0", "--", "/bin/true"])
        #expect(result.status == 219)
        #expect(result.stderr == "brig run: -p:1:1: RestrictNetworkInterfaces=~brignosuch0: no network interface 'brignosuch0' on this host (exit status 219 CGROUP)\n")
    }

    @Test func aPinnedProgramThatIsNotThereRefusesTheStart() throws {
        for directive in ["IPIngressFilterPath=/sys/fs/bpf/brig-no-such", "BPFProgram=egress:/sys/fs/bpf/brig-no-such"] {
            let result = try BrigBinary.run(["run", "-p", directive, "--", "/bin/true"])
            #expect(result.status == 219)
            #expect(result.stderr.hasPrefix("brig run: -p:1:1: \(directive): cannot open the pinned program: No such file or directory"), "\(result.stderr)")
        }
    }

    @Test func dryRunShowsTheProgramsRules() throws {
        let result = try BrigBinary.run(["run", "--dry-run", "-p", "IPAddressAllow=localhost 10.1.0.0/16", "-p", "IPAddressDeny=any",
                                         "-p", "IPAccounting=yes", "-p", "SocketBindAllow=ipv4:tcp:80-81", "-p", "SocketBindDeny=any",
                                         "-p", "RestrictNetworkInterfaces=lo", "--", "/bin/true"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").filter { $0.hasPrefix("# cgroup ") && !$0.contains("device") }
        #expect(lines == [
            "# cgroup IP firewall (cgroup_skb ingress: source, egress: destination): allow 127.0.0.0/8 ::1/128 10.1.0.0/16; deny 0.0.0.0/0 ::/0; otherwise allow; IP accounting (bytes and packets each way)",
            "# cgroup socket bind (cgroup bind4/bind6): allow ipv4:tcp:80-81; then deny any; otherwise allow; denied bind() fails with EPERM",
            "# cgroup network interfaces (cgroup_skb ingress/egress by interface index): only through lo (index 1)",
        ])
    }

    /// Bad values are errors with their file and line, in `brig verify` and before a start.
    @Test func badValuesAreNamedWithTheirLine() throws {
        let scratch = TemporaryDirectory(prefix: "brig-cli")
        let unit = scratch.write("net.service", """
            [Service]
            ExecStart=/bin/true
            IPAddressAllow=10.0.0.300/8
            SocketBindAllow=tcp:90-80
            RestrictNetworkInterfaces=eth/0
            BPFProgram=nohook:/sys/fs/bpf/x

            """)
        let verify = try BrigBinary.run(["verify", unit])
        #expect(verify.status == 1)
        let lines = verify.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("\(unit):3:1: error: IPAddressAllow=10.0.0.300/8: '10.0.0.300/8' is not an IP address") })
        #expect(lines.contains { $0.hasPrefix("\(unit):4:1: error: SocketBindAllow=tcp:90-80: ") })
        #expect(lines.contains { $0.hasPrefix("\(unit):5:1: error: RestrictNetworkInterfaces=eth/0: 'eth/0' is not a network interface name") })
        #expect(lines.contains { $0.hasPrefix("\(unit):6:1: error: BPFProgram=nohook:/sys/fs/bpf/x: unknown BPF attach type 'nohook'") })
        let run = try BrigBinary.run(["run", "--unit", unit, "--", "/bin/true"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(unit):3:1: error: IPAddressAllow="))
    }
}

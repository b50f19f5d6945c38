import Foundation
import Testing
import TestSupport

extension HardenTests {
    /// `brig harden NAME.socket`: the service is observed and proven as its socket starts it
    /// (under brig listen, the listener handed over as descriptor 3), and the drop-in is the
    /// service's, written beside it.
    @Test func aSocketActivatedServiceIsHardenedUnderItsSocket() async throws {
        let unit = try UnitFile("brig-harden-activated.socket", "[Socket]\nListenStream=127.0.0.1:9506\n")
        try "[Service]\nExecStart=/usr/bin/python3 \(Self.doingServer) 9506\n"
            .write(toFile: unit.directory + "/brig-harden-activated.service", atomically: true, encoding: .utf8)
        let workload = "curl -fsS http://127.0.0.1:9506/"
        let (output, result, dropIn) = try await Self.hardenJSON([unit.path, "--workload", workload, "--write"], label: "socket-activated")
        #expect(output.stderr.contains("observe: brig-harden-activated.service under brig listen with brig-harden-activated.socket"))
        #expect(result["unit"] as? String == "brig-harden-activated.service")
        #expect(dropIn.hasPrefix("# Written by brig harden for brig-harden-activated.service, started by brig-harden-activated.socket, proven with the workload: "))
        #expect(dropIn.contains("\nDynamicUser=yes\n") && dropIn.contains("\nProtectSystem=strict\n"))
        // It binds nothing itself: the socket unit holds the port.
        #expect(dropIn.contains("\n# bound no IP port\nSocketBindDeny=any\n") && !dropIn.contains("SocketBindAllow="))
        // The service's IP lists do not filter the sockets passed in (systemd.resource-control(5)).
        #expect(dropIn.contains("\n# talked to no IP address itself (the sockets its socket unit passes it are the socket unit's to filter)\nIPAddressDeny=any\n"))
        #expect(Self.everyLineHasEvidence(dropIn))
        #expect(try String(contentsOfFile: unit.directory + "/brig-harden-activated.service.d/50-brig-harden.conf", encoding: .utf8) == dropIn)
        try await Self.expectPassesUnderSystemd(unit: "brig-harden-activated.socket", file: unit.path, dropIn: dropIn, workload: workload, service: (name: "brig-harden-activated.service", file: unit.directory + "/brig-harden-activated.service"))
    }

    /// Accept=yes: one instance of the template per connection, each hardened by the template's drop-in.
    @Test func anAcceptingSocketsTemplateIsHardenedPerConnection() async throws {
        let unit = try UnitFile("brig-harden-accepting.socket", "[Socket]\nListenStream=127.0.0.1:9508\nAccept=yes\n")
        // Each instance reads the request on its standard input (the connection) and answers.
        try """
            [Service]
            ExecStart=/usr/bin/python3 -c "import sys\\nfor l in sys.stdin:\\n  if l in ('\\\\r\\\\n', '\\\\n'): break\\nsys.stdout.write('HTTP/1.0 200 OK\\\\r\\\\n\\\\r\\\\nhi\\\\n')"
            StandardInput=socket

            """.write(toFile: unit.directory + "/brig-harden-accepting@.service", atomically: true, encoding: .utf8)
        let workload = "curl -fsS http://127.0.0.1:9508/ && curl -fsS http://127.0.0.1:9508/"
        let (_, result, dropIn) = try await Self.hardenJSON([unit.path, "--workload", workload], label: "accepting socket")
        #expect(result["unit"] as? String == "brig-harden-accepting@.service" && result["socket"] as? String == "brig-harden-accepting.socket")
        #expect(dropIn.contains("\nDynamicUser=yes\n") && dropIn.contains("\nRestrictAddressFamilies=\nRestrictAddressFamilies=AF_UNIX\n"))
        // The connection is passed in: the instance itself needs no network of its own.
        #expect(dropIn.contains("\n# opened no IP socket\nPrivateNetwork=yes\n"))
        #expect(Self.everyLineHasEvidence(dropIn))
        try await Self.expectPassesUnderSystemd(unit: "brig-harden-accepting.socket", file: unit.path, dropIn: dropIn, workload: workload, service: (name: "brig-harden-accepting@.service", file: unit.directory + "/brig-harden-accepting@.service"))
    }

    /// Given the service, brig harden finds the socket of its name that starts it and runs it so.
    @Test func aServiceWithItsSocketBesideRunsAsTheSocketStartsIt() async throws {
        let (unit, workload) = try Self.doingServerUnit("brig-harden-beside.service", port: 9518)
        try "[Socket]\nListenStream=127.0.0.1:9518\n".write(toFile: unit.directory + "/brig-harden-beside.socket", atomically: true, encoding: .utf8)
        let output = try await Self.harden([unit.path, "--workload", workload])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("observe: brig-harden-beside.socket starts brig-harden-beside.service: it is observed and proven under brig listen with it"))
        #expect(output.stdout.hasPrefix("# Written by brig harden for brig-harden-beside.service, started by brig-harden-beside.socket, proven with"))
        #expect(!output.stdout.contains("SocketBindAllow="))
    }
}

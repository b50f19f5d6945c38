import Foundation
import Testing
import TestSupport

extension HardenTests {
    @Test func aServiceThatOpensADeviceGetsExactlyThatNodeWithTheAccessItTook() async throws {
        // /dev/net/tun is root's only here (crw-------): the service keeps root too, and says why.
        let (unit, workload) = try Self.doingServerUnit("brig-harden-tun.service", port: 9504, ["rw:/dev/net/tun", "read:/dev/urandom"])
        let (_, _, dropIn) = try await Self.hardenJSON([unit.path, "--workload", workload], label: "tun opener")
        #expect(dropIn.contains("\n# opened device nodes beyond the basic ones, so not PrivateDevices=yes: /dev/net/tun\nDevicePolicy=closed\n"))
        #expect(dropIn.contains("\n# opened /dev/net/tun for reading and writing\nDeviceAllow=/dev/net/tun rw\n"))
        // The basic nodes come with DevicePolicy=closed: no line of their own.
        #expect(!dropIn.contains("\nPrivateDevices=") && !dropIn.contains("DeviceAllow=/dev/urandom"))
        #expect(dropIn.contains("# Not set: DynamicUser=: the service opened /dev/net/tun, which other users may not open so\n"))
        #expect(Self.everyLineHasEvidence(dropIn))
        try await Self.expectPassesUnderSystemd(unit: "brig-harden-tun.service", file: unit.path, dropIn: dropIn, workload: workload)
    }
}

import Testing
@testable import Harden

/// How the observer's records read, without running anything: the cases the end-to-end tests
/// do not reach (a node made with mknod, an IPv4-mapped peer, an id left unchanged).
struct ObservationReadingTests {
    static func observations(_ records: [ArgumentRecord]) -> Observations {
        var observations = Observations()
        observations.records = records
        return observations
    }

    @Test func deviceAccessIsTheUnionOfOpenModesAndMknod() {
        let seen = Self.observations([
            ArgumentRecord(number: 257, scalar: 0o0, path: "/dev/fuse"),        // openat O_RDONLY
            ArgumentRecord(number: 257, scalar: 0o1, path: "/dev/fuse"),        // openat O_WRONLY
            ArgumentRecord(number: 2, scalar: 0o2 | 0o100000, path: "/dev/net/tun"),   // open O_RDWR|O_LARGEFILE
            ArgumentRecord(number: 259, scalar: 0o020600, path: "/dev/loop9"),  // mknodat S_IFCHR
            ArgumentRecord(number: 133, scalar: 0o100600, path: "/dev/plain"),  // mknod S_IFREG: no device
        ])
        #expect(seen.deviceAccess == ["/dev/fuse": "rw", "/dev/net/tun": "rw", "/dev/loop9": "m"])
        #expect(HardeningRules.accessText("rwm") == "for reading, writing and making the node")
    }

    /// sockaddr_in6's first 24 bytes, as the observer keeps them: family, port, flow, address.
    static func connect6(_ address: [UInt8]) -> ArgumentRecord {
        ArgumentRecord(number: 42, scalar: 10, path: "", raw: [10, 0, 0x9c, 0x4b, 0, 0, 0, 0] + address)
    }

    @Test func ipv6PeersAreWrittenAsTheFirewallSeesThem() {
        let loopback = [UInt8](repeating: 0, count: 15) + [1]
        let mapped = [UInt8](repeating: 0, count: 10) + [0xff, 0xff, 192, 0, 2, 7]
        let seen = Self.observations([Self.connect6(loopback), Self.connect6(mapped),
                                      ArgumentRecord(number: 42, scalar: 2 | 0x0100_007f_0000_0000)])
        #expect(seen.connectedPeers == ["::1", "192.0.2.7", "127.0.0.1"])
    }

    @Test func anIdLeftUnchangedIsNoIdUsed() {
        // setresuid(-1, 65534, -1) and setgid(65534).
        let seen = Self.observations([ArgumentRecord(number: 117, scalar: 65534), ArgumentRecord(number: 114, scalar: 0xffff_ffff),
                                      ArgumentRecord(number: 106, scalar: 65534)])
        #expect(seen.switchedUIDs == [65534] && seen.switchedGIDs == [65534])
    }
}

import Foundation
import TestSupport
import Testing

/// Limit*= as the process sees them in /proc/self/limits, under brig and under systemd 252. A
/// limit above what may be raised to (this machine's root lacks CAP_SYS_RESOURCE; containers
/// commonly do) is set as close as allowed, as systemd's setrlimit_closest() sets it.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct ResourceLimitTests {
    static let everyLimit = ["LimitCPU=10", "LimitFSIZE=1M", "LimitDATA=512M", "LimitSTACK=4M", "LimitCORE=infinity",
                             "LimitRSS=1G", "LimitNOFILE=1234:4321", "LimitAS=2G", "LimitNPROC=500", "LimitMEMLOCK=64K",
                             "LimitLOCKS=100", "LimitSIGPENDING=1000", "LimitMSGQUEUE=100K", "LimitNICE=+5",
                             "LimitRTPRIO=5", "LimitRTTIME=2s"]

    static var hardOpenFiles: UInt64 {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        return UInt64(limit.rlim_max)
    }

    @Test func aLimitAboveTheHardLimitIsSetAsCloseAsAllowed() throws {
        let hard = Self.hardOpenFiles
        try #require(hard < 1 << 20, "the hard limit of open files is too high to exceed here")
        let out = try Brig.run(properties: ["LimitNOFILE=\(hard + 1000)"], ["/bin/sh", "-c", "ulimit -Sn; ulimit -Hn"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == "\(hard)\n\(hard)\n")
    }

    @Test(.enabled(if: Oracle.isAvailable, "needs systemd for systemd-oracle"),
          arguments: [everyLimit, ["LimitNOFILE=\(hardOpenFiles + 1000)"]])
    func systemdSetsTheSameLimits(_ properties: [String]) throws {
        let read = ["/bin/cat", "/proc/self/limits"]
        let brig = try Brig.run(properties: properties, read)
        #expect(brig.status == 0, "\(brig.stderr)")
        #expect(brig.stdout == (try Oracle.run(properties: properties, read)).stdout)
    }
}

import Directives
import Testing

/// StateDirectoryQuota=, CacheDirectoryQuota=, LogsDirectoryQuota= and *DirectoryAccounting=
/// (258), read as systemd 258 and later read them, and ignored under older rules.
struct DirectoryQuotaTests {
    static func read(_ lines: [String], rules: SystemdRelease = .v262) -> UnitConfig {
        NewerExecDirectiveTests.read(lines, rules: rules)
    }

    @Test func aSizeIsBytesAndAPercentageAShareOfUInt32Max() throws {
        #expect(try DirectoryQuota.parse("1M") == .bytes(1 << 20))
        #expect(try DirectoryQuota.parse("1500") == .bytes(1500))
        #expect(try DirectoryQuota.parse("1.5K") == .bytes(1536))
        #expect(try DirectoryQuota.parse("0") == .bytes(0))
        #expect(try DirectoryQuota.parse("100%") == .share(UInt32.max))
        #expect(try DirectoryQuota.parse("50%") == .share(2_147_483_648))
        #expect(try DirectoryQuota.parse("0%") == .share(0))
        #expect(try DirectoryQuota.parse("12.5%")?.description == "12.50%" && DirectoryQuota.share(UInt32.max).description == "100%")
        // A size is told in the unit it was written in, not in bytes.
        #expect(try ["512M", "1.5K", "1500", "2G", "0"].map { try DirectoryQuota.parse($0)!.description } == ["512M", "1536", "1500", "2G", "0"])
        #expect(try DirectoryQuota.parse("off") == nil)
        #expect(try DirectoryQuota.parse("") == nil)
        for bad in ["101%", "lots", "-1M", "5%%", "1Q"] {
            #expect(throws: ValueError.self, "\(bad)") { try DirectoryQuota.parse(bad) }
        }
    }

    @Test func eachKindKeepsItsOwnSettingFrom258() {
        let config = Self.read(["StateDirectoryQuota=2M", "CacheDirectoryQuota=10%", "LogsDirectoryQuota=1M", "LogsDirectoryQuota=off",
                                "StateDirectoryAccounting=yes", "CacheDirectoryAccounting=no"], rules: .v258)
        #expect(!config.hasErrors, "\(config.diagnostics)")
        #expect(config.exec.filesystem.directoryQuotas == [.state: .bytes(2 << 20), .cache: .share(429_496_730)])
        #expect(config.exec.filesystem.directoryAccounting == [.state: true, .cache: false])
    }

    @Test func aBadValueIsReportedWithItsLineAndLeavesTheSettingBefore() {
        let config = Self.read(["StateDirectoryQuota=1M", "StateDirectoryQuota=much"])
        #expect(config.exec.filesystem.directoryQuotas[.state] == .bytes(1 << 20))
        let error = config.diagnostics.first { $0.severity == .error }
        #expect(error?.message.contains("StateDirectoryQuota=much: 'much' is not a disk quota") == true, "\(config.diagnostics)")
        #expect(error?.location.line == 3)
    }

    @Test func olderRulesIgnoreThemAsUnknownNewerDirectives() {
        let config = Self.read(["StateDirectoryQuota=1M", "StateDirectoryAccounting=yes"], rules: .v257)
        #expect(config.exec.filesystem.directoryQuotas.isEmpty && config.exec.filesystem.directoryAccounting.isEmpty)
        #expect(config.diagnostics.filter { $0.message.contains("is newer than systemd 257 (it came in 258), which ignores it; brig ignores it too") }.count == 2)
        #expect(!config.hasErrors)
    }
}

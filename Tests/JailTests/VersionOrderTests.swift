import Foundation
import Testing
import TestSupport
import Jail

/// The order of versions systemd picks by (UAPI.10, `strverscmp_improved()`).
struct VersionOrderTests {
    /// Each older than the next.
    static let ascending = [
        "7.5.13", "7.5.14", "7.6.0", "7.10", "8~alpha", "8~rc1", "8~rc2", "8", "8-1", "8-1.1", "8-2", "8^p1", "8.a", "8.0", "8.1", "8a", "9", "10",
        "122.1", "123~rc1-1", "123", "123-a", "123-a.1", "123-1", "123-1.1", "123^post1", "123.a-1", "123.1-1", "123a-1", "124-1",
    ]

    @Test func eachVersionIsOlderThanTheNext() {
        for (older, newer) in zip(Self.ascending, Self.ascending.dropFirst()) {
            #expect(VersionOrder.compare(older, newer) == -1, "\(older) < \(newer)")
            #expect(VersionOrder.compare(newer, older) == 1, "\(newer) > \(older)")
        }
    }

    @Test func numbersCompareAsNumbers() {
        #expect(VersionOrder.isOlder("7.9", than: "7.10"))
        #expect(VersionOrder.isOlder("2", than: "10"))
        #expect(VersionOrder.compare("00123", "123") == 0, "leading zeros are ignored")
        #expect(VersionOrder.compare("1.0", "1.00") == 0)
    }

    @Test func aPreReleaseIsOlderThanItsRelease() {
        #expect(VersionOrder.isOlder("1.0~rc1", than: "1.0"))
        #expect(VersionOrder.isOlder("1.0~rc1", than: "1.0~rc2"))
        #expect(VersionOrder.isOlder("0.9", than: "1.0~rc1"))
    }

    @Test func otherCharactersOnlySeparate() {
        #expect(VersionOrder.compare("123_a", "123a") == 0)
        #expect(VersionOrder.isOlder("1,2", than: "12"), "a dropped character still ends the number")
        #expect(VersionOrder.compare("", "") == 0)
        #expect(VersionOrder.isOlder("", than: "0"))
    }

    /// The same pairs through this machine's `systemd-analyze compare-versions` (252 and later).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "needs systemd-analyze"))
    func systemdAnalyzeOrdersThemAlike() throws {
        let samples = Self.ascending + ["1.0", "1.00", "00123", "123_a", "1,2", "12", "a", "A", "1.0+2", "1.0-x86-64"]
        for a in samples {
            for b in samples.shuffled().prefix(6) {
                let out = try Subprocess.run(["/usr/bin/systemd-analyze", "compare-versions", a, b])
                // "A < B", "A == B" or "A > B".
                let sign = out.stdout.split(separator: " ").dropFirst().first
                let systemd = sign == "<" ? -1 : sign == ">" ? 1 : sign == "==" ? 0 : 99
                #expect(VersionOrder.compare(a, b) == systemd, "\(a) vs \(b): systemd says \(out.stdout)")
            }
        }
    }
}

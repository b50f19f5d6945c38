import Directives
import Testing
@testable import Harden

/// The prove phase's search and the synthesis of the system call filter, without running anything.
struct SynthesisTests {
    @Test func deltaDebuggingFindsOneCulpritAmong32InFewRuns() throws {
        var runs = 0
        var search = DeltaDebugging<Int> { subset in
            runs += 1
            return subset.contains(23)
        }
        #expect(try search.minimalFailing(Array(0..<32)) == [23])
        // Halving: about 2·log2(32) runs, where one directive at a time would take 32.
        #expect(runs <= 12)
    }

    @Test func deltaDebuggingFindsAPairThatFailsOnlyTogether() throws {
        var search = DeltaDebugging<Int> { subset in subset.contains(3) && subset.contains(17) }
        #expect(try search.minimalFailing(Array(0..<20)).sorted() == [3, 17])
    }

    @Test func theFilterUsesNoJudgedGroupAndListsItsCallsSingly() {
        let observed: Set<String> = ["read", "write", "openat", "close", "newfstatat", "mount", "setuid", "socket", "bind", "listen", "accept4"]
        let cover = SyscallCover(observed: observed, rules: .v252)
        #expect(cover.entries.contains("mount") && cover.entries.contains("setuid"))
        for judged in ["@mount", "@privileged", "@system-service", "@default", "@setuid"] { #expect(!cover.entries.contains(judged)) }
        // Every observed call is allowed by the entries (or by @default, which systemd adds).
        var allowed = Set(SyscallGroups.expand("@default", rules: .v252) ?? [])
        for entry in cover.entries { allowed.formUnion(SyscallGroups.expand(entry, rules: .v252) ?? [entry]) }
        #expect(observed.isSubset(of: allowed))
    }
}

import Testing
import Directives
@testable import Seccomp

/// Stacking follows the kernel: the strongest answer of all filters wins, and of equally
/// strong answers the one of the filter installed last.
@Suite struct SeccompLayerTests {
    static let all = SyscallABI.allCases

    @Test func laterErrnoWinsATie() throws {
        let policy = try SeccompLayer.stack([
            SeccompLayer("first", rules: [.always("uname", .errno(1))]),
            SeccompLayer("second", rules: [.always("uname", .errno(13))]),
        ], abis: Self.all, badABIAction: .allow)
        #expect(policy.rules == [SeccompRule("uname", .errno(13))])
        #expect(policy.defaultAction == .allow)
    }

    @Test func killBeatsErrnoWhicheverCameFirst() throws {
        let policy = try SeccompLayer.stack([
            SeccompLayer("kills", rules: [.always("uname", .killProcess)]),
            SeccompLayer("refuses", defaultAction: .errno(1), rules: [.always("uname", .errno(13)), .always("read", .allow)]),
        ], abis: Self.all, badABIAction: .allow)
        #expect(policy.defaultAction == .errno(1))
        #expect(Set(policy.rules) == [SeccompRule("uname", .killProcess), SeccompRule("read", .allow)])
    }

    @Test func conditionalRuleOverAllowDefaultNeedsOnlyItsCases() throws {
        let policy = try SeccompLayer.stack([SystemdLayers.lockPersonality(0)], abis: Self.all, badABIAction: .allow)
        #expect(policy.rules == [SeccompRule("personality", .errno(1), when: [.init(argument: 0, .notEqual, 0)])])
    }

    @Test func conditionalRuleUnderAllowListUsesItsComplement() throws {
        let policy = try SeccompLayer.stack([
            SystemdLayers.lockPersonality(0),
            SeccompLayer("SystemCallFilter=", defaultAction: .errno(1), rules: [.always("personality", .allow)]),
        ], abis: Self.all, badABIAction: .allow)
        #expect(policy.rules == [SeccompRule("personality", .allow, when: [.arg(0, equals: 0)])])
    }

    @Test func bothSidesAreWrittenWhenNeitherIsTheDefault() throws {
        let policy = try SeccompLayer.stack([
            SystemdLayers.lockPersonality(0),
            SeccompLayer("SystemCallFilter=", defaultAction: .errno(13), rules: [.always("personality", .allow)]),
        ], abis: Self.all, badABIAction: .allow)
        #expect(policy.rules == [
            SeccompRule("personality", .errno(1), when: [.init(argument: 0, .notEqual, 0)]),
            SeccompRule("personality", .allow, when: [.arg(0, equals: 0)]),
        ])
    }

    @Test func aRefusalFromTheLastFilterMakesArgumentChecksMoot() throws {
        let policy = try SeccompLayer.stack([
            SystemdLayers.lockPersonality(0),
            SeccompLayer("SystemCallFilter=", rules: [.always("personality", .errno(13))]),
        ], abis: Self.all, badABIAction: .allow)
        #expect(policy.rules == [SeccompRule("personality", .errno(13))])
    }

    @Test func rulesForSomeABIsStaySo() throws {
        let policy = try SeccompLayer.stack([SystemdLayers.memoryDenyWriteExecute()], abis: Self.all, badABIAction: .allow)
        let oldMmap = try #require(policy.rules.first { $0.syscall == "mmap" && $0.conditions.isEmpty })
        #expect(oldMmap.abis == [.x86])
        #expect(policy.rules.contains { $0.syscall == "mprotect" && $0.abis == nil })
    }

    @Test func complementsPartitionTheMaskedValues() {
        let others = SystemdLayers.otherMaskedValues(2, 0x6)
        #expect(others.map { $0[0].value } == [0, 2, 4])
    }

    @Test func twoArgumentRuleSetsOnOneCallAreRefused() {
        #expect(throws: SeccompError.self) {
            try SeccompLayer.stack([SystemdLayers.lockPersonality(0), SystemdLayers.lockPersonality(8)],
                                   abis: Self.all, badABIAction: .allow)
        }
    }

    @Test func classicNamespaceFlagsAreThoseOfRestrictNamespacesNo() {
        #expect(SystemdLayers.classicNamespaceFlags == NamespaceRestriction.all.allowed.reduce(0) { $0 | $1.cloneFlag })
    }
}

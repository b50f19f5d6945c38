import Foundation
import Testing
import Directives
@testable import Seccomp

@Suite(.enabled(if: ProbeRunner.canBuild, "needs root and a C compiler for the probes"))
struct SeccompCompilerTests {
    @Test func deniedCallFailsWithTheRequestedErrnoAndOthersStillWork() throws {
        let policy = SeccompPolicy(rules: [SeccompRule("getppid", .errno(ErrnoName.number(of: "EACCES")!))])
        let program = try SeccompCompiler.compile(policy)
        let output = try ProbeRunner.probe(["getppid", "read-zero", "uname"], under: program)
        #expect(output.results == ["getppid": "EACCES", "read-zero": "ok", "uname": "ok"])
    }

    @Test func allowListDefaultErrnoApplies() throws {
        var rules = SyscallGroups.expand("@system-service", rules: .v252)!.map { SeccompRule($0, .allow) }
        rules.removeAll { $0.syscall == "uname" }
        let policy = SeccompPolicy(defaultAction: .errno(1), rules: rules)
        let output = try ProbeRunner.probe(["getppid", "uname", "mount"], under: try SeccompCompiler.compile(policy))
        #expect(output.results == ["getppid": "ok", "uname": "EPERM", "mount": "EPERM"])
    }

    @Test func killProcessEndsTheProbeWithSIGSYS() throws {
        let policy = SeccompPolicy(rules: [SeccompRule("uname", .killProcess)])
        let output = try ProbeRunner.probe(["getppid", "uname", "getppid"], under: try SeccompCompiler.compile(policy))
        #expect(output.signal == SIGSYS)
        #expect(output.stdout == "getppid ok\n")
    }

    @Test func blockedABIsAreKilledAndNativeStillWorks() throws {
        let policy = SeccompPolicy(abis: [.x86_64], badABIAction: .killThread)
        let program = try SeccompCompiler.compile(policy)
        #expect(try ProbeRunner.probe(["getppid"], under: program).results == ["getppid": "ok"])
        let i386 = try ProbeRunner.probe(["i386:20"], under: program)  // getpid through int $0x80
        #expect(i386.signal == SIGSYS)
    }

    @Test func conditionalRulesLookAtArguments() throws {
        let wx: UInt64 = 0x2 | 0x4  // PROT_WRITE | PROT_EXEC
        let policy = SeccompPolicy(rules: [
            SeccompRule("mmap", .errno(1), when: [.arg(2, masked: wx, equals: wx)]),
            SeccompRule("socket", .errno(97), when: [.arg(0, equals: 2)]),
        ])
        let output = try ProbeRunner.probe(["mmap-wx", "mmap-rx", "socket:2", "socket:1"],
                                           under: try SeccompCompiler.compile(policy))
        #expect(output.results == ["mmap-wx": "EPERM", "mmap-rx": "ok", "socket:2": "EAFNOSUPPORT", "socket:1": "ok"])
    }

    @Test func badPoliciesAreClearErrors() {
        #expect(throws: SeccompError.invalidPolicy("no system-call ABI to filter")) {
            try SeccompCompiler.compile(SeccompPolicy(abis: []))
        }
        #expect(throws: SeccompError.self) {
            try SeccompCompiler.compile(SeccompPolicy(defaultAction: .errno(5000)))
        }
    }
}

@Suite struct LibSeccompLoadingTests {
    @Test func aMissingLibraryIsAClearError() throws {
        let result = LibSeccomp.load("libseccomp-brig-missing.so.9")
        guard case .failure(let error) = result, case .libraryUnavailable(let reason) = error else {
            Issue.record("loading a missing library succeeded")
            return
        }
        #expect(reason.contains("libseccomp-brig-missing.so.9"))
        #expect(error.description.hasPrefix("system call filtering needs libseccomp.so.2"))
    }

    @Test func noSeccompDirectiveNeedsNoFilter() throws {
        #expect(try SeccompPolicy.forUnit(ExecContext()) == nil)
    }
}

/// A call the kernel has but the loaded libseccomp does not know by name (fchmodat2() for
/// libseccomp 2.5.4 as released; mseal() and others for this machine's) is refused by number.
@Suite struct CallsUnknownToLibseccompTests {
    /// A call of brig's x86-64 and i386 tables that this libseccomp cannot name, if there is one.
    static let unknown: String? = {
        guard case .success(let lib) = LibSeccomp.shared else { return nil }
        return SyscallTable.x86_64.names.sorted().first { name in
            SyscallTable.x86.contains(name) && name.withCString { lib.resolveName($0) } == LibSeccomp.unknownSyscall
        }
    }()

    @Test(.enabled(if: unknown != nil, "this libseccomp knows every call brig's tables list"))
    func aRefusalIsPlacedByNumberOnTheNativeABI() throws {
        let call = try #require(Self.unknown)
        let program = try SeccompCompiler.compile(SeccompPolicy(abis: [.x86_64], rules: [SeccompRule(call, .errno(1))]))
        #expect(!program.alwaysAllows(call))
        #expect(program.alwaysAllows("getppid"))
    }

    @Test(.enabled(if: unknown != nil, "this libseccomp knows every call brig's tables list"))
    func aRefusalOnAnotherABIStopsTheBuild() throws {
        let call = try #require(Self.unknown)
        #expect(throws: SeccompError.syscallUnknownToLibrary(syscall: call, abi: .x86)) {
            try SeccompCompiler.compile(SeccompPolicy(abis: [.x86_64, .x86], rules: [SeccompRule(call, .errno(1))]))
        }
    }

    /// As systemd does: an allow list that names the call leaves it to the default action.
    @Test(.enabled(if: unknown != nil, "this libseccomp knows every call brig's tables list"))
    func anAllowanceIsLeftToTheDefaultAction() throws {
        let call = try #require(Self.unknown)
        let policy = SeccompPolicy(defaultAction: .errno(1), abis: [.x86_64, .x86], rules: [SeccompRule(call, .allow)])
        #expect(!(try SeccompCompiler.compile(policy)).alwaysAllows(call))
    }
}

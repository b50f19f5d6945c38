import Foundation
import Synchronization
import Testing
import Directives
@testable import Seccomp

@Suite struct SeccompProgramTests {
    static var resolvedLike: SeccompProgram {
        get throws { try SeccompCompiler.compile(try SystemdDifferentialTests.resolvedLikePolicy) }
    }

    @Test func resolvedLikeProfileIsOneSmallProgram() throws {
        let program = try Self.resolvedLike
        #expect(program.policy.abis == [.x86_64])
        #expect(program.instructions.count > 50)
        #expect(program.instructions.count < 1000)
        #expect(program.bytes.count == program.instructions.count * 8)
    }

    /// Unconditionally allowed calls must stay free of argument checks, so the kernel's
    /// action cache skips the filter for them.
    @Test func everydayCallsAreCacheableUnderTheResolvedLikeProfile() throws {
        let program = try Self.resolvedLike
        for call in ["read", "write", "getppid", "close", "futex", "epoll_wait", "recvmsg", "sendmsg"] {
            #expect(program.alwaysAllows(call), "\(call)")
        }
        // Calls with argument checks or refused calls are not.
        for call in ["socket", "mmap", "mprotect", "clone", "personality", "mount", "sched_setscheduler"] {
            #expect(!program.alwaysAllows(call), "\(call)")
        }
    }

    @Test func blockedABIsAreNeverCacheable() throws {
        let program = try Self.resolvedLike
        #expect(!program.alwaysAllows("getppid", abi: .x86))
        #expect(!program.alwaysAllows("getppid", abi: .x32))
    }

    @Test func descriptionShowsDefaultABIsRulesAndSize() throws {
        let text = try Self.resolvedLike.description
        #expect(text.contains("default action: errno EPERM"))
        #expect(text.contains("ABIs: x86-64; other ABIs (x86 x32): kill-thread"))
        #expect(text.contains("socket: errno EAFNOSUPPORT if arg0 < 1 | arg0 > 0x10 | arg0 == 3 | "))
        #expect(text.contains("open: allow if arg1 & 0x40 == 0 | arg2 & 0xc00 == 0"))
        #expect(text.contains("personality: allow if arg0 == 0"))
        #expect(text.contains("clone3"))
        #expect(text.contains("BPF instructions"))
        let allowLine = try #require(text.split(separator: "\n").first { $0.hasPrefix("allow (") })
        #expect(allowLine.contains(" getppid "))
        #expect(!allowLine.contains("_llseek"))  // an i386 call; the program filters x86-64 only
    }
}

@Suite struct SyscallLogTests {
    /// systemd 252 logs exactly the listed calls: SystemCallLog= has no implicit @default,
    /// so everything else stays cacheable.
    @Test func logListHasNoImplicitDefault() throws {
        let policy = try #require(try SeccompPolicy.forUnit(try UnitFixture.exec(["SystemCallLog=getppid uname"])))
        #expect(Set(policy.rules) == [SeccompRule("getppid", .log), SeccompRule("uname", .log)])
        #expect(policy.defaultAction == .allow)
    }
}

@Suite struct ProgramSizeTests {
    /// A policy too big for one kernel program is refused while compiling, with the reason.
    /// (A real 4097-instruction policy takes libseccomp half a minute to build; the limit is
    /// lowered instead.)
    @Test func tooLongAProgramIsAClearError() throws {
        let rules = (0..<64).map { SeccompRule("ioctl", .errno(1), when: [.arg(1, equals: UInt64($0))]) }
        let program = try SeccompCompiler.compile(SeccompPolicy(abis: [.x86_64], rules: rules))
        #expect(throws: SeccompError.invalidPolicy(
            "the filter needs \(program.instructions.count) BPF instructions, more than the kernel's 64")) {
            try SeccompCompiler.compile(SeccompPolicy(abis: [.x86_64], rules: rules), instructionLimit: 64)
        }
        #expect(SeccompCompiler.maximumInstructions == 4096)  // BPF_MAXINSNS
    }
}

/// brig listen compiles instances' filters on several threads at once: every compilation gives
/// the program a lone one gives.
@Suite struct ConcurrentCompilationTests {
    @Test func programsCompiledOnManyThreadsAtOnceAreAllWhole() throws {
        let policy = try #require(try SeccompPolicy.forUnit(try UnitFixture.exec(["SystemCallFilter=@system-service",
                                                                                  "SystemCallArchitectures=native"])))
        let alone = try SeccompCompiler.compile(policy).bytes
        // Threads of their own, more than the machine has CPUs, each compiling in a loop.
        let results = Mutex<[Int]>([])
        let group = DispatchGroup()
        for _ in 0..<16 {
            group.enter()
            Thread.detachNewThread {
                for _ in 0..<8 {
                    let count = (try? SeccompCompiler.compile(policy).bytes).map { $0 == alone ? -1 : $0.count / 8 } ?? -2
                    results.withLock { $0.append(count) }
                }
                group.leave()
            }
        }
        group.wait()
        let counts = results.withLock { $0 }
        #expect(counts.count == 128)
        #expect(counts.allSatisfy { $0 == -1 }, "instruction counts of the programs that differ (-2: failed): \(counts.filter { $0 != -1 }); alone \(alone.count / 8)")
    }
}

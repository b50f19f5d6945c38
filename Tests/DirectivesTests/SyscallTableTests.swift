import Testing
@testable import Directives

@Suite struct SyscallTableTests {
    @Test func x86_64NumbersMatchTheKernel() {
        #expect(SyscallTable.x86_64.number(of: "read") == 0)
        #expect(SyscallTable.x86_64.number(of: "getppid") == 110)
        #expect(SyscallTable.x86_64.number(of: "clone3") == 435)
        #expect(SyscallTable.x86_64.name(of: 59) == "execve")
        #expect(SyscallTable.x86_64.number(of: "socketcall") == nil)
    }

    @Test func i386NumbersMatchTheKernel() {
        #expect(SyscallTable.x86.number(of: "getppid") == 64)
        #expect(SyscallTable.x86.number(of: "socketcall") == 102)
        #expect(SyscallTable.x86.name(of: 11) == "execve")
    }

    @Test func x32NumbersCarryTheX32Bit() {
        #expect(SyscallTable.x32.number(of: "read") == 0x4000_0000)
        #expect(SyscallTable.x32.number(of: "getppid") == Int32(0x4000_0000 + 110))
        // x32 has its own entry points for calls whose structures differ from x86-64's.
        #expect(SyscallTable.x32.number(of: "execve") == Int32(0x4000_0000 + 520))
    }

    @Test func tableSizesMatchTheHeaders() {
        #expect(SyscallTable.x86_64.count > 350)
        #expect(SyscallTable.x86.count > 430)
        #expect(SyscallTable.table(for: .x32).abi == .x32)
        #expect(SyscallTable.isKnownOnAnyArchitecture("socketcall"))
        #expect(!SyscallTable.isKnownOnAnyArchitecture("no_such_call"))
    }
}

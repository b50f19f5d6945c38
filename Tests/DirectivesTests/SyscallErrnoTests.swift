import Testing
@testable import Directives

@Suite struct SyscallErrnoTests {
    @Test func namesMatchTheKernel() {
        #expect(ErrnoName.number(of: "EPERM") == 1)
        #expect(ErrnoName.number(of: "EACCES") == 13)
        #expect(ErrnoName.number(of: "ENOSYS") == 38)
        #expect(ErrnoName.number(of: "EAFNOSUPPORT") == 97)
        #expect(ErrnoName.number(of: "EHWPOISON") == 133)
        #expect(ErrnoName.number(of: "eperm") == nil)
    }

    @Test func aliasesResolveAndCanonicalNamesWin() {
        #expect(ErrnoName.number(of: "EWOULDBLOCK") == 11)
        #expect(ErrnoName.number(of: "ENOTSUP") == 95)
        #expect(ErrnoName.name(of: 11) == "EAGAIN")
        #expect(ErrnoName.name(of: 35) == "EDEADLK")
        #expect(ErrnoName.name(of: 95) == "EOPNOTSUPP")
        #expect(ErrnoName.name(of: 41) == nil)  // a hole in the kernel's numbering
    }

    @Test func parseTakesNamesAndNumbersLikeSystemd() {
        #expect(ErrnoName.parse("EPERM") == 1)
        #expect(ErrnoName.parse("0") == 0)
        #expect(ErrnoName.parse("4095") == 4095)
        #expect(ErrnoName.parse("4096") == nil)
        #expect(ErrnoName.parse("-1") == nil)
        #expect(ErrnoName.parse("EBOGUS") == nil)
        #expect(ErrnoName.parse("") == nil)
    }
}

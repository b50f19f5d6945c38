/// A CPU architecture by the name systemd gives it: the words ConditionArchitecture= takes (but
/// "native") and the architecture field of a versioned directory's entries (systemd.v(7)).
/// The list is architecture_table in systemd's src/basic/architecture.c.
public enum Architecture: String, DirectiveEnum {
    case arm64, arm64BE = "arm64-be", arm, armBE = "arm-be", alpha, arc, arcBE = "arc-be", cris
    case x86_64 = "x86-64", x86, ia64, loongarch64, m68k
    case mips64LE = "mips64-le", mips64, mipsLE = "mips-le", mips, nios2, parisc64, parisc
    case ppc64LE = "ppc64-le", ppc64, ppc, ppcLE = "ppc-le", riscv32, riscv64, s390x, s390
    case sh64, sh, sparc64, sparc, tilegx

    /// The architecture brig was built for, as systemd's native_architecture() names its own
    /// build's (architecture.h); nil on one brig does not name.
    public static var native: Architecture? {
        #if arch(x86_64)
        .x86_64
        #elseif arch(arm64)
        .arm64
        #elseif arch(i386)
        .x86
        #elseif arch(arm)
        .arm
        #elseif arch(s390x)
        .s390x
        #elseif arch(powerpc64le)
        .ppc64LE
        #elseif arch(powerpc64)
        .ppc64
        #elseif arch(riscv64)
        .riscv64
        #else
        nil
        #endif
    }

    /// The architecture whose programs the native one also runs, which systemd accepts after the
    /// native one (ARCHITECTURE_SECONDARY in architecture.h): x86 on x86-64, arm on arm64.
    public static var secondary: Architecture? {
        #if arch(x86_64)
        .x86
        #elseif arch(arm64)
        .arm
        #elseif arch(s390x)
        .s390
        #elseif arch(powerpc64le)
        .ppcLE
        #elseif arch(powerpc64)
        .ppc
        #else
        nil
        #endif
    }
}

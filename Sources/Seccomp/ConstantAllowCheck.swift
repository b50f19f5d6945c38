import Directives

extension SeccompProgram {
    /// Whether the kernel can put `syscall` of `abi` in its per-filter action cache: the
    /// program must allow it whatever the arguments are. Decided like the kernel's own
    /// check (seccomp_is_const_allow): run the program knowing only the call number and
    /// the ABI, and give up as soon as it reads anything else.
    public func alwaysAllows(_ syscall: String, abi: SyscallABI = .native) -> Bool {
        guard let number = SyscallTable.table(for: abi).number(of: syscall) else { return false }
        // x32 calls reach the filter as x86-64 ones whose number carries the x32 bit (the
        // table's numbers have it); libseccomp's x32 token never appears in seccomp_data.
        let arch = SeccompCompiler.token(of: abi == .x32 ? .x86_64 : abi)
        var accumulator: UInt32 = 0
        var pc = 0
        while pc < instructions.count {
            let i = instructions[pc]
            pc += 1
            switch i.code {
            case 0x20:  // BPF_LD | BPF_W | BPF_ABS
                switch i.k {
                case 0: accumulator = UInt32(bitPattern: number)  // seccomp_data.nr
                case 4: accumulator = arch                        // seccomp_data.arch
                default: return false                             // an argument or the IP
                }
            case 0x54: accumulator &= i.k           // BPF_ALU | BPF_AND | BPF_K
            case 0x05: pc += Int(i.k)               // BPF_JMP | BPF_JA
            case 0x15, 0x35, 0x25, 0x45:            // JEQ, JGE, JGT, JSET with K
                let taken = switch i.code {
                case 0x15: accumulator == i.k
                case 0x35: accumulator >= i.k
                case 0x25: accumulator > i.k
                default: accumulator & i.k != 0
                }
                pc += Int(taken ? i.jt : i.jf)
            case 0x06: return i.k == SeccompAction.allow.rawValue  // BPF_RET | BPF_K
            default: return false
            }
        }
        return false
    }
}

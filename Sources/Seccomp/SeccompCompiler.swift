#if canImport(Glibc)
import Glibc
#endif
import Directives

/// Turns a `SeccompPolicy` into one BPF program with libseccomp: one filter context per
/// ABI (so a rule can differ between ABIs, as systemd's per-ABI filters do), merged into a
/// single program, binary-tree optimised where libseccomp supports it.
public enum SeccompCompiler {
    public static let maximumInstructions = 4096

    public static func compile(_ policy: SeccompPolicy) throws(SeccompError) -> SeccompProgram {
        try compile(policy, instructionLimit: maximumInstructions)
    }

    static func compile(_ policy: SeccompPolicy, instructionLimit: Int) throws(SeccompError) -> SeccompProgram {
        try validate(policy)
        let lib = try LibSeccomp.shared.get()
        var merged: LibSeccomp.Context?
        defer { lib.release(merged) }
        for abi in policy.abis {
            let context = try filterContext(for: abi, of: policy, lib)
            if merged == nil {
                merged = context
                continue
            }
            let result = lib.merge(merged, context)  // frees `context` on success
            if result < 0 {
                lib.release(context)
                throw .libseccompFailed(step: "merge the \(abi.rawValue) filter", errno: result)
            }
        }
        let instructions = SeccompProgram.instructions(from: try export(merged, lib))
        // The kernel refuses longer programs (BPF_MAXINSNS); say so now, not at start.
        guard instructions.count <= instructionLimit else {
            throw .invalidPolicy("the filter needs \(instructions.count) BPF instructions, more than the kernel's \(instructionLimit)")
        }
        return SeccompProgram(policy: policy, instructions: instructions)
    }

    private static func validate(_ policy: SeccompPolicy) throws(SeccompError) {
        guard !policy.abis.isEmpty else { throw .invalidPolicy("no system-call ABI to filter") }
        guard ABISet(policy.abis).members.count == policy.abis.count else { throw .invalidPolicy("an ABI is listed twice") }
        for action in [policy.defaultAction, policy.badABIAction] + policy.rules.map(\.action) {
            if case .errno(let n) = action, !(0...ErrnoName.maximum).contains(n) {
                throw .invalidPolicy("error number \(n) is outside 0...\(ErrnoName.maximum)")
            }
        }
        for rule in policy.rules {
            guard rule.conditions.count <= 6, rule.conditions.allSatisfy({ $0.argument < 6 }) else {
                throw .invalidPolicy("\(rule.syscall)(): system calls have six arguments, 0...5")
            }
        }
    }

    /// libseccomp's token for an ABI (its AUDIT_ARCH_* value).
    static func token(of abi: SyscallABI) -> UInt32 {
        switch abi {
        case .x86_64: 0xC000_003E
        case .x86: 0x4000_0003
        case .x32: 0x4000_003E
        }
    }

    private static func filterContext(for abi: SyscallABI, of policy: SeccompPolicy,
                                      _ lib: LibSeccomp) throws(SeccompError) -> LibSeccomp.Context {
        guard let context = lib.initialize(policy.defaultAction.rawValue) else {
            throw .libseccompFailed(step: "create a filter", errno: -ENOMEM)
        }
        var ok = false
        defer { if !ok { lib.release(context) } }
        let token = token(of: abi)
        if token != lib.archNative() {
            try check(lib.archRemove(context, lib.archNative()), "remove the native ABI")
            try check(lib.archAdd(context, token), "add the \(abi.rawValue) ABI")
        }
        try check(lib.attrSet(context, LibSeccomp.Attribute.badArchAction.rawValue, policy.badABIAction.rawValue),
                  "set the bad-ABI action")
        // The jail sets no_new_privs itself (or keeps CAP_SYS_ADMIN), as systemd does.
        try check(lib.attrSet(context, LibSeccomp.Attribute.noNewPrivileges.rawValue, 0), "leave no_new_privs alone")
        // Binary search over call numbers; libseccomp before 2.5 lacks it and keeps a linear list.
        _ = lib.attrSet(context, LibSeccomp.Attribute.optimize.rawValue, 2)

        for rule in policy.rules where rule.applies(to: abi) {
            guard let native = try number(of: rule, in: abi, token: token, lib) else {
                continue  // not a call of this ABI: nothing to filter, as systemd skips it
            }
            let result: Int32
            if rule.conditions.isEmpty {
                result = lib.ruleAddExact(context, rule.action.rawValue, native, 0, nil)
            } else {
                let comparisons = rule.conditions.map {
                    LibSeccomp.ArgCmp(arg: $0.argument, op: $0.op.rawValue, datumA: $0.op == .maskedEqual ? $0.mask : $0.value,
                                      datumB: $0.op == .maskedEqual ? $0.value : 0)
                }
                result = comparisons.withUnsafeBufferPointer {
                    lib.ruleAddExact(context, rule.action.rawValue, native, UInt32($0.count), UnsafeRawPointer($0.baseAddress))
                }
            }
            if result < 0 { throw .ruleRejected(syscall: rule.syscall, abi: abi, errno: result) }
        }
        ok = true
        return context
    }

    /// The number libseccomp takes for the rule's call in a filter of `abi`, or nil when the ABI
    /// has no such call. Rules take libseccomp's native numbering (pseudo numbers for calls the
    /// native ABI lacks), which libseccomp maps to the filter's ABI by name. A call newer than the
    /// loaded libseccomp (fchmodat2() for 2.5.4 as released) is refused by the number of brig's own
    /// table, as systemd does; libseccomp takes such a number only for the native ABI, so another
    /// ABI stops the build rather than leave the call open. Allowing rules are left out, as
    /// systemd leaves them: the call then gets the program's default action.
    private static func number(of rule: SeccompRule, in abi: SyscallABI, token: UInt32,
                               _ lib: LibSeccomp) throws(SeccompError) -> Int32? {
        let (onABI, native) = rule.syscall.withCString { name in (lib.resolveNameArch(token, name), lib.resolveName(name)) }
        if onABI >= 0 { return native }
        // Any other negative answer than "unknown" means the ABI has no such call (or only
        // multiplexed, like i386's socket calls behind socketcall()).
        guard onABI == LibSeccomp.unknownSyscall, rule.action != .allow, let number = SyscallTable.table(for: abi).number(of: rule.syscall) else {
            return nil
        }
        guard abi == .native else { throw .syscallUnknownToLibrary(syscall: rule.syscall, abi: abi) }
        return number
    }

    private static func check(_ result: Int32, _ step: String) throws(SeccompError) {
        if result < 0 { throw .libseccompFailed(step: step, errno: result) }
    }

    /// libseccomp 2.5 exports only into a file descriptor: use an anonymous memory file.
    private static func export(_ context: LibSeccomp.Context?, _ lib: LibSeccomp) throws(SeccompError) -> [UInt8] {
        let fd = lib.memfdCreate("brig-seccomp", 1 /* MFD_CLOEXEC */)
        guard fd >= 0 else { throw .libseccompFailed(step: "create a memory file for the program", errno: errno) }
        defer { close(fd) }
        try check(lib.exportBPF(context, fd), "export the program")
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0, lseek(fd, 0, SEEK_SET) == 0 else {
            throw .libseccompFailed(step: "read the exported program", errno: errno)
        }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .libseccompFailed(step: "read the exported program", errno: n < 0 ? errno : EIO) }
            done += n
        }
        return bytes
    }
}

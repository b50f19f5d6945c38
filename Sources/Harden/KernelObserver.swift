import CJail
import Jail
import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// Watches a service's whole process tree from inside the kernel, by cgroup: two raw-tracepoint
/// programs (no ptrace, nothing in the service's path but a map update). `sys_enter` marks each
/// system call number the tree makes and keeps the arguments `ArgumentSpec.table` names;
/// `cap_capable` marks each capability a check granted, with the system call the thread was in
/// (which `sys_enter` keeps per thread). Both count only processes below the
/// trial's cgroup but not in it (that is brig run itself), and not while they are still brig
/// (the jail's own set-up between clone and execve is brig's, not the service's).
final class KernelObserver {
    private var maps: [Int32] = []
    private var links: [Int32] = []
    private let syscalls: Int32, specs: Int32, arguments: Int32, capabilities: Int32, currentCall: Int32

    static let keySize = 128, stringOffset = 16

    init(watching cgroup: TrialCgroup) throws(HardenError) {
        func map(_ type: UInt32, _ key: UInt32, _ value: UInt32, _ entries: UInt32, _ flags: UInt32 = 0) throws(HardenError) -> Int32 {
            let fd = cjail_bpf_map_create(type, key, value, entries, flags)
            if fd < 0 { throw .system("creating a BPF map for the observer", -fd) }
            return fd
        }
        syscalls = try map(BPFNumbers.mapArray, 4, 1, 512)
        maps.append(syscalls)
        specs = try map(BPFNumbers.mapHash, 4, 16, 64)
        maps.append(specs)
        arguments = try map(BPFNumbers.mapHash, UInt32(Self.keySize), 4, 65536, BPFNumbers.noPreallocation)
        maps.append(arguments)
        capabilities = try map(BPFNumbers.mapArray, 4, 1, 64 * 512)
        maps.append(capabilities)
        currentCall = try map(BPFNumbers.mapHash, 4, 4, 16384)
        maps.append(currentCall)
        for spec in ArgumentSpec.table {
            var key = UInt32(spec.number), value = spec.mapValue
            _ = cjail_bpf_map_update(specs, &key, &value)
        }
        try attach(systemCallProgram(cgroup), to: "sys_enter")
        try attach(capabilityProgram(cgroup), to: "cap_capable")
    }

    deinit {
        for fd in links + maps { close(fd) }
    }

    /// Stops watching; what was seen stays readable.
    func detach() {
        for fd in links { close(fd) }
        links = []
    }

    private func attach(_ code: EBPFCode, to tracepoint: String) throws(HardenError) {
        var log = [CChar](repeating: 0, count: 65536)
        let program = code.bytes.withUnsafeBytes { instructions in
            cjail_bpf_prog_load(BPFNumbers.programRawTracepoint, 0, instructions.baseAddress, UInt32(code.count), &log, UInt32(log.count))
        }
        if program < 0 {
            let verifier = String(cText: log)
            throw .system("loading the \(tracepoint) observer program" + (verifier.isEmpty ? "" : " (\(verifier.suffix(300)))"), -program)
        }
        defer { close(program) }
        let link = cjail_bpf_raw_tracepoint_open(tracepoint, program)
        if link < 0 { throw .system("attaching the observer to the \(tracepoint) tracepoint", -link) }
        links.append(link)
    }

    /// Jumps to the program's end unless the current task is one of the service's: below the
    /// trial's cgroup, not in it, and no longer named "brig".
    private static func service(_ code: inout EBPFCode, _ cgroup: TrialCgroup) -> [Int] {
        var skip: [Int] = []
        code.call(BPFNumbers.helperCurrentCgroupID)
        code.move(1, wide: cgroup.id)
        skip.append(code.jump(if: 0, .equal, register: 1))
        code.move(1, Int32(cgroup.level))
        code.call(BPFNumbers.helperCurrentAncestorCgroupID)
        code.move(1, wide: cgroup.id)
        skip.append(code.jump(if: 0, .notEqual, register: 1))
        code.move(1, fromRegister: 10)
        code.add(1, -32)
        code.move(2, 16)
        code.call(BPFNumbers.helperCurrentComm)
        code.load32(1, from: 10, -32)
        let other = code.jump(if: 1, .notEqual, 0x6769_7262)   // "brig", little-endian
        code.load8(1, from: 10, -28)
        skip.append(code.jump(if: 1, .equal, 0))
        code.land([other])
        return skip
    }

    /// r1 = the map `fd`, r2 = r10 + `offset`; then a lookup.
    private static func lookup(_ code: inout EBPFCode, _ fd: Int32, keyAt offset: Int32) {
        code.loadMap(1, fd: fd)
        code.move(2, fromRegister: 10)
        code.add(2, offset)
        code.call(BPFNumbers.helperMapLookup)
    }

    /// Sets the map `fd`'s entry at key r10 + `key` to the value at r10 + `value`.
    private static func update(_ code: inout EBPFCode, _ fd: Int32, keyAt key: Int32, valueAt value: Int32) {
        code.loadMap(1, fd: fd)
        code.move(2, fromRegister: 10)
        code.add(2, key)
        code.move(3, fromRegister: 10)
        code.add(3, value)
        code.move(4, 0)
        code.call(BPFNumbers.helperMapUpdate)
    }

    // Stack: -4 the syscall number (a map key), -8 the value 1, -16 a pointer read from pt_regs,
    // -32 the task's name, -160...-33 the argument record (number, 0, scalar, string), -168 the
    // thread's id.
    private func systemCallProgram(_ cgroup: TrialCgroup) -> EBPFCode {
        var code = EBPFCode()
        code.move(6, fromRegister: 1)
        var out = Self.service(&code, cgroup)
        code.load64(7, from: 6, 8)                 // ctx->args[1]: the system call number
        out.append(code.jump(if: 7, .greater, 511))
        code.store32(to: 10, -4, register: 7)
        code.call(BPFNumbers.helperCurrentPIDTGID)
        code.store32(to: 10, -168, register: 0)   // the thread's id: the low half
        Self.update(&code, currentCall, keyAt: -168, valueAt: -4)
        Self.lookup(&code, syscalls, keyAt: -4)
        let unmarked = code.jump(if: 0, .equal, 0)
        code.store8(to: 0, 0, 1)
        code.land([unmarked])
        Self.lookup(&code, specs, keyAt: -4)
        out.append(code.jump(if: 0, .equal, 0))
        code.move(9, fromRegister: 0)
        for offset in stride(from: -160, to: -32, by: 8) { code.store64(to: 10, Int16(offset), 0) }
        code.store32(to: 10, -160, register: 7)
        code.load64(8, from: 6, 0)                 // ctx->args[0]: the struct pt_regs of the call
        // The scalar: a register, or the first 8 bytes of user memory it points to.
        let noScalar = Self.jumpUnless(&code, ArgumentSpec.hasScalar)
        code.load32(3, from: 9, 0)
        code.add(3, register: 8)
        readInto(&code, -152, 8, BPFNumbers.helperProbeReadKernel)
        let direct = Self.jumpUnless(&code, ArgumentSpec.dereference)
        code.load64(3, from: 10, -152)
        readInto(&code, -152, 8, BPFNumbers.helperProbeReadUser)
        code.land([noScalar, direct])
        // A whole IPv6 sockaddr (family, port, flow, address: 24 bytes) where the string goes.
        let noAddress = Self.jumpUnless(&code, ArgumentSpec.rawAddress)
        code.load64(1, from: 10, -152)
        code.and(1, 0xffff)
        let notIPv6 = code.jump(if: 1, .notEqual, 10)
        code.load32(3, from: 9, 0)
        code.add(3, register: 8)
        readInto(&code, -16, 8, BPFNumbers.helperProbeReadKernel)
        code.load64(3, from: 10, -16)
        readInto(&code, -144, 24, BPFNumbers.helperProbeReadUser)
        code.land([noAddress, notIPv6])
        // The string: a user pointer held in a register.
        let noString = Self.jumpUnless(&code, ArgumentSpec.hasString)
        code.load32(3, from: 9, 8)
        code.add(3, register: 8)
        readInto(&code, -16, 8, BPFNumbers.helperProbeReadKernel)
        code.load64(3, from: 10, -16)
        readInto(&code, -144, Int32(Self.keySize - Self.stringOffset), BPFNumbers.helperProbeReadUserString)
        code.land([noString])
        code.store32(to: 10, -8, 1)
        Self.update(&code, arguments, keyAt: -160, valueAt: -8)
        code.land(out)
        code.exit(with: 0)
        return code
    }

    /// A jump, to be pointed later, taken unless the call's table entry (r9) has `flag`.
    private static func jumpUnless(_ code: inout EBPFCode, _ flag: Int32) -> Int {
        code.load32(1, from: 9, 4)
        code.and(1, flag)
        return code.jump(if: 1, .equal, 0)
    }

    /// helper(r10 + `offset`, `size`, r3).
    private func readInto(_ code: inout EBPFCode, _ offset: Int32, _ size: Int32, _ helper: Int32) {
        code.move(1, fromRegister: 10)
        code.add(1, offset)
        code.move(2, size)
        code.call(helper)
    }

    private func capabilityProgram(_ cgroup: TrialCgroup) -> EBPFCode {
        var code = EBPFCode()
        code.move(6, fromRegister: 1)
        var out = Self.service(&code, cgroup)
        code.load64(1, from: 6, 32)                // args[4]: the check's result, 0 when granted
        out.append(code.jump(if: 1, .notEqual, 0))
        code.load64(7, from: 6, 24)                // args[3]: the capability
        out.append(code.jump(if: 7, .greater, 63))
        code.call(BPFNumbers.helperCurrentPIDTGID)
        code.store32(to: 10, -8, register: 0)
        Self.lookup(&code, currentCall, keyAt: -8)
        code.move(8, 511)                          // no call known
        let unknown = code.jump(if: 0, .equal, 0)
        code.load32(8, from: 0, 0)
        code.land([unknown])
        code.shiftLeft(7, 9)                       // key: capability * 512 + system call
        code.add(7, register: 8)
        code.store32(to: 10, -4, register: 7)
        Self.lookup(&code, capabilities, keyAt: -4)
        out.append(code.jump(if: 0, .equal, 0))
        code.store8(to: 0, 0, 1)
        code.land(out)
        code.exit(with: 0)
        return code
    }

    /// Everything seen so far.
    func observations() -> Observations {
        var result = Observations()
        func marked(_ map: Int32, _ count: Int) -> [Int] {
            (0..<count).filter { index in
                var key = UInt32(index), value: UInt8 = 0
                return cjail_bpf_map_lookup(map, &key, &value) == 0 && value != 0
            }
        }
        result.syscalls = Set(marked(syscalls, 512))
        for key in marked(capabilities, 64 * 512) { result.capabilityChecks[key >> 9, default: []].insert(key & 511) }
        var key = [UInt8](repeating: 0, count: Self.keySize), next = key
        var first = true
        while (first ? cjail_bpf_map_next_key(arguments, nil, &next) : cjail_bpf_map_next_key(arguments, &key, &next)) == 0 {
            first = false
            key = next
            result.records.append(ArgumentRecord(key: key))
        }
        return result
    }
}

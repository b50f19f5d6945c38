/// eBPF instructions (struct bpf_insn, 8 bytes each) written straight into the bytes the
/// kernel takes, with jumps patched once their target is known. Every cgroup program brig
/// loads (device policy, IP firewall, socket binding, interfaces) and brig harden's tracing
/// programs are emitted through this.
public struct EBPFCode: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() { bytes.reserveCapacity(64 * 8) }

    public var count: Int { bytes.count / 8 }

    /// Appends one instruction; returns its index.
    @discardableResult
    public mutating func emit(_ op: UInt8, _ registers: UInt8, _ offset: Int16, _ immediate: Int32) -> Int {
        let offset = UInt16(bitPattern: offset), immediate = UInt32(bitPattern: immediate)
        bytes.append(op)
        bytes.append(registers)
        bytes.append(UInt8(truncatingIfNeeded: offset))
        bytes.append(UInt8(truncatingIfNeeded: offset >> 8))
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: immediate >> UInt32(shift))) }
        return count - 1
    }

    /// Points the jump at `index` to instruction `target` (offsets count from the next one).
    public mutating func jump(_ index: Int, to target: Int) {
        let offset = UInt16(bitPattern: Int16(target - index - 1))
        bytes[index * 8 + 2] = UInt8(offset & 0xff)
        bytes[index * 8 + 3] = UInt8(offset >> 8)
    }

    /// Points every jump in `indices` here, at the next instruction to be emitted.
    public mutating func land(_ indices: [Int]) {
        for index in indices { jump(index, to: count) }
    }

    // Named forms of the instructions the network programs use (opcodes from linux/bpf.h).

    /// dst = src (64 bits).
    public mutating func move(_ dst: UInt8, fromRegister src: UInt8) { emit(0xbf, dst | src << 4, 0, 0) }
    /// dst = value (64 bits).
    public mutating func move(_ dst: UInt8, _ value: Int32) { emit(0xb7, dst, 0, value) }
    /// dst += value (64 bits).
    public mutating func add(_ dst: UInt8, _ value: Int32) { emit(0x07, dst, 0, value) }
    /// dst |= value (32 bits).
    public mutating func or(_ dst: UInt8, _ value: Int32) { emit(0x44, dst, 0, value) }
    /// dst = *(u32 *)(src + offset).
    public mutating func load32(_ dst: UInt8, from src: UInt8, _ offset: Int16) { emit(0x61, dst | src << 4, offset, 0) }
    /// *(u32 *)(dst + offset) = value.
    public mutating func store32(to dst: UInt8, _ offset: Int16, _ value: Int32) { emit(0x62, dst, offset, value) }
    /// *(u64 *)(dst + offset) += src, atomically.
    public mutating func atomicAdd64(to dst: UInt8, _ offset: Int16 = 0, fromRegister src: UInt8) { emit(0xdb, dst | src << 4, offset, 0) }
    /// dst = the low 16 bits of dst taken as big-endian (network order to host).
    public mutating func fromBigEndian16(_ dst: UInt8) { emit(0xdc, dst, 0, 16) }
    /// dst += src (64 bits).
    public mutating func add(_ dst: UInt8, register src: UInt8) { emit(0x0f, dst | src << 4, 0, 0) }
    /// dst <<= bits (64 bits).
    public mutating func shiftLeft(_ dst: UInt8, _ bits: Int32) { emit(0x67, dst, 0, bits) }
    /// dst &= value (64 bits).
    public mutating func and(_ dst: UInt8, _ value: Int32) { emit(0x57, dst, 0, value) }
    /// dst = value, all 64 bits (a two-instruction load).
    public mutating func move(_ dst: UInt8, wide value: UInt64) {
        emit(0x18, dst, 0, Int32(bitPattern: UInt32(truncatingIfNeeded: value)))
        emit(0, 0, 0, Int32(bitPattern: UInt32(truncatingIfNeeded: value >> 32)))
    }
    /// dst = *(u8 *)(src + offset).
    public mutating func load8(_ dst: UInt8, from src: UInt8, _ offset: Int16) { emit(0x71, dst | src << 4, offset, 0) }
    /// dst = *(u64 *)(src + offset).
    public mutating func load64(_ dst: UInt8, from src: UInt8, _ offset: Int16) { emit(0x79, dst | src << 4, offset, 0) }
    /// *(u8 *)(dst + offset) = value.
    public mutating func store8(to dst: UInt8, _ offset: Int16, _ value: Int32) { emit(0x72, dst, offset, value) }
    /// *(u64 *)(dst + offset) = value.
    public mutating func store64(to dst: UInt8, _ offset: Int16, _ value: Int32) { emit(0x7a, dst, offset, value) }
    /// *(u32 *)(dst + offset) = src.
    public mutating func store32(to dst: UInt8, _ offset: Int16, register src: UInt8) { emit(0x63, dst | src << 4, offset, 0) }
    /// dst = the map of descriptor `fd` (a two-instruction load the kernel resolves at load time).
    public mutating func loadMap(_ dst: UInt8, fd: Int32) {
        emit(0x18, dst | 1 << 4, 0, fd)   // src_reg 1: BPF_PSEUDO_MAP_FD
        emit(0, 0, 0, 0)
    }
    /// Calls the kernel helper numbered `helper` (arguments r1-r5, result r0).
    public mutating func call(_ helper: Int32) { emit(0x85, 0, 0, helper) }
    /// Returns r0 = verdict.
    public mutating func exit(with verdict: Int32) { move(0, verdict); emit(0x95, 0, 0, 0) }

    /// A conditional jump against a constant, to be pointed with `jump(_:to:)`; returns its index.
    public enum Condition: UInt8, Sendable { case equal = 0x15, notEqual = 0x55, greater = 0x25, less = 0xa5 }
    @discardableResult
    public mutating func jump(if register: UInt8, _ condition: Condition, _ value: Int32) -> Int {
        emit(condition.rawValue, register, 0, value)
    }
    /// A conditional jump comparing two registers (the BPF_X form of `condition`); returns its index.
    @discardableResult
    public mutating func jump(if register: UInt8, _ condition: Condition, register other: UInt8) -> Int {
        emit(condition.rawValue | 0x08, register | other << 4, 0, 0)
    }
    /// An unconditional jump, to be pointed later; returns its index.
    public mutating func jumpAlways() -> Int { emit(0x05, 0, 0, 0) }
}

/// BPF program, map, attach-type and helper numbers of linux/bpf.h that brig uses.
public enum BPFNumbers {
    static let programCgroupSKB: UInt32 = 8, programCgroupSock: UInt32 = 9, programCgroupSockAddr: UInt32 = 18
    public static let mapHash: UInt32 = 1, mapArray: UInt32 = 2, mapPerCPUArray: UInt32 = 6, mapLPMTrie: UInt32 = 11
    public static let noPreallocation: UInt32 = 1
    static let attachIngress: UInt32 = 0, attachEgress: UInt32 = 1, attachSockCreate: UInt32 = 2, attachBind4: UInt32 = 8, attachBind6: UInt32 = 9
    public static let helperMapLookup: Int32 = 1, helperLoadBytes: Int32 = 26
    // What tracing programs use (brig harden's observer).
    public static let programRawTracepoint: UInt32 = 17
    public static let helperMapUpdate: Int32 = 2, helperCurrentPIDTGID: Int32 = 14, helperCurrentComm: Int32 = 16, helperCurrentCgroupID: Int32 = 80
    public static let helperProbeReadUser: Int32 = 112, helperProbeReadKernel: Int32 = 113
    public static let helperProbeReadUserString: Int32 = 114, helperCurrentAncestorCgroupID: Int32 = 123
}

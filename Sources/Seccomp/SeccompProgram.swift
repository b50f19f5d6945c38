import Directives

/// One classic BPF instruction, laid out as the kernel's struct sock_filter (8 bytes).
public struct SockFilter: Hashable, Sendable {
    public var code: UInt16, jt: UInt8, jf: UInt8, k: UInt32

    public init(code: UInt16, jt: UInt8, jf: UInt8, k: UInt32) {
        (self.code, self.jt, self.jf, self.k) = (code, jt, jf, k)
    }
}

/// A compiled seccomp program: the instructions to hand to
/// seccomp(SECCOMP_SET_MODE_FILTER) and the policy they implement.
public struct SeccompProgram: Sendable {
    public let policy: SeccompPolicy
    public let instructions: [SockFilter]

    /// The instructions as the raw bytes of a struct sock_filter array (host byte order).
    public var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(instructions.count * 8)
        for i in instructions {
            withUnsafeBytes(of: i.code.littleEndian) { result.append(contentsOf: $0) }
            result.append(i.jt)
            result.append(i.jf)
            withUnsafeBytes(of: i.k.littleEndian) { result.append(contentsOf: $0) }
        }
        return result
    }

    /// Reads instructions back from sock_filter bytes (as libseccomp exports them).
    static func instructions(from bytes: [UInt8]) -> [SockFilter] {
        func word(_ at: Int) -> UInt32 {
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[at + $1]) << (8 * UInt32($1)) }
        }
        return stride(from: 0, to: bytes.count - bytes.count % 8, by: 8).map { at in
            let code = UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
            return SockFilter(code: code, jt: bytes[at + 2], jf: bytes[at + 3], k: word(at + 4))
        }
    }
}

/// SipHash-2-4 (Aumasson and Bernstein), the keyed hash systemd names dynamic users with when a
/// unit's name cannot be a user name, and project ids for directory quotas with.
public enum SipHash {
    public static func hash(_ message: [UInt8], key: [UInt8]) -> UInt64 {
        func word(_ bytes: ArraySlice<UInt8>) -> UInt64 {
            bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        }
        let k0 = word(key[0..<8]), k1 = word(key[8..<16])
        var v0 = k0 ^ 0x736f_6d65_7073_6575, v1 = k1 ^ 0x646f_7261_6e64_6f6d
        var v2 = k0 ^ 0x6c79_6765_6e65_7261, v3 = k1 ^ 0x7465_6462_7974_6573
        func round() {
            v0 &+= v1; v1 = v1.rotatedLeft(13); v1 ^= v0; v0 = v0.rotatedLeft(32)
            v2 &+= v3; v3 = v3.rotatedLeft(16); v3 ^= v2
            v0 &+= v3; v3 = v3.rotatedLeft(21); v3 ^= v0
            v2 &+= v1; v1 = v1.rotatedLeft(17); v1 ^= v2; v2 = v2.rotatedLeft(32)
        }
        func absorb(_ m: UInt64) { v3 ^= m; round(); round(); v0 ^= m }
        let whole = message.count / 8 * 8
        for start in stride(from: 0, to: whole, by: 8) { absorb(word(message[start..<start + 8])) }
        absorb(word(message[whole...]) | UInt64(message.count & 0xff) << 56)
        v2 ^= 0xff
        for _ in 0..<4 { round() }
        return v0 ^ v1 ^ v2 ^ v3
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(_ n: UInt64) -> UInt64 { self << n | self >> (64 - n) }
}

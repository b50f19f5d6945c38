/// A deterministic stand-in for libFuzzer, for `swift test`: each target's seeds, mutated by a
/// fixed pseudo-random sequence (bit flips, bytes that mean something to the grammars, deletions,
/// duplicated runs, splices of two seeds), so a failure reproduces from the seed number alone.
public struct SeededMutations: Sequence, IteratorProtocol {
    var state: UInt64
    let seeds: [[UInt8]]
    var remaining: Int

    /// Bytes the grammars give a meaning to.
    static let tokens: [[UInt8]] = ["~", "-", "+", "!", "@", ":", "%", "\\", "\"", "'", "\n", "\r", "=", "[", "]", " ",
        "/", ".", ",", "0", "9", "\\\n", "%i", "\\x", "..", "/0", ":EPERM", "infinity", "AF_", "@system-service",
        "18446744073709551616", "-1", "\u{FEFF}", "é", "\u{7F}"].map { Array($0.utf8) } + [[0xFF], [0xC3], [0x00]]

    public init(seeds: [[UInt8]], count: Int, seed: UInt64) {
        self.seeds = seeds.isEmpty ? [[]] : seeds
        remaining = count
        state = seed
    }

    /// splitmix64: small, fast and the same on every machine.
    mutating func random(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }

    public mutating func next() -> [UInt8]? {
        guard remaining > 0 else { return nil }
        remaining -= 1
        var input = seeds[random(seeds.count)]
        for _ in 0...random(8) {
            let at = random(input.count + 1)
            switch random(6) {
            case 0 where !input.isEmpty:
                input[Swift.min(at, input.count - 1)] ^= UInt8(1 << random(8))
            case 1:
                input.insert(contentsOf: Self.tokens[random(Self.tokens.count)], at: at)
            case 2 where !input.isEmpty:
                input.removeSubrange(at..<Swift.min(input.count, at + 1 + random(8)))
            case 3 where at < input.count:
                let run = input[at..<Swift.min(input.count, at + 1 + random(16))]
                input.insert(contentsOf: Array(repeating: run, count: 1 + random(20)).joined(), at: at)
            case 4:
                let other = seeds[random(seeds.count)]
                let from = random(other.count + 1)
                input.replaceSubrange(at..<input.count, with: other[from...])
            default:
                input.insert(UInt8(random(256)), at: at)
            }
        }
        return input
    }
}

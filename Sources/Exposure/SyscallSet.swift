/// A set of native system call numbers as a bit set: the filter of every unit is built from
/// groups of hundreds of calls, and bits make that cheap.
public struct SyscallSet: Sendable, Equatable {
    private var words = [UInt64](repeating: 0, count: 10)   // x86-64 numbers stay below 640

    public init() {}

    public var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    public func contains(_ n: Int) -> Bool {
        n >= 0 && n < words.count * 64 && words[n >> 6] & (1 << UInt64(n & 63)) != 0
    }

    public mutating func insert(_ n: Int) {
        guard n >= 0 else { return }
        while n >= words.count * 64 { words.append(0) }
        words[n >> 6] |= 1 << UInt64(n & 63)
    }

    public mutating func remove(_ n: Int) {
        guard n >= 0, n < words.count * 64 else { return }
        words[n >> 6] &= ~(1 << UInt64(n & 63))
    }
}

import Synchronization

/// One value for each systemd release, made from that release's data on its first use and kept:
/// a run reads units under one release's rules, and should pay for that one only.
public final class PerRelease<Value: Sendable>: Sendable {
    private let make: @Sendable (SystemdRelease) -> Value
    private let made: Mutex<[Value?]>

    public init(_ make: @escaping @Sendable (SystemdRelease) -> Value) {
        self.make = make
        made = Mutex(Array(repeating: nil, count: SystemdRelease.allCases.count))
    }

    public subscript(release: SystemdRelease) -> Value {
        let slot = release.rawValue - SystemdRelease.v252.rawValue
        if let value = made.withLock({ $0[slot] }) { return value }
        // Made outside the lock (it may take a while); two first users may both make it, one is kept.
        let value = make(release)
        return made.withLock { values in
            if let kept = values[slot] { return kept }
            values[slot] = value
            return value
        }
    }
}

import Foundation

/// Waiting for something another process does, without a fixed sleep: short on a quiet machine,
/// patient on a loaded one.
public enum Poll {
    /// Looks at `condition` every `interval` seconds for up to `seconds`; whether it came to hold.
    @discardableResult
    public static func until(seconds: Double, every interval: Double = 0.01, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while try !condition() {
            if Date() > deadline { return false }
            usleep(useconds_t(interval * 1_000_000))
        }
        return true
    }
}

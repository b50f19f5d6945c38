/// SuccessExitStatus=, RestartPreventExitStatus=, RestartForceExitStatus=: exit statuses
/// (numbers 0–255 or their names, `ExitStatusNames`) and signals, each word read as a status first.
public struct ExitStatusSet: Sendable, Equatable {
    public var statuses: Set<Int32> = []
    public var signals: Set<Int32> = []

    public init() {}

    public var isEmpty: Bool { statuses.isEmpty && signals.isEmpty }

    /// Adds every word of `value`; an empty value is handled by the caller (it resets the set).
    public mutating func add(_ value: String) throws(ValueError) {
        for word in value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) {
            if let n = ExitStatusNames.status(named: word) ?? UInt8(word).map(Int32.init) {
                statuses.insert(n)
            } else if let signal = try? Signal(parsing: word) {
                signals.insert(signal.number)
            } else {
                throw ValueError("'\(word)' is neither an exit status (0–255) nor a signal")
            }
        }
    }

    /// Whether a process that exited with `status` (or was killed by `signal`) is in the set.
    public func contains(exited status: Int32) -> Bool { statuses.contains(status) }
    public func contains(killedBy signal: Int32) -> Bool { signals.contains(signal) }
}

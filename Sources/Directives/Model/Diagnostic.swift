/// How bad a finding is: an error makes `brig verify` fail; a warning does not.
public enum Severity: String, Sendable, Hashable, Codable {
    case error, warning
}

/// A finding about a unit, at the place in a file that caused it.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public var severity: Severity
    public var location: SourceLocation
    public var message: String

    public init(_ severity: Severity, _ location: SourceLocation, _ message: String) {
        self.severity = severity; self.location = location; self.message = message
    }

    /// `file:line:col: error: message`, the form compilers use.
    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

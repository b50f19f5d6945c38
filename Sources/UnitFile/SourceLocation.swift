/// A place in a unit file, as `file:line:column` (1-based), for messages a user can jump to.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int = 1) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One `Key=Value` line of a unit file or drop-in.
public struct Assignment: Hashable, Sendable {
    public var section: String
    public var key: String
    /// The raw value: continuation lines joined, surrounding whitespace trimmed; quotes, escapes and
    /// specifiers untouched, because each directive decides which of them it understands.
    public var value: String
    /// Where the key starts.
    public var location: SourceLocation

    public init(section: String, key: String, value: String, location: SourceLocation) {
        self.section = section
        self.key = key
        self.value = value
        self.location = location
    }
}

/// A finding about a unit file: an error makes the unit unusable, a warning is what systemd would log
/// while still loading it.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        case warning, error
        public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .error }
    }

    public var severity: Severity
    public var location: SourceLocation
    public var message: String

    public init(_ severity: Severity, _ location: SourceLocation, _ message: String) {
        self.severity = severity
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

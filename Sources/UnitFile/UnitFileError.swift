/// Why a unit could not be read. Every case names the path (and line where there is one), so the
/// message alone tells a user where to look.
public enum UnitFileError: Error, Hashable, Sendable, CustomStringConvertible {
    case notFound(name: String, searched: [String])
    case invalidName(String, reason: String)
    case unreadable(path: String, errno: Int32)
    case isDirectory(path: String)
    case binary(path: String)
    case lineTooLong(SourceLocation)
    case badSectionHeader(SourceLocation, String)
    case unknownSpecifier(SourceLocation?, Character)
    case unterminatedQuote(String)
    case badEscape(String)

    public var description: String {
        switch self {
        case let .notFound(name, searched):
            "unit \(name) not found (searched \(searched.joined(separator: ", ")))"
        case let .invalidName(name, reason):
            "invalid unit name \"\(name)\": \(reason)"
        case let .unreadable(path, errno):
            "\(path): cannot read: \(errnoDescription(errno))"
        case let .isDirectory(path):
            "\(path): is a directory, not a unit file"
        case let .binary(path):
            "\(path): binary data (NUL byte), not a unit file"
        case let .lineTooLong(location):
            "\(location): error: line longer than 1 MiB"
        case let .badSectionHeader(location, text):
            "\(location): error: invalid section header \"\(text)\""
        case let .unknownSpecifier(location, specifier):
            "\(location.map { "\($0): " } ?? "")error: unknown specifier %\(specifier)"
        case let .unterminatedQuote(value):
            "unterminated quote in \"\(value)\""
        case let .badEscape(value):
            "invalid escape sequence in \"\(value)\""
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

func errnoDescription(_ code: Int32) -> String {
    String(cString: strerror(code)) + " (errno \(code))"
}

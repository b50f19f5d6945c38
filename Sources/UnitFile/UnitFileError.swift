/// Why a unit could not be read. Every case names the path (and line where there is one), so the
/// message alone tells a user where to look.
public enum UnitFileError: Error, Hashable, Sendable, CustomStringConvertible {
    case notFound(name: String, searched: [String])
    case invalidName(String, reason: String)
    case unreadable(path: String, errno: Int32)
    case isDirectory(path: String)
    case notRegularFile(path: String, kind: String)
    case tooLarge(path: String, limit: Int)
    case binary(path: String)
    case lineTooLong(SourceLocation)
    case badSectionHeader(SourceLocation, String)
    case unknownSpecifier(SourceLocation?, Character)
    /// %I, %J, %P or %f of a unit whose name systemd cannot unescape (EINVAL).
    case unresolvableSpecifier(SourceLocation?, Character)
    case unterminatedQuote(String)
    case badEscape(String)

    /// "where: error: what", the same shape as a Diagnostic, so tools can jump to it.
    public var description: String { "\(place): error: \(message)" }

    /// The file (with line and column where known) or unit name the error is about.
    public var place: String {
        switch self {
        case let .notFound(name, _), let .invalidName(name, _): name
        case let .unreadable(path, _), let .isDirectory(path), let .binary(path),
             let .notRegularFile(path, _), let .tooLarge(path, _): path
        case let .lineTooLong(location), let .badSectionHeader(location, _): location.description
        case let .unknownSpecifier(location, _), let .unresolvableSpecifier(location, _): location?.description ?? "value"
        case let .unterminatedQuote(value), let .badEscape(value): "\"\(value)\""
        }
    }

    public var message: String {
        switch self {
        case let .notFound(_, searched): "unit not found (searched \(searched.joined(separator: ", ")))"
        case let .invalidName(_, reason): "invalid unit name: \(reason)"
        case let .unreadable(_, errno): "cannot read: \(errnoDescription(errno))"
        case .isDirectory: "is a directory, not a unit file"
        case let .notRegularFile(_, kind): "is \(kind), not a unit file"
        case let .tooLarge(_, limit): "larger than \(limit >> 20) MiB, not a unit file"
        case .binary: "binary data (NUL byte), not a unit file"
        case .lineTooLong: "line longer than 1 MiB"
        case let .badSectionHeader(_, text): "invalid section header \"\(text)\""
        case let .unknownSpecifier(_, specifier): "unknown specifier %\(specifier)"
        case let .unresolvableSpecifier(_, specifier):
            "specifier %\(specifier) does not resolve: the unit's name is not a valid escaped \(specifier == "f" ? "path" : "string") (EINVAL)"
        case .unterminatedQuote: "unterminated quote"
        case .badEscape: "invalid escape sequence"
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

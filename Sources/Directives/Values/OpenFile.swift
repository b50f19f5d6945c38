import UnitFile

/// One OpenFile= of a service (253): a file or AF_UNIX socket the service manager opens for the
/// main process and passes after the socket-activation descriptors, named in $LISTEN_FDNAMES.
/// Written `PATH[:NAME[:OPTIONS]]`, each part with C escapes; NAME defaults to the file's name.
public struct OpenFile: Sendable, Equatable {
    public var path, name: String
    /// The OPTIONS: how the file is opened.
    public var readOnly = false, append = false, truncate = false
    /// A file that cannot be opened is left out rather than failing the start.
    public var graceful = false

    public init(parsing value: String) throws(ValueError) {
        let parts = value.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count <= 3 else { throw ValueError("'\(value)' has more than PATH:NAME:OPTIONS") }
        func unescaped(_ part: Substring) throws(ValueError) -> String {
            do { return try Words.unescapeC(String(part)) } catch { throw ValueError("'\(part)' has a bad escape") }
        }
        path = try unescaped(parts[0])
        guard path.hasPrefix("/") else {
            throw ValueError("'\(path)' is not an absolute path")
        }
        let given = parts.count > 1 ? try unescaped(parts[1]) : ""
        name = given.isEmpty ? String(path.split(separator: "/").last ?? "") : given
        guard !name.isEmpty, name.utf8.count <= 255, name.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f && $0 != UInt8(ascii: ":") }) else {
            throw ValueError("'\(name)' is not a descriptor name (printable ASCII but ':', at most 255 characters)")
        }
        var seen: Set<Substring> = []
        for option in parts.count > 2 ? parts[2].split(separator: ",") : [] {
            guard seen.insert(option).inserted else { throw ValueError("option '\(option)' is given twice") }
            switch option {
            case "read-only": readOnly = true
            case "append": append = true
            case "truncate": truncate = true
            case "graceful": graceful = true
            default: throw ValueError("'\(option)' is not an option of OpenFile= (read-only, append, truncate, graceful)")
            }
        }
        guard [readOnly, append, truncate].filter({ $0 }).count <= 1 else {
            throw ValueError("read-only, append and truncate exclude one another")
        }
    }
}

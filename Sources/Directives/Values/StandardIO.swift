/// StandardInput=.
public enum StandardInput: Hashable, Sendable {
    case null, tty, ttyForce, ttyFail, data, socket
    case file(String)
    case fd(String)

    public init(parsing value: String) throws(ValueError) {
        switch value {
        case "null": self = .null
        case "tty": self = .tty
        case "tty-force": self = .ttyForce
        case "tty-fail": self = .ttyFail
        case "data": self = .data
        case "socket": self = .socket
        case "fd": self = .fd("stdin")
        default:
            if let p = value.dropPrefix("file:") { try Paths.checkAbsolute(p); self = .file(p); return }
            if let n = value.dropPrefix("fd:") { self = .fd(n); return }
            throw ValueError("'\(value)' is not a standard input (null, tty, tty-force, tty-fail, data, socket, file:PATH, fd:NAME)")
        }
    }
}

/// StandardOutput= and StandardError=.
public enum StandardOutput: Hashable, Sendable {
    case inherit, null, tty, journal, kmsg, journalAndConsole, kmsgAndConsole, socket
    case file(String), append(String), truncate(String)
    case fd(String)

    public init(parsing value: String) throws(ValueError) {
        switch value {
        case "inherit": self = .inherit
        case "null": self = .null
        case "tty": self = .tty
        case "journal", "syslog": self = .journal
        case "kmsg": self = .kmsg
        case "journal+console", "syslog+console": self = .journalAndConsole
        case "kmsg+console": self = .kmsgAndConsole
        case "socket": self = .socket
        case "fd": self = .fd("stdout")
        default:
            for (prefix, make) in [("file:", Self.file), ("append:", Self.append), ("truncate:", Self.truncate)] {
                if let p = value.dropPrefix(prefix) { try Paths.checkAbsolute(p); self = make(p); return }
            }
            if let n = value.dropPrefix("fd:") { self = .fd(n); return }
            throw ValueError("'\(value)' is not a standard output (inherit, null, tty, journal, kmsg, journal+console, kmsg+console, socket, file:PATH, append:PATH, truncate:PATH, fd:NAME)")
        }
    }
}

extension String {
    /// The rest of the string after `prefix`, or nil when it does not start with it.
    func dropPrefix(_ prefix: String) -> String? { hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil }
}

import Foundation

/// The host's TCP sockets as the kernel lists them (/proc/net/tcp and tcp6). Tests read this table
/// instead of probing a port, because a probe is a connection of its own: it starts a
/// socket-activated instance, or is still open when a daemon is told to stop.
public enum TCPTable {
    /// Kernel state numbers, as the table prints them (include/net/tcp_states.h).
    public static let listening = "0A", timeWait = "06"

    /// The state of every socket whose local port is `port`.
    public static func states(localPort port: Int) -> [String] {
        let suffix = ":" + String(format: "%04X", port)
        return ["/proc/net/tcp", "/proc/net/tcp6"].flatMap { path in
            let table = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            return table.split(separator: "\n").dropFirst().compactMap { line -> String? in
                let fields = line.split(separator: " ")
                guard fields.count > 3, fields[1].hasSuffix(suffix) else { return nil }
                return String(fields[3])
            }
        }
    }

    public static func isListening(port: Int) -> Bool { states(localPort: port).contains(listening) }

    /// Whether no connection is open on `port` any more: only listeners and TIME_WAIT entries,
    /// which belong to the kernel, not to a process.
    public static func isQuiet(port: Int) -> Bool {
        states(localPort: port).allSatisfy { $0 == listening || $0 == timeWait }
    }
}

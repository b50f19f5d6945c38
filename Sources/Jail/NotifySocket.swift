import CJail
#if canImport(Glibc)
import Glibc
#endif

/// The socket a service talks to its supervisor on (sd_notify(3)): one per run, a path under
/// /run/brig/notify, so every jail that sees /run reaches it, whatever its network namespace
/// (as systemd's /run/systemd/notify).
final class NotifySocket {
    static let directory = "/run/brig/notify"
    let path: String
    let fd: Int32

    /// One message: who sent it, and its NAME=VALUE lines.
    struct Message {
        var sender: pid_t
        var fields: [String: String]
    }

    init(runID: String) throws(JailError) {
        path = Self.directory + "/" + runID
        let code = SystemFiles.makeDirectories(Self.directory, mode: 0o755)
        if code != 0 { throw .system("creating \(Self.directory)", code) }
        let fd = cjail_notify_socket(path)
        guard fd >= 0 else { throw .system("the notify socket \(path)", -fd) }
        self.fd = fd
    }

    /// Every message waiting, in order.
    func receive() -> [Message] {
        var messages: [Message] = []
        var buffer = [CChar](repeating: 0, count: 4097)
        while true {
            var sender: pid_t = 0
            let n = cjail_notify_receive(fd, &buffer, UInt(buffer.count), &sender)
            if n == -Int(EINTR) { continue }
            guard n >= 0 else { break }
            let text = String(decoding: buffer[..<Int(n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n") {
                guard let eq = line.firstIndex(of: "=") else { continue }
                fields[String(line[..<eq])] = String(line[line.index(after: eq)...])
            }
            messages.append(Message(sender: sender, fields: fields))
        }
        return messages
    }

    func close() {
        unlink(path)
        Glibc.close(fd)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Whether a name is owned on the D-Bus system bus, and when that changes: what a Type=dbus
/// service's readiness is (systemd watches BusName= the same way, through NameOwnerChanged).
///
/// A minimal client of the D-Bus wire protocol: EXTERNAL authentication, Hello, one AddMatch for
/// the name's NameOwnerChanged signals and one NameHasOwner call; then the socket is polled with
/// the service's other descriptors and `receive()` reads the signals. Nothing else is spoken.
final class BusNameWatch {
    let name: String
    private(set) var fd: Int32
    /// Whether the name has an owner, as the bus last said.
    private(set) var owned = false
    private var input: [UInt8] = []
    private var serial: UInt32 = 0

    static let defaultSystemBus = "/run/dbus/system_bus_socket"

    /// The system bus's socket as sd-bus and libdbus find it: from $DBUS_SYSTEM_BUS_ADDRESS
    /// (`address`), else the well-known path. Only `unix:path=` and `unix:abstract=` addresses are
    /// understood; an abstract one is returned as "@name".
    static func systemBusPath(address: String?) -> String? {
        guard let address else { return defaultSystemBus }
        for entry in address.split(separator: ";") where entry.hasPrefix("unix:") {
            for pair in entry.dropFirst(5).split(separator: ",") {
                if pair.hasPrefix("path=") { return unescape(pair.dropFirst(5)) }
                if pair.hasPrefix("abstract=") { return "@" + unescape(pair.dropFirst(9)) }
            }
        }
        return nil
    }

    /// Whether a socket is there to connect to (an abstract one is only known by connecting).
    static func listening(_ path: String) -> Bool {
        if path.hasPrefix("@") { return true }
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFSOCK
    }

    /// D-Bus addresses escape bytes as %XX.
    private static func unescape(_ text: Substring) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
               let value = UInt8(String(decoding: bytes[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                out.append(value)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Connects to the bus at `path`, subscribes to the name's owner changes and asks whether it
    /// has an owner now. Waits for the bus at most `timeout` seconds.
    init(name: String, busPath path: String, timeout: Double = 5) throws(JailError) {
        self.name = name
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("a socket for the D-Bus system bus", errno) }
        do throws(JailError) {
            try connect(path)
            let deadline = JailRunner.now() + timeout
            try authenticate(deadline)
            send(call("Hello"))
            send(call("AddMatch", arguments: [
                "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='\(name)'"]))
            let question = call("NameHasOwner", arguments: [name])
            let asked = serial
            send(question)
            while true {
                guard let message = try next(deadline) else { continue }
                if message.replySerial == asked {
                    owned = message.type == Message.methodReturn && message.body.first == 1
                    break
                }
                take(message)
            }
        } catch {
            close(fd)
            throw error
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Reads what the bus sent; true when the name's ownership changed. A bus that hangs up
    /// leaves the last state standing and is not polled again.
    func receive() -> Bool {
        let before = owned
        var chunk = [UInt8](repeating: 0, count: 4096)
        while fd >= 0 {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n > 0 { input += chunk[..<n]; continue }
            if n < 0 && (errno == EINTR) { continue }
            if n == 0 || errno != EAGAIN { close(fd); fd = -1 }
            break
        }
        while let message = parse() { take(message) }
        return owned != before
    }

    private func take(_ message: Message) {
        guard message.type == Message.signal, message.member == "NameOwnerChanged",
              message.strings.count == 3, message.strings[0] == name else { return }
        owned = !message.strings[2].isEmpty
    }

    // MARK: - connection and authentication

    private func connect(_ path: String) throws(JailError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw .system("the D-Bus system bus address \(path) (too long)", ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        guard rc == 0 else { throw .system("the D-Bus system bus at \(path)", errno) }
    }

    /// SASL EXTERNAL as the effective uid the bus sees on the socket.
    private func authenticate(_ deadline: Double) throws(JailError) {
        let uid = Array(String(geteuid()).utf8).map { b -> String in
            let hex = String(b, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
        send([0] + Array("AUTH EXTERNAL \(uid)\r\n".utf8))
        var line: [UInt8] = []
        while !(line.count >= 2 && line[line.count - 2] == 13 && line[line.count - 1] == 10) {
            try waitReadable(deadline)
            var byte: UInt8 = 0
            let n = read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            guard n == 1 else { throw .system("the D-Bus system bus (it closed the connection while authenticating)", ECONNRESET) }
            line.append(byte)
            guard line.count < 512 else { throw .system("the D-Bus system bus (an overlong authentication line)", EPROTO) }
        }
        guard line.starts(with: Array("OK ".utf8)) else {
            throw .system("the D-Bus system bus (it refused EXTERNAL authentication for uid \(geteuid()))", EACCES)
        }
        send(Array("BEGIN\r\n".utf8))
    }

    private func waitReadable(_ deadline: Double) throws(JailError) {
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(0, (deadline - JailRunner.now()) * 1000))
            let rc = poll(&p, 1, left)
            if rc > 0 { return }
            if rc < 0 && errno == EINTR { continue }
            throw .system("the D-Bus system bus (no answer)", ETIMEDOUT)
        }
    }

    private func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }

    /// The next whole message, reading as needed until `deadline`.
    private func next(_ deadline: Double) throws(JailError) -> Message? {
        if let message = parse() { return message }
        try waitReadable(deadline)
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 && errno == EINTR { return nil }
        guard n > 0 else { throw .system("the D-Bus system bus (it closed the connection)", ECONNRESET) }
        input += chunk[..<n]
        return parse()
    }

    // MARK: - messages

    /// A method call to the bus itself, with string arguments.
    private func call(_ member: String, arguments: [String] = []) -> [UInt8] {
        serial += 1
        var m = Marshal()
        m.bytes = [UInt8(ascii: "l"), 1, 0, 1]
        m.uint32(0)            // body length, filled in below
        m.uint32(serial)
        m.uint32(0)            // header field array length, filled in below
        let fieldsStart = m.bytes.count
        m.field(1, "o", "/org/freedesktop/DBus")
        m.field(2, "s", "org.freedesktop.DBus")
        m.field(3, "s", member)
        m.field(6, "s", "org.freedesktop.DBus")
        if !arguments.isEmpty { m.field(8, "g", String(repeating: "s", count: arguments.count)) }
        m.set(uint32: UInt32(m.bytes.count - fieldsStart), at: 12)
        m.align(8)
        let bodyStart = m.bytes.count
        for argument in arguments { m.string(argument) }
        m.set(uint32: UInt32(m.bytes.count - bodyStart), at: 4)
        return m.bytes
    }

    struct Message {
        static let methodReturn: UInt8 = 2, signal: UInt8 = 4
        var type: UInt8
        var replySerial: UInt32?
        var member: String?
        /// The body's leading string arguments, or its raw bytes.
        var strings: [String] = []
        var body: [UInt8] = []
    }

    /// Takes one whole message off the input, or nil when it holds none yet.
    private func parse() -> Message? {
        guard input.count >= 16 else { return nil }
        let little = input[0] == UInt8(ascii: "l")
        let reader = Reader(bytes: input, little: little)
        let bodyLength = Int(reader.uint32(at: 4)), fieldsLength = Int(reader.uint32(at: 12))
        let bodyStart = (16 + fieldsLength + 7) & ~7
        let total = bodyStart + bodyLength
        guard total <= 1 << 27 else { input = []; return nil }
        guard input.count >= total else { return nil }
        var message = Message(type: input[1])
        var signature = ""
        var at = 16
        while at < 16 + fieldsLength {
            at = (at + 7) & ~7
            guard at + 3 <= input.count else { break }
            let code = input[at]
            let signatureLength = Int(input[at + 1])
            let fieldType = input.count > at + 2 ? input[at + 2] : 0
            at += 2 + signatureLength + 1
            switch fieldType {
            case UInt8(ascii: "u"):
                at = (at + 3) & ~3
                if code == 5 { message.replySerial = reader.uint32(at: at) }
                at += 4
            case UInt8(ascii: "s"), UInt8(ascii: "o"):
                at = (at + 3) & ~3
                let length = Int(reader.uint32(at: at))
                let text = reader.text(at: at + 4, length: length)
                if code == 3 { message.member = text }
                at += 4 + length + 1
            case UInt8(ascii: "g"):
                let length = Int(input[at])
                if code == 8 { signature = reader.text(at: at + 1, length: length) }
                at += 1 + length + 1
            default:
                at = 16 + fieldsLength   // a field type the bus does not send in headers: skip the rest
            }
        }
        message.body = Array(input[bodyStart..<total])
        if signature.allSatisfy({ $0 == "s" }) {
            var offset = bodyStart
            for _ in signature {
                offset = (offset + 3) & ~3
                guard offset + 4 <= total else { break }
                let length = Int(reader.uint32(at: offset))
                guard offset + 4 + length <= total else { break }
                message.strings.append(reader.text(at: offset + 4, length: length))
                offset += 4 + length + 1
            }
        } else if signature == "b", message.body.count >= 4 {
            message.body = [reader.uint32(at: bodyStart) == 1 ? 1 : 0]
        }
        input.removeFirst(total)
        return message
    }

    private struct Marshal {
        var bytes: [UInt8] = []
        mutating func align(_ n: Int) { while bytes.count % n != 0 { bytes.append(0) } }
        mutating func uint32(_ v: UInt32) {
            align(4)
            withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
        }
        mutating func set(uint32 v: UInt32, at offset: Int) {
            withUnsafeBytes(of: v.littleEndian) { for (i, b) in $0.enumerated() { bytes[offset + i] = b } }
        }
        mutating func string(_ s: String) {
            uint32(UInt32(s.utf8.count))
            bytes += s.utf8
            bytes.append(0)
        }
        mutating func field(_ code: UInt8, _ type: String, _ value: String) {
            align(8)
            bytes += [code, 1, type.utf8.first!, 0]
            if type == "g" {
                bytes.append(UInt8(value.utf8.count))
                bytes += value.utf8
                bytes.append(0)
            } else {
                string(value)
            }
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        let little: Bool
        func uint32(at offset: Int) -> UInt32 {
            guard offset + 4 <= bytes.count else { return 0 }
            let b = bytes[offset..<(offset + 4)].map(UInt32.init)
            return little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
        }
        func text(at offset: Int, length: Int) -> String {
            guard offset >= 0, length >= 0, offset + length <= bytes.count else { return "" }
            return String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
        }
    }
}

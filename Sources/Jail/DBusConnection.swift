#if canImport(Glibc)
import Glibc
#endif

/// Just as much of the D-Bus wire protocol as brig speaks: a Unix socket, SASL EXTERNAL
/// authentication, method calls whose bodies `DBusWriter` lays out, and the messages that come
/// back (method returns, errors, signals). Two users: `BusNameWatch` (Type=dbus readiness, on
/// the system bus) and `DelegatedScope` (a transient scope from systemd, on its private socket).
final class DBusConnection {
    private(set) var fd: Int32
    /// What the peer is, for error messages ("the D-Bus system bus").
    let peer: String
    private var input: [UInt8] = []
    private var serial: UInt32 = 0

    /// Connects to `path` ("@name" for an abstract socket) and authenticates as brig's
    /// effective uid, waiting for the peer at most until `deadline` (JailRunner.now()).
    init(path: String, peer: String, deadline: Double) throws(JailError) {
        self.peer = peer
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("a socket for \(peer)", errno) }
        do throws(JailError) {
            try connect(path)
            try authenticate(deadline)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    private func connect(_ path: String) throws(JailError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw .system("\(peer) at \(path) (the address is too long)", ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        guard rc == 0 else { throw .system("\(peer) at \(path)", errno) }
    }

    /// SASL EXTERNAL: the peer checks the uid against the socket's credentials.
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
            guard n == 1 else { throw .system("\(peer) (it closed the connection while authenticating)", ECONNRESET) }
            line.append(byte)
            guard line.count < 512 else { throw .system("\(peer) (an overlong authentication line)", EPROTO) }
        }
        guard line.starts(with: Array("OK ".utf8)) else {
            throw .system("\(peer) (it refused EXTERNAL authentication for uid \(geteuid()))", EACCES)
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
            throw .system("\(peer) (no answer)", ETIMEDOUT)
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

    /// Sends a method call and returns its serial, which its reply names.
    @discardableResult
    func call(_ member: String, path: String, interface: String, destination: String,
              signature: String = "", body: DBusWriter = DBusWriter()) -> UInt32 {
        serial += 1
        var m = DBusWriter()
        m.bytes = [UInt8(ascii: "l"), 1, 0, 1]
        m.uint32(0)            // body length, filled in below
        m.uint32(serial)
        m.uint32(0)            // header field array length, filled in below
        let fieldsStart = m.bytes.count
        m.field(1, "o", path)
        m.field(2, "s", interface)
        m.field(3, "s", member)
        m.field(6, "s", destination)
        if !signature.isEmpty { m.field(8, "g", signature) }
        m.set(uint32: UInt32(m.bytes.count - fieldsStart), at: 12)
        m.align(8)
        m.set(uint32: UInt32(body.bytes.count), at: 4)
        send(m.bytes + body.bytes)
        return serial
    }

    /// The reply to the call `serial`, taking any other message on the way to `other`.
    func reply(to serial: UInt32, deadline: Double, other: (DBusMessage) -> Void = { _ in }) throws(JailError) -> DBusMessage {
        while true {
            guard let message = try next(deadline) else { continue }
            if message.replySerial == serial { return message }
            other(message)
        }
    }

    /// The next whole message, reading as needed until `deadline`.
    private func next(_ deadline: Double) throws(JailError) -> DBusMessage? {
        if let message = parse() { return message }
        try waitReadable(deadline)
        var chunk = [UInt8](repeating: 0, count: 4096)
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 && errno == EINTR { return nil }
        guard n > 0 else { throw .system("\(peer) (it closed the connection)", ECONNRESET) }
        input += chunk[..<n]
        return parse()
    }

    /// Every whole message the peer has sent so far, without waiting (the socket is then
    /// non-blocking). A peer that hangs up is closed: `fd` becomes -1.
    func receiveAvailable() -> [DBusMessage] {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var chunk = [UInt8](repeating: 0, count: 4096)
        while fd >= 0 {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n > 0 { input += chunk[..<n]; continue }
            if n < 0 && errno == EINTR { continue }
            if n == 0 || errno != EAGAIN { close() }
            break
        }
        var messages: [DBusMessage] = []
        while let message = parse() { messages.append(message) }
        return messages
    }

    /// Takes one whole message off the input, or nil when it holds none yet.
    private func parse() -> DBusMessage? {
        guard input.count >= 16 else { return nil }
        let little = input[0] == UInt8(ascii: "l")
        let reader = DBusReader(bytes: input, little: little)
        let bodyLength = Int(reader.uint32(at: 4)), fieldsLength = Int(reader.uint32(at: 12))
        let bodyStart = (16 + fieldsLength + 7) & ~7
        let total = bodyStart + bodyLength
        guard total <= 1 << 27 else { input = []; return nil }
        guard input.count >= total else { return nil }
        var message = DBusMessage(type: input[1])
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
                if code == 4 { message.errorName = text }
                at += 4 + length + 1
            case UInt8(ascii: "g"):
                let length = Int(input[at])
                if code == 8 { signature = reader.text(at: at + 1, length: length) }
                at += 1 + length + 1
            default:
                at = 16 + fieldsLength   // a field type peers do not send in headers: skip the rest
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
}

struct DBusMessage {
    static let methodReturn: UInt8 = 2, error: UInt8 = 3, signal: UInt8 = 4
    var type: UInt8
    var replySerial: UInt32?
    var member: String?
    /// An error reply's name ("org.freedesktop.systemd1.UnitExists").
    var errorName: String?
    /// The body's string arguments when it holds only strings (an error's message, a signal's
    /// arguments); else its raw bytes ("b": one byte, 0 or 1).
    var strings: [String] = []
    var body: [UInt8] = []
}

/// Lays out D-Bus values, little-endian, with the protocol's alignment: each value starts at a
/// multiple of its size, structs and dict entries at a multiple of 8.
struct DBusWriter {
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
    mutating func signature(_ s: String) {
        bytes.append(UInt8(s.utf8.count))
        bytes += s.utf8
        bytes.append(0)
    }
    mutating func bool(_ b: Bool) { uint32(b ? 1 : 0) }
    /// An array: its byte length, padding to its elements' alignment (present even when it is
    /// empty), then what `elements` writes.
    mutating func array(alignment: Int, _ elements: (inout DBusWriter) -> Void) {
        uint32(0)
        let lengthAt = bytes.count - 4
        align(alignment)
        let start = bytes.count
        elements(&self)
        set(uint32: UInt32(bytes.count - start), at: lengthAt)
    }
    /// One header field: its code, then a variant of `type`.
    mutating func field(_ code: UInt8, _ type: String, _ value: String) {
        align(8)
        bytes += [code, 1, type.utf8.first!, 0]
        if type == "g" { signature(value) } else { string(value) }
    }
}

struct DBusReader {
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

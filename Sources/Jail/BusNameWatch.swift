#if canImport(Glibc)
import Glibc
#endif

/// Whether a name is owned on the D-Bus system bus, and when that changes: what a Type=dbus
/// service's readiness is (systemd watches BusName= the same way, through NameOwnerChanged).
///
/// Over a `DBusConnection`: Hello, one AddMatch for the name's NameOwnerChanged signals and one
/// NameHasOwner call; then the socket is polled with the service's other descriptors and
/// `receive()` reads the signals. Nothing else is spoken.
final class BusNameWatch {
    let name: String
    private let connection: DBusConnection
    /// The socket to poll; -1 once the bus has hung up.
    var fd: Int32 { connection.fd }
    /// Whether the name has an owner, as the bus last said.
    private(set) var owned = false

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
        let deadline = JailRunner.now() + timeout
        connection = try DBusConnection(path: path, peer: "the D-Bus system bus", deadline: deadline)
        func callBus(_ member: String, _ argument: String? = nil) -> UInt32 {
            var body = DBusWriter()
            if let argument { body.string(argument) }
            return connection.call(member, path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
                                   destination: "org.freedesktop.DBus", signature: argument == nil ? "" : "s", body: body)
        }
        _ = callBus("Hello")
        _ = callBus("AddMatch",
                    "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='\(name)'")
        let asked = callBus("NameHasOwner", name)
        let answer = try connection.reply(to: asked, deadline: deadline) { take($0) }
        owned = answer.type == DBusMessage.methodReturn && answer.body.first == 1
    }

    /// Reads what the bus sent; true when the name's ownership changed. A bus that hangs up
    /// leaves the last state standing and is not polled again.
    func receive() -> Bool {
        let before = owned
        for message in connection.receiveAvailable() { take(message) }
        return owned != before
    }

    private func take(_ message: DBusMessage) {
        guard message.type == DBusMessage.signal, message.member == "NameOwnerChanged",
              message.strings.count == 3, message.strings[0] == name else { return }
        owned = !message.strings[2].isEmpty
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A transient scope unit that systemd makes for brig and delegates to it: the call
/// `systemd-run --scope -p Delegate=yes` makes, StartTransientUnit on systemd's manager, sent
/// over its private socket (root's direct line to PID 1, which needs no bus daemon).
enum DelegatedScope {
    static let privateSocket = "/run/systemd/private"

    /// Asks systemd to make scope `name` holding brig's own process, with Delegate=yes, and
    /// waits until brig is in it. Returns the scope's cgroup ("/system.slice/NAME").
    static func start(named name: String, timeout: Double = 10) throws(JailError) -> String {
        let deadline = JailRunner.now() + timeout
        let systemd = try DBusConnection(path: privateSocket, peer: "systemd (\(privateSocket))", deadline: deadline)
        defer { systemd.close() }
        var body = DBusWriter()
        body.string(name)
        body.string("fail")
        body.array(alignment: 8) { properties in
            func property(_ key: String, _ type: String, _ value: (inout DBusWriter) -> Void) {
                properties.align(8)
                properties.string(key)
                properties.signature(type)
                value(&properties)
            }
            property("Description", "s") { $0.string("brig (pid \(getpid())): \(command())") }
            property("Delegate", "b") { $0.bool(true) }
            property("PIDs", "au") { $0.array(alignment: 4) { $0.uint32(UInt32(getpid())) } }
            // Gone once its processes are, whether they exited well or not.
            property("CollectMode", "s") { $0.string("inactive-or-failed") }
        }
        body.array(alignment: 8) { _ in }   // no auxiliary units
        let serial = systemd.call("StartTransientUnit", path: "/org/freedesktop/systemd1",
                                  interface: "org.freedesktop.systemd1.Manager", destination: "org.freedesktop.systemd1",
                                  signature: "ssa(sv)a(sa(sv))", body: body)
        let answer = try systemd.reply(to: serial, deadline: deadline)
        guard answer.type == DBusMessage.methodReturn else {
            let why = ([answer.errorName ?? "an error"] + answer.strings.prefix(1)).joined(separator: ": ")
            throw .system("asking systemd for the delegated scope \(name): \(why)", EPERM)
        }
        // The reply names the start job; brig is in the scope once the job has run.
        while JailRunner.now() < deadline {
            let own = CgroupHome.ownCgroup()
            if own.hasSuffix("/" + name) { return own }
            usleep(200)
        }
        throw .system("waiting for systemd to move brig into the scope \(name)", ETIMEDOUT)
    }

    /// brig's command line, for the scope's description.
    private static func command() -> String {
        guard let bytes = SystemFiles.read("/proc/self/cmdline") else { return "brig" }
        let words = bytes.split(separator: "\0").prefix(8).joined(separator: " ")
        return words.count > 200 ? String(words.prefix(200)) + "…" : words
    }
}

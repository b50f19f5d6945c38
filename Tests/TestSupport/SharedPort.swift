import Foundation

/// A port of the host that daemons of more than one suite serve on: Debian's own units listen
/// where their packages put them (nginx and lighttpd on 80, memcached on 11211), and
/// DebianUnitTests and HardenTests both run them. A test holds the port for as long as its daemon
/// may listen, so that the other suite's client never reaches the wrong server, and no daemon
/// finds the port taken. The hold is a lock on a file per port (flock: free again when its holder
/// is gone), polled, so that an async test waits without blocking a thread.
public enum SharedPort {
    static func path(_ port: Int) -> String { "/run/brig-test-port-\(port).lock" }

    static func tryTaking(_ port: Int) throws -> Int32? {
        let fd = open(path(port), O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return fd }
        close(fd)
        return nil
    }

    /// `body` while holding `port`.
    public static func holding<T>(_ port: Int, _ body: () throws -> T) throws -> T {
        var fd = try tryTaking(port)
        while fd == nil {
            usleep(50_000)
            fd = try tryTaking(port)
        }
        defer { close(fd!) }
        return try body()
    }

    /// `body` while holding `port`, waiting for it without blocking a thread.
    public static func holding<T>(_ port: Int, _ body: () async throws -> T) async throws -> T {
        var fd = try tryTaking(port)
        while fd == nil {
            try await Task.sleep(nanoseconds: 50_000_000)
            fd = try tryTaking(port)
        }
        defer { close(fd!) }
        return try await body()
    }
}

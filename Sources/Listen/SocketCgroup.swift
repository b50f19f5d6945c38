import Jail
#if canImport(Glibc)
import Glibc
#endif

/// The cgroup of a socket unit with IPAddressAllow=/IPAddressDeny=: systemd makes the listening
/// sockets inside the socket unit's cgroup, whose firewall then filters every connection
/// accepted from them, whichever process holds it. brig makes the same: a cgroup below its own
/// with the firewall attached, entered only while the listeners are made.
final class SocketCgroup {
    let path: String

    init(unit: String, policy: NetworkPolicy) throws(ListenError) {
        do { try RunSite.enterHome() } catch { throw ListenError("\(unit): \(error)") }
        path = RunSite.cgroupParent + "/listen-\(getpid())-\(unit)"
        let code = SystemFiles.makeDirectories(path, mode: 0o755)
        guard code == 0 else { throw ListenError("making the cgroup \(path) for \(unit)'s firewall", code) }
        do {
            try policy.install(in: path, counters: nil)
        } catch {
            rmdir(path)
            throw ListenError("\(unit): \(error)")
        }
    }

    /// Runs `body` with brig listen inside this cgroup: sockets made meanwhile belong to it.
    func inside<T>(_ body: () throws(ListenError) -> T) throws(ListenError) -> T {
        let home = RunSite.ownCgroup
        let code = SystemFiles.write(path + "/cgroup.procs", "0")
        guard code == 0 else { throw ListenError("entering the cgroup \(path)", code) }
        defer { _ = SystemFiles.write(home + "/cgroup.procs", "0") }
        return try body()
    }

    /// Once the sockets are closed.
    func remove() { rmdir(path) }
}

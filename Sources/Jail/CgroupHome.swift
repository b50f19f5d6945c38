import CJail
#if canImport(Glibc)
import Glibc
#endif

/// The cgroup below which brig makes its own (`RunSite.cgroupParent` is its "brig" child).
///
/// A cgroup tree that systemd manages has one writer: systemd owns every cgroup it has not
/// delegated. So, when systemd is PID 1, brig works in a cgroup delegated to it: the one of the
/// unit it runs in when that unit has Delegate=yes (systemd marks such a cgroup with the
/// `trusted.delegate` attribute), else a transient scope with Delegate=yes that it asks systemd
/// for, as `systemd-run --scope -p Delegate=yes` does; `systemctl status` then lists the jailed
/// processes under that scope and `systemctl stop` ends them. In a delegated cgroup brig moves
/// itself into a leaf, `supervisor`, and passes the controllers it was given on to the cgroups
/// beside it (cgroup v2 lets only a cgroup without processes of its own do that).
/// Without systemd, brig's own cgroup serves, as it always has.
enum CgroupHome {
    struct Place: Sendable, Equatable {
        /// The cgroup's path on the v2 tree ("/system.slice/brig-….scope").
        var path: String
        /// Whether systemd delegated it to brig (a scope of brig's, or a Delegate=yes unit).
        var delegated: Bool
        /// Where brig itself lives: `path`, or its `supervisor` leaf when delegated.
        var ownCgroup: String { delegated ? Paths.normalized(path + "/supervisor") : path }
    }

    /// Where the cgroup v2 tree is mounted (RunSite.cgroupRoot).
    static var root: String { RunSite.cgroupRoot }

    /// Made on first use by a run that makes a cgroup; a failure stops that run (219, CGROUP).
    static let current: Result<Place, JailError> = establish()

    /// What `current` will be, without asking systemd for anything (`--dry-run`).
    static var preview: Place {
        let own = ownCgroup()
        guard systemdManagesTree else { return Place(path: own, delegated: false) }
        return Place(path: delegatedAncestor(of: own) ?? "/system.slice/\(scopeName)", delegated: true)
    }

    /// systemd is PID 1 (sd_booted(): /run/systemd/system exists) and so owns the tree.
    static var systemdManagesTree: Bool {
        var st = stat()
        return stat("/run/systemd/system", &st) == 0 && st.st_mode & S_IFMT == S_IFDIR
    }

    /// brig's cgroup on the v2 tree, from the "0::" line of /proc/self/cgroup ("/" if none).
    static func ownCgroup() -> String {
        // Split as bytes: a Character split of this file costs more than the rest of a start.
        let lines = (SystemFiles.read("/proc/self/cgroup") ?? "").utf8.split(separator: UInt8(ascii: "\n"))
        let own = lines.first { $0.starts(with: "0::".utf8) }.map { String(decoding: $0.dropFirst(3), as: UTF8.self) } ?? "/"
        return Paths.normalized(own)
    }

    /// The nearest cgroup at or above `cgroup` that systemd delegated: it sets `trusted.delegate`
    /// to "1" on the cgroup of a unit with Delegate=yes (a scope of another brig's included, whose
    /// `brig run` children share it).
    static func delegatedAncestor(of cgroup: String) -> String? {
        var path = cgroup
        while path != "/" && !path.isEmpty {
            var value = [UInt8](repeating: 0, count: 8)
            if getxattr(root + path, "trusted.delegate", &value, value.count) == 1 && value[0] == UInt8(ascii: "1") { return path }
            path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        }
        return nil
    }

    /// The scope brig asks for: one per brig process.
    static let scopeName = "brig-\(getpid()).scope"

    private static func establish() -> Result<Place, JailError> {
        let own = ownCgroup()
        guard systemdManagesTree else { return .success(Place(path: own, delegated: false)) }
        do throws(JailError) {
            var place = Place(path: own, delegated: true)
            if let ancestor = delegatedAncestor(of: own) { place.path = ancestor } else { place.path = try DelegatedScope.start(named: scopeName) }
            try settle(in: place)
            return .success(place)
        } catch {
            return .failure(error)
        }
    }

    /// Moves brig into the `supervisor` leaf of its delegated cgroup and passes on every
    /// controller the cgroup has (none on a tree whose controllers are all in v1). Passing them on
    /// fails while another process stays in the cgroup (a shell that started brig in a
    /// Delegate=yes unit): runs without limits do not need them, and a run with limits then fails
    /// on enabling its controller, with that errno.
    private static func settle(in place: Place) throws(JailError) {
        let leaf = root + place.ownCgroup
        if mkdir(leaf, 0o755) != 0 && errno != EEXIST { throw .system("cgroup \(leaf)", errno) }
        let code = SystemFiles.write(leaf + "/cgroup.procs", "0")
        if code != 0 { throw .system("moving brig into \(leaf)", code) }
        let available = (SystemFiles.read(root + place.path + "/cgroup.controllers") ?? "")
            .split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard !available.isEmpty else { return }
        _ = SystemFiles.write(root + place.path + "/cgroup.subtree_control", available.map { "+" + $0 }.joined(separator: " "))
    }
}

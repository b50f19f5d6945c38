#if canImport(Glibc)
import Glibc
#endif

/// The credentials a jailed process runs with, resolved in the parent
/// (getpwnam and friends never run after the fork).
public struct Identity: Sendable, Equatable {
    public var userName: String
    public var uid: UInt32
    public var gid: UInt32
    /// setgroups() list: the user's groups from /etc/group, then SupplementaryGroups=.
    public var groups: [UInt32]
    public var home: String
    public var shell: String

    /// Resolves User=, Group= and SupplementaryGroups= the way systemd does:
    /// names or numbers; Group= defaults to the user's primary group.
    public static func resolve(user: String, group: String?, supplementary: [String]) throws(JailError) -> Identity {
        guard let account = lookupUser(user) else {
            throw .refused(directive: "User=\(user)", reason: "no such user", status: .user)
        }
        var identity = account
        if identity.uid == Shield.uid {
            throw .refused(directive: "User=\(user)", reason: "uid \(Shield.uid) is brig's own", status: .user)
        }
        if let group {
            guard let gid = lookupGroup(group) else {
                throw .refused(directive: "Group=\(group)", reason: "no such group", status: .group)
            }
            identity.gid = gid
        }
        identity.groups = try groups(of: identity.userName, primary: identity.gid, supplementary: supplementary)
        return identity
    }

    /// The setgroups() list, as systemd's get_supplementary_groups() makes it: the user's groups
    /// (initgroups(), none for gid 0), then SupplementaryGroups=, each of which must exist.
    private static func groups(of user: String, primary gid: UInt32, supplementary: [String]) throws(JailError) -> [UInt32] {
        var groups = gid == 0 ? [] : memberships(of: user, primary: gid)
        for name in supplementary {
            guard let extra = lookupGroup(name) else {
                throw .refused(directive: "SupplementaryGroups=\(name)", reason: "no such group", status: .group)
            }
            groups.append(extra)
        }
        return groups
    }

    /// The account of a user name or number in the user database; nil where there is none, a
    /// number included (systemd's get_user_creds() fails a service's start with ESRCH then).
    public static func lookupUser(_ name: String) -> Identity? {
        UserDatabase.user(UInt32(name).map { .id($0) } ?? .name(name)) { pw in
            Identity(userName: String(cString: pw.pw_name), uid: pw.pw_uid, gid: pw.pw_gid, groups: [],
                     home: String(cString: pw.pw_dir), shell: String(cString: pw.pw_shell))
        }
    }

    /// A group name or number in the group database; nil where there is none, as for users.
    public static func lookupGroup(_ name: String) -> UInt32? {
        UserDatabase.group(UInt32(name).map { .id($0) } ?? .name(name)) { $0.gr_gid }
    }

    /// The credentials of a DynamicUser= run, as systemd's dynamic_creds_realize() gives them: the
    /// user's and Group='s static entries where the databases have them, else a leased id
    /// (`lease`, asked for only then); the groups as for any user, SupplementaryGroups= after them.
    static func dynamic(name: String, group: String?, supplementary: [String],
                        lease: () throws(JailError) -> UInt32) throws(JailError) -> Identity {
        let account = UserDatabase.user(.name(name)) { (uid: $0.pw_uid, gid: $0.pw_gid) }
        let staticGroup = group.flatMap { g in UserDatabase.group(.name(g)) { $0.gr_gid } }
        var leased: UInt32? = nil
        if account == nil || (group != nil && group != name && staticGroup == nil) { leased = try lease() }
        let uid = account?.uid ?? leased!
        if uid == Shield.uid { throw .refused(directive: "User=\(name)", reason: "uid \(Shield.uid) is brig's own", status: .user) }
        let gid = staticGroup ?? (group == nil || group == name ? account?.gid ?? leased! : leased!)
        return Identity(userName: name, uid: uid, gid: gid, groups: try groups(of: name, primary: gid, supplementary: supplementary),
                        home: "/", shell: "/usr/sbin/nologin")
    }

    /// getgrouplist(): the primary group first, then every group listing the user.
    static func memberships(of user: String, primary: UInt32) -> [UInt32] {
        var count: Int32 = 64
        var list = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(user, primary, &list, &count) < 0 {
            list = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(user, primary, &list, &count)
        }
        return Array(list.prefix(Int(max(count, 0))))
    }
}

/// DynamicUser=: a uid/gid pair from systemd's range, free in the user and group databases and
/// not held by another run (an `IDLease` in /run/brig/dynamic-uid).
public final class DynamicUserLease: @unchecked Sendable {
    public static let range: ClosedRange<UInt32> = 61184...65519
    static let lockDirectory = "/run/brig/dynamic-uid"

    public var uid: UInt32 { lease.id }
    private let lease: IDLease

    private init(_ lease: IDLease) { self.lease = lease }

    /// Picks a free id for a run in `cgroup`; the lease lasts until `release()`.
    public static func acquire(name: String, cgroup: String) throws(JailError) -> DynamicUserLease {
        try IDLease.prepare(lockDirectory, for: "DynamicUser=yes")
        // The run's cgroup is in the seed too: brig listen leases for many instances of one name at
        // once, and starting them all at one uid would make each walk past the others' leases.
        var hasher = Hasher()
        hasher.combine(name)
        hasher.combine(getpid())
        hasher.combine(cgroup)
        let width = UInt32(range.count)
        let start = UInt32(truncatingIfNeeded: hasher.finalize()) % width
        for offset in 0..<width {
            let uid = range.lowerBound + (start + offset) % width
            if let lease = try IDLease.takeUnused(uid, in: lockDirectory, cgroup: cgroup, for: "DynamicUser=yes") { return DynamicUserLease(lease) }
        }
        throw .refused(directive: "DynamicUser=yes", reason: "no free uid in 61184-65519", status: .user)
    }

    /// Ends the lease (see `IDLease.release`).
    public func release() { lease.release() }

    /// Removes the lease files of runs whose brig was killed.
    static func sweep() { IDLease.sweep(lockDirectory, isLeased: range.contains) }
}

/// The user and group databases through the reentrant getpw*_r and getgr*_r: brig resolves names
/// while other threads run (and a test process resolves them on many threads at once), where
/// getpwnam()'s shared static entry could be overwritten or freed under a reader.
enum UserDatabase {
    enum Key { case name(String), id(UInt32) }

    static func user<T>(_ key: Key, _ body: (passwd) -> T) -> T? { lookup(key, getpwnam_r, getpwuid_r, body) }

    static func group<T>(_ key: Key, _ body: (group) -> T) -> T? { lookup(key, getgrnam_r, getgrgid_r, body) }

    /// One entry's reentrant C call, by name or by id: the entry, the buffer for its strings and
    /// that buffer's size, then where the found entry is reported.
    private typealias Call<Key, Entry> = (Key, UnsafeMutablePointer<Entry>, UnsafeMutablePointer<CChar>, Int,
                                          UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>) -> Int32

    private static func lookup<Entry, T>(_ key: Key, _ byName: Call<UnsafePointer<CChar>, Entry>, _ byID: Call<UInt32, Entry>,
                                         _ body: (Entry) -> T) -> T? {
        lookup { entry, buffer, size, result in
            switch key {
            case .name(let name): name.withCString { byName($0, entry, buffer, size, &result) }
            case .id(let id): byID(id, entry, buffer, size, &result)
            }
        } body: { body($0) }
    }

    /// Calls `call` with a buffer that grows while the entry does not fit (ERANGE); `body` reads
    /// the entry while the buffer its strings point into is alive.
    private static func lookup<Entry, T>(
        _ call: (UnsafeMutablePointer<Entry>, UnsafeMutablePointer<CChar>, Int, inout UnsafeMutablePointer<Entry>?) -> Int32,
        body: (Entry) -> T
    ) -> T? {
        var size = 1024
        while size <= 1 << 20 {
            let answer: T?? = withUnsafeTemporaryAllocation(of: CChar.self, capacity: size) { buffer in
                let entry = UnsafeMutablePointer<Entry>.allocate(capacity: 1)   // a C struct: filled in by the call
                defer { entry.deallocate() }
                var result: UnsafeMutablePointer<Entry>? = nil
                let code = call(entry, buffer.baseAddress!, size, &result)
                if code == ERANGE { return .none }
                guard code == 0, let found = result else { return .some(nil) }
                return .some(body(found.pointee))
            }
            if let answer { return answer }
            size *= 4
        }
        return nil
    }
}

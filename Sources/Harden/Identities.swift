#if canImport(Glibc)
import Glibc
#endif

/// The user and group ids a service used, named as a sysadmin reads them: those it started
/// with (the unit's User= and Group=, root without them) and those it switched to itself.
public struct Identities: Sendable, Equatable {
    public var uids: Set<UInt32>
    public var gids: Set<UInt32>

    /// `startUID`/`startGID`: nil when not known before the start (DynamicUser=).
    init(startUID: UInt32?, startGID: UInt32?, _ observations: Observations) {
        uids = observations.switchedUIDs.union(startUID.map { [$0] } ?? [])
        gids = observations.switchedGIDs.union(startGID.map { [$0] } ?? [])
    }

    /// The ids the unit's User= and Group= name (root when unset; nil for DynamicUser=).
    static func start(user: String?, group: String?, dynamic: Bool) -> (uid: UInt32?, gid: UInt32?) {
        if dynamic { return (nil, nil) }
        let userEntry = (user ?? "").isEmpty ? nil : (UInt32(user!).flatMap { getpwuid($0) } ?? getpwnam(user!))
        let uid: UInt32? = (user ?? "").isEmpty ? 0 : userEntry?.pointee.pw_uid
        var gid: UInt32? = (user ?? "").isEmpty ? 0 : userEntry?.pointee.pw_gid
        if let group, !group.isEmpty { gid = UInt32(group) ?? getgrnam(group)?.pointee.gr_gid }
        return (uid, gid)
    }

    /// "user nobody (uid 65534) and group nogroup (gid 65534)" for the ids the service switched to
    /// itself, nil when it switched to none.
    static func switched(_ observations: Observations) -> String? {
        let users = observations.switchedUIDs.sorted().map { "user " + userName($0) }
        let groups = observations.switchedGIDs.sorted().map { "group " + groupName($0) }
        let all = users + groups
        return all.isEmpty ? nil : all.joined(separator: " and ")
    }

    static func userName(_ uid: UInt32) -> String {
        getpwuid(uid).map { "\(String(cString: $0.pointee.pw_name)) (uid \(uid))" } ?? "uid \(uid)"
    }

    static func groupName(_ gid: UInt32) -> String {
        getgrgid(gid).map { "\(String(cString: $0.pointee.gr_name)) (gid \(gid))" } ?? "gid \(gid)"
    }
}

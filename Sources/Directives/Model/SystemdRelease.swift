/// The systemd release whose reading of unit files applies where releases differ: syscall group
/// members, newer directive modes, and so the exposure checks (`brig analyze --rules`).
public enum SystemdRelease: String, CaseIterable, Sendable {
    /// Debian 12's systemd 252.39, the one installed on this machine.
    case v252
    /// Upstream v261.2 (adds @sandbox, moves calls between groups).
    case v261

    /// The rules of release `version`: releases after 252 follow the newest rules brig has (261);
    /// 252 and older, Debian 12's.
    public init(version: Int) { self = version > 252 ? .v261 : .v252 }

    /// The release `number` names exactly, or nil when brig has no rules for it.
    public static func known(_ number: Int) -> SystemdRelease? {
        switch number {
        case 252: .v252
        case 261: .v261
        default: nil
        }
    }

    public static let numbersText = "252 or 261"

}

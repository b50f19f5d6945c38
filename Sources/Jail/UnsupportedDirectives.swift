import Directives
import UnitFile

/// Directives brig run cannot apply, each named with where it was set and systemd's exit status
/// (DirectiveFates), and the mandatory access control labels that no module here can apply
/// unless the unit marked them optional the way systemd does.
public enum UnsupportedDirectives {
    /// Mandatory access control: no LSM is active here, so a profile or label
    /// can only be skipped, and only when its value starts with "-".
    static let macDirectives: [String: ExitStatus] = [
        "AppArmorProfile": .apparmor, "SELinuxContext": .selinuxContext, "SmackProcessLabel": .smackProcessLabel,
    ]

    /// The modes of later releases brig run applies (PrivateUsers=managed with a block brig leases
    /// itself, where systemd asks nsresourced for one).
    static let appliedModes: [String: Set<String>] = [
        "PrivateTmp": ["connected", "disconnected"], "PrivateUsers": ["self", "identity", "full", "managed"],
        "ProtectHostname": ["private"], "ProtectControlGroups": ["private", "strict"],
    ]

    public static func check(_ loaded: LoadedUnit, _ config: UnitConfig) throws(JailError) {
        var refused = DirectiveFates.refusals(loaded.assignments)
        // Modes later releases added to a boolean each mean a jail of their own: brig builds those
        // in `appliedModes`; read as plain "yes" the others would give another jail.
        for a in loaded.assignments where config.rules.facts.modes[a.key]?.contains(a.value) == true {
            if appliedModes[a.key]?.contains(a.value) == true { continue }
            refused.append(Refusal(directive: "\(a.key)=\(a.value)", location: a.location,
                                   reason: "a mode of \(config.rules.name) that brig run does not apply", status: .exec))
        }
        if !refused.isEmpty { throw .refusals(refused) }
        for a in loaded.assignments where a.section == "Service" {
            if let status = macDirectives[a.key], !a.value.isEmpty, !a.value.hasPrefix("-") {
                throw .refused(directive: "\(a.key)=\(a.value)",
                               reason: "no \(lsmName(a.key)) security module is active on this kernel (prefix the value with '-' to make it optional)",
                               status: status)
            }
        }
    }

    private static func lsmName(_ key: String) -> String {
        switch key {
        case "AppArmorProfile": "AppArmor"
        case "SELinuxContext": "SELinux"
        default: "Smack"
        }
    }
}

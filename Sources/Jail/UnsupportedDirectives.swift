import Directives
import UnitFile

/// Directives brig run cannot apply on this machine. Each stops the start
/// with its name and systemd's exit status, unless the unit marked it
/// optional the way systemd does.
public enum UnsupportedDirectives {
    /// Mandatory access control: no LSM is active here, so a profile or label
    /// can only be skipped, and only when its value starts with "-".
    static let macDirectives: [String: ExitStatus] = [
        "AppArmorProfile": .apparmor, "SELinuxContext": .selinuxContext, "SmackProcessLabel": .smackProcessLabel,
    ]

    public static func check(_ loaded: LoadedUnit, _ config: UnitConfig) throws(JailError) {
        for a in loaded.assignments where a.section == "Service" {
            if let status = macDirectives[a.key], !a.value.isEmpty, !a.value.hasPrefix("-") {
                throw .refused(directive: "\(a.key)=\(a.value)",
                               reason: "no \(lsmName(a.key)) security module is active on this kernel (prefix the value with '-' to make it optional)",
                               status: status)
            }
            if !DeviceFilter.directives.contains(a.key), isResourceControl(a, loaded.specifiers) {
                throw .refused(directive: "\(a.key)=\(a.value)",
                               reason: "cgroup resource control is not supported by brig run", status: .cgroup)
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

    /// ResourceControl owns the cgroup directives (MemoryMax=, IPAddressDeny=, ...).
    private static func isResourceControl(_ a: Assignment, _ specifiers: Specifiers) -> Bool {
        var probe = ResourceControl()
        let input = DirectiveInput(key: a.key, value: a.value, location: a.location, specifiers: specifiers)
        return (try? probe.apply(input)) == true
    }
}

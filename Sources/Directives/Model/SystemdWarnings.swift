extension UnitConfig {
    /// What systemd 252 warns about in a value it accepts: deprecated and obsolete directives and
    /// values, and settings it calls unsafe. brig says the same, as warnings.
    static func warnings(for d: DirectiveInput) -> [String] {
        switch (d.key, d.value) {
        case ("CPUShares", _), ("StartupCPUShares", _):
            return ["\(d.key)= is deprecated; use CPUWeight= (systemd will drop \(d.key)=)"]
        case ("MemoryLimit", _):
            return ["MemoryLimit= is deprecated; use MemoryMax= (systemd will drop MemoryLimit=)"]
        case (let key, _) where key.hasPrefix("BlockIO") || key.hasPrefix("StartupBlockIO"):
            return ["\(key)= is deprecated; use the IO*= settings (systemd will drop \(key)=)"]
        case ("RequiresOverridable", _), ("RequisiteOverridable", _):
            return ["\(d.key)= is obsolete; systemd reads it as \(d.key.dropLast("Overridable".count))="]
        case ("KillMode", "none"):
            return ["KillMode=none is unsafe (processes outlive the service) and deprecated; use mixed or control-group"]
        case ("StandardOutput", "syslog"), ("StandardError", "syslog"), ("StandardOutput", "syslog+console"), ("StandardError", "syslog+console"):
            return ["\(d.key)=\(d.value) is obsolete; systemd reads it as journal\(d.value.dropFirst("syslog".count))"]
        case ("User", "nobody"), ("SocketUser", "nobody"):
            return ["\(d.key)=nobody: the special user nobody is not safe to run services as"]
        default:
            return []
        }
    }
}

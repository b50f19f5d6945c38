import Directives
import UnitFile

/// Why a unit cannot be assessed; systemd refuses to load it for the same reason.
public struct UnitLoadError: Error, CustomStringConvertible {
    public let description: String
}

/// A unit as the checks read it: Directives' model, as the release of the rules reads it, with
/// systemd's implications applied (DynamicUser=yes => ProtectSystem=strict, ...), and its system
/// call filter as native numbers, the one thing the model cannot say without the release's groups.
public struct AssessedUnit: Sendable {
    public let config: UnitConfig
    public let fragmentPath: String?
    /// Native calls in SystemCallFilter= after systemd's merge: allowed for an allow list, denied
    /// for a deny list.
    let systemCallFilter: SyscallSet

    /// Reads a loaded unit; `extra` assignments apply last (a proposed drop-in). Throws when
    /// systemd would refuse to load the unit.
    public init(_ unit: LoadedUnit, rules: SystemdRelease, extra: [Assignment] = []) throws(UnitLoadError) {
        if unit.isMasked { throw UnitLoadError(description: "\(unit.name.name): unit is masked") }
        var loaded = unit
        loaded.assignments += extra
        let config = UnitConfig(loaded, rules: rules)
        if let error = config.loadError { throw UnitLoadError(description: "\(error.location): \(error.message)") }
        self.config = config.withImplications()
        if let conflict = self.config.conflictingSettings {
            throw UnitLoadError(description: "\(unit.name.name): \(conflict)")
        }
        fragmentPath = unit.fragmentPath
        let groups = NativeSyscallGroups.of(rules)
        var calls = SyscallSet()
        if let filter = self.config.exec.syscalls.filter {
            // The model's merge steps on native numbers. In an allow list, a call given an error
            // number fails rather than runs: systemd-analyze does not count it as allowed.
            for step in filter.steps {
                let keep = step.puts && !(filter.isAllowList && step.action != nil)
                for n in groups.numbers(of: step.name) {
                    if keep { calls.insert(n) } else { calls.remove(n) }
                }
            }
        }
        systemCallFilter = calls
    }

    var user: String? { config.exec.identity.user }
    var dynamicUser: Bool { config.exec.identity.dynamicUser ?? false }

    /// Root, or nobody's name at all without DynamicUser=: the rows about a service user do not
    /// apply then.
    var runsPrivileged: Bool {
        if user == "0" || user == "root" { return true }
        if dynamicUser { return false }
        return user?.isEmpty ?? true
    }
}

/// Everything systemd.exec(5) says about how a unit's processes run: identity, filesystem view,
/// sandboxing, capabilities, system calls, environment, standard I/O and process properties.
/// Values are exactly as the unit wrote them (nil = not set); `ExecContext.withImplications`
/// gives the settings systemd derives from them.
public struct ExecContext: Sendable {
    public var identity = IdentitySettings()
    public var filesystem = FilesystemSettings()
    public var sandbox = SandboxSettings()
    public var capabilities = CapabilitySettings()
    public var syscalls = SyscallSettings()
    public var environment = EnvironmentSettings()
    public var stdio = StdioSettings()
    public var process = ProcessSettings()
    /// Where each directive was last assigned, by directive name.
    public var origins: [String: SourceLocation] = [:]

    public init() {}

    /// Applies an assignment if it is an exec directive; false when it is not one.
    public mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        if try identity.apply(d) {} else if try filesystem.apply(d) {} else if try sandbox.apply(d) {}
        else if try capabilities.apply(d) {} else if try syscalls.apply(d) {} else if try environment.apply(d) {}
        else if try stdio.apply(d) {} else if try process.apply(d) {} else { return false }
        origins[d.key] = d.location
        return true
    }
}

/// USER/GROUP IDENTITY of systemd.exec(5).
public struct IdentitySettings: Sendable {
    public var user: String?
    public var group: String?
    public var dynamicUser: Bool?
    public var supplementaryGroups: [String] = []
    public var pamName: String?

    mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        switch d.key {
        case "User": user = try d.optional { v throws(ValueError) in try AccountName.check(d.expand(v)) }
        case "Group": group = try d.optional { v throws(ValueError) in try AccountName.check(d.expand(v)) }
        case "DynamicUser": dynamicUser = try d.bool()
        case "SupplementaryGroups":
            // systemd adds the names one by one: those before a bad (fatal) one stay.
            if d.value.isEmpty { supplementaryGroups = []; break }
            for w in try words(d.value, []) { supplementaryGroups.append(try AccountName.check(d.expand(w))) }
        case "PAMName": pamName = try d.optional { v throws(ValueError) in try d.expand(v) }
        default: return false
        }
        return true
    }
}

/// CAPABILITIES of systemd.exec(5). nil = not set: the bounding set is then all capabilities,
/// the ambient set empty.
public struct CapabilitySettings: Sendable {
    public var boundingSet: CapabilitySet?
    public var ambient: CapabilitySet?

    mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        switch d.key {
        case "CapabilityBoundingSet":
            boundingSet = CapabilitySet.merge(boundingSet ?? .all, initial: .all, d.value, invertingFrom: invertingFrom(d),
                                              skipped: &d.skipped.problems)
        case "AmbientCapabilities":
            ambient = CapabilitySet.merge(ambient ?? .empty, initial: .empty, d.value, invertingFrom: invertingFrom(d),
                                          skipped: &d.skipped.problems)
        default: return false
        }
        return true
    }

    private func invertingFrom(_ d: DirectiveInput) -> CapabilitySet {
        d.rules.facts.invertedCapabilitiesFromKnown ? .known : .all
    }
}

/// SYSTEM CALL FILTERING of systemd.exec(5).
public struct SyscallSettings: Equatable, Sendable {
    public var filter: SyscallFilter?
    /// SystemCallErrorNumber=; nil = kill the process (systemd's default).
    public var errorNumber: SyscallAction?
    /// SystemCallArchitectures=; nil = any.
    public var architectures: Set<String>?
    public var log: SyscallFilter?

    mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        switch d.key {
        case "SystemCallFilter": filter = try SyscallFilter.merge(filter, d.value, rules: d.rules, skipped: &d.skipped.problems)
        case "SystemCallErrorNumber":
            errorNumber = try d.optional { v throws(ValueError) in
                let action = try SyscallAction(parsing: v)
                guard action != .errno(0) else { throw ValueError("error number 0 is not an error") }
                return action
            }
        case "SystemCallArchitectures":
            // The set exists once one name is valid: a line of unknown names leaves it unset.
            if d.value.isEmpty { architectures = nil; break }
            let names = SyscallArchitectureNames.parseList(d.value, skipped: &d.skipped.problems)
            if !names.isEmpty { architectures = (architectures ?? []).union(names) }
        case "SystemCallLog": log = try SyscallFilter.merge(log, d.value, logging: true, rules: d.rules, skipped: &d.skipped.problems)
        default: return false
        }
        return true
    }
}

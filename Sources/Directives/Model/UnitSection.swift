/// The [Unit] section of systemd.unit(5): description, dependencies and conditions.
public struct UnitSection: Sendable {
    public var description: String?
    public var documentation: [String] = []
    public var defaultDependencies: Bool?
    /// Dependency directives (Requires=, Wants=, After=, ...) by name, unit names in order.
    public var dependencies: [String: [String]] = [:]
    public var requiresMountsFor: [String] = []
    /// WantsMountsFor= (256): as RequiresMountsFor=, but the mounts are only wanted.
    public var wantsMountsFor: [String] = []
    /// Condition*= and Assert*= lines as written, in order; evaluated by whoever starts the unit.
    public var conditions: [(key: String, value: String)] = []
    /// StartLimitIntervalSec= and StartLimitBurst=: at most `burst` starts within the interval.
    public var startLimitInterval: TimeSpan?
    public var startLimitBurst: UInt64?
    /// SuccessAction=: what the manager does when the unit finishes (nil: none), among the actions
    /// the release of the rules knows (`ReleaseFacts.emergencyActions`).
    public var successAction: String?
    public var origins: [String: SourceLocation] = [:]

    public init() {}

    static let dependencyKinds: Set<String> = [
        "Requires", "Requisite", "Wants", "BindsTo", "BindTo", "Upholds", "Conflicts", "Before", "After", "OnSuccess",
        "OnFailure", "PropagatesReloadTo", "PropagateReloadTo", "ReloadPropagatedFrom", "PropagateReloadFrom",
        "PropagatesStopTo", "StopPropagatedFrom", "PartOf", "JoinsNamespaceOf",
    ]

    /// A Documentation= URL: http(s)://, file:/, info: or man:, followed by printable ASCII.
    static func documentationURL(_ url: String) throws(ValueError) -> String {
        let schemes = ["http://", "https://", "file:/", "info:", "man:"]
        guard let scheme = schemes.first(where: url.hasPrefix), url.count > scheme.count,
              url.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 32 && $0.value != 127 })
        else { throw ValueError("'\(url)' is not a documentation URL (http://, https://, file:/, info:, man:)") }
        return url
    }

    public mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        switch d.key {
        case "Description": description = try d.expanded()
        case "Documentation": try d.appendWords(to: &documentation, Self.documentationURL)
        case "DefaultDependencies": defaultDependencies = try d.bool()
        case "RequiresMountsFor": try d.appendWords(to: &requiresMountsFor, absolute)
        case "WantsMountsFor": try d.appendWords(to: &wantsMountsFor, absolute)
        case let key where Self.dependencyKinds.contains(key) || key.hasSuffix("Overridable"):
            // RequiresOverridable=/RequisiteOverridable= are read as Requires=/Requisite=, as systemd does.
            let kind = key.hasSuffix("Overridable") ? String(key.dropLast("Overridable".count)) : key
            try d.appendWords(to: &dependencies[kind, default: []]) { w throws(ValueError) in
                guard (try? UnitName(w)) != nil else { throw ValueError("'\(w)' is not a unit name") }
                return w
            }
        case "StartLimitIntervalSec", "StartLimitInterval": startLimitInterval = try d.time()
        case "StartLimitBurst": startLimitBurst = try Numbers.unsigned(d.value, "start count")
        case "SuccessAction":
            guard d.value == "none" || d.rules.facts.emergencyActions.contains(d.value) else {
                throw ValueError("'\(d.value)' is not an action systemd \(d.rules.number) knows")
            }
            successAction = d.value == "none" ? nil : d.value
        case let key where key.hasPrefix("Condition") || key.hasPrefix("Assert"):
            if d.value.isEmpty { conditions.removeAll { $0.key == key } } else { conditions.append((key, d.value)) }
        default: return false
        }
        origins[d.key] = d.location
        return true
    }
}

/// The [Install] section: how `systemctl enable` hooks the unit in.
public struct InstallSection: Sendable {
    public var wantedBy: [String] = []
    public var requiredBy: [String] = []
    public var alias: [String] = []
    public var also: [String] = []
    public var defaultInstance: String?
    public var origins: [String: SourceLocation] = [:]

    public init() {}

    public mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        switch d.key {
        case "WantedBy": try d.appendWords(to: &wantedBy) { $0 }
        case "RequiredBy": try d.appendWords(to: &requiredBy) { $0 }
        case "Alias": try d.appendWords(to: &alias) { $0 }
        case "Also": try d.appendWords(to: &also) { $0 }
        case "DefaultInstance": defaultInstance = try d.optional { v throws(ValueError) in try d.expand(v) }
        default: return false
        }
        origins[d.key] = d.location
        return true
    }
}

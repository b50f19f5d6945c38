import Directives

/// One row of the exposure assessment: what systemd calls a "security assessor".
public struct Check: Sendable {
    public let id: String            // "ProtectSystem=", "CapabilityBoundingSet=~CAP_SYS_ADMIN"
    public let jsonField: String     // systemd's JSON/policy key, spelled exactly as systemd does
    public let weight: UInt64
    public let range: UInt64
    public let rule: Rule
    /// Filesystem rows that make no sense for units ordered early in boot (DefaultDependencies=no).
    public let needsDefaultDependencies: Bool
    public let pass: String          // our sentence when the check passes
    public let fail: String          // our sentence when it fails completely
    /// `,"name":"<id>","json_field":"<jsonField>"` as JSON bytes, quoted once rather than per unit.
    let jsonNameFields: [UInt8]

    public init(_ id: String, _ jsonField: String, weight: UInt64, range: UInt64, _ rule: Rule,
                needsDefaultDependencies: Bool = false, pass: String, fail: String) {
        self.id = id; self.jsonField = jsonField; self.weight = weight; self.range = range
        self.rule = rule; self.needsDefaultDependencies = needsDefaultDependencies
        self.pass = pass; self.fail = fail
        var fields = Array(#","name":"#.utf8)
        JSON.quote(id, into: &fields)
        fields += #","json_field":"#.utf8
        JSON.quote(jsonField, into: &fields)
        jsonNameFields = fields
    }
}

/// How a check turns facts into a badness between 0 and its range.
public enum Rule: Sendable {
    case user
    case supplementaryGroups
    case removeIPC
    case enabled(@Sendable (SecurityFacts) -> Bool)   // passes when the setting is on
    case disabled(@Sendable (SecurityFacts) -> Bool)  // passes when the setting is off (Delegate=)
    case protectHome
    case protectSystem
    case rootDirectory
    case capabilities(CapabilitySet)  // passes when none of these is in the bounding set
    case umask
    case keyringMode
    case protectProc
    case procSubset
    case notifyAccess
    case namespace(NamespaceType)     // passes when this type is not allowed
    case architectures
    case systemCallGroup(String)  // "@swap"
    case ipAddresses
    case devices
    case ambientCapabilities
}

/// The verdict of one check for one unit.
public struct Verdict: Sendable {
    /// nil when the check does not apply to this unit.
    public var badness: UInt64?
    /// Our sentence for this exact situation.
    public var description: String
}

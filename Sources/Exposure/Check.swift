import Directives

/// One row of the exposure assessment: what systemd calls a "security assessor".
/// A class: every row of every unit's assessment refers to one, and copying a reference is
/// cheaper than copying (and retaining) each of its strings.
public final class Check: Sendable {
    public let id: String            // "ProtectSystem=", "CapabilityBoundingSet=~CAP_SYS_ADMIN"
    public let jsonField: String     // systemd's JSON/policy key, spelled exactly as systemd does
    public let weight: UInt64
    public let range: UInt64
    public let criterion: Criterion
    /// Filesystem rows that make no sense for units ordered early in boot (DefaultDependencies=no).
    public let needsDefaultDependencies: Bool
    public let pass: String          // our sentence when the check passes
    public let fail: String          // our sentence when it fails completely
    /// `,"name":"<id>","json_field":"<jsonField>"` as JSON bytes, quoted once rather than per unit.
    let jsonNameFields: [UInt8]
    /// The lines that make this check pass when they are the same for every unit (see `remedy`).
    let fixedRemedy: [String]?
    /// For `.enabled` checks: the verdict when the unit leaves the setting unset. False but where
    /// a release's analyzer reads unset as on (`ReleaseFacts.privateMountsIsTristate`).
    public let unsetPasses: Bool

    public init(_ id: String, _ jsonField: String, weight: UInt64, range: UInt64, _ criterion: Criterion,
                needsDefaultDependencies: Bool = false, pass: String, fail: String) {
        self.id = id; self.jsonField = jsonField; self.weight = weight; self.range = range
        self.criterion = criterion; self.needsDefaultDependencies = needsDefaultDependencies
        self.pass = pass; self.fail = fail
        var fields = Array(#","name":"#.utf8)
        JSON.quote(id, into: &fields)
        fields += #","json_field":"#.utf8
        JSON.quote(jsonField, into: &fields)
        jsonNameFields = fields
        fixedRemedy = Self.remedy(criterion, id: id, unit: nil)
        unsetPasses = false
    }

    /// `check` as a release weighs and reads it.
    init(_ check: Check, weight: UInt64, range: UInt64, unsetPasses: Bool) {
        id = check.id; jsonField = check.jsonField; self.weight = weight; self.range = range
        criterion = check.criterion; needsDefaultDependencies = check.needsDefaultDependencies
        pass = check.pass; fail = check.fail
        jsonNameFields = check.jsonNameFields; fixedRemedy = check.fixedRemedy
        self.unsetPasses = unsetPasses
    }
}

/// What a check looks at in a unit, and so how it turns the unit into a badness.
public enum Criterion: Sendable {
    case user
    case supplementaryGroups
    case removeIPC
    case enabled(@Sendable (UnitConfig) -> Bool?)   // a boolean directive: passes when it is yes
    case delegate                                   // passes when no cgroup subtree is delegated
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
    case addressFamilies(AddressFamilyGroup)  // passes when sockets of these families cannot be made
    case architectures
    case systemCallGroup(String)  // "@swap"
    case ipAddresses
    case devices
    case ambientCapabilities
}

/// The address families of one RestrictAddressFamilies= row.
public enum AddressFamilyGroup: Sendable {
    case inet, unix, netlink, packet
    /// Every family the other rows do not name.
    case other

    func contains(_ family: Int) -> Bool {
        let group: Self = switch AddressFamily.name(family) {
        case "AF_INET", "AF_INET6": .inet
        case "AF_UNIX": .unix
        case "AF_NETLINK": .netlink
        case "AF_PACKET": .packet
        default: .other
        }
        return group == self
    }

    /// Whether `restriction` keeps a service from creating sockets of these families.
    func isRestricted(by restriction: AddressFamilyRestriction?) -> Bool {
        switch restriction {
        case .allowOnly(let families)?: !families.contains(where: contains)
        case .deny(let families)?: families.contains(where: contains)
        case nil: false
        }
    }
}

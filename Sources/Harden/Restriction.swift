/// One entry of the candidate drop-in: the lines of one directive and why it is there.
/// A restriction takes something away and is proven (delta debugging may relax it); a grant
/// gives back what the observations showed the service uses (a writable path, a capability
/// to keep, a port to bind) and stays while a restriction it serves is in force.
public struct Restriction: Hashable, Sendable {
    public var directive: String
    /// The drop-in's lines ("Directive=value"); list directives start with an empty assignment,
    /// which replaces what the unit set instead of adding to it.
    public var lines: [String]
    public var evidence: String
    public var isGrant = false

    public init(_ directive: String, _ value: String, evidence: String, resetFirst: Bool = false, isGrant: Bool = false) {
        self.directive = directive
        lines = (resetFirst && !value.isEmpty ? [directive + "="] : []) + [directive + "=" + value]
        self.evidence = evidence
        self.isGrant = isGrant
    }

    /// The value of its last line.
    public var value: String { String(lines.last!.dropFirst(directive.count + 1)) }
}

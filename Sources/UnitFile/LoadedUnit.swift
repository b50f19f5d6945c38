/// A unit as systemd would load it: its fragment and drop-ins read in order, cut into assignments.
public struct LoadedUnit: Sendable {
    /// The name the unit is known by (an alias resolves to its target's name).
    public var name: UnitName
    /// The name the user asked for, when it differs (an alias).
    public var requestedName: String
    /// The main unit file; nil when masked or when only drop-ins exist.
    public var fragmentPath: String?
    /// Drop-in files, in the order they apply.
    public var dropInPaths: [String]
    /// Masked by a link to /dev/null or an empty file: systemd refuses to load it.
    public var isMasked: Bool
    /// Fragment assignments first, then each drop-in's, in file order.
    public var assignments: [Assignment]
    /// Section headers seen, in order, across all files.
    public var sections: [String]
    /// What systemd would warn about while reading the files (syntax only).
    public var diagnostics: [Diagnostic]
    public var specifiers: Specifiers

    /// A unit from assignments made elsewhere (command-line `-p` settings, tests); `name` also
    /// drives the specifiers.
    public init(
        name: UnitName, requestedName: String? = nil, fragmentPath: String?, dropInPaths: [String] = [],
        isMasked: Bool = false, assignments: [Assignment], sections: [String] = [], diagnostics: [Diagnostic] = []
    ) {
        self.name = name
        self.requestedName = requestedName ?? name.name
        self.fragmentPath = fragmentPath
        self.dropInPaths = dropInPaths
        self.isMasked = isMasked
        self.assignments = assignments
        self.sections = sections
        self.diagnostics = diagnostics
        self.specifiers = Specifiers(unit: name, fragmentPath: fragmentPath)
    }

    /// Every assignment of `key` in `section`, in the order systemd applies them.
    public func assignments(_ section: String, _ key: String) -> [Assignment] {
        assignments.filter { $0.section == section && $0.key == key }
    }

    /// All files this unit was read from.
    public var paths: [String] { (fragmentPath.map { [$0] } ?? []) + dropInPaths }

    /// The same files read as another instance of their template (brig listen's instances):
    /// the specifiers are the instance's, the drop-ins those found for the template.
    public func instance(_ name: UnitName) -> LoadedUnit {
        var unit = self
        unit.name = name
        unit.requestedName = name.name
        unit.specifiers = Specifiers(unit: name, fragmentPath: fragmentPath)
        return unit
    }
}

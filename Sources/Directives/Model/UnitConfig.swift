/// A unit read into the typed model: every directive brig understands, as written, plus the
/// diagnostics `brig verify` reports: the loader's syntax findings first, then unknown sections
/// and directives, misplaced directives and values that do not parse. A value that does not
/// parse is left out of the model, as systemd ignores it.
public struct UnitConfig: Sendable {
    public var name: UnitName
    public var unit = UnitSection()
    public var install = InstallSection()
    public var exec = ExecContext()
    public var service = ServiceConfig()
    public var socket = SocketConfig()
    public var kill = KillConfig()
    public var resources = ResourceControl()
    public var diagnostics: [Diagnostic] = []

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    public init(_ loaded: LoadedUnit) {
        name = loaded.name
        diagnostics = loaded.diagnostics
        let allowed = DirectiveRegistry.sections(forUnitType: loaded.name.type)
        var reportedSections: Set<String> = []
        for a in loaded.assignments {
            if a.section.hasPrefix("X-") || a.key.hasPrefix("X-") { continue }
            guard allowed.contains(a.section) else {
                if reportedSections.insert(a.section).inserted {
                    let known = DirectiveRegistry.known[a.section] != nil
                    diagnostics.append(Diagnostic(.error, a.location, known
                        ? "section [\(a.section)] does not belong in a .\(loaded.name.type) unit"
                        : "unknown section [\(a.section)]"))
                }
                continue
            }
            switch DirectiveRegistry.status(section: a.section, name: a.key) {
            case .known(let hint):
                apply(a, hint: hint, specifiers: loaded.specifiers)
            case .newer:
                diagnostics.append(Diagnostic(.warning, a.location,
                    "\(a.key)= is newer than systemd 252, which ignores it; brig ignores it too"))
            case .wrongSection(let sections):
                let places = sections.map { "[\($0)]" }.joined(separator: ", ")
                diagnostics.append(Diagnostic(.error, a.location, "\(a.key)= belongs in \(places), not [\(a.section)]"))
            case .unknown(let suggestion):
                let hint = suggestion.map { "; did you mean \($0)=?" } ?? ""
                diagnostics.append(Diagnostic(.error, a.location, "unknown directive \(a.key)= in [\(a.section)]\(hint)"))
            }
        }
    }

    private mutating func apply(_ a: Assignment, hint: String, specifiers: Specifiers) {
        let d = DirectiveInput(key: a.key, value: a.value, location: a.location, specifiers: specifiers)
        do throws(ValueError) {
            var handled = false
            switch a.section {
            case "Unit": handled = try unit.apply(d)
            case "Install": handled = try install.apply(d)
            case "Service": handled = try service.apply(d)
            case "Socket": handled = try socket.apply(d)
            default: break
            }
            let execSections: Set = ["Service", "Socket", "Mount", "Swap"]
            let killSections: Set = ["Service", "Socket", "Mount", "Swap", "Scope"]
            if !handled, execSections.contains(a.section) { handled = try exec.apply(d) }
            if !handled, killSections.contains(a.section) { handled = try kill.apply(d) }
            if !handled, killSections.contains(a.section) || a.section == "Slice" { handled = try resources.apply(d) }
            if !handled { try Self.check(d, hint: hint) }
        } catch {
            diagnostics.append(Diagnostic(.error, a.location, "\(a.key)=\(a.value): \(error.message)"))
        }
    }

    /// Checks a directive brig does not model by the value kind systemd prints for it.
    static func check(_ d: DirectiveInput, hint: String) throws(ValueError) {
        guard !d.value.isEmpty else { return }
        switch hint {
        case "BOOLEAN": _ = try d.bool()
        case "SECONDS": _ = try d.time()
        case "MODE" where !d.key.hasSuffix("JobMode"): _ = try Numbers.mode(d.value)
        case "SIGNAL": _ = try Signal(parsing: d.value)
        default: break
        }
    }
}

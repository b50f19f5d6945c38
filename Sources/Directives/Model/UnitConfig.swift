/// A unit read into the typed model: every directive brig understands, as written, plus the
/// diagnostics `brig verify` reports: the loader's syntax findings, unknown directives, misplaced
/// directives and values that do not parse, in reading order. As in systemd, a value that does
/// not parse is left out of the model, a list leaves out only its bad words, and a fatal setting
/// stops the reading of its file.
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
    /// Directives whose bad value systemd treats as fatal ("bad-setting") rather than ignoring
    /// the line, wherever they were written.
    public var badSettings: [String] = []
    /// Why systemd refuses to load the unit at all: the first fatal setting of its main file.
    /// (A fatal setting in a drop-in only ends the reading of that drop-in.)
    public var loadError: Diagnostic?
    /// Directives systemd knows that were set but that brig does not type, with where each was
    /// last set: whoever must honour every directive (the jail) can refuse these by name.
    public var unmodelled: [String: SourceLocation] = [:]

    /// The systemd release whose reading applies where releases differ (newer groups and modes).
    public private(set) var rules = SystemdRelease.v252

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    /// The diagnostics but the errors, each with its place: what brig run and brig listen say
    /// before they start the unit.
    public var warnings: [String] { diagnostics.filter { $0.severity != .error }.map(\.description) }

    public init(_ loaded: LoadedUnit, rules: SystemdRelease = .v252) {
        name = loaded.name
        self.rules = rules
        diagnostics = loaded.diagnostics
        var abandoned: String?   // the drop-in systemd stopped reading at a fatal setting
        // Lines systemd no longer reads are still checked, so verify lists every problem: they are
        // read into a copy of the model, made once per file (not per line, which costs quadratic time).
        var unread: (file: String, config: UnitConfig)?
        for a in loaded.assignments {
            let inDropIn = loaded.dropInPaths.contains(a.location.file)
            // X- sections and keys are extensions systemd ignores; the loader reports foreign sections.
            if a.section.hasPrefix("X-") || a.key.hasPrefix("X-") { continue }
            if loadError != nil || a.location.file == abandoned {
                if unread?.file != a.location.file {
                    collect(&unread)
                    var copy = self
                    copy.diagnostics = []
                    copy.badSettings = []
                    unread = (a.location.file, copy)
                }
                unread!.config.read(a, loaded.specifiers, inDropIn: inDropIn)
                continue
            }
            let fatalBefore = badSettings.count
            read(a, loaded.specifiers, inDropIn: inDropIn)
            guard badSettings.count > fatalBefore else { continue }
            if inDropIn { abandoned = a.location.file } else { loadError = diagnostics.last }
        }
        collect(&unread)
        // In reading order: files as they apply (fragment, then drop-ins), then line and column.
        guard diagnostics.count > 1 else { return }
        let fileOrder = Dictionary(loaded.paths.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        diagnostics = diagnostics.enumerated().sorted { x, y in
            let (a, b) = (x.element.location, y.element.location)
            let (fa, fb) = (fileOrder[a.file] ?? Int.max, fileOrder[b.file] ?? Int.max)
            return (fa, a.line, a.column, x.offset) < (fb, b.line, b.column, y.offset)
        }.map(\.element)
    }

    /// Takes over what the lines systemd did not read said, and drops their model.
    private mutating func collect(_ unread: inout (file: String, config: UnitConfig)?) {
        guard let checked = unread?.config else { return }
        diagnostics += checked.diagnostics
        badSettings += checked.badSettings
        unread = nil
    }

    /// Directives newer than 252 that brig applies, each read under the rules of the release that
    /// brought it and later ones.
    static let appliedFromNewerRules: [String: SystemdRelease] = [
        "ReloadSignal": .v253, "PollLimitIntervalSec": .v255, "PollLimitBurst": .v255, "SetLoginEnvironment": .v255,
        "PrivatePIDs": .v257, "MemoryKSM": .v254, "MemoryTHP": .v260,
        "UserNamespacePath": .v259, "PrivateBPF": .v258,
        "BPFDelegateCommands": .v258, "BPFDelegateMaps": .v258, "BPFDelegatePrograms": .v258, "BPFDelegateAttachments": .v258,
        "OpenFile": .v253,
        "BindLogSockets": .v257, "BindNetworkInterface": .v260, "DelegateNamespaces": .v258,
        "RootEphemeral": .v254,
        "StateDirectoryQuota": .v258, "CacheDirectoryQuota": .v258, "LogsDirectoryQuota": .v258,
        "StateDirectoryAccounting": .v258, "CacheDirectoryAccounting": .v258, "LogsDirectoryAccounting": .v258,
        "WantsMountsFor": .v256,
        // A root assembled from a `.mstack/` directory (src/shared/mstack.c, pinned in
        // setup_pinned_resource() of exec-invoke.c, mounted by setup_namespace() in namespace.c).
        "RootMStack": .v260,
        "PassFileDescriptorsToExec": .v256, "PassPIDFD": .v258, "AcceptFileDescriptors": .v258,
        "DeferTrigger": .v258, "DeferTriggerMaxSec": .v258,
    ]

    /// What is said of a directive newer than the rules in force: the release it came in where
    /// brig applies it from there on, else only that brig does not apply it.
    static func newerWarning(_ key: String, rules: SystemdRelease) -> String {
        if let since = appliedFromNewerRules[key], rules < since {
            return "\(key)= is newer than systemd \(rules.number) (it came in \(since.number)), which ignores it; brig ignores it too"
        }
        if rules == .v252 { return "\(key)= is newer than systemd 252, which ignores it; brig ignores it too" }
        return "\(key)= is newer than systemd 252 and brig does not apply it under the rules of systemd \(rules.number); brig ignores it"
    }

    private mutating func read(_ a: Assignment, _ specifiers: Specifiers, inDropIn: Bool) {
        switch DirectiveRegistry.status(section: a.section, name: a.key) {
        case .known(let hint):
            apply(a, hint: hint, specifiers: specifiers, inDropIn: inDropIn)
        case .removed:
            diagnostics.append(Diagnostic(.warning, a.location, "\(a.key)= is no longer supported; systemd ignores it"))
        case .newer where a.key == "ImportCredential" && Self.runsProcesses(a.section):
            // brig reads the credential stores it was given itself, as systemd 254 and later do.
            if rules < .v254 {
                diagnostics.append(Diagnostic(.warning, a.location,
                    "\(a.key)= is newer than systemd \(rules.number) (it came in 254), which ignores it; brig applies it as systemd 254 does"))
            }
            apply(a, hint: "", specifiers: specifiers, inDropIn: inDropIn)
        case .newer where Self.appliedFromNewerRules[a.key].map({ rules >= $0 }) == true
                && (Self.runsProcesses(a.section) || a.section == "Unit"):
            apply(a, hint: "", specifiers: specifiers, inDropIn: inDropIn)
        case .newer:
            diagnostics.append(Diagnostic(.warning, a.location, Self.newerWarning(a.key, rules: rules)))
        case .wrongSection(let sections):
            let places = sections.map { "[\($0)]" }.joined(separator: ", ")
            diagnostics.append(Diagnostic(.error, a.location, "\(a.key)= belongs in \(places), not [\(a.section)]"))
        case .unknown(let suggestion):
            let hint = suggestion.map { "; did you mean \($0)=?" } ?? ""
            diagnostics.append(Diagnostic(.error, a.location, "unknown directive \(a.key)= in [\(a.section)]\(hint)"))
        }
    }

    private mutating func apply(_ a: Assignment, hint: String, specifiers: Specifiers, inDropIn: Bool) {
        let d = DirectiveInput(key: a.key, value: a.value, location: a.location, specifiers: specifiers, rules: rules)
        do throws(ValueError) {
            var handled = false
            switch a.section {
            case "Unit": handled = try unit.apply(d)
            case "Install": handled = try install.apply(d)
            case "Service":
                // The start limit is the unit's; [Service] still takes it, for units written before it moved.
                handled = try a.key.hasPrefix("StartLimit") && !a.key.hasSuffix("Action") ? unit.apply(d) : service.apply(d)
            case "Socket": handled = try socket.apply(d)
            default: break
            }
            let hasExec = Self.runsProcesses(a.section), hasKill = hasExec || a.section == "Scope"
            if !handled, hasExec { handled = try exec.apply(d) }
            if !handled, hasKill { handled = try kill.apply(d) }
            if !handled, hasKill || a.section == "Slice" { handled = try resources.apply(d) }
            if !handled {
                try Self.check(d, hint: hint)
                unmodelled[a.key] = a.location
            }
            // Words left out are reported before the quoting error that ended the line. Each message
            // names its word; a long line is quoted cut short, or thousands of bad words repeat it whole.
            let line = Self.shortened(a.value)
            for problem in d.skipped.problems.filter({ !$0.cutsListShort }) + d.skipped.problems.filter(\.cutsListShort) {
                let effect = problem.cutsListShort ? "(systemd reads no further; the words before it apply)" : "(left out; the rest applies)"
                diagnostics.append(Diagnostic(.error, a.location, "\(a.key)=\(line): \(problem.message) \(effect)"))
            }
            for warning in d.skipped.notes + Self.warnings(for: d) { diagnostics.append(Diagnostic(.warning, a.location, warning)) }
        } catch {
            let fatal = Self.isFatal(d)
            if fatal { badSettings.append(a.key) }
            let consequence = !fatal ? "" : inDropIn ? " (systemd reads no further in this drop-in)" : " (systemd refuses to load the unit)"
            diagnostics.append(Diagnostic(.error, a.location, "\(a.key)=\(a.value): \(error.message)\(consequence)"))
        }
    }

    /// A value as a message about one of its words quotes it: whole up to 100 bytes, else its start.
    static func shortened(_ value: String) -> String {
        value.utf8.count <= 100 ? value : value.prefix(80) + "..."
    }

    /// The sections of units that run processes, and so take systemd.exec(5) directives.
    static func runsProcesses(_ section: String) -> Bool {
        switch section {
        case "Service", "Socket", "Mount", "Swap": true
        default: false
        }
    }

    /// Whether systemd treats a bad value of this directive as fatal for the whole unit: command
    /// lines (unless `-` marks them optional), user and group names, the working and root directory.
    static func isFatal(_ d: DirectiveInput) -> Bool {
        switch d.key {
        case "User", "Group", "DynamicUser", "SupplementaryGroups", "SocketUser", "SocketGroup", "RootDirectory", "RootImage", "RootMStack", "RootVerity",
             "SELinuxContext", "AppArmorProfile", "SmackProcessLabel", "RestrictNetworkInterfaces":
            return true
        case "WorkingDirectory":   // `-` makes a bad path ignored rather than fatal
            return !d.value.hasPrefix("-")
        case let key where key.hasPrefix("Exec"):
            return !d.value.hasPrefix("-") && !d.value.hasPrefix("@-") && !d.value.hasPrefix(":-")
        default:
            return false
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
        case "TIMER" where d.key == "OnCalendar": try CalendarSpec.check(d.value)
        case "TIMER": _ = try d.time()
        case "UNIT":
            let name = try d.expanded()
            guard (try? UnitName(name)) != nil else { throw ValueError("'\(name)' is not a unit name") }
        default: break
        }
    }
}

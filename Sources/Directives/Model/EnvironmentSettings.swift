/// One variable of Environment=.
public struct EnvironmentVariable: Hashable, Sendable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}

/// ENVIRONMENT of systemd.exec(5).
public struct EnvironmentSettings: Sendable {
    /// Environment= assignments in order; a later one for the same name replaces the earlier in
    /// place, as systemd merges them.
    public private(set) var variables: [EnvironmentVariable] = []
    /// Where each name is in `variables`, so that a long list merges in linear time.
    private var positions: [String: Int] = [:]
    public var files: [EnvironmentFile] = []
    public var passEnvironment: [String] = []
    public var unsetEnvironment: [String] = []
    /// SetLoginEnvironment= (255): LOGNAME=, HOME= and SHELL= set or not; nil follows User=.
    public var setLoginEnvironment: Bool?
    /// LoadCredential=, SetCredential=, ImportCredential= and their encrypted forms.
    public var credentials = CredentialSettings()

    mutating func apply(_ d: DirectiveInput) throws(ValueError) -> Bool {
        switch d.key {
        case "SetLoginEnvironment": setLoginEnvironment = d.value.isEmpty ? nil : try d.bool()
        case "Environment":
            if d.value.isEmpty { variables = []; positions = [:]; break }
            for (name, value) in try EnvironmentValues.assignments(d.value, expand: d.expand, skipped: &d.skipped.problems) {
                let variable = EnvironmentVariable(name: name, value: value)
                if let i = positions[name] { variables[i] = variable } else { positions[name] = variables.count; variables.append(variable) }
            }
        case "EnvironmentFile":
            if d.value.isEmpty { files = []; break }
            files.append(try EnvironmentFile(parsing: d.expanded()))
        case "PassEnvironment":
            if d.value.isEmpty { passEnvironment = []; break }
            passEnvironment += EnvironmentValues.names(try d.expanded(), allowAssignments: false, skipped: &d.skipped.problems)
        case "LoadCredential", "LoadCredentialEncrypted", "SetCredential", "SetCredentialEncrypted", "ImportCredential":
            return try credentials.apply(d)
        case "UnsetEnvironment":
            if d.value.isEmpty { unsetEnvironment = []; break }
            unsetEnvironment += EnvironmentValues.names(try d.expanded(), allowAssignments: true, skipped: &d.skipped.problems)
        default: return false
        }
        return true
    }
}

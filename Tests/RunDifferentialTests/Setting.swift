import Testing

/// One setting or combination of directives, run under both runners. Its test
/// case is named by its label, or by its directives as `-p` would pass them.
struct Setting: Sendable, CustomTestStringConvertible {
    let label: String?
    let properties: [String]
    /// Paths the observe probe examines besides its standard list.
    let extraPaths: [String]
    /// False for settings whose meaning is that nothing changes (an optional
    /// path that is missing): systemd must then show what no setting shows.
    let isVisible: Bool
    /// The start itself must fail (bad input): then only exit statuses compare.
    let startFails: Bool

    init(_ properties: String..., label: String? = nil, paths: [String] = [], visible: Bool = true,
         startFails: Bool = false) {
        self.init(properties, label: label, paths: paths, visible: visible, startFails: startFails)
    }

    init(_ properties: [String], label: String? = nil, paths: [String] = [], visible: Bool = true,
         startFails: Bool = false) {
        self.label = label
        self.properties = properties
        self.extraPaths = paths
        self.isVisible = visible
        self.startFails = startFails
    }

    var testDescription: String {
        let directives = properties.joined(separator: " ")
        return label.map { "\($0): \(directives)" } ?? directives
    }

    /// Settings that create directories on the file system both runners share
    /// (/var/lib, /var/cache, ...) run one at a time, one runner after the other.
    var createsSharedDirectories: Bool {
        properties.contains { property in
            ["RuntimeDirectory=", "StateDirectory=", "CacheDirectory=", "LogsDirectory=", "ConfigurationDirectory="]
                .contains { property.hasPrefix($0) }
        }
    }
}

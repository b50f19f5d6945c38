/// The file system @groups RestrictFileSystems= knows in systemd 252 (its src/basic/filesystems.c).
/// Facts only. systemd takes any plain file system name as written.
enum FileSystemGroups {
    static let groups: Set<String> = [
        "@basic-api", "@anonymous", "@application", "@auxiliary-api", "@common-block", "@historical-block", "@network",
        "@privileged-api", "@security", "@temporary", "@known",
    ]

    static func isKnown(_ name: String) -> Bool { name.first != "@" || groups.contains(name) }
}

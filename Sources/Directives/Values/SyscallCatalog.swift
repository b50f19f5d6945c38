/// Facts the syscall grammars look names up in. Backed by the syscall tables of
/// Sources/Directives/Syscalls (written separately); until those land, names are checked
/// for shape only and groups resolve to nothing.
public enum SyscallCatalog {
    /// Whether `name` is a system call known on x86-64 (or any architecture systemd filters).
    public static func isKnownSyscall(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCIIDigit || ("a"..."z").contains($0) || $0 == "_" }
    }

    /// The members of a `@group` (names and nested groups) as systemd 252 defines them; nil if unknown.
    public static func groupMembers(_ group: String) -> [String]? {
        provisionalGroupNames.contains(group) ? [] : nil
    }

    /// The errno number of an E* name, case-insensitively; nil if unknown.
    public static func errnoNumber(_ name: String) -> Int32? {
        name.uppercased().hasPrefix("E") && name.count > 1 ? 1 : nil
    }

    private static let provisionalGroupNames: Set<String> = [
        "@default", "@aio", "@basic-io", "@chown", "@clock", "@cpu-emulation", "@debug", "@file-system",
        "@io-event", "@ipc", "@keyring", "@memlock", "@module", "@mount", "@network-io", "@obsolete", "@pkey",
        "@privileged", "@process", "@raw-io", "@reboot", "@resources", "@sandbox", "@setuid", "@signal",
        "@swap", "@sync", "@system-service", "@timer", "@known",
    ]
}

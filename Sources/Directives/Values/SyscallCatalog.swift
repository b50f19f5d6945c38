/// The facts the syscall grammars check names against, taken from the tables in Syscalls/.
enum SyscallCatalog {
    /// A system call name libseccomp would resolve: one of the x86 ABIs' calls, or a call that
    /// systemd's groups list for another architecture (systemd accepts those and skips them here).
    static func isKnownSyscall(_ name: String) -> Bool {
        SyscallTable.isKnownOnAnyArchitecture(name) || groupMemberNames.contains(name)
    }

    /// The errno number of an E* name, case-insensitively as systemd matches them.
    static func errnoNumber(_ name: String) -> Int32? { ErrnoName.number(of: name.uppercased()) }

    private static let groupMemberNames: Set<String> = {
        var names = Set<String>()
        for rules in SystemdRelease.allCases {
            for group in SyscallGroups.names(rules: rules) {
                names.formUnion((SyscallGroups.members(of: group, rules: rules) ?? []).filter { $0.first != "@" })
            }
        }
        return names
    }()
}

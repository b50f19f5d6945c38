import Directives
#if canImport(Glibc)
import Glibc
#endif

/// USER=, LOGNAME=, HOME= and SHELL= as systemd sets them for a service. The account is User='s,
/// as the user database has it, except the two systemd makes up itself: root (home /root, the
/// first of /bin/bash and /bin/sh) and nobody (home /, no shell). HOME= is left out when it is
/// empty or /, SHELL= when it is a placeholder (nologin, false, true).
///
/// Up to 254 the four follow User= alone. From 255 a service without User= gets USER=root, and
/// LOGNAME=, HOME= and SHELL= follow SetLoginEnvironment=, which defaults to on with a User= or
/// DynamicUser= and off without.
enum LoginEnvironment {
    /// `workingDirectoryHome`: WorkingDirectory=~, which gives an account without a home of its
    /// own the manager's, /root (acquire_home() in systemd's execute.c), HOME= included.
    static func variables(for identity: Identity?, dynamicUser: Bool, setLoginEnvironment: Bool?,
                          rules: SystemdRelease, workingDirectoryHome: Bool = false) -> [String] {
        guard let account = identity.map(account(of:)) ?? (rules.facts.userForRoot ? made("root") : nil) else { return [] }
        let login = rules.facts.userForRoot ? setLoginEnvironment ?? (identity != nil || dynamicUser) : true
        var variables = ["USER=\(account.name)"]
        guard login else { return variables }
        variables.append("LOGNAME=\(account.name)")
        if let home = home(of: account.home, workingDirectoryHome: workingDirectoryHome) { variables.append("HOME=\(home)") }
        if !isPlaceholder(account.shell) { variables.append("SHELL=\(account.shell)") }
        return variables
    }

    /// The home WorkingDirectory=~ leads to: the account's (root's without User=), or, where it has
    /// none (empty, or /, as nobody and dynamic users), the manager's.
    static func workingHome(of identity: Identity?) -> String {
        home(of: (identity.map(account(of:)) ?? made("root")!).home, workingDirectoryHome: true) ?? "/root"
    }

    /// A home worth naming: empty and / are none, as systemd's USER_CREDS_CLEAN drops them.
    private static func home(of home: String, workingDirectoryHome: Bool) -> String? {
        if !home.isEmpty && home != "/" { return home }
        return workingDirectoryHome ? made("root")!.home : nil
    }

    /// The shell a "|" command runs in: the account's (root's without User=, as systemd looks up
    /// its own user then), /bin/sh where that is a placeholder.
    static func shell(of identity: Identity?) -> String {
        let shell = (identity.map(account(of:)) ?? made("root")!).shell
        return isPlaceholder(shell) ? "/bin/sh" : shell
    }

    /// User='s account: one systemd makes up, else the user database's.
    private static func account(of identity: Identity) -> (name: String, home: String, shell: String) {
        made(identity.userName) ?? (identity.userName, identity.home, identity.shell)
    }

    /// The accounts systemd answers for without asking the user database.
    private static func made(_ name: String) -> (name: String, home: String, shell: String)? {
        switch name {
        case "root", "0": ("root", "/root", access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh")
        case "nobody", "65534": ("nobody", "/", "/usr/sbin/nologin")
        default: nil
        }
    }

    private static let placeholders: Set<String> = [
        "/bin/nologin", "/sbin/nologin", "/usr/bin/nologin", "/usr/sbin/nologin",
        "/bin/false", "/usr/bin/false", "/bin/true", "/usr/bin/true",
    ]

    static func isPlaceholder(_ shell: String) -> Bool { shell.isEmpty || placeholders.contains(shell) }
}

import Directives

/// brig's version: the one place it is written. `brig --version`, the man pages, the HTML report
/// and `scripts/package-deb` (the package's version) all read it from here.
public enum BrigVersion {
    public static let number = "0.1.0"

    /// What `brig --version` prints: the version, then each systemd release whose rules it knows.
    static var text: String {
        (["brig \(number)", "rule sets:"] + SystemdRelease.allCases.map { "  \($0.name)" }).joined(separator: "\n")
    }
}

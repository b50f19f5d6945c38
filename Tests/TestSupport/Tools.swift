import Foundation

/// Programs some tests drive that a machine may lack (`.ci/run` installs them on CI), found on
/// the usual paths, so that a test can be gated on one with a reason.
public enum Tools {
    public static func find(_ name: String) -> String? {
        for dir in ["/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin"] {
            let path = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    public static let bash = find("bash")
    public static let zsh = find("zsh")
    public static let fish = find("fish")
    public static let chromium = find("chromium")
    public static let man = find("man")
    public static let python3 = find("python3")
    public static let dpkgDeb = find("dpkg-deb")
    public static let strace = find("strace")
    public static let perl = find("perl")
}

import Foundation
import Testing
import TestSupport

/// What a service's start leaves in a RootDirectory= tree on the host: systemd makes the top
/// directories and /usr symlinks it lacks (base_filesystem_create()) before mounting anything
/// there, from a table that changed with the releases. Two identical trees, one run under the
/// real systemd and one under brig with that release's rules, must look alike afterwards.
@Suite("RootDirectory= base directories against systemd 252 and 262", .serialized,
       .enabled(if: Gate.brig, "needs root and a built brig"))
struct RootDirectoryBaseFilesystemTests {
    /// Makes a tree with only /usr (and what `extra` names below it) at `root`, by a shell command.
    static func tree(_ root: String, _ extra: [String]) -> String {
        "rm -rf \(root) && mkdir -p \(root)/usr && for p in \(extra.joined(separator: " ")); do "
            + "mkdir -p \(root)/$(dirname $p) && touch \(root)/$p; done"
    }

    /// The top of `root` after a run: each entry's name, type and mode, and a symlink's target.
    static func listing(_ root: String) -> String {
        "cd \(root) && find . -mindepth 1 -maxdepth 1 -printf '%f %M %l\\n' | LC_ALL=C sort"
    }

    /// A tree a dynamic program can run in once the host's /usr is bound over its own, and one
    /// with nothing to link /lib64 or /bin to.
    static let layouts: [[String]] = [
        ["bin/placeholder", "lib64/ld-linux-x86-64.so.2", "lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"].map { "usr/" + $0 },
        [],
    ]

    static let properties = ["BindReadOnlyPaths=/usr"]

    /// The trees systemd and brig left from the same layout: `shell` runs a command where the
    /// trees are, `run` starts /usr/bin/true with the properties under "systemd" or "brig".
    static func trees(_ layout: Int, shell: (String) throws -> String, run: (String, [String]) throws -> Void) throws -> [String] {
        let base = "/srv/brig-basefs-\(getpid())-\(layout)"
        defer { _ = try? shell("rm -rf \(base)") }
        return try ["systemd", "brig"].map { runner in
            let root = "\(base)/\(runner)"
            _ = try shell(Self.tree(root, Self.layouts[layout]))
            try run(runner, ["RootDirectory=\(root)"] + Self.properties)
            return try shell(Self.listing(root))
        }
    }

    @Test(.enabled(if: SystemdOracle.unavailableReason == nil, "systemd 252 cannot run services here"), arguments: layouts.indices)
    func systemd252AndBrigLeaveTheSameTree(_ layout: Int) throws {
        let seen = try Self.trees(layout, shell: { try Subprocess.run(["/bin/sh", "-c", $0]).stdout }) { runner, properties in
            _ = runner == "systemd" ? try SystemdOracle.run(properties: properties, ["/usr/bin/true"])
                : try Subprocess.run([BuiltBrig.path, "run"] + properties.flatMap { ["-p", $0] } + ["--", "/usr/bin/true"])
        }
        #expect(seen[1] == seen[0], "systemd 252 left\n\(seen[0])brig left\n\(seen[1])")
        #expect(seen[0].contains("proc d") && seen[0].contains("root drwxr-x---"), "\(seen[0])")
    }

    @Test(.enabled(if: SystemdOracleNext.instanceUnavailableReason == nil, "systemd 262 cannot run services here"), arguments: layouts.indices)
    func systemd262AndBrigLeaveTheSameTree(_ layout: Int) throws {
        let seen = try Self.trees(layout, shell: { try SystemdOracleNext.exec(["/bin/sh", "-c", $0]).stdout }) { runner, properties in
            _ = runner == "systemd" ? try SystemdOracleNext.run(properties, ["/usr/bin/true"])
                : try SystemdOracleNext.exec(try SystemdOracleNext.brig.get() + ["run", "--rules", "262"]
                                             + properties.flatMap { ["-p", $0] } + ["--", "/usr/bin/true"])
        }
        #expect(seen[1] == seen[0], "systemd 262 left\n\(seen[0])brig left\n\(seen[1])")
        #expect(seen[0].contains("run dr-xr-xr-x"), "\(seen[0])")
    }
}

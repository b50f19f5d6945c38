import Foundation

/// The newest systemd Debian ships (262 when written), in a Debian root of its own that
/// `scripts/systemd-oracle-next` builds once per machine (debootstrap, cached under
/// /var/lib/brig-oracle-next). Its `analyze` verb runs that release's systemd-analyze with
/// the working directory visible at the same path; `run` runs a command as a transient service
/// of that systemd booted as PID 1 on a cgroup v2 tree.
public enum SystemdOracleNext {
    /// The repository's script, or $SYSTEMD_ORACLE_NEXT (a script with the same verbs).
    public static let script = ProcessInfo.processInfo.environment["SYSTEMD_ORACLE_NEXT"]
        ?? Repository.path("scripts/systemd-oracle-next")

    /// The root and the release in it, or why there is none here. The first caller builds the
    /// root if it is missing (about a minute); the tool locks, so parallel callers wait for it.
    public static let root: Result<(path: String, release: Int), Unavailable> = {
        // .ci/run tried to build it already and says why it could not.
        if let why = ProcessInfo.processInfo.environment["BRIG_ORACLE_NEXT_UNAVAILABLE"], !why.isEmpty {
            return .failure(Unavailable(why))
        }
        if getuid() != 0 { return .failure(Unavailable("needs root: systemd-oracle-next builds its Debian root and chroots into it")) }
        guard FileManager.default.isExecutableFile(atPath: script) else { return .failure(Unavailable("\(script) is missing")) }
        guard let built = try? Subprocess.run([script, "root"], timeout: 900) else {
            return .failure(Unavailable("systemd-oracle-next root did not finish"))
        }
        guard built.status == 0 else {
            return .failure(Unavailable("systemd-oracle-next could not build its root: \(built.stderr.trimmingCharacters(in: .whitespacesAndNewlines))"))
        }
        let path = built.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let version = try? Subprocess.run([script, "version"], timeout: 60),
              let release = Int(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            return .failure(Unavailable("systemd-oracle-next did not say which systemd its root holds"))
        }
        return .success((path, release))
    }()

    /// nil when the root's analyzer can run here, else why not (printed once, so that a skipped
    /// test says why in the log as well as in its trait).
    public static let unavailableReason: String? = {
        guard case .failure(let why) = root else { return nil }
        FileHandle.standardError.write(Data("systemd-oracle-next unavailable: \(why.description)\n".utf8))
        return why.description
    }()

    /// nil when the newest systemd boots here and runs a transient service, else why not.
    public static let instanceUnavailableReason: String? = {
        if let why = unavailableReason { return why }
        guard let run = try? Subprocess.run([script, "run", "--", "/bin/true"], timeout: 300), run.status == 0 else {
            return "systemd-oracle-next could not run /bin/true as a service"
        }
        return nil
    }()

    /// `command` as a transient service of the newest systemd with these `K=V` properties.
    public static func run(_ properties: [String], _ command: [String]) throws -> Subprocess.Output {
        try Subprocess.run([script, "run"] + properties.flatMap { ["-p", $0] } + ["--"] + command, timeout: 120)
    }

    /// `CMD` in the instance's namespaces, outside any unit.
    public static func exec(_ command: [String], timeout: Double = 120) throws -> Subprocess.Output {
        try Subprocess.run([script, "exec"] + command, timeout: timeout)
    }

    /// The command that runs the built brig inside the instance, whose root has no Swift
    /// toolchain: the binary and the toolchain's libraries it links are copied (once per test
    /// process, so always the current build) to /usr/local/libexec/brig-tests/next-HASH, which
    /// the instance shares with the host. HASH names the checkout's build, so that test runs of
    /// two checkouts at once each run their own brig, not whichever copied last.
    public static let brig: Result<[String], Unavailable> = {
        let checkout = BuiltBrig.path.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        let directory = "/usr/local/libexec/brig-tests/next-" + String(checkout, radix: 16)
        guard let linked = try? Subprocess.run(["/usr/bin/ldd", BuiltBrig.path], timeout: 30), linked.status == 0 else {
            return .failure(Unavailable("ldd could not list what \(BuiltBrig.path) links"))
        }
        // "libswiftCore.so => /opt/swift/.../libswiftCore.so (0x...)": the toolchain's, not the system's.
        let libraries = linked.stdout.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            guard words.count >= 3, words[1] == "=>", !words[2].hasPrefix("/lib"), !words[2].hasPrefix("/usr/lib") else { return nil }
            return String(words[2])
        }
        do {
            let files = FileManager.default
            try? files.removeItem(atPath: directory)
            try files.createDirectory(atPath: directory + "/lib", withIntermediateDirectories: true)
            try files.copyItem(atPath: BuiltBrig.path, toPath: directory + "/brig")
            for library in libraries {
                try files.copyItem(atPath: library, toPath: directory + "/lib/" + (library.split(separator: "/").last.map(String.init) ?? library))
            }
        } catch {
            return .failure(Unavailable("could not copy brig to \(directory): \(error)"))
        }
        return .success(["/usr/bin/env", "LD_LIBRARY_PATH=\(directory)/lib", directory + "/brig"])
    }()

    public struct Unavailable: Error, CustomStringConvertible, Sendable {
        public let description: String
        init(_ d: String) { description = d }
    }
}

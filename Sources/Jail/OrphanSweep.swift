#if canImport(Glibc)
import Glibc
#endif

/// What a run makes outside its cgroup that only its end removes, beyond what its name already
/// tells (its private /tmp directories and notify socket). Each is noted in the run's owner lock
/// file, a line below the cgroup, before it is made.
enum RunLeftover: Equatable {
    /// RuntimeDirectory= (relative to /run), removed at the end unless preserved.
    case runtimeDirectory(String)
    /// The credential store mounted at /run/credentials/UNIT.
    case credentials(unit: String)
    /// RootEphemeral='s copy of the root directory (its name under EphemeralRoot.directory).
    case ephemeralRoot(String)

    var line: String {
        switch self {
        case .runtimeDirectory(let path): "runtime \(path)"
        case .credentials(let unit): "credentials \(unit)"
        case .ephemeralRoot(let name): "ephemeral \(name)"
        }
    }

    /// A line of the record; nil for one that is not a plain name or relative path, which is left alone.
    init?(line: Substring) {
        guard let space = line.firstIndex(of: " ") else { return nil }
        let value = String(line[line.index(after: space)...])
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else { return nil }
        switch line[..<space] {
        case "runtime": self = .runtimeDirectory(value)
        case "credentials" where parts.count == 1: self = .credentials(unit: value)
        case "ephemeral" where parts.count == 1: self = .ephemeralRoot(value)
        default: return nil
        }
    }

    /// Removes it, as the run's own end would have, by descriptor.
    func remove() {
        switch self {
        case .runtimeDirectory(let path):
            var directories = ExecDirectories()
            directories.entries = [.init(.runtime, path)]
            directories.cleanUp()
        case .credentials(let unit):
            CredentialStore(unitName: unit).remove()
        case .ephemeralRoot(let name):
            EphemeralRoot.remove(named: name)
        }
    }
}

extension RunSite {
    /// Ends the runs of brigs that are gone (killed, and their keeper with them or after it has
    /// emptied the cgroup): each owner lock file that nobody holds names a run cgroup, which is
    /// killed and, once empty, removed with everything else the run made (its v1 cgroups,
    /// private /tmp directories, notify socket and noted leftovers, RootEphemeral='s copy among them), then the file. One still
    /// emptying is left for the next start. The lock is held while sweeping, so two starts never
    /// sweep one run at once. A run of a brig in another mount namespace (its own /run) is never
    /// seen here, so never touched.
    public static func sweepOrphans() {
        defer {
            DynamicUserLease.sweep()
            ManagedUserRangeLease.sweep()
        }
        guard let directory = try? OpenDirectory(trusted: ownerLocks), let names = try? directory.names() else { return }
        for name in names where name.hasPrefix("run-") {
            let path = ownerLocks + "/" + name
            let file = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard file >= 0 else { continue }
            defer { close(file) }
            guard flock(file, LOCK_EX | LOCK_NB) == 0, let record = SystemFiles.read(path) else { continue }
            let lines = record.split(separator: "\n")
            guard let cgroup = lines.first.map(String.init), cgroup.hasPrefix(cgroupRoot + "/"),
                  cgroup.hasSuffix("/" + name), !cgroup.contains("/../") else { continue }
            // Processes left running on purpose are not an orphan's: their run waits for them to end.
            if lines.last == Substring(lingeringMark) && !isEmpty(cgroup) { continue }
            if !isEmpty(cgroup) {
                _ = SystemFiles.write(cgroup + "/cgroup.kill", "1")
                var waits = 0
                while !isEmpty(cgroup) && waits < 100 {
                    usleep(1000)
                    waits += 1
                }
            }
            guard rmdir(cgroup) == 0 || errno == ENOENT else { continue }
            RunCgroups.sweep(named: name)
            RunSite(id: name).removePrivateTmp()
            unlink(NotifySocket.directory + "/" + name)
            for line in lines.dropFirst() { RunLeftover(line: line)?.remove() }
            unlink(path)
        }
    }
}

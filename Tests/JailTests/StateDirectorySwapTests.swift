import Foundation
import TestSupport
import Testing
@testable import Jail

/// A service owns its StateDirectory= and may put anything there, links to root's files included.
/// brig, root, chowns that tree when the service's user changes and opens it at every start:
/// neither may reach through a link (systemd's CVE-2018-15686-like bugs around DynamicUser= state).
@Suite(.serialized, .enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct StateDirectorySwapTests {
    /// A root-owned file and directory outside every managed directory, and their state.
    struct Victims {
        let name = "brig-swap-\(UUID().uuidString.prefix(6))"
        var file: String { "/var/lib/\(name)-file" }
        var directory: String { "/var/lib/\(name)-dir" }

        init() throws {
            try "secret\n".write(toFile: file, atomically: false, encoding: .utf8)
            chmod(file, 0o600)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            chmod(directory, 0o755)
            try "inner\n".write(toFile: directory + "/inner", atomically: false, encoding: .utf8)
            chmod(directory + "/inner", 0o644)
        }

        /// Owner, group, mode and contents of each: what an attack would change.
        var state: [String] {
            [file, directory, directory + "/inner"].map { path in
                var st = stat()
                guard lstat(path, &st) == 0 else { return "\(path) missing" }
                let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "-"
                return "\(path) \(st.st_uid):\(st.st_gid) \(String(st.st_mode & 0o7777, radix: 8)) \(text)"
            }
        }

        func remove() {
            for path in [file, directory, "/var/lib/\(name)", "/var/lib/private/\(name)"] {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
    }

    /// The first run plants links to the victims inside its state directory; later runs under
    /// another user (and then a dynamic one, which moves the tree to /var/lib/private) chown the
    /// tree, and change the links themselves at most.
    @Test func linksInAStateDirectoryAreNotFollowedWhenItsOwnerChanges() throws {
        let victims = try Victims()
        defer { victims.remove() }
        let before = victims.state
        let state = "/var/lib/\(victims.name)"
        let plant = "ln -s \(victims.file) \(state)/file && ln -s \(victims.directory) \(state)/dir && mkdir \(state)/d "
            + "&& ln -s \(victims.file) \(state)/d/file && ln -s \(victims.directory)/inner \(state)/d/inner"
        let first = try Brig.run(properties: ["User=nobody", "StateDirectory=\(victims.name)"], ["/bin/sh", "-c", plant])
        #expect(first.status == 0, "\(first.stderr)")
        for owner in ["User=daemon", "DynamicUser=yes", "User=nobody"] {
            let out = try Brig.run(properties: [owner, "StateDirectory=\(victims.name)"], ["/bin/ls", "-l", state + "/d"])
            #expect(out.status == 0, "\(owner): \(out.stderr)")
            #expect(out.stdout.contains("file -> \(victims.file)"), "\(owner): \(out.stdout)")
            #expect(victims.state == before, "\(owner)")
        }
    }

    /// A leftover process of one run keeps swapping a directory of StateDirectory= between a real
    /// directory and a link to a root-owned one while brig starts the service again and again:
    /// each start either gets the real directory or is refused (238), and nothing outside changes.
    @Test func aStateDirectorySwappedDuringSetupChangesNothingOutside() throws {
        let victims = try Victims()
        defer { victims.remove() }
        let before = victims.state
        let state = "/var/lib/\(victims.name)"
        let properties = ["User=nobody", "StateDirectory=\(victims.name) \(victims.name)/sub", "StateDirectoryMode=0700"]
        let swapper = """
            d=\(state)
            (trap '' TERM; while :; do
              rm -rf $d/sub; ln -s \(victims.directory) $d/sub; rm -f $d/sub; mkdir $d/sub
            done) 2>/dev/null &
            sleep 0.2
            """
        let out = try Brig.run(properties: properties + ["SendSIGKILL=no", "TimeoutStopSec=0.3"], ["/bin/sh", "-c", swapper])
        let leftover = try #require(out.stderr.split(separator: " ").first { $0.hasPrefix("/sys/fs/cgroup") }?.dropLast())
        defer {
            // Ended here so that the suite leaves nothing behind.
            _ = SystemFiles.write(leftover + "/cgroup.kill", "1")
            while RunSite.isEmpty(String(leftover)) == false { usleep(10_000) }
            rmdir(String(leftover))
        }
        var statuses: [Int32: Int] = [:]
        for _ in 0..<30 {
            let run = try Brig.run(properties: properties, ["/bin/true"])
            statuses[run.status, default: 0] += 1
            #expect(victims.state == before)
        }
        #expect(Set(statuses.keys).isSubset(of: [0, 238]), "\(statuses)")
        #expect(victims.state == before)
    }
}

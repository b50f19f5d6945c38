import Foundation
import Testing
import TestSupport

/// Whether /var/lib is on one of the Linux file systems with id-mapped mounts (FS_ALLOW_IDMAP)
/// that it commonly is on.
private enum IdMappableVarLib {
    static let holds: Bool = {
        let type = (try? Subprocess.run(["/usr/bin/stat", "-f", "-c", "%T", "/var/lib"]).stdout) ?? ""
        return ["ext2/ext3\n", "xfs\n", "btrfs\n", "tmpfs\n"].contains(type)
    }()
}

/// Exec directories as systemd 257 and later keep them (`brig run --rules 257` and later): on a
/// file system that takes id-mapped mounts, a DynamicUser= service's StateDirectory= stays
/// nobody's on the host and is bound into its jail id-mapped, nosuid, nodev and noexec; root's
/// services, older rules and other file systems keep the directory owned as before.
/// NextJailDifferentialTests compares the same with systemd 262.
@Suite(.enabled(if: geteuid() == 0, "brig run needs root"),
       .enabled(if: IdMappableVarLib.holds, "needs /var/lib on a file system that takes id-mapped mounts"),
       .serialized)
struct RunIdMappedDirectoryTests {
    /// A StateDirectory= name of the test's own, removed (both its names) when the test ends.
    final class StateName {
        let name = "brig-test-idmap-\(UUID().uuidString.prefix(8))"
        var visible: String { "/var/lib/\(name)" }
        var onHost: String { "/var/lib/private/\(name)" }
        deinit {
            try? FileManager.default.removeItem(atPath: visible)
            try? FileManager.default.removeItem(atPath: onHost)
        }
    }

    /// What the service sees of its state directory: its uid, the directory's owner, whether it
    /// can write there and run what it put there, and the options of the mount it sees it on.
    static func probe(_ directory: String) -> String {
        """
        d=\(directory); real=$(realpath $d)
        echo "uid=$(id -u)"
        echo "owner=$(stat -L -c %u:%g $d)"
        echo "previous=$(cat $d/f 2>/dev/null)"
        echo data > $d/f && echo "wrote=yes"
        cp /bin/true $d/t && if $d/t 2>/dev/null; then echo "exec=yes"; else echo "exec=no"; fi
        echo "mount=$(awk -v p=$real '$5 == p { print $6 }' /proc/self/mountinfo)"
        """
    }

    static func run(_ rules: String?, _ properties: [String], _ script: String, wrapper: [String] = []) throws -> (BrigBinary.Result, [String: String]) {
        let result = try BrigBinary.run(["run"] + (rules.map { ["--rules", $0] } ?? []) + properties.flatMap { ["-p", $0] }
                                        + ["--", "/bin/sh", "-c", script], wrapper: wrapper)
        var seen: [String: String] = [:]
        for line in result.stdout.split(separator: "\n") {
            let pair = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            seen[String(pair[0])] = pair.count > 1 ? String(pair[1]) : ""
        }
        return (result, seen)
    }

    static func owner(_ path: String) throws -> String {
        try Subprocess.run(["/usr/bin/stat", "-c", "%u:%g", path]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func mountOptions(_ seen: [String: String]) -> Set<String> {
        Set((seen["mount"] ?? "").split(separator: ",").map(String.init))
    }

    @Test func underRules262ADynamicUsersStateIsNobodysOnTheHostAndItsOwnInside() throws {
        let state = StateName()
        let (first, seen) = try Self.run("262", ["DynamicUser=yes", "StateDirectory=\(state.name)"], Self.probe(state.visible))
        #expect(first.status == 0, "\(first.stderr)")
        let uid = try #require(seen["uid"])
        #expect(uid != "0" && uid != "65534")
        #expect(seen["owner"] == "\(uid):\(uid)", "the service sees its directory as its own")
        #expect(seen["wrote"] == "yes")
        #expect(seen["exec"] == "no", "the id-mapped bind is noexec")
        #expect(Self.mountOptions(seen).isSuperset(of: ["rw", "nosuid", "nodev", "noexec", "idmapped"]), "\(seen["mount"] ?? "")")
        #expect(try Self.owner(state.onHost) == "65534:65534")
        #expect(try Self.owner(state.onHost + "/f") == "65534:65534", "what it writes is nobody's on the host")

        // Again, with the directory nobody's already: it stays so, and the new uid owns it inside.
        let (second, again) = try Self.run("262", ["DynamicUser=yes", "StateDirectory=\(state.name)"], Self.probe(state.visible))
        #expect(second.status == 0, "\(second.stderr)")
        let newUID = try #require(again["uid"])
        #expect(again["owner"] == "\(newUID):\(newUID)")
        #expect(again["previous"] == "data" && again["wrote"] == "yes")
        #expect(Self.mountOptions(again).contains("idmapped"))
        #expect(try Self.owner(state.onHost) == "65534:65534")
    }

    @Test func underTheDefaultRulesTheDirectoryIsTheDynamicUsersAsBefore() throws {
        let state = StateName()
        let (result, seen) = try Self.run(nil, ["DynamicUser=yes", "StateDirectory=\(state.name)"], Self.probe(state.visible))
        #expect(result.status == 0, "\(result.stderr)")
        let uid = try #require(seen["uid"])
        #expect(seen["owner"] == "\(uid):\(uid)" && seen["wrote"] == "yes")
        #expect(seen["exec"] == "yes")
        #expect(!Self.mountOptions(seen).contains("idmapped") && !Self.mountOptions(seen).contains("noexec"), "\(seen["mount"] ?? "")")
        #expect(try Self.owner(state.onHost) == "\(uid):\(uid)")
    }

    @Test func dryRunShowsTheIdMappedBindUnderRules257Only() throws {
        let name = "brig-test-idmap-\(UUID().uuidString.prefix(8))"
        let plan = { (rules: String) in
            try BrigBinary.run(["run", "--dry-run", "--rules", rules, "-p", "DynamicUser=yes", "-p", "StateDirectory=\(name)",
                                "--", "/bin/true"]).stdout
        }
        let target = "/run/brig/unit-root/var/lib/private/\(name)"
        #expect(try plan("257").contains("id-map \(target): nobody's files as uid 61184 gid 61184, root's as root's"
                                         + " +nosuid,+nodev,+noexec    <- StateDirectory=\(name)  [226 NAMESPACE]"))
        let older = try plan("256")
        #expect(older.contains("bind /var/lib/private/\(name) on \(target)") && !older.contains("id-map"))
        #expect(!FileManager.default.fileExists(atPath: "/var/lib/private/\(name)"), "a dry run makes nothing")
    }

    /// A directory nobody owns already stays so for any service (User=daemon here); it is mapped
    /// only where the service has a mount namespace, as under systemd 262, which leaves it
    /// unwritable to a service without one.
    @Test func aDirectoryNobodyOwnsIsMappedOnlyInAMountNamespace() throws {
        let name = "brig-test-idmap-\(UUID().uuidString.prefix(8))"
        let path = "/var/lib/\(name)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(chown(path, 65534, 65534) == 0)
        let (plain, unmapped) = try Self.run("262", ["User=daemon", "StateDirectory=\(name)"], Self.probe(path))
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(unmapped["uid"] == "1" && unmapped["owner"] == "65534:65534" && unmapped["wrote"] == nil)
        let (jailed, mapped) = try Self.run("262", ["User=daemon", "StateDirectory=\(name)", "PrivateTmp=yes"], Self.probe(path))
        #expect(jailed.status == 0, "\(jailed.stderr)")
        #expect(mapped["owner"] == "1:1" && mapped["wrote"] == "yes" && mapped["exec"] == "no")
        #expect(Self.mountOptions(mapped).isSuperset(of: ["nodev", "noexec", "idmapped"]), "\(mapped["mount"] ?? "")")
        #expect(try Self.owner(path) == "65534:65534" && (try Self.owner(path + "/f")) == "65534:65534")
    }

    /// 257 keeps mapping nothing for a service that runs as root.
    @Test func aServiceRunningAsRootKeepsRootsOwnershipAndNoMapping() throws {
        let name = "brig-test-idmap-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: "/var/lib/\(name)") }
        let (result, seen) = try Self.run("262", ["StateDirectory=\(name)", "PrivateTmp=yes"], Self.probe("/var/lib/\(name)"))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(seen["uid"] == "0" && seen["owner"] == "0:0" && seen["exec"] == "yes")
        #expect(Self.mountOptions(seen).contains("rw") && !Self.mountOptions(seen).contains("idmapped"), "\(seen["mount"] ?? "")")
        #expect(try Self.owner("/var/lib/\(name)") == "0:0")
    }

    /// brig run in a mount namespace of its own where `mount` is done first and `after` once brig
    /// has ended (the host's tree stays as it is); brig's status is the wrapper's.
    static func inMountNamespace(_ mount: String, after: String = "true") -> [String] {
        ["/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
         mount + " || exit 99; \"$@\"; status=$?; " + after + "; exit $status", "sh"]
    }

    /// ramfs takes no id-mapped mount: as systemd does, the directory is the service's, bound plainly.
    @Test func onAFileSystemWithoutIdMappedMountsTheDirectoryIsChangedToTheService() throws {
        let state = StateName()
        let ramfs = Self.inMountNamespace("mkdir -p \(state.onHost) && mount -t ramfs ramfs \(state.onHost)",
                                          after: "echo \"host-owner=$(stat -c %u:%g \(state.onHost)/inner)\"")
        let (result, seen) = try Self.run("262", ["DynamicUser=yes", "StateDirectory=\(state.name)/inner"],
                                          Self.probe(state.visible + "/inner"), wrapper: ramfs)
        #expect(result.status == 0, "\(result.stderr)")
        let uid = try #require(seen["uid"])
        #expect(seen["owner"] == "\(uid):\(uid)" && seen["wrote"] == "yes" && seen["exec"] == "yes")
        #expect(!Self.mountOptions(seen).contains("idmapped"), "\(seen["mount"] ?? "")")
        #expect(seen["host-owner"] == "\(uid):\(uid)", "on the host, once brig has ended")
    }

    /// The id-mapped bind cannot be made: the start fails, naming the directive and the errno.
    @Test func anIdMappingThatFailsRefusesTheStartByDirective() throws {
        let state = StateName()
        // The directory nobody's already, with a file system mounted inside it: the bind that is
        // to be replaced by its id-mapped copy stays busy (systemd 262 refuses this start too).
        let below = Self.inMountNamespace("mkdir -p \(state.onHost)/sub && chown 65534:65534 \(state.onHost)"
                                          + " && mount -t ramfs ramfs \(state.onHost)/sub")
        let (result, seen) = try Self.run("262", ["DynamicUser=yes", "StateDirectory=\(state.name)"], "echo ran=yes", wrapper: below)
        #expect(result.status == 226, "\(result.stdout) \(result.stderr)")
        #expect(seen["ran"] == nil)
        #expect(result.stderr.contains("StateDirectory=\(state.name): id-map") && result.stderr.contains("Device or resource busy"), "\(result.stderr)")
    }
}

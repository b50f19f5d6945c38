import Foundation
import Testing
import TestSupport
@testable import Jail

/// Where the host has cgroup2 mounted (/sys/fs/cgroup on a pure v2 tree, its unified hierarchy
/// on a hybrid one).
private let hostCgroup2Mount: String? = {
    let table = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
    for line in table.split(separator: "\n") {
        let fields = line.split(separator: " ")
        guard let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count, fields[dash + 1] == "cgroup2" else { continue }
        return String(fields[4])
    }
    return nil
}()

/// A fresh cgroup2 in a mount namespace a user namespace owns (DelegateNamespaces=), where the
/// host's cgroup2 mount was copied and is locked: the new instance is moved over it, as systemd's
/// mount_private_apivfs() does; and where the user namespace may not mount one, the mount found
/// there is kept as it was, with none of its entry's flags flipped.
@Suite(.enabled(if: Privileges.canCreateNamespaces && hostCgroup2Mount != nil, "needs root, namespaces and a cgroup2 mount"))
struct APIFileSystemMountTests {
    /// A user namespace mapping root, then (when `ownCgroup`) a cgroup namespace it owns, then a
    /// mount namespace it owns: the host's mounts are copied into it, locked.
    static func delegatedNamespaces(ownCgroup: Bool) -> [JailStep] {
        [JailStep(.userNamespace(uidMap: "0 0 1\n", gidMap: "0 0 1\n"), for: "PrivateUsers=yes", failing: .user)]
            + (ownCgroup ? [JailStep(.unshare(flags: Namespaces.cgroup), for: "DelegateNamespaces=cgroup", failing: .namespace)] : [])
            + [JailStep(.unshare(flags: Namespaces.mount), for: "(mount namespace)", failing: .namespace),
               JailStep(.mount(source: "none", target: "/", fstype: nil, flags: MountFlags.slave | MountFlags.recursive, data: nil),
                        for: "(mount namespace)", failing: .namespace)]
    }

    static let apiFlags = MountFlags.attrNoSUID | MountFlags.attrNoExec | MountFlags.attrNoDev

    /// The mount options of each mount at `path`, bottom first.
    static func optionsScript(_ path: String) -> String {
        "awk '$5 == \"\(path)\" { print $6 }' /proc/self/mountinfo"
    }

    @Test func aNewCgroup2IsMovedOverTheLockedHostOne() throws {
        let target = try #require(hostCgroup2Mount)
        var fresh = JailStep(.mountNewInstance(fstype: "cgroup2", target: target, attributes: Self.apiFlags),
                             for: "ProtectControlGroups=private", failing: .namespace)
        fresh.hostInstanceFallback = true
        // The namespace's root is the run's cgroup: the shell is alone in it.
        let result = try runPlan(Self.delegatedNamespaces(ownCgroup: true) + [fresh],
                                 script: "n=0; while read p; do [ \"$p\" = $$ ] && echo self; n=$((n+1)); done < \(target)/cgroup.procs; echo $n; "
                                     + Self.optionsScript(target))
        #expect(result.status == 0)
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 4 && lines.prefix(2) == ["self", "1"], "the shell alone in the namespace's root: \(result.output)")
        #expect(lines.last == "rw,nosuid,nodev,noexec,relatime", "the new instance, stacked on the host's: \(result.output)")
    }

    /// Why the instance is moved there: mount(2) of the same superblock on the locked mount is refused.
    @Test func mountingCgroup2OnTheLockedHostOneIsRefused() throws {
        let target = try #require(hostCgroup2Mount)
        let mounted = JailStep(.mount(source: "cgroup2", target: target, fstype: "cgroup2", flags: MountFlags.noSUID, data: nil),
                               for: "ProtectControlGroups=private", failing: .namespace)
        #expect {
            _ = try runPlan(Self.delegatedNamespaces(ownCgroup: true) + [mounted], script: "true")
        } throws: { error in
            guard case .step(let failure) = error as? JailError else { return false }
            return failure.errno == EBUSY && failure.step.directive == "ProtectControlGroups=private"
        }
    }

    /// Without the cgroup namespace the user namespace may not mount cgroup2: the copied mount is
    /// kept, and the entry's remount is passed over (systemd's entry is skipped, not applied).
    @Test func aMountTheUserNamespaceMayNotReplaceIsKeptAsItWas() throws {
        let target = try #require(hostCgroup2Mount)
        var fresh = JailStep(.mountNewInstance(fstype: "cgroup2", target: target, attributes: Self.apiFlags),
                             for: "ProtectControlGroups=strict", failing: .namespace)
        fresh.hostInstanceFallback = true
        var readOnly = JailStep(.remount(path: target, set: MountFlags.attrReadOnly, clear: 0, recursive: false, except: []),
                                for: "ProtectControlGroups=strict", failing: .namespace)
        readOnly.onlyIfMounted = true
        let host = try runPlan([], script: Self.optionsScript(target)).output
        let result = try runPlan(Self.delegatedNamespaces(ownCgroup: false) + [fresh, readOnly], script: Self.optionsScript(target))
        #expect(result.status == 0 && result.output == host, "one mount, the host's, with its flags: \(result.output)")
    }
}

import Directives
import Foundation
import Testing
import UnitFile

/// The exec directives later releases added that brig applies, read as those releases read them.
struct NewerExecDirectiveTests {
    static func read(_ lines: [String], rules: SystemdRelease) -> UnitConfig {
        let root = FileManager.default.temporaryDirectory.path + "/brig-newer-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/etc/systemd/system"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try! ("[Service]\n" + lines.joined(separator: "\n") + "\n").write(toFile: dir + "/n.service", atomically: false, encoding: .utf8)
        return UnitConfig(try! UnitLoader(root: root).load("n.service"), rules: rules)
    }

    @Test func eachIsReadFromItsReleaseOnAndIgnoredBefore() {
        let lines = ["MemoryKSM=yes", "MemoryTHP=madvise", "PrivateBPF=yes", "UserNamespacePath=/run/u", "OpenFile=/etc/hostname"]
        let newest = Self.read(lines, rules: .v262)
        #expect(!newest.hasErrors && newest.diagnostics.isEmpty, "\(newest.diagnostics)")
        #expect(newest.exec.process.memoryKSM == true && newest.exec.process.memoryTHP == .madvise)
        #expect(newest.exec.sandbox.privateBPF == true && newest.exec.sandbox.userNamespacePath == "/run/u")
        #expect(newest.service.openFiles.map(\.name) == ["hostname"])
        let old = Self.read(lines, rules: .v253)
        #expect(old.exec.process.memoryKSM == nil && old.exec.process.memoryTHP == nil && old.exec.sandbox.privateBPF == nil)
        #expect(old.service.openFiles.count == 1, "OpenFile= is 253's")
        #expect(messages(old).filter { $0.contains("is newer than systemd 253 (it came in ") }.count == 4)
        #expect(Self.read(["MemoryKSM=yes"], rules: .v254).exec.process.memoryKSM == true)
        #expect(Self.read(["MemoryKSM=yes", "MemoryKSM="], rules: .v254).exec.process.memoryKSM == nil)
        #expect(Self.read(["MemoryTHP=sometimes"], rules: .v262).hasErrors)
    }

    /// A directive newer than the rules is said to be so against the release in force, with the
    /// release it came in where brig knows it; one brig never applies is only said to be ignored.
    @Test func theWarningNamesTheRulesInForce() {
        #expect(messages(Self.read(["MemoryTHP=madvise"], rules: .v258))
                == ["MemoryTHP= is newer than systemd 258 (it came in 260), which ignores it; brig ignores it too"])
        #expect(messages(Self.read(["LogFilterPatterns=foo"], rules: .v262))
                == ["LogFilterPatterns= is newer than systemd 252 and brig does not apply it under the rules of systemd 262; brig ignores it"])
        #expect(messages(Self.read(["ImportCredential=a"], rules: .v253))
                == ["ImportCredential= is newer than systemd 253 (it came in 254), which ignores it; brig applies it as systemd 254 does"])
        #expect(messages(Self.read(["ImportCredential=a"], rules: .v254)).isEmpty)
    }

    @Test func openFileReadsPathNameAndOptions() throws {
        let file = try OpenFile(parsing: "/run/a\\x3ab:conf:read-only,graceful")
        #expect(file.path == "/run/a:b" && file.name == "conf" && file.readOnly && file.graceful && !file.append)
        #expect(try OpenFile(parsing: "/etc/hostname::truncate").name == "hostname")
        for bad in ["relative", "/a:b:c:d", "/a::append,append", "/a::read-only,truncate", "/a::sometimes", "/a:bad\u{1}name"] {
            #expect(throws: ValueError.self, "\(bad)") { try OpenFile(parsing: bad) }
        }
        let list = Self.read(["OpenFile=/a", "OpenFile=/b", "OpenFile=", "OpenFile=/c"], rules: .v253)
        #expect(list.service.openFiles.map(\.path) == ["/c"], "an empty assignment empties the list")
    }

    @Test func bindNetworkInterfaceTakesOneInterfaceNameFrom260() {
        #expect(Self.read(["BindNetworkInterface=lo"], rules: .v260).resources.bindNetworkInterface == "lo")
        let older = Self.read(["BindNetworkInterface=lo"], rules: .v259)
        #expect(older.resources.bindNetworkInterface == nil && messages(older).contains { $0.contains("is newer than systemd 259 (it came in 260)") })
        #expect(Self.read(["BindNetworkInterface=lo", "BindNetworkInterface="], rules: .v262).resources.bindNetworkInterface == nil)
        // An invalid name is reported and left out; the setting before it stays, as in systemd.
        let bad = Self.read(["BindNetworkInterface=vrf-mgmt", "BindNetworkInterface=a/b"], rules: .v262)
        #expect(bad.resources.bindNetworkInterface == "vrf-mgmt" && messages(bad).contains { $0.contains("'a/b' is not a network interface name") })
        let altname = String(repeating: "x", count: 40)
        #expect(Self.read(["BindNetworkInterface=\(altname)"], rules: .v262).resources.bindNetworkInterface == altname)
    }

    @Test func delegateNamespacesMergesLinesAsSystemdFrom258() {
        let delegated = { (lines: [String]) in Self.read(lines, rules: .v262).exec.sandbox.delegateNamespaces }
        #expect(delegated(["DelegateNamespaces=yes"]) == NamespaceDelegation.all && !NamespaceDelegation.all.contains(.user))
        #expect(delegated(["DelegateNamespaces=no"]) == [], "set but empty: still a user namespace of its own")
        #expect(delegated(["DelegateNamespaces=net ipc", "DelegateNamespaces=uts"]) == [.net, .ipc, .uts])
        #expect(delegated(["DelegateNamespaces=~net"]) == NamespaceDelegation.all.subtracting([.net]))
        #expect(delegated(["DelegateNamespaces=net ipc", "DelegateNamespaces=~ipc"]) == [.net])
        #expect(delegated(["DelegateNamespaces=net", "DelegateNamespaces="]) == nil)
        let user = Self.read(["DelegateNamespaces=net", "DelegateNamespaces=user"], rules: .v262)
        #expect(user.exec.sandbox.delegateNamespaces == [.net] && user.hasErrors, "a line naming user is ignored")
        #expect(Self.read(["DelegateNamespaces=yes"], rules: .v257).exec.sandbox.delegateNamespaces == nil)
    }

    @Test func rootEphemeralIsReadFrom254On() {
        #expect(Self.read(["RootEphemeral=yes"], rules: .v254).exec.filesystem.rootEphemeral == true)
        #expect(Self.read(["RootEphemeral=yes", "RootEphemeral=no"], rules: .v262).exec.filesystem.rootEphemeral == false)
        let older = Self.read(["RootEphemeral=yes"], rules: .v253)
        #expect(older.exec.filesystem.rootEphemeral == nil && older.diagnostics.map(\.message).contains { $0.contains("newer than systemd 253 (it came in 254)") })
        #expect(Self.read(["RootEphemeral=maybe"], rules: .v262).hasErrors)
    }

    /// RootMStack= (260): a path, with specifiers; a root of the service's own, so MountAPIVFS=
    /// defaults to on as with RootDirectory=. Before 260 it is unknown, as those releases say.
    @Test func rootMStackIsReadFrom260On() {
        let unit = Self.read(["RootMStack=/var/lib/%N.mstack"], rules: .v260)
        #expect(unit.exec.filesystem.rootMStack == "/var/lib/n.mstack" && unit.diagnostics.isEmpty, "\(unit.diagnostics)")
        #expect(unit.withImplications().exec.filesystem.mountAPIVFS == true)
        #expect(Self.read(["RootMStack=/a.mstack", "MountAPIVFS=no"], rules: .v262).withImplications().exec.filesystem.mountAPIVFS == false)
        #expect(Self.read(["RootMStack=/a.mstack", "RootMStack="], rules: .v262).exec.filesystem.rootMStack == nil)
        let older = Self.read(["RootMStack=/a.mstack"], rules: .v259)
        #expect(older.exec.filesystem.rootMStack == nil
                && older.diagnostics.map(\.message) == ["RootMStack= is newer than systemd 259 (it came in 260), which ignores it; brig ignores it too"])
        let relative = Self.read(["RootMStack=a.mstack"], rules: .v262)
        #expect(relative.loadError != nil, "a bad path is fatal, as systemd's config_parse_unit_path_printf() makes it")
        #expect(Self.read(["RootMStack=/a.mstack"], rules: .v259).exec.filesystem.rootMStack == nil
                && Self.read(["RootMStack=/a.mstack"], rules: .v260).exec.filesystem.rootMStack != nil)
        // With a device policy, the loop and device-mapper devices a stack's images would need (unit_patch_contexts()).
        let closed = Self.read(["RootMStack=/a.mstack", "DevicePolicy=closed"], rules: .v262).withImplications()
        #expect(closed.resources.deviceAllow.map(\.device).contains("/dev/loop-control"))
    }
}

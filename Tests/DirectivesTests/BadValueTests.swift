import Foundation
import Testing
import Directives
import UnitFile

/// What systemd 252 does with a bad value, and so what the model holds: a list drops only its bad
/// words, most bad lines are ignored, and a fatal one stops the reading of its file.
@Suite struct BadWordsInLists {
    @Test func eachListKeepsItsGoodWords() {
        let u = service("RestrictAddressFamilies=AF_BOGUS AF_UNIX", "SystemCallArchitectures=native vax",
                        "IPAddressDeny=bogus any", "AmbientCapabilities=CAP_BOGUS CAP_NET_RAW",
                        "SystemCallFilter=~@mount bogus_call swapon:EBOGUS reboot")
        #expect(u.exec.sandbox.restrictAddressFamilies == .allowOnly([1]))
        #expect(u.exec.syscalls.architectures == ["native"])
        #expect(u.resources.ipAddressDeny?.count == 2)
        #expect(u.exec.capabilities.ambient == CapabilitySet([.netRaw]))
        let denied = u.exec.syscalls.filter.map { Set($0.resolved().keys) } ?? []
        #expect(denied.contains("mount") && denied.contains("reboot") && !denied.contains("swapon"))
        #expect(u.diagnostics.count == 6 && u.diagnostics.allSatisfy { $0.message.hasSuffix("(left out; the rest applies)") })
    }

    @Test func aListOfOnlyBadWordsStillDecidesAllowOrDeny() {
        // systemd starts the set before reading the words, so a later `~` list takes from an empty allow list.
        let u = service("RestrictAddressFamilies=AF_BOGUS", "RestrictAddressFamilies=~AF_INET")
        #expect(u.exec.sandbox.restrictAddressFamilies == .allowOnly([]))
    }

    @Test func noneBeginsNoList() {
        #expect(service("RestrictAddressFamilies=none", "RestrictAddressFamilies=~AF_INET").exec.sandbox.restrictAddressFamilies == .deny([2]))
        #expect(service("RestrictAddressFamilies=none", "RestrictAddressFamilies=AF_UNIX").exec.sandbox.restrictAddressFamilies == .allowOnly([1]))
    }

    @Test func namespacesRejectTheWholeLine() {
        let u = service("RestrictNamespaces=net bogus")
        #expect(u.exec.sandbox.restrictNamespaces == nil)
        #expect(!messages(u)[0].contains("the rest applies"))
    }

    @Test func delegateTurnsOnForEmptyAndListValues() {
        #expect(service("Delegate=").resources.delegate == .controllers([]))
        #expect(service("Delegate=no", "Delegate=bogus pids").resources.delegate == .controllers(["pids"]))
        #expect(service("Delegate=yes", "Delegate=cpu").resources.delegate == .controllers(nil))
    }

    @Test func deviceNodesLiveUnderDevOrInaccessible() {
        // systemd 252 ignores a node path elsewhere (systemd-analyze verify: "Invalid device node path").
        #expect(service("DeviceAllow=/sys/foo r").resources.deviceAllow.isEmpty)
        #expect(service("DeviceAllow=/run/systemd/inaccessible/chr r").resources.deviceAllow.count == 1)
    }

    @Test func filterProgramPathsAreModelled() {
        let r = service("IPIngressFilterPath=/sys/fs/bpf/in", "IPEgressFilterPath=relative", "IPEgressFilterPath=/sys/fs/bpf/out").resources
        #expect(r.ipIngressFilterPaths == ["/sys/fs/bpf/in"] && r.ipEgressFilterPaths == ["/sys/fs/bpf/out"])
        #expect(service("IPIngressFilterPath=/sys/fs/bpf/in", "IPIngressFilterPath=").resources.ipIngressFilterPaths.isEmpty)
    }
}

@Suite struct FatalSettings {
    /// A unit with a main file and one drop-in, loaded from a throw-away root.
    func unit(_ main: String, dropIn: String) -> UnitConfig {
        let root = FileManager.default.temporaryDirectory.path + "/brig-fatal-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/etc/systemd/system"
        try! FileManager.default.createDirectory(atPath: dir + "/test.service.d", withIntermediateDirectories: true)
        try! "[Service]\nExecStart=/bin/true\n\(main)\n".write(toFile: dir + "/test.service", atomically: false, encoding: .utf8)
        try! "[Service]\n\(dropIn)\n".write(toFile: dir + "/test.service.d/10-x.conf", atomically: false, encoding: .utf8)
        return UnitConfig(try! UnitLoader(root: root).load("test.service"))
    }

    @Test func inTheMainFileTheUnitDoesNotLoad() throws {
        let u = unit("DynamicUser=maybe\nPrivateTmp=yes", dropIn: "ProtectHome=yes")
        let error = try #require(u.loadError)
        #expect(error.location.line == 3 && error.message.hasPrefix("DynamicUser=maybe"))
        #expect(u.exec.filesystem.privateTmp == nil && u.exec.filesystem.protectHome == nil)
    }

    @Test func inADropInTheRestOfThatDropInIsIgnored() {
        let u = unit("PrivateTmp=yes", dropIn: "ProtectHome=yes\nSupplementaryGroups=adm bad/name users\nPrivateNetwork=yes")
        #expect(u.loadError == nil)
        #expect(u.exec.filesystem.privateTmp == true && u.exec.filesystem.protectHome == .yes)
        #expect(u.exec.identity.supplementaryGroups == ["adm"])   // added one by one up to the bad name
        #expect(u.exec.sandbox.privateNetwork == nil)
        #expect(u.badSettings == ["SupplementaryGroups"])
    }

    @Test func linesAfterAFatalOneAreStillChecked() {
        let u = unit("RootDirectory=relative\nProtectSystem=bogus", dropIn: "")
        #expect(u.loadError?.message.hasPrefix("RootDirectory=relative") == true)
        #expect(messages(u).contains { $0.hasPrefix("ProtectSystem=bogus") })
    }

    @Test func aMissingOkWorkingDirectoryIsNotFatal() {
        #expect(service("WorkingDirectory=-relative").loadError == nil)
        #expect(service("WorkingDirectory=relative").loadError != nil)
    }
}

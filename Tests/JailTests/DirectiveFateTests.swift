import Directives
import Foundation
import TestSupport
import Testing
@testable import Jail

/// Every directive a service unit can carry is applied, refused or without effect under brig run:
/// none is dropped in silence, and a directive a later release adds cannot slip through.
@Suite struct DirectiveFateTests {
    static let sections = ["Unit", "Service", "Install"]

    @Test(arguments: sections)
    func everyDirectiveOfSystemd252AndLaterHasAFate(_ section: String) {
        let names = Set((DirectiveRegistry.known[section] ?? [:]).keys).union(DirectiveRegistry.newer[section] ?? [])
        let missing = names.filter { DirectiveFates.fate(section: section, name: $0) == nil }.sorted()
        #expect(missing.isEmpty, "[\(section)] without a fate: \(missing.joined(separator: " "))")
    }

    @Test func theTableNamesOnlyDirectivesSystemdKnows() {
        let unknown = DirectiveFates.names.filter { key in
            let parts = key.split(separator: " ").map(String.init)
            return !DirectiveRegistry.exists(section: parts[0], name: parts[1])
        }
        #expect(unknown.isEmpty, "\(unknown.sorted())")
    }

    @Test func aResetDirectiveIsNotRefused() {
        let at = SourceLocation(file: "u.service", line: 1)
        let set = Assignment(section: "Service", key: "PAMName", value: "login", location: at)
        let reset = Assignment(section: "Service", key: "PAMName", value: "", location: at)
        #expect(DirectiveFates.refusals([set, reset]).isEmpty)
        #expect(DirectiveFates.refusals([reset, set]).map(\.directive) == ["PAMName=login"])
    }
}

@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"))
struct DirectiveFateRunTests {
    /// What a new user tried: each of these ran as if the directive were not there. (A device
    /// limit on /dev/null, which is no block device, is applied as systemd applies it: not at
    /// all, which --dry-run says.)
    @Test(arguments: [("SetCredential=a:b", Int32(0)),
                      ("LoadCredential=a:/etc/hostname", 0), ("RestrictFileSystems=ext4", 244),
                      ("IOReadBandwidthMax=/dev/null 1M", 0), ("PAMName=login", 224),
                      ("ManagedOOMSwap=kill", 219), ("LogNamespace=x", 0)])
    func aDirectiveIsAppliedOrRefusedNeverDropped(_ property: String, _ status: Int32) throws {
        let out = try Brig.run(properties: [property], ["/bin/true"])
        #expect(out.status == status, "\(property): \(out.stderr)")
        if status != 0 { #expect(out.stderr.contains("-p:1:1: \(property): ")) }
    }

    /// RuntimeMaxSec= stops the service as a stop request would: KillSignal=, then SIGKILL after
    /// TimeoutStopSec= for what ignores it; systemd takes as long.
    @Test func runtimeMaxSecStopsTheService() throws {
        func timed(_ run: () throws -> Subprocess.Output) rethrows -> (Subprocess.Output, Double) {
            let start = Date()
            let out = try run()
            return (out, Date().timeIntervalSince(start))
        }
        let (polite, politeTime) = try timed { try Brig.run(properties: ["RuntimeMaxSec=0.5"], ["/bin/sleep", "4"]) }
        #expect(polite.status == 128 + SIGTERM && politeTime < 2.5)
        #expect(polite.stderr.contains("RuntimeMaxSec= reached"))
        let stubborn = ["RuntimeMaxSec=0.5", "TimeoutStopSec=0.5"]
        let ignoring = ["/bin/sh", "-c", "trap '' TERM; sleep 4"]
        let (killed, killedTime) = try timed { try Brig.run(properties: stubborn, ignoring) }
        #expect(killed.status == 128 + SIGKILL && killedTime >= 0.9 && killedTime < 3)
        if Oracle.isAvailable {
            let (_, systemdTime) = try timed { try Oracle.run(properties: stubborn, ignoring) }
            #expect(systemdTime >= 0.9 && systemdTime < 3.5)
        }
    }

    /// Every refused directive of a unit is named at once, with its file and line; the exit
    /// status is the first one's.
    @Test func everyRefusedDirectiveIsListedAtOnce() throws {
        let units = try UnitDirectory()
        try units.write("fates.service", """
            [Unit]
            After=network.target
            [Service]
            ExecStart=/bin/true
            RootImage=/srv/image.raw
            ManagedOOMSwap=kill
            PAMName=login
            """)
        let out = try Brig.run(["run", units.path + "/fates.service"])
        #expect(out.status == 226)
        let lines = out.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.first?.hasSuffix("fates.service:5:1: RootImage=/srv/image.raw: disk images and system extensions are not supported by brig run (exit status 226 NAMESPACE)") == true)
        #expect(lines.dropFirst().first?.hasSuffix("fates.service:6:1: ManagedOOMSwap=kill: cgroup resource control is not supported by brig run (exit status 219 CGROUP)") == true)
        #expect(lines.last?.hasSuffix("fates.service:7:1: PAMName=login: PAM sessions are not supported by brig run (exit status 224 PAM)") == true)
    }

    @Test func dryRunSaysWhatHasNoEffect() throws {
        let out = try Brig.run(["run", "--dry-run", "-p", "SyslogIdentifier=x", "-p", "FileDescriptorStoreMax=1", "--", "/bin/true"])
        #expect(out.status == 0)
        #expect(out.stdout.contains("# no effect outside systemd as PID 1:\n#   SyslogIdentifier=: the journal's"))
        #expect(out.stdout.contains("#   FileDescriptorStoreMax=: the service manager"))
    }
}

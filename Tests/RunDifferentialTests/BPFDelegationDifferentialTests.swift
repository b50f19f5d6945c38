import Foundation
import Testing
import TestSupport

/// BPFDelegateCommands=, BPFDelegateMaps=, BPFDelegatePrograms=, BPFDelegateAttachments= (258)
/// through BPFTokenProbe: the options of the bpffs on /sys/fs/bpf, whether a BPF token can be
/// taken from it and an array map made with that token. A token comes only from a bpffs of the
/// taker's own user namespace, which systemd (and brig) make only where the mount namespace is
/// made after the user namespace: DelegateNamespaces=mnt.
@Suite("BPFDelegate*= under brig run --rules 262, and against systemd 262", .serialized,
       .enabled(if: geteuid() == 0 && BuiltBrig.isBuilt && ProbeInstaller.failure == nil, "needs root, a built brig and the probes"))
struct BPFDelegationDifferentialTests {
    static let delegated = ["PrivateUsers=yes", "PrivateBPF=yes", "DelegateNamespaces=mnt"]
    static let mapsOnly = ["BPFDelegateCommands=BPFMapCreate", "BPFDelegateMaps=BPFMapTypeArray"]

    static func brig(_ rules: String, _ properties: [String]) throws -> Subprocess.Output {
        try BuiltBrig.run(["run", "--rules", rules] + properties.flatMap { ["-p", $0] } + ["--", BPFTokenProbe.path])
    }

    @Test func aTokenMakesTheDelegatedMapAndNothingElse() throws {
        let granted = try Self.brig("262", Self.delegated + Self.mapsOnly)
        #expect(granted.status == 0 && granted.stdout == """
            bpffs bpf none rw,delegate_cmds=map_create,delegate_maps=array
            token ok
            map ok

            """, "\(granted.stderr)")
        // The token is taken, but BPF_MAP_CREATE is not among what it allows.
        let otherMap = try Self.brig("262", Self.delegated + ["BPFDelegateCommands=BPFProgLoad", "BPFDelegateMaps=BPFMapTypeArray"])
        #expect(otherMap.stdout.hasSuffix("token ok\nmap EPERM\n"), "\(otherMap.stdout) \(otherMap.stderr)")
        // Nothing delegated: the bpffs has nothing to hand out.
        let none = try Self.brig("262", Self.delegated)
        #expect(none.stdout == "bpffs bpf none rw\ntoken ENOENT\n", "\(none.stdout) \(none.stderr)")
    }

    @Test func aBpffsMadeBeforeTheUserNamespaceGivesNoToken() throws {
        // Mounted before the user namespace is made, the bpffs belongs to the initial one.
        let before = try Self.brig("262", ["PrivateUsers=yes", "PrivateBPF=yes"] + Self.mapsOnly)
        #expect(before.stdout == "bpffs bpf none rw,delegate_cmds=map_create,delegate_maps=array\ntoken EPERM\n",
                "\(before.stdout) \(before.stderr)")
        let noUsers = try Self.brig("262", ["PrivateBPF=yes"] + Self.mapsOnly)
        #expect(noUsers.stdout.hasSuffix("token EOPNOTSUPP\n"), "\(noUsers.stdout) \(noUsers.stderr)")
    }

    @Test func olderRulesIgnoreTheDirectivesAndAnUnknownNameStopsTheStart() throws {
        let host = try Self.brig("262", [])
        // 257 knows neither PrivateBPF= nor these: the service sees what it would without them.
        let older = try Self.brig("257", Self.delegated.filter { $0 != "PrivateBPF=yes" } + Self.mapsOnly)
        #expect(older.status == 0 && older.stdout.split(separator: "\n").first == host.stdout.split(separator: "\n").first,
                "\(older.stdout) \(older.stderr)")
        // systemd warns and leaves the word out; brig names the line and runs nothing.
        let bad = try Self.brig("262", Self.delegated + ["BPFDelegateMaps=array"])
        #expect(bad.status != 0 && bad.stdout.isEmpty)
        #expect(bad.stderr.contains("-p:4:1: error: BPFDelegateMaps=array: unknown BPF delegation name 'array'"), "\(bad.stderr)")
    }

    @Test func thePlanShowsTheHelperBeforeTheUserNamespaceAndTheMountAfter() throws {
        let plan = try BuiltBrig.run(["run", "--dry-run", "--rules", "262"] + (Self.delegated + Self.mapsOnly).flatMap { ["-p", $0] }
                                     + ["--", "/bin/true"]).stdout
        let lines = plan.split(separator: "\n").map(String.init)
        let helper = lines.firstIndex { $0.contains("fork the helper that creates the user namespace's bpffs "
                                                     + "(delegate_cmds=0x1,delegate_maps=0x4,delegate_progs=0x0,delegate_attachs=0x0)") }
        let userns = lines.firstIndex { $0.contains("user namespace uid_map") }
        let mount = lines.firstIndex { $0.contains("mount bpf on /run/brig/unit-root/sys/fs/bpf (delegate_cmds=0x1,") && $0.contains("set by the helper") }
        #expect(helper != nil && userns != nil && mount != nil, "\(plan)")
        if let helper, let userns, let mount { #expect(helper < userns && userns < mount) }
        #expect(lines[helper ?? 0].hasSuffix("[244 BPF]") && lines[mount ?? 0].hasSuffix("[226 NAMESPACE]"))
        // No bpffs is made under an inaccessible /sys/fs/bpf, so no helper waits for one.
        let covered = try BuiltBrig.run(["run", "--dry-run", "--rules", "262"]
                                        + (Self.delegated + Self.mapsOnly + ["InaccessiblePaths=/sys/fs/bpf"]).flatMap { ["-p", $0] }
                                        + ["--", "/bin/true"]).stdout
        #expect(covered.contains("make /run/brig/unit-root/sys/fs/bpf inaccessible") && !covered.contains("helper"), "\(covered)")
    }

    /// The same probe as a transient service of systemd 262 and under brig run --rules 262 in the
    /// same instance.
    static let settings: [[String]] = [
        delegated + mapsOnly,
        delegated,
        delegated + ["BPFDelegateCommands=BPFProgLoad", "BPFDelegateMaps=BPFMapTypeArray"],
        delegated + mapsOnly + ["User=nobody"],
        delegated + ["BPFDelegateCommands=any", "BPFDelegateMaps=any", "BPFDelegatePrograms=any", "BPFDelegateAttachments=any"],
        delegated + ["BPFDelegatePrograms=BPFProgTypeNetfilter,BPFProgTypeLsm", "BPFDelegateAttachments=BPFXdp",
                     "BPFDelegateAttachments=BPFSkLookup"],
        ["PrivateUsers=yes", "PrivateBPF=yes"] + mapsOnly,
        ["PrivateBPF=yes"] + mapsOnly,
        ["PrivateBPF=yes", "BPFDelegateCommands=any", "BPFDelegateCommands="],
        mapsOnly,
    ]

    @Test("brig run --rules 262 shows the token probe what systemd 262 shows",
          .enabled(if: SystemdOracleNext.instanceUnavailableReason == nil, "needs systemd-oracle-next"), arguments: settings)
    func sameAsSystemd262(_ properties: [String]) throws {
        let systemd = try SystemdOracleNext.run(properties, [BPFTokenProbe.path])
        let brig = try SystemdOracleNext.exec(try SystemdOracleNext.brig.get() + ["run", "--rules", "262"]
                                              + properties.flatMap { ["-p", $0] } + ["--", BPFTokenProbe.path])
        #expect(!systemd.stdout.isEmpty, "systemd 262 printed nothing: \(systemd.stderr)")
        #expect(brig.status == systemd.status && brig.stdout == systemd.stdout,
                "systemd 262:\n\(systemd.stdout)brig:\n\(brig.stdout)\(brig.stderr)")
    }
}

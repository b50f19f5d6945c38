import Foundation
import Testing
import TestSupport

/// The jail differential against the newest systemd: the observe probe under systemd 262
/// (systemd-oracle-next, PID 1 on a pure cgroup v2 tree) and under `brig run --rules 262` started
/// in the same instance, so both see one world: the same root, /run, /tmp and cgroup tree. Every
/// setting of the 252 differential, and the modes later releases added.
@Suite("brig run --rules 262 jail against systemd 262, observation by observation", .serialized,
       .enabled(if: SystemdOracleNext.instanceUnavailableReason == nil && Gate.brig && ProbeInstaller.failure == nil,
                "needs root, a built brig, the probes and systemd-oracle-next"))
struct NextJailDifferentialTests {
    static let rules = "262"

    /// Modes and directives systemd 252 does not have.
    static let newer: [Setting] = [
        Setting("PrivateTmp=connected"),
        Setting("PrivateTmp=disconnected"),
        Setting("PrivateTmp=disconnected", "User=nobody"),
        // Without default dependencies /var, and from 260 /tmp, may be mounted after the service
        // starts: /var/tmp is left alone (TMPDIR=/tmp says where to go) and /tmp, a mount in the
        // instance, gets a tmpfs of the service's own, unless the unit waits for those mounts.
        Setting("PrivateTmp=disconnected", "DefaultDependencies=no"),
        Setting("PrivateTmp=disconnected", "DefaultDependencies=no", "RequiresMountsFor=/var/"),
        Setting("PrivateTmp=disconnected", "DefaultDependencies=no", "After=var.mount"),
        Setting("PrivateTmp=disconnected", "DefaultDependencies=no", "UnsetEnvironment=TMPDIR"),
        Setting("DynamicUser=yes", "DefaultDependencies=no"),
        Setting("PrivateTmp=yes", "DefaultDependencies=no"),
        Setting("PrivateTmp=yes", "DefaultDependencies=no", "After=tmp.mount"),
        Setting("PrivateTmp=yes", "DefaultDependencies=no", "RootDirectory=/"),
        Setting("PrivateUsers=self"),
        Setting("PrivateUsers=identity"),
        Setting("PrivateUsers=full"),
        Setting("ProtectHostname=private"),
        Setting("ProtectHostname=private:brig-box"),
        Setting("ProtectHostname=yes:brig-box.example", "ProtectKernelTunables=yes"),
        Setting("ProtectControlGroups=private"),
        Setting("ProtectControlGroups=strict"),
        Setting("SetLoginEnvironment=yes"),
        Setting("SetLoginEnvironment=no", "User=daemon"),
        Setting("PrivatePIDs=yes"),
        Setting("PrivatePIDs=yes", "User=nobody", "ProtectProc=invisible"),
        Setting("MemoryKSM=yes"),
        Setting("MemoryKSM=no"),
        Setting("MemoryTHP=disable"),
        Setting("MemoryTHP=madvise"),
        Setting("MemoryTHP=system"),
        Setting("PrivateBPF=yes"),
        Setting("PrivateBPF=yes", "ProtectKernelTunables=yes"),
        Setting("PrivateBPF=yes", "User=nobody"),
        // The bpffs made in the service's user namespace, with delegation options (BPFDelegationDifferentialTests
        // compares those options and the token).
        Setting("PrivateBPF=yes", "DelegateNamespaces=mnt", "BPFDelegateCommands=BPFMapCreate"),
        Setting("PrivateBPF=yes", "DelegateNamespaces=mnt", "User=nobody"),
        Setting("NetworkNamespacePath=\(pinned.network)"),
        Setting("NetworkNamespacePath=\(pinned.network)", "PrivateNetwork=yes"),
        Setting("IPCNamespacePath=\(pinned.ipc)"),
        Setting("IPCNamespacePath=\(pinned.ipc)", "PrivateIPC=yes", "ProtectSystem=strict"),
        Setting("UserNamespacePath=\(pinned.user)"),
        Setting("NetworkNamespacePath=/run/brig-diff-no-such-namespace", startFails: true),
        Setting("IPCNamespacePath=\(pinned.network)", startFails: true),
        Setting("OpenFile=\(openFile)"),
        Setting("OpenFile=\(openFile):settings:read-only", "User=nobody"),
        Setting("OpenFile=\(openFile)::append", "OpenFile=/etc/hostname:host:read-only"),
        Setting("OpenFile=\(openFile)::truncate", "PrivateTmp=yes", "ProtectSystem=strict"),
        Setting("OpenFile=/run/dbus/system_bus_socket:bus"),
        Setting("OpenFile=/run/brig-diff-no-such-file::graceful", "OpenFile=/etc/hostname"),
        Setting("OpenFile=/run/brig-diff-no-such-file", startFails: true),
        Setting("DelegateNamespaces=no"),
        Setting("DelegateNamespaces=yes", "PrivateNetwork=yes", "PrivateIPC=yes"),
        // The IPC namespace is not the user namespace's, so its mqueue cannot be mounted in the
        // mount namespace that follows the network's: both refuse the start (226).
        Setting("DelegateNamespaces=net", "PrivateNetwork=yes", "PrivateIPC=yes", startFails: true),
        Setting("DelegateNamespaces=net", "PrivateNetwork=yes", "ProtectHostname=yes"),
        Setting("DelegateNamespaces=~net", "PrivateNetwork=yes", "PrivateIPC=yes", "ProtectHostname=yes"),
        Setting("DelegateNamespaces=mnt", "PrivateTmp=yes", "ProtectSystem=strict", "ProtectHome=yes"),
        Setting("DelegateNamespaces=uts", "ProtectHostname=private:brig-box"),
        Setting("DelegateNamespaces=cgroup", "ProtectControlGroups=private"),
        Setting("DelegateNamespaces=cgroup", "ProtectControlGroups=strict"),
        Setting("DelegateNamespaces=ipc net", "PrivateUsers=identity", "PrivateNetwork=yes", "User=nobody"),
        Setting("BindLogSockets=yes", paths: journalSockets),
        Setting("BindLogSockets=yes", "TemporaryFileSystem=/run", paths: journalSockets),
        Setting("BindLogSockets=no", "TemporaryFileSystem=/run", paths: journalSockets),
        Setting("MountAPIVFS=yes", "TemporaryFileSystem=/run", paths: journalSockets),
    ]

    /// What BindLogSockets= binds: the journal's sockets, which the instance's journald has.
    static let journalSockets = ["/run/systemd/journal/socket", "/run/systemd/journal/stdout", "/run/systemd/journal/dev-log"]

    /// The file OpenFile= settings pass: root's alone (mode 0600), made anew before each runner.
    static let openFile = "/run/brig-diff-openfile"

    /// Namespaces pinned in the instance for the *NamespacePath= settings (its /run lives as long
    /// as it does): a network and an IPC namespace bound on files, and a user namespace that maps
    /// root only, held by a sleeper and named by a symbolic link to it.
    static let pinned = (network: "/run/brig-diff-netns", ipc: "/run/brig-diff-ipcns", user: "/run/brig-diff-userns")
    static func pinNamespaces() throws {
        let pin = try SystemdOracleNext.exec(["/bin/sh", "-c", """
            set -e
            [ -e \(pinned.network) ] || { touch \(pinned.network) && unshare --net=\(pinned.network) true; }
            [ -e \(pinned.ipc) ] || { touch \(pinned.ipc) && unshare --ipc=\(pinned.ipc) true; }
            if [ ! -e \(pinned.user) ]; then
              unshare --user --map-root-user sleep infinity </dev/null >/dev/null 2>&1 &
              while [ "$(readlink /proc/$!/ns/user)" = "$(readlink /proc/self/ns/user)" ]; do sleep 0.05; done
              ln -sfn /proc/$!/ns/user \(pinned.user)
            fi
            """])
        try #require(pin.status == 0, "\(pin.stderr)")
    }

    static let settings: [Setting] = JailSettings.all + newer

    /// Where brig does not match 262, and why; each is recorded as a known issue, so a change on
    /// either side shows up as an unexpected pass.
    static let known: [String: String] = {
        // systemd 254 and later skip their /sys entry when /sys is a mount point already (BIND_SYSFS),
        // and with it the flags other entries put on /sys: 262 leaves /sys writable under
        // ProtectKernelTunables=yes, and without noexec under the API file systems. brig applies
        // them, as 252 does: a deliberate difference (README, "Rules of later releases").
        let sys = "/sys keeps the read-only and noexec flags systemd 254 and later drop (deliberate)"
        var known = Dictionary(uniqueKeysWithValues: [
            "ProtectKernelTunables=yes", "ProtectControlGroups=yes", "ProtectControlGroups=private",
            "ProtectControlGroups=strict", "ProtectProc=invisible", "ProtectProc=invisible User=nobody",
            "ProtectProc=noaccess User=nobody", "ProcSubset=pid", "ProtectSystem=strict ProtectProc=invisible",
            "ProtectSystem=strict ProcSubset=pid", "PrivatePIDs=yes", "PrivatePIDs=yes User=nobody ProtectProc=invisible",
            "ProtectHostname=yes:brig-box.example ProtectKernelTunables=yes", "PrivateBPF=yes",
            "PrivateBPF=yes ProtectKernelTunables=yes", "PrivateBPF=yes User=nobody", "MountAPIVFS=yes TemporaryFileSystem=/run",
            "PrivateBPF=yes DelegateNamespaces=mnt BPFDelegateCommands=BPFMapCreate", "PrivateBPF=yes DelegateNamespaces=mnt User=nobody",
            "DelegateNamespaces=~net PrivateNetwork=yes PrivateIPC=yes ProtectHostname=yes",
            "DelegateNamespaces=cgroup ProtectControlGroups=private", "DelegateNamespaces=cgroup ProtectControlGroups=strict",
        ].map { ($0, sys) })
        for profile in JailSettings.all where profile.label?.hasPrefix("resolved-like") == true {
            known[profile.testDescription] = sys
        }
        // 262 leaves CAP_SETPCAP and CAP_SYS_ADMIN in a DynamicUser= service's inheritable set;
        // brig keeps it empty (NoNewPrivileges=, which DynamicUser= implies, makes it moot).
        let inheritable = "262's inheritable set holds CAP_SETPCAP and CAP_SYS_ADMIN; brig's is empty"
        for setting in JailSettings.all + newer where setting.properties.first == "DynamicUser=yes" {
            known[setting.testDescription] = inheritable
        }
        for setting in loneDisconnectedTmp where known[setting] == nil {
            known[setting] = "262 makes a lone disconnected /tmp mode 0700, unusable by a service that is not root; brig's is 1777 (deliberate)"
        }
        return known
    }()

    /// Known issues about some observations alone (their keys): every other one must match all the same.
    static let knownObservation: [String: [String]] = {
        var keys = Dictionary(uniqueKeysWithValues:
            (JailSettings.all + newer).filter { $0.properties.first == "DynamicUser=yes" }.map { ($0.testDescription, ["CapInh"]) })
        for setting in newer where loneDisconnectedTmp.contains(setting.testDescription) {
            keys[setting.testDescription, default: []].append("path:/tmp")
        }
        return keys
    }()

    /// Where /tmp alone is disconnected, 262 mounts its tmpfs with mode 0700 right on /tmp, which
    /// a service that is not root cannot use; brig's /tmp is 1777 as wherever else it is private
    /// (deliberate, README).
    static let loneDisconnectedTmp: Set<String> = [
        "PrivateTmp=disconnected DefaultDependencies=no", "PrivateTmp=disconnected DefaultDependencies=no UnsetEnvironment=TMPDIR",
        "DynamicUser=yes DefaultDependencies=no", "PrivateTmp=yes DefaultDependencies=no",
        "PrivateTmp=yes DefaultDependencies=no RootDirectory=/",
    ]

    /// The namespace ids of the instance's PID 1.
    static let pid1: Set<String> = {
        let listed = try? SystemdOracleNext.exec(["/bin/sh", "-c", "for ns in /proc/1/ns/*; do readlink \"$ns\"; done"])
        return Set((listed?.stdout ?? "").split(separator: "\n").map(String.init))
    }()

    /// Markers in the instance's /tmp and /var/tmp (PrivateTmp= hides them) before each runner,
    /// and for a setting that makes directories, none of them left from an earlier runner.
    static func resetWorld(removingDirectories: Bool) throws {
        let dirs = (Differential.directoryPaths + privateDirectories).joined(separator: " ")
        let reset = try SystemdOracleNext.exec(["/bin/sh", "-c",
            (removingDirectories ? "rm -rf \(dirs) && " : "") + "touch /tmp/brig-diff-marker /var/tmp/brig-diff-marker"
            + " && echo brig-diff > \(openFile) && chmod 600 \(openFile)"])
        try #require(reset.status == 0, "\(reset.stderr)")
    }

    /// The settings that make the shared directories run one at a time, from none: cases run in
    /// parallel, and one's reset would take another's directories away mid-run.
    static let directoriesLock = NSLock()

    /// DynamicUser='s twins of the directories a setting makes.
    static let privateDirectories = ["/var/lib", "/var/cache", "/var/log"].map { "\($0)/private/\(Differential.directoryName)" }

    /// Who owns each directory the run left, seen from the instance outside any unit (262 leaves
    /// a DynamicUser= service's to nobody), as "host-owner:PATH=UID:GID" lines, a dynamic id as
    /// "dynamic"; only for a setting that makes directories.
    static func hostOwners(_ setting: Setting) throws -> String {
        guard setting.properties.contains(where: { $0.contains("Directory=") }) else { return "" }
        let paths = (Differential.directoryPaths + privateDirectories).joined(separator: " ")
        let listed = try SystemdOracleNext.exec(["/bin/sh", "-c",
            "for p in \(paths); do if [ -d \"$p\" ] && [ ! -L \"$p\" ]; then echo \"$p $(stat -c '%u %g' \"$p\")\"; fi; done"])
        try #require(listed.status == 0, "\(listed.stderr)")
        let dynamic = 61184...65519
        return listed.stdout.split(separator: "\n").map { line in
            let words = line.split(separator: " ")
            let ids = words.dropFirst().map { Int($0).map { dynamic.contains($0) } == true ? "dynamic" : String($0) }
            return "host-owner:\(words[0])=\(ids.joined(separator: ":"))\n"
        }.joined()
    }

    @Test("brig run --rules 262 shows the probe what systemd 262 shows", arguments: settings)
    func sameObservations(_ setting: Setting) throws {
        let probe = [ProbeInstaller.observe] + setting.extraPaths
        if setting.properties.contains(where: { $0.contains("NamespacePath=") }) { try Self.pinNamespaces() }
        let directories = setting.createsSharedDirectories
        let bothRuns = { () throws -> (Subprocess.Output, Subprocess.Output) in
            try Self.resetWorld(removingDirectories: directories)
            var systemd = try SystemdOracleNext.run(setting.properties, probe)
            systemd.stdout += try Self.hostOwners(setting)
            try Self.resetWorld(removingDirectories: directories)
            var brig = try SystemdOracleNext.exec(try SystemdOracleNext.brig.get() + ["run", "--rules", Self.rules]
                                                  + setting.properties.flatMap { ["-p", $0] } + ["--"] + probe)
            brig.stdout += try Self.hostOwners(setting)
            return (systemd, brig)
        }
        let (systemdRun, brigRun) = directories ? try Self.directoriesLock.withLock(bothRuns) : try bothRuns()
        let systemd = Observations(systemdRun, pid1: Self.pid1)
        let brig = Observations(brigRun, pid1: Self.pid1)
        #expect(!systemd.facts.isEmpty || systemd.status != 0, "the probe printed nothing under systemd 262")
        let differences = brig.differences(from: systemd)
        let report = "\(setting.testDescription): \(differences.count) observations differ (systemd 262 expected, brig observed)\n  "
            + differences.joined(separator: "\n  ") + (brigRun.stderr.isEmpty ? "" : "\n  brig said: \(brigRun.stderr)")
        if let keys = Self.knownObservation[setting.testDescription] {
            #expect(differences.allSatisfy { difference in keys.contains { difference.hasPrefix($0 + ":") } }, Comment(rawValue: report))
        }
        if let reason = Self.known[setting.testDescription] {
            withKnownIssue(Comment(rawValue: reason)) { #expect(differences.isEmpty, Comment(rawValue: report)) }
        } else {
            #expect(differences.isEmpty, Comment(rawValue: report))
        }
    }

    /// PrivateUsers=managed: the block's start is drawn at random, so the shape is compared: one
    /// map line of 65536 ids starting in systemd's container range, and root inside. systemd 262
    /// leases the block from systemd-nsresourced (and idmaps through systemd-mountfsd); Debian's
    /// systemd package ships neither, and without them 262 gives up before the command runs yet
    /// reports the start a success (status 0: it sets no exit status for that step). brig leases
    /// the block itself and runs the command: a deliberate difference (README).
    @Test func managedUsersGetOneLeasedBlockWhereSystemdCanLeaseOne() throws {
        let script = ["/bin/sh", "-c", "cat /proc/self/uid_map; id -u"]
        let systemd = try SystemdOracleNext.run(["PrivateUsers=managed"], script)
        let brig = try SystemdOracleNext.exec(try SystemdOracleNext.brig.get()
                                              + ["run", "--rules", Self.rules, "-p", "PrivateUsers=managed", "--"] + script)
        /// "START 65536 0" for a map `0 START 65536` and uid 0, else what was printed.
        func shape(_ output: String) -> [String] {
            let words = output.split(whereSeparator: \.isWhitespace).map(String.init)
            guard words.count == 4, words[0] == "0", let start = UInt32(words[1]), words[2] == "65536", words[3] == "0",
                  (0x80000...0x6FFF0000).contains(start), start % 65536 == 0 else { return words }
            return ["block of 65536 in the container range", "uid 0"]
        }
        #expect(brig.status == 0 && shape(brig.stdout) == ["block of 65536 in the container range", "uid 0"], "brig: \(brig.stdout) \(brig.stderr)")
        let leaser = try SystemdOracleNext.exec(["/bin/sh", "-c", "test -S /run/systemd/io.systemd.NamespaceResource"])
        if leaser.status == 0 {
            #expect(systemd.status == 0 && shape(systemd.stdout) == shape(brig.stdout), "systemd 262: \(systemd.stdout) \(systemd.stderr)")
        } else {
            #expect(systemd.status == 0 && systemd.stdout.isEmpty, "262 without nsresourced ran the command: \(systemd.stdout) \(systemd.stderr)")
        }
    }
}

import Testing
@testable import Directives

@Suite struct Registry {
    @Test func tableHasEverySystemd252Directive() {
        #expect(DirectiveRegistry.known.values.map(\.count).reduce(0, +) == 1191)
        #expect(DirectiveRegistry.known["Service"]?["ProtectSystem"] == "OTHER")
        #expect(DirectiveRegistry.known["Socket"]?["Accept"] == "BOOLEAN")
        #expect(DirectiveRegistry.known["Install"]?["WantedBy"] != nil)
        #expect(DirectiveRegistry.status(section: "Service", name: "PrivatePIDs") == .newer)
    }

    /// The start-up lookup reads the table text; it must agree with the table entry by entry.
    @Test func lookupWithoutTheTableAgreesWithIt() {
        for (section, names) in DirectiveRegistry.known {
            for (name, hint) in names {
                #expect(DirectiveRegistry.knownHint(section: section, name: name) == hint, "\(section) \(name)")
            }
        }
        for (section, name) in [("Service", "ProtectSys"), ("Service", "ProtectSystemX"), ("Unit", "Requires UNIT"),
                                ("Service", ""), ("", "Description"), ("Servic", "ProtectSystem"), ("Unit", "Description\nUnit"),
                                ("Automount", "A"), ("Unit", "Zzz"), ("A", "B"), ("Unitz", "Description"), ("Unit", "Description OTHER")] {
            #expect(DirectiveRegistry.knownHint(section: section, name: name) == nil, "\(section) \(name)")
        }
    }

    /// knownHint binary-searches the table text: that holds only while its lines stay sorted
    /// bytewise by "Section Name".
    @Test func tableLinesAreSortedByKey() {
        let keys = systemd252DirectiveTable.split(separator: "\n").map { line in
            Array(line.split(separator: " ", maxSplits: 2).prefix(2).joined(separator: " ").utf8)
        }
        #expect(keys.count == 1191)
        for (a, b) in zip(keys, keys.dropFirst()) {
            #expect(a.lexicographicallyPrecedes(b), "\(String(decoding: a, as: UTF8.self)) before \(String(decoding: b, as: UTF8.self))")
        }
    }

    @Test func unknownDirectiveGetsADidYouMean() {
        let u = service("ProtectSytem=strict", "Frobnicate=yes")
        #expect(messages(u) == ["unknown directive ProtectSytem= in [Service]; did you mean ProtectSystem=?",
                                "unknown directive Frobnicate= in [Service]"])
        #expect(u.diagnostics.allSatisfy { $0.severity == .error })
    }

    @Test func wrongSection() {
        let u = unitConfig("[Unit]\nExecStart=/bin/true\n[Service]\nDescription=x\n")
        #expect(messages(u) == ["ExecStart= belongs in [Service], not [Unit]", "Description= belongs in [Unit], not [Service]"])
    }

    @Test func foreignSectionsComeFromTheLoaderAndExtensionsAreIgnored() {
        let u = unitConfig("[Socket]\nListenStream=80\n[Frob]\nA=b\n[X-Mine]\nAnything=goes\n[Service]\nX-Extra=1\n")
        #expect(messages(u) == ["unknown section [Socket], ignoring its lines", "unknown section [Frob], ignoring its lines"])
        #expect(u.socket.listen.isEmpty)
    }

    @Test func newerDirectivesWarn() {
        let u = service("PrivatePIDs=yes", "ProtectSystem=strict")
        #expect(u.diagnostics.map(\.severity) == [.warning])
        #expect(messages(u) == ["PrivatePIDs= is newer than systemd 252 (it came in 257), which ignores it; brig ignores it too"])
        #expect(!u.hasErrors)
    }

    @Test func unmodelledDirectivesAreCheckedByKind() {
        let u = service("TimeoutCleanSec=forever", "WatchdogSignal=SIGUSR1", "Description=x")
        #expect(messages(u) == ["TimeoutCleanSec=forever: 'forever' is not a time span (e.g. 30s, 5min 20s, infinity)",
                                "Description= belongs in [Unit], not [Service]"])
        let timer = unitConfig("[Timer]\nPersistent=maybe\nAccuracySec=1min\n", name: "t.timer")
        #expect(messages(timer) == ["Persistent=maybe: 'maybe' is not a boolean (use yes or no)"])
    }

    @Test func editDistance() {
        #expect(DirectiveRegistry.editDistance(Array("kitten"), Array("sitting")) == 3)
        #expect(DirectiveRegistry.suggestion(for: "ExecStrat", in: "Service") == "ExecStart")
        #expect(DirectiveRegistry.suggestion(for: "privatetmp", in: "Service") == "PrivateTmp")
        #expect(DirectiveRegistry.suggestion(for: "Zzzzzzzz", in: "Service") == nil)
    }
}

@Suite struct Implications {
    @Test func dynamicUserImpliesASandbox() {
        let u = service("DynamicUser=yes", "ProtectSystem=no").withImplications()
        let e = u.exec
        #expect(e.identity.user == "test" && e.identity.group == "test")
        #expect(e.filesystem.privateTmp == true && e.filesystem.protectSystem == .strict && e.filesystem.protectHome == .readOnly)
        #expect(e.sandbox.removeIPC == true && e.sandbox.noNewPrivileges == true && e.sandbox.restrictSUIDSGID == true)
    }

    @Test func dynamicUserNames() {
        #expect(SipHash.hash([], key: Array(0..<16)) == 0x726f_db47_dd0e_0e31)   // the reference test vector
        #expect(SipHash.hash(Array(0..<15), key: Array(0..<16)) == 0xa129_ca61_49be_45e5)
        #expect(AccountName.dynamicUser(forPrefix: "web-app") == "web-app")
        #expect(AccountName.dynamicUser(forPrefix: "web.app").hasPrefix("_du"))
        #expect(AccountName.dynamicUser(forPrefix: "web.app").count == 19)
    }

    @Test func writtenValuesAreUntouched() {
        let u = service("DynamicUser=yes", "ProtectHome=tmpfs")
        #expect(u.exec.filesystem.privateTmp == nil && u.exec.filesystem.protectSystem == nil)
        #expect(u.withImplications().exec.filesystem.protectHome == .tmpfs)
    }

    @Test func protectionsDropCapabilitiesAndAddDeviceRules() throws {
        let u = service("PrivateDevices=yes", "ProtectKernelModules=yes", "ProtectKernelLogs=yes", "ProtectClock=yes").withImplications()
        let caps = try #require(u.exec.capabilities.boundingSet)
        for c in [Capability.mknod, .sysRawio, .sysModule, .syslog, .sysTime, .wakeAlarm] { #expect(!caps.contains(c)) }
        #expect(caps.contains(.sysAdmin))
        #expect(u.resources.devicePolicy == .closed)
        #expect(u.resources.deviceAllow == [DeviceRule(device: "char-rtc", read: true, write: false, mknod: false)])
    }

    @Test func rootDirectoryMountsAPIFileSystems() {
        #expect(service("RootDirectory=/srv/root").withImplications().exec.filesystem.mountAPIVFS == true)
        #expect(service("RootDirectory=/srv/root", "MountAPIVFS=no").withImplications().exec.filesystem.mountAPIVFS == false)
        #expect(service("RootDirectory=/").withImplications().exec.filesystem.mountAPIVFS == nil)
    }

    @Test func nothingImpliedWithoutTriggers() {
        let u = service("ExecStart=/bin/true").withImplications()
        #expect(u.exec.capabilities.boundingSet == nil && u.resources.devicePolicy == nil && u.exec.filesystem.privateTmp == nil)
    }
}

@Suite struct SystemdWarnings {
    @Test func deprecatedAndUnsafeSettingsWarnLikeSystemd() {
        let u = unitConfig("""
            [Unit]
            IgnoreOnSnapshot=yes
            RequiresOverridable=y.service
            [Service]
            Capabilities=cap_kill
            CPUShares=100
            KillMode=none
            StandardOutput=syslog+console
            User=nobody
            """)
        #expect(u.diagnostics.allSatisfy { $0.severity == .warning })
        #expect(messages(u) == [
            "IgnoreOnSnapshot= is no longer supported; systemd ignores it",
            "RequiresOverridable= is obsolete; systemd reads it as Requires=",
            "Capabilities= is no longer supported; systemd ignores it",
            "CPUShares= is deprecated; use CPUWeight= (systemd will drop CPUShares=)",
            "KillMode=none is unsafe (processes outlive the service) and deprecated; use mixed or control-group",
            "StandardOutput=syslog+console is obsolete; systemd reads it as journal+console",
            "User=nobody: the special user nobody is not safe to run services as",
        ])
        #expect(u.unit.dependencies["Requires"] == ["y.service"])
        #expect(u.exec.stdio.standardOutput == .journalAndConsole)
        #expect(u.kill.killMode == KillMode.none)
    }
}

@Suite struct DiagnosticOrder {
    @Test func findingsOfTheLoaderAndTheModelComeInReadingOrder() {
        let u = unitConfig("[Service]\nFrob=1\n[Bogus]\nA=1\n[Service]\nProtectSytem=yes\n")
        #expect(u.diagnostics.map(\.location.line) == [2, 3, 6])
    }
}

import Testing
@testable import Directives

@Suite struct ExecLines {
    @Test func prefixesAndArgv() throws {
        let s = service("ExecStart=-@/usr/bin/daemon daemon-name --flag \"two words\"", "ExecStartPre=+/bin/true",
                        "ExecStartPost=!!/bin/post", "ExecStop=:!/bin/stop $MAINPID").service
        let start = try #require(s.execStart.first)
        #expect(start.path == "/usr/bin/daemon")
        #expect(start.arguments == ["daemon-name", "--flag", "two words"])
        #expect(start.ignoreFailure && !start.fullPrivileges)
        #expect(s.execStartPre.first?.fullPrivileges == true)
        #expect(s.execStartPost.first?.ambientFallback == true)
        #expect(s.execStartPost.first?.privilegedIdentity == false)
        #expect(s.execStop.first?.privilegedIdentity == true)
        #expect(s.execStop.first?.noEnvironmentExpansion == true)
        #expect(s.execStop.first?.arguments == ["/bin/stop", "$MAINPID"])
    }

    @Test func linesAccumulateAndEmptyResets() {
        let s = service("ExecStart=/bin/a", "ExecStart=/bin/b ; /bin/c x", "ExecStartPre=/bin/p", "ExecStartPre=").service
        #expect(s.execStart.map(\.description) == ["/bin/a", "/bin/b", "/bin/c x"])
        #expect(s.execStartPre.isEmpty)
        #expect(service("ExecStart=/bin/a", "ExecStart=", "ExecStart=/bin/b").service.execStart.map(\.path) == ["/bin/b"])
    }

    @Test func semicolonsSeparateOnlyWhenBare() {
        let s = service(#"ExecStart=/bin/echo a ; /bin/echo b \; c ";" 'x;y'"#).service
        #expect(s.execStart.map(\.arguments) == [["/bin/echo", "a"], ["/bin/echo", "b", ";", "c", ";", "x;y"]])
    }

    @Test func environmentStopsAtAWordItCannotRead() {
        let u = service(#"Environment=A=1 B=a\ b C=3"#)
        #expect(u.exec.environment.variables == [EnvironmentVariable(name: "A", value: "1")])
        #expect(u.hasErrors)
    }

    @Test func escapesAndSpecifiers() {
        let s = service(#"ExecStart=/bin/echo 'it''s' a\ttab %n"#).service
        #expect(s.execStart.first?.arguments == ["/bin/echo", "its", "a\ttab", "test.service"])
    }

    @Test func badCommands() {
        #expect(messages(service("ExecStart=bin/foo")) == ["ExecStart=bin/foo: 'bin/foo' must be an absolute path or a plain file name (systemd refuses to load the unit)"])
        #expect(messages(service("ExecStart=-")) == ["ExecStart=-: the command is missing after the prefixes '-'"])
        #expect(messages(service("ExecStart=@/bin/x")) == ["ExecStart=@/bin/x: '@' needs argv[0] after the path (systemd refuses to load the unit)"])
        #expect(service(#"ExecStart=/bin/echo "unterminated"#).diagnostics.contains { $0.severity == .error })
    }
}

@Suite struct EnvironmentDirectives {
    @Test func quotedAssignments() {
        let e = service(#"Environment="A=one two" B=3 'C=x y'"#, "Environment=D=%p", "EnvironmentFile=-/etc/default/x",
                        "PassEnvironment=PATH LANG", "UnsetEnvironment=TERM X=1").exec.environment
        #expect(e.variables == [EnvironmentVariable(name: "A", value: "one two"), EnvironmentVariable(name: "B", value: "3"),
                                EnvironmentVariable(name: "C", value: "x y"), EnvironmentVariable(name: "D", value: "test")])
        #expect(e.files.first?.path == "/etc/default/x" && e.files.first?.ignoreIfMissing == true)
        #expect(e.passEnvironment == ["PATH", "LANG"])
        #expect(e.unsetEnvironment == ["TERM", "X=1"])
        #expect(service("Environment=A=1", "Environment=").exec.environment.variables.isEmpty)
    }

    @Test func invalidNames() {
        #expect(messages(service("Environment=1A=x")) == ["Environment=1A=x: '1A=x' is not a NAME=VALUE assignment with a valid variable name (left out; the rest applies)"])
        #expect(messages(service("Environment=novalue")) == ["Environment=novalue: 'novalue' is not a NAME=VALUE assignment with a valid variable name (left out; the rest applies)"])
    }
}

@Suite struct ProcessDirectives {
    @Test func limits() throws {
        let p = service("LimitNOFILE=1024:4096", "LimitCORE=infinity", "LimitAS=1G", "LimitCPU=1min", "LimitNICE=-5",
                        "LimitRTTIME=5ms").exec.process
        #expect(p.limits[.nofile] == ResourceLimit(soft: 1024, hard: 4096))
        #expect(p.limits[.core] == ResourceLimit(soft: nil, hard: nil))
        #expect(p.limits[.as] == ResourceLimit(soft: 1 << 30, hard: 1 << 30))
        #expect(p.limits[.cpu] == ResourceLimit(soft: 60, hard: 60))
        #expect(p.limits[.nice] == ResourceLimit(soft: 25, hard: 25))
        #expect(p.limits[.rttime] == ResourceLimit(soft: 5_000, hard: 5_000))
        #expect(messages(service("LimitNOFILE=4096:1024")) == ["LimitNOFILE=4096:1024: soft limit 4096 is above the hard limit 1024"])
        #expect(messages(service("LimitNOFILE=lots")) == ["LimitNOFILE=lots: 'lots' is not a number or infinity"])
    }

    @Test func scalars() {
        let p = service("UMask=0077", "Nice=-5", "OOMScoreAdjust=500", "KeyringMode=private", "TimerSlackNSec=50").exec.process
        #expect(p.umask == 0o077 && p.nice == -5 && p.oomScoreAdjust == 500 && p.keyringMode == .private)
        #expect(p.timerSlackNanoseconds == 50)
        #expect(messages(service("Nice=20")) == ["Nice=20: '20' is not a valid nice level (-20…19)"])
        #expect(messages(service("OOMScoreAdjust=-1001")) == ["OOMScoreAdjust=-1001: '-1001' is not a valid OOM score adjustment (-1000…1000)"])
    }

    @Test func identity() {
        let i = service("User=www-data", "Group=%p", "DynamicUser=yes", "SupplementaryGroups=a b", "SupplementaryGroups=c").exec.identity
        #expect(i.user == "www-data" && i.group == "test" && i.dynamicUser == true)
        #expect(i.supplementaryGroups == ["a", "b", "c"])
        #expect(messages(service("User=a:b")) == ["User=a:b: 'a:b' is not a valid user or group name or numeric id (systemd refuses to load the unit)"])
    }

    @Test func stdio() {
        let s = service("StandardInput=null", "StandardOutput=append:/var/log/x.log", "StandardError=journal+console",
                        "StandardInputText=hello", "StandardInputText=world").exec.stdio
        #expect(s.standardInput == .null)
        #expect(s.standardOutput == .append("/var/log/x.log"))
        #expect(s.standardError == .journalAndConsole)
        #expect(String(decoding: s.inputData, as: UTF8.self) == "hello\nworld\n")
        #expect(service("StandardInputData=aGk=").exec.stdio.inputData == Array("hi".utf8))
        #expect(service("StandardOutput=fd:foo").exec.stdio.standardOutput == .fd("foo"))
        #expect(messages(service("StandardOutput=printer")).first?.hasPrefix("StandardOutput=printer: 'printer' is not a standard output") == true)
    }
}

@Suite struct ServiceAndKill {
    @Test func serviceSettings() {
        let s = service("Type=notify", "TimeoutSec=10", "TimeoutStopSec=0", "RemainAfterExit=yes", "NotifyAccess=all",
                        "Restart=on-failure", "RestartSec=500ms")
        #expect(s.service.type == .notify)
        #expect(s.service.timeoutStartSec == .seconds(10))
        #expect(s.service.timeoutStopSec == .infinity)
        #expect(s.service.remainAfterExit == true && s.service.notifyAccess == .all && s.service.restart == .onFailure)
        #expect(s.service.restartSec == TimeSpan(microseconds: 500_000))
        #expect(messages(service("Type=daemon")) == ["Type=daemon: 'daemon' is not one of simple, exec, forking, oneshot, dbus, notify, notify-reload, idle"])
    }

    @Test func killSettings() {
        let k = service("KillMode=mixed", "KillSignal=SIGINT", "SendSIGKILL=no").kill
        #expect(k.killMode == .mixed && k.killSignal == Signal(number: 2) && k.sendSIGKILL == false)
    }

    @Test func originsRememberTheLastLine() throws {
        let u = service("ProtectSystem=full", "ProtectSystem=strict", "KillMode=process", "MemoryMax=1G")
        #expect(u.exec.filesystem.protectSystem == .strict)
        #expect(u.exec.origins["ProtectSystem"]?.line == 3)
        #expect(u.kill.origins["KillMode"]?.line == 4)
        #expect(u.resources.origins["MemoryMax"]?.line == 5)
        #expect(u.exec.origins["ProtectSystem"]?.file.hasSuffix("/etc/systemd/system/test.service") == true)
    }

    @Test func unsetStaysNil() {
        let u = service("ExecStart=/bin/true")
        #expect(u.exec.filesystem.protectSystem == nil)
        #expect(u.exec.sandbox.noNewPrivileges == nil)
        #expect(u.exec.capabilities.boundingSet == nil)
        #expect(u.resources.memoryMax == nil)
        #expect(u.diagnostics.isEmpty)
    }
}

@Suite struct ResourceDirectives {
    /// systemd 252 complains about each name it cannot take and keeps the others.
    @Test func invalidInterfaceNamesAreLeftOutAndNoted() {
        let u = service("RestrictNetworkInterfaces=lo all eth0 1 a:b sixteen-bytes-xx wlan0")
        #expect(u.resources.restrictNetworkInterfaces == .allowOnly(["lo", "eth0", "wlan0"]))
        #expect(u.diagnostics.count == 4)
    }

    @Test func limitsAndWeights() {
        let r = service("MemoryMax=512M", "MemoryHigh=80%", "TasksMax=64", "CPUQuota=150%", "CPUWeight=idle", "IOWeight=200",
                        "DevicePolicy=closed", "DeviceAllow=/dev/null rw", "DeviceAllow=char-pts r",
                        "SocketBindAllow=tcp:80", "SocketBindDeny=any", "RestrictNetworkInterfaces=lo eth0",
                        "RestrictNetworkInterfaces=~eth0", "Delegate=cpu memory").resources
        #expect(r.memoryMax == .bytes(512 << 20))
        #expect(r.memoryHigh == .percent(Permyriad(8_000)))
        #expect(r.tasksMax == .count(64))
        #expect(r.cpuQuota == Permyriad(15_000))
        #expect(r.cpuWeight == 0 && r.ioWeight == 200)
        #expect(r.devicePolicy == .closed)
        #expect(r.deviceAllow.map(\.device) == ["/dev/null", "char-pts"])
        #expect(r.deviceAllow.map(\.access) == ["rw", "r"])
        #expect(r.socketBindAllow.first?.ports == 80...80 && r.socketBindDeny.first?.ports == nil)
        #expect(r.restrictNetworkInterfaces == .allowOnly(["lo"]))
        #expect(r.delegate == .controllers(["cpu", "memory"]))
        #expect(service("Delegate=yes").resources.delegate == .controllers(nil))
        #expect(messages(service("CPUWeight=0")) == ["CPUWeight=0: '0' is not a valid CPU weight (1…10000)"])
        #expect(messages(service("CPUQuota=2")) == ["CPUQuota=2: '2' is not a CPU quota (a percentage above 0%)"])
    }
}

@Suite struct SocketDirectives {
    @Test func listenAndOptions() throws {
        let u = unitConfig("""
            [Socket]
            ListenStream=127.0.0.1:8080
            ListenStream=/run/%p.sock
            ListenDatagram=[::]:53
            ListenFIFO=/run/fifo
            ListenNetlink=kobject-uevent 1
            Accept=yes
            SocketMode=0660
            SocketUser=www-data
            MaxConnections=10
            MaxConnectionsPerSource=2
            Backlog=128
            BindIPv6Only=both
            FreeBind=yes
            ReusePort=yes
            NoDelay=true
            KeepAlive=yes
            PassCredentials=yes
            TriggerLimitIntervalSec=2s
            TriggerLimitBurst=20
            Service=other.service
            FileDescriptorName=web
            RemoveOnStop=yes
            ExecStartPre=/bin/mkdir -p /run/x
            ExecStopPost=-/bin/rm /run/x/y
            """, name: "test.socket")
        let s = u.socket
        #expect(u.diagnostics.isEmpty)
        #expect(s.listen.map(\.description) == ["ListenStream=127.0.0.1:8080", "ListenStream=/run/test.sock",
                                               "ListenDatagram=[::]:53", "ListenFIFO=/run/fifo", "ListenNetlink=kobject-uevent 1"])
        #expect(s.accept == true && s.socketMode == 0o660 && s.socketUser == "www-data")
        #expect(s.maxConnections == 10 && s.maxConnectionsPerSource == 2 && s.backlog == 128)
        #expect(s.bindIPv6Only == .both && s.freeBind == true && s.reusePort == true && s.noDelay == true)
        #expect(s.keepAlive == true && s.passCredentials == true && s.removeOnStop == true)
        #expect(s.triggerLimitIntervalSec == .seconds(2) && s.triggerLimitBurst == 20)
        #expect(s.service == "other.service" && s.fileDescriptorName == "web")
        #expect(s.execStartPre.first?.arguments == ["/bin/mkdir", "-p", "/run/x"])
        #expect(s.execStopPost.first?.ignoreFailure == true)
        #expect(u.unmodelled.isEmpty)
    }

    @Test func badSocketValues() {
        let u = unitConfig("[Socket]\nListenStream=host:port\nListenNetlink=bogus\nService=foo.socket\n", name: "t.socket")
        #expect(messages(u) == ["ListenStream=host:port: 'host:port' has an invalid port",
                                "ListenNetlink=bogus: unknown netlink family 'bogus'",
                                "Service=foo.socket: 'foo.socket' is not a service unit name"])
    }
}

@Suite struct CoverageOfOddDirectives {
    @Test func oldDirectoryNamesAreThePathDirectives() {
        let f = service("ReadOnlyDirectories=/usr", "ReadWriteDirectories=-/var/lib/x", "InaccessibleDirectories=/home").exec.filesystem
        #expect(f.readOnlyPaths == [PathEntry(path: "/usr")])
        #expect(f.readWritePaths == [PathEntry(path: "/var/lib/x", ignoreIfMissing: true)])
        #expect(f.inaccessiblePaths == [PathEntry(path: "/home")])
    }

    @Test func unmodelledDirectivesAreListedForWhoeverMustRefuseThem() {
        let u = service("UtmpIdentifier=tty9", "LogNamespace=brig", "ProtectSystem=strict")
        #expect(Set(u.unmodelled.keys) == ["UtmpIdentifier", "LogNamespace"])
        #expect(u.unmodelled["LogNamespace"]?.line == 3)
    }

    @Test func macLabelsCredentialsAndServiceExtras() {
        let u = service("AppArmorProfile=-myprofile", "LoadCredential=key:/etc/key", "SetCredential=a:b",
                        "PermissionsStartOnly=yes", "Slice=system-x.slice", "OOMPolicy=kill")
        #expect(u.exec.sandbox.appArmorProfile == "-myprofile")
        #expect(u.exec.environment.credentials.loads.map { "\($0.id):\($0.path)" } == ["key:/etc/key"])
        #expect(u.exec.environment.credentials.literals.map { "\($0.id):\(String(decoding: $0.data, as: UTF8.self))" } == ["a:b"])
        #expect(u.service.permissionsStartOnly == true && u.service.slice == "system-x.slice" && u.service.oomPolicy == .kill)
        #expect(u.unmodelled.isEmpty)
        #expect(messages(service("Slice=foo.service")) == ["Slice=foo.service: 'foo.service' is not a slice unit name"])
    }
}

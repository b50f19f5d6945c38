import Testing
@testable import Directives

@Suite struct CapabilityGrammar {
    @Test func namesAndNumbers() throws {
        #expect(try Capability(name: "CAP_SYS_ADMIN").number == 21)
        #expect(try Capability(name: "cap_net_raw").number == 13)
        #expect(try Capability(name: "CAP_CHECKPOINT_RESTORE").number == 40)
        #expect(try Capability(name: "5").number == 5)
        #expect(throws: ValueError("unknown capability 'CAP_FLY'")) { try Capability(name: "CAP_FLY") }
        #expect(throws: ValueError.self) { try Capability(name: "64") }
    }

    @Test func boundingSetFirstLineReplacesLaterLinesMerge() {
        let u = service("CapabilityBoundingSet=CAP_NET_ADMIN CAP_CHOWN", "CapabilityBoundingSet=CAP_KILL",
                        "CapabilityBoundingSet=~CAP_CHOWN")
        #expect(u.exec.capabilities.boundingSet == CapabilitySet([.netAdmin, .kill]))
    }

    @Test func boundingSetInvertedFirstLineRemovesFromAll() {
        let u = service("CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_SYS_PTRACE")
        let set = u.exec.capabilities.boundingSet!
        #expect(!set.contains(.sysAdmin) && !set.contains(.sysPtrace) && set.contains(.chown))
        #expect(set.mask == ~(UInt64(1) << 21 | UInt64(1) << 19))
    }

    @Test func emptyLineEmptiesTheSet() {
        let u = service("CapabilityBoundingSet=CAP_KILL", "CapabilityBoundingSet=")
        #expect(u.exec.capabilities.boundingSet == .empty)
        #expect(service().exec.capabilities.boundingSet == nil)
    }

    @Test func ambientStartsEmpty() {
        let u = service("AmbientCapabilities=CAP_NET_BIND_SERVICE", "AmbientCapabilities=CAP_NET_RAW")
        #expect(u.exec.capabilities.ambient == CapabilitySet([.netBindService, .netRaw]))
    }

    @Test func unknownNameIsAnErrorAndTheRestApplies() {
        let u = service("CapabilityBoundingSet=CAP_NET_ADMIN CAP_BOGUS")
        #expect(messages(u) == ["CapabilityBoundingSet=CAP_NET_ADMIN CAP_BOGUS: unknown capability 'CAP_BOGUS' (left out; the rest applies)"])
        #expect(u.diagnostics.first?.description.hasSuffix("/etc/systemd/system/test.service:2:1: error: CapabilityBoundingSet=CAP_NET_ADMIN CAP_BOGUS: unknown capability 'CAP_BOGUS' (left out; the rest applies)") == true)
        #expect(u.exec.capabilities.boundingSet == CapabilitySet([.netAdmin]))
        // systemd's quirk: a line of only unknown names is an empty list, which replaces the set.
        #expect(service("CapabilityBoundingSet=CAP_BOGUS").exec.capabilities.boundingSet == .empty)
    }
}

@Suite struct AddressFamilyGrammar {
    @Test func allowListMerges() {
        let u = service("RestrictAddressFamilies=AF_UNIX AF_INET", "RestrictAddressFamilies=AF_INET6", "RestrictAddressFamilies=~AF_INET")
        #expect(u.exec.sandbox.restrictAddressFamilies == .allowOnly([1, 10]))
    }

    @Test func denyListMerges() {
        let u = service("RestrictAddressFamilies=~AF_PACKET AF_NETLINK", "RestrictAddressFamilies=AF_NETLINK")
        #expect(u.exec.sandbox.restrictAddressFamilies == .deny([17]))
    }

    @Test func noneAndReset() {
        #expect(service("RestrictAddressFamilies=none").exec.sandbox.restrictAddressFamilies == .allowOnly([]))
        #expect(service("RestrictAddressFamilies=AF_UNIX", "RestrictAddressFamilies=").exec.sandbox.restrictAddressFamilies == nil)
    }

    @Test func namesAndErrors() throws {
        #expect(try AddressFamily.number("af_inet6") == 10)
        #expect(try AddressFamily.number("AF_LOCAL") == 1)
        #expect(try AddressFamily.number("AF_XDP") == 44)
        #expect(messages(service("RestrictAddressFamilies=AF_UNIX AF_WIFI")) == ["RestrictAddressFamilies=AF_UNIX AF_WIFI: unknown address family 'AF_WIFI' (left out; the rest applies)"])
    }
}

@Suite struct NamespaceGrammar {
    @Test func booleansAndLists() {
        #expect(service("RestrictNamespaces=yes").exec.sandbox.restrictNamespaces == NamespaceRestriction.none)
        #expect(service("RestrictNamespaces=no").exec.sandbox.restrictNamespaces == .all)
        #expect(service("RestrictNamespaces=net ipc").exec.sandbox.restrictNamespaces?.allowed == [.net, .ipc])
        #expect(service("RestrictNamespaces=~user mnt").exec.sandbox.restrictNamespaces?.allowed == [.cgroup, .ipc, .net, .pid, .uts])
        #expect(service("RestrictNamespaces=~time").exec.sandbox.restrictNamespaces?.restricts == false)
        #expect(service("RestrictNamespaces=time").exec.sandbox.restrictNamespaces?.allowed == [.time])
        #expect(service("RestrictNamespaces=net", "RestrictNamespaces=~net").exec.sandbox.restrictNamespaces?.allowed == [])
        #expect(service("RestrictNamespaces=net", "RestrictNamespaces=").exec.sandbox.restrictNamespaces == nil)
    }

    @Test func unknownType() {
        #expect(messages(service("RestrictNamespaces=net bogus")) == ["RestrictNamespaces=net bogus: unknown namespace type 'bogus' (cgroup, ipc, net, mnt, pid, user, uts, time)"])
    }
}

@Suite struct SyscallFilterGrammar {
    @Test func firstLineDecidesMode() throws {
        let allow = try #require(service("SystemCallFilter=@system-service", "SystemCallFilter=~@privileged").exec.syscalls.filter)
        #expect(allow.isAllowList)
        #expect(allow.entries.map(\.name) == ["@system-service", "@privileged"])
        #expect(allow.entries.map(\.inverted) == [false, true])
        let deny = try #require(service("SystemCallFilter=~@mount reboot:EPERM").exec.syscalls.filter)
        #expect(!deny.isAllowList)
        #expect(deny.entries[1].action != nil)
    }

    @Test func resolvesLikeSystemd() throws {
        let deny = try #require(service("SystemCallFilter=~reboot swapon", "SystemCallFilter=swapon").exec.syscalls.filter)
        #expect(Set(deny.resolved().keys) == ["reboot"])
        let allow = try #require(service("SystemCallFilter=read write", "SystemCallFilter=~write").exec.syscalls.filter)
        #expect(allow.resolved()["read"] != nil)
        #expect(allow.resolved()["write"] == nil)
    }

    @Test func systemCallLogHasNoDefaultAndNoErrno() throws {
        let log = try #require(service("SystemCallLog=getppid uname").exec.syscalls.log)
        #expect(Set(log.resolved().keys) == ["getppid", "uname"])
        #expect(messages(service("SystemCallLog=read:EPERM")) == ["SystemCallLog=read:EPERM: unknown system call 'read:EPERM' (left out; the rest applies)"])
        let filter = try #require(service("SystemCallFilter=getppid").exec.syscalls.filter)
        #expect(filter.resolved().keys.contains("brk"))
    }

    @Test func errnoOnAllowListIsAnError() {
        #expect(messages(service("SystemCallFilter=read:EPERM")) == ["SystemCallFilter=read:EPERM: 'read:EPERM': an allowed system call cannot take an error number (left out; the rest applies)"])
    }

    @Test func emptyResets() {
        #expect(service("SystemCallFilter=read", "SystemCallFilter=").exec.syscalls.filter == nil)
    }

    @Test func unknownGroup() {
        #expect(messages(service("SystemCallFilter=@nope")) == ["SystemCallFilter=@nope: unknown system call group '@nope' (left out; the rest applies)"])
    }

    @Test func errorNumberAndArchitectures() {
        let u = service("SystemCallErrorNumber=kill", "SystemCallArchitectures=native", "SystemCallArchitectures=x86")
        #expect(u.exec.syscalls.errorNumber == .kill)
        #expect(u.exec.syscalls.architectures == ["native", "x86"])
        #expect(service("SystemCallErrorNumber=log").exec.syscalls.errorNumber == .log)
        #expect(messages(service("SystemCallArchitectures=vax")) == ["SystemCallArchitectures=vax: unknown system call architecture 'vax' (left out; the rest applies)"])
    }
}

@Suite struct PathGrammar {
    @Test func prefixes() throws {
        let u = service("ReadWritePaths=-/var/lib/x +/srv -+/a/b/ /c//d/./e", "InaccessiblePaths=/home")
        #expect(u.exec.filesystem.readWritePaths == [
            PathEntry(path: "/var/lib/x", ignoreIfMissing: true), PathEntry(path: "/srv", relativeToRoot: true),
            PathEntry(path: "/a/b", ignoreIfMissing: true, relativeToRoot: true), PathEntry(path: "/c/d/e"),
        ])
        #expect(u.exec.filesystem.inaccessiblePaths == [PathEntry(path: "/home")])
    }

    @Test func relativeAndDotDotAreErrors() {
        #expect(messages(service("ReadOnlyPaths=var")) == ["ReadOnlyPaths=var: 'var' is not an absolute path (left out; the rest applies)"])
        #expect(messages(service("ReadOnlyPaths=/a/../b")) == ["ReadOnlyPaths=/a/../b: '/a/../b' contains '..' (left out; the rest applies)"])
    }

    @Test func emptyResetsAndSpecifiersExpand() {
        #expect(service("ReadOnlyPaths=/a", "ReadOnlyPaths=", "ReadOnlyPaths=/b").exec.filesystem.readOnlyPaths == [PathEntry(path: "/b")])
        #expect(service("ReadWritePaths=/var/lib/%p").exec.filesystem.readWritePaths == [PathEntry(path: "/var/lib/test")])
    }

    @Test func bindPaths() throws {
        let u = service("BindPaths=/a:/b:norbind -/c", "BindReadOnlyPaths=/d:/e:rbind")
        let b = u.exec.filesystem.bindMounts
        try #require(b.count == 3)
        #expect(b[0].source == "/a" && b[0].destination == "/b" && !b[0].recursive && !b[0].readOnly)
        #expect(b[1].source == "/c" && b[1].destination == "/c" && b[1].ignoreIfMissing)
        #expect(b[2].readOnly && b[2].recursive)
        #expect(messages(service("BindPaths=/a:/b:bogus")) == ["BindPaths=/a:/b:bogus: unknown bind option 'bogus' (rbind or norbind) (left out; the rest applies)"])
    }

    @Test func temporaryFileSystem() {
        let t = service("TemporaryFileSystem=/var:ro,mode=0755 /run").exec.filesystem.temporaryFileSystems
        #expect(t.map(\.path) == ["/var", "/run"])
        #expect(t.map(\.options) == ["ro,mode=0755", ""])
    }

    @Test func managedDirectories() {
        let f = service("StateDirectory=foo bar/baz", "RuntimeDirectoryMode=0750").exec.filesystem
        #expect(f.directories[.state]?.map(\.path) == ["foo", "bar/baz"])
        #expect(f.directoryModes[.runtime] == 0o750)
        #expect(messages(service("StateDirectory=/abs")) == ["StateDirectory=/abs: '/abs' must be a relative path without '..' (left out; the rest applies)"])
    }
}

@Suite struct NetworkGrammar {
    @Test func ipPrefixes() throws {
        #expect(try IPPrefix(parsing: "10.0.0.0/8").description == "10.0.0.0/8")
        #expect(try IPPrefix(parsing: "192.168.1.1").length == 32)
        #expect(try IPPrefix(parsing: "fe80::1/64").description == "fe80::1/64")
        #expect(try IPPrefix(parsing: "::1").length == 128)
        #expect(throws: ValueError("'10.0.0.0/33' has an invalid prefix length (0…32)")) { try IPPrefix(parsing: "10.0.0.0/33") }
        #expect(throws: ValueError("'300.1.1.1' is not an IP address or prefix")) { try IPPrefix(parsing: "300.1.1.1") }
    }

    @Test func symbolicNames() {
        let r = service("IPAddressDeny=any", "IPAddressAllow=localhost link-local multicast 10.1.0.0/16").resources
        #expect(r.ipAddressDeny?.map(\.description) == ["0.0.0.0/0", "::/0"])
        #expect(r.ipAddressAllow?.map(\.description) == ["127.0.0.0/8", "::1/128", "169.254.0.0/16", "fe80::/64", "224.0.0.0/4", "ff00::/8", "10.1.0.0/16"])
        #expect(service("IPAddressDeny=any", "IPAddressDeny=").resources.ipAddressDeny == nil)
    }

    @Test func socketBindRules() throws {
        let r = try SocketBindRule(parsing: "ipv6:tcp:8000-8080")
        #expect(r.ipVersion == 6 && r.transport == "tcp" && r.ports == 8000...8080)
        #expect(try SocketBindRule(parsing: "any").ports == nil)
        #expect(try SocketBindRule(parsing: "udp:53").ports == 53...53)
        #expect(throws: ValueError.self) { try SocketBindRule(parsing: "tcp:ipv4:80") }
        #expect(throws: ValueError.self) { try SocketBindRule(parsing: "80-20") }
    }

    @Test func listenAddresses() throws {
        #expect(try SocketAddress(parsing: "8080") == .port(8080))
        #expect(try SocketAddress(parsing: "/run/foo.sock") == .unix(path: "/run/foo.sock"))
        #expect(try SocketAddress(parsing: "@abstract") == .abstract(name: "abstract"))
        #expect(try SocketAddress(parsing: "127.0.0.1:53").description == "127.0.0.1:53")
        #expect(try SocketAddress(parsing: "[::1]:8080").description == "[::1]:8080")
        #expect(try SocketAddress(parsing: "vsock:2:1234") == .vsock(cid: 2, port: 1234))
        #expect(throws: ValueError.self) { try SocketAddress(parsing: "127.0.0.1:99999") }
        #expect(throws: ValueError.self) { try SocketAddress(parsing: "relative.sock") }
    }

    @Test func devices() throws {
        let d = try DeviceRule(parsing: "/dev/null rw")
        #expect(d.read && d.write && !d.mknod)
        #expect(try DeviceRule(parsing: "char-pts").access == "rwm")
        #expect(throws: ValueError("'rx' is not a device access mode (letters r, w, m)")) { try DeviceRule(parsing: "/dev/null rx") }
        #expect(throws: ValueError.self) { try DeviceRule(parsing: "/tmp/x r") }
    }
}

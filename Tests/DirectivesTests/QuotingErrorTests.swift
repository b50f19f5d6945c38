import Testing
@testable import Directives

/// A quoting error in a list (an unterminated quote, a trailing backslash) ends the list where it
/// stands: systemd 252 applies the words read before it and drops that word and everything after.
/// brig holds the same and reports the error on the line.
@Suite struct QuotingErrorInLists {
    @Test func capabilitiesBeforeTheErrorApply() {
        let u = service(#"CapabilityBoundingSet=CAP_CHOWN CAP_KILL "CAP_NET_ADMIN"#, #"AmbientCapabilities=CAP_CHOWN 'CAP_KILL"#)
        #expect(u.exec.capabilities.boundingSet == CapabilitySet([.chown, .kill]))
        #expect(u.exec.capabilities.ambient == CapabilitySet([.chown]))
        #expect(messages(u) == [
            #"CapabilityBoundingSet=CAP_CHOWN CAP_KILL "CAP_NET_ADMIN: unterminated quote in '"CAP_NET_ADMIN' (systemd reads no further; the words before it apply)"#,
            #"AmbientCapabilities=CAP_CHOWN 'CAP_KILL: unterminated quote in ''CAP_KILL' (systemd reads no further; the words before it apply)"#,
        ])
        #expect(u.diagnostics.allSatisfy { $0.severity == .error && $0.location.line >= 2 })
    }

    @Test func aWordGluedToTheQuoteIsLostWithIt() {
        // The error is in the word that holds the quote, so CAP_BPF before the quote is dropped too.
        let u = service(#"CapabilityBoundingSet=CAP_KILL CAP_BPF"CAP_CHOWN"#)
        #expect(u.exec.capabilities.boundingSet == CapabilitySet([.kill]))
    }

    @Test func aListCutToNothingIsAnEmptyList() {
        // systemd's merge rule then applies as to an empty line: the set is replaced by nothing.
        #expect(service(#"CapabilityBoundingSet="CAP_KILL"#).exec.capabilities.boundingSet == .empty)
        #expect(service("CapabilityBoundingSet=CAP_KILL", #"CapabilityBoundingSet=~CAP_KILL "x"#).exec.capabilities.boundingSet == .empty)
    }

    @Test func addressFamiliesBeforeTheErrorApply() {
        #expect(service(#"RestrictAddressFamilies=AF_UNIX AF_INET "AF_INET6"#).exec.sandbox.restrictAddressFamilies == .allowOnly([1, 2]))
        #expect(service(#"RestrictAddressFamilies=~AF_PACKET 'AF_INET6"#).exec.sandbox.restrictAddressFamilies == .deny([17]))
        let u = service(#"RestrictAddressFamilies=AF_UNIX AF_WIFI "AF_INET6"#)
        #expect(messages(u) == [
            #"RestrictAddressFamilies=AF_UNIX AF_WIFI "AF_INET6: unknown address family 'AF_WIFI' (left out; the rest applies)"#,
            #"RestrictAddressFamilies=AF_UNIX AF_WIFI "AF_INET6: unterminated quote in '"AF_INET6' (systemd reads no further; the words before it apply)"#,
        ])
    }

    @Test func anAddressFamilyLineCutToNothingStillChoosesAllowOrDeny() {
        // The line begins an allow list before its first word fails, so a later ~LIST takes from it.
        let u = service(#"RestrictAddressFamilies="AF_INET6"#, "RestrictAddressFamilies=~AF_UNIX")
        #expect(u.exec.sandbox.restrictAddressFamilies == .allowOnly([]))
    }

    @Test func otherListsKeepTheirLeadingWords() {
        let u = service(#"ReadWritePaths=/a "/b"#, #"SystemCallArchitectures=native 'x86"#, #"SecureBits=keep-caps "noroot"#,
                        #"PassEnvironment=PATH "LANG"#, #"RestrictNetworkInterfaces=lo "eth0"#, #"StateDirectory=a "b"#)
        #expect(u.exec.filesystem.readWritePaths.map(\.description) == ["/a"])
        #expect(u.exec.syscalls.architectures == ["native"])
        #expect(u.exec.sandbox.secureBits == ["keep-caps"])
        #expect(u.exec.environment.passEnvironment == ["PATH"])
        #expect(u.resources.restrictNetworkInterfaces == .allowOnly(["lo"]))
        #expect(u.loadError == nil && u.diagnostics.count == 6)
    }

    @Test func environmentSaysTheSame() {
        let u = service(#"Environment=A=1 "B=2"#)
        #expect(u.exec.environment.variables.map(\.name) == ["A"])
        #expect(messages(u) == [#"Environment=A=1 "B=2: unterminated quote in '"B=2' (systemd reads no further; the words before it apply)"#])
    }

    @Test func whereSystemdReadsQuotesAsWrittenAQuotedWordIsJustABadWord() {
        let u = service("IPAddressAllow=10.0.0.0/8 '::1'", "RestrictNamespaces=net 'ipc'", #"SocketBindDeny="any""#)
        #expect(u.resources.ipAddressAllow?.map(\.description) == ["10.0.0.0/8"])
        #expect(u.exec.sandbox.restrictNamespaces == nil)
        #expect(u.resources.socketBindDeny.isEmpty)
        #expect(u.diagnostics.count == 3)
    }

    @Test func leadingWordsStopAtTheFirstWordThatDoesNotRead() {
        #expect(leadingWords(#"a "b c" d"#).words == ["a", "b c", "d"])
        #expect(leadingWords(#"a "b c" d"#).stop == nil)
        #expect(leadingWords(#"a 'b c"#).words == ["a"])
        #expect(leadingWords(#"a b\"#).words == ["a"])
        #expect(leadingWords(#"a b\"#).stop?.message == #"invalid escape sequence in 'b\'"#)
        #expect(leadingWords(#"a "b" 'c"#, []).words == ["a", #""b""#, "'c"])
    }
}

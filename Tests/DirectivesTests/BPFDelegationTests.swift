import Directives
import Testing

/// BPFDelegateCommands=, BPFDelegateMaps=, BPFDelegatePrograms=, BPFDelegateAttachments= (258):
/// the four masks of a PrivateBPF=yes bpffs, read as systemd reads them.
struct BPFDelegationTests {
    static func delegation(_ lines: [String], rules: SystemdRelease = .v262) -> (BPFDelegation, [String]) {
        let config = NewerExecDirectiveTests.read(lines, rules: rules)
        return (config.exec.sandbox.bpfDelegation, messages(config))
    }

    @Test func namesSetTheBitOfTheirKernelConstant() {
        let (d, problems) = Self.delegation([
            "BPFDelegateCommands=BPFMapCreate,BPFProgLoad,BPFTokenCreate", "BPFDelegateMaps=BPFMapTypeArray",
            "BPFDelegatePrograms=BPFProgTypeSocketFilter", "BPFDelegateAttachments=BPFCgroupInetEgress,BPFXdp",
        ])
        #expect(problems.isEmpty, "\(problems)")
        #expect(d == BPFDelegation(commands: 1 << 0 | 1 << 5 | 1 << 36, maps: 1 << 2, programs: 1 << 1, attachments: 1 << 1 | 1 << 37))
        #expect(d.mountOptions == "delegate_cmds=0x1000000021,delegate_maps=0x4,delegate_progs=0x2,delegate_attachs=0x2000000002")
    }

    @Test func anyIsEveryBitAndEmptyNone() {
        #expect(Self.delegation(["BPFDelegateCommands=any"]).0.commands == .max)
        #expect(Self.delegation(["BPFDelegateCommands=any", "BPFDelegateCommands="]).0.isEmpty)
        // A later line replaces an earlier one: the lists do not add up.
        #expect(Self.delegation(["BPFDelegateMaps=BPFMapTypeHash", "BPFDelegateMaps=BPFMapTypeArray"]).0.maps == 1 << 2)
    }

    /// systemd warns about a word it does not know and leaves it out; brig says where it is.
    /// Kernel spellings, numbers and "~" are such words.
    @Test func anUnknownWordIsLeftOutAndNamed() {
        for word in ["map_create", "36", "~BPFMapCreate", "bpfmapcreate", "any,BPFMapCreate"] {
            let (d, problems) = Self.delegation(["BPFDelegateCommands=BPFProgLoad,\(word)"])
            #expect(problems.count == 1 && problems[0].contains("unknown BPF delegation name"), "\(word): \(problems)")
            #expect(d.commands & 1 << 5 != 0, "\(word): the rest applies")
        }
        #expect(Self.delegation(["BPFDelegateMaps=BPFMapCreate"]).1.count == 1, "a command is no map type")
    }

    /// systemd reads a header whose BPF_PROG_TYPE_SYSCALL line carries a comment, and so leaves it
    /// out of its list: the names after it stand for the number before theirs.
    @Test func programTypesAfterSyscallAreNumberedAsSystemdNumbersThem() {
        #expect(Self.delegation(["BPFDelegatePrograms=BPFProgTypeNetfilter"]).0.programs == 1 << 31)
        #expect(Self.delegation(["BPFDelegatePrograms=BPFProgTypeSyscall"]).1.count == 1)
    }

    @Test func namesALaterReleaseAppendedAreUnknownBefore() {
        #expect(Self.delegation(["BPFDelegateMaps=BPFMapTypeRhash"], rules: .v262).0.maps == 1 << 35)
        #expect(Self.delegation(["BPFDelegateMaps=BPFMapTypeRhash"], rules: .v261).1.count == 1)
        #expect(Self.delegation(["BPFDelegateMaps=BPFMapTypeInsnArray"], rules: .v259).0.maps == 1 << 34)
        #expect(Self.delegation(["BPFDelegateMaps=BPFMapTypeInsnArray"], rules: .v258).1.count == 1)
        #expect(Self.delegation(["BPFDelegateAttachments=BPFTraceFsession"], rules: .v260).0.attachments == 1 << 58)
        #expect(Self.delegation(["BPFDelegateCommands=BPFProgAssocStructOps"], rules: .v259).1.count == 1)
    }

    @Test func releasesBefore258DoNotKnowTheDirectives() {
        let config = NewerExecDirectiveTests.read(["BPFDelegateCommands=BPFMapCreate"], rules: .v257)
        #expect(config.exec.sandbox.bpfDelegation.isEmpty && !config.hasErrors)
        #expect(messages(config).contains { $0.contains("BPFDelegateCommands= is newer than systemd 257 (it came in 258)") })
    }
}

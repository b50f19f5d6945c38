import CJail
import Foundation
import Testing
import Directives
import TestSupport
@testable import Jail

/// IPIngressFilterPath=, IPEgressFilterPath= and BPFProgram= attach programs pinned by someone
/// else. The test pins its own in a BPF file system it mounts: one that drops every packet, and
/// one of the wrong type.
@Suite(.serialized, .enabled(if: geteuid() == 0 && NetworkProbe.isAvailable, "needs root (bpffs, cgroup BPF) and /usr/bin/python3"))
struct PinnedProgramTests {
    /// Exits with the errno of one UDP datagram to 127.0.0.1 (0 when it was sent).
    static let sendOne = [NetworkProbe.python, "-c", """
        import socket, sys
        try: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", 9))
        except OSError as e: sys.exit(e.errno)
        """]

    static func run(_ resources: ResourceControl) throws(JailError) -> Int32 {
        var request = LaunchRequest(spec: JailSpec())
        request.networkPolicy = NetworkPolicy(resources)
        return try Launcher.run(request, commands: [LaunchCommand(.start, ExecCommand(path: sendOne[0], arguments: sendOne))], ownsProcess: false)
    }

    @Test func pinnedProgramsFilterTheService() throws {
        let directory = MountTable.scaffolding + "bpffs-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { umount(directory); rmdir(directory) }
        try #require(mount("bpf", directory, "bpf", 0, nil) == 0, "cannot mount a BPF file system: errno \(errno)")
        let dropAll = try NetworkPrograms.load(InterfaceFilter.program(indices: [], isAllowList: true), type: BPFNumbers.programCgroupSKB, directive: "test")
        defer { close(dropAll) }
        let bindFilter = SocketBindFilter(allow: [], deny: [try SocketBindRule(parsing: "any")])
        let wrongType = try NetworkPrograms.load(bindFilter.program(ipVersion: 4), type: BPFNumbers.programCgroupSockAddr,
                                                 attachType: BPFNumbers.attachBind4, directive: "test")
        defer { close(wrongType) }
        #expect(cjail_bpf_obj_pin(dropAll, directory + "/drop") == 0)
        #expect(cjail_bpf_obj_pin(wrongType, directory + "/bind4") == 0)

        #expect(try Self.run(ResourceControl()) == 0)
        var egress = ResourceControl()
        egress.ipEgressFilterPaths = [directory + "/drop"]
        #expect(try Self.run(egress) == EPERM)
        var foreign = ResourceControl()
        foreign.bpfPrograms = [ForeignBPFProgram(attachType: "egress", path: directory + "/drop")]
        #expect(try Self.run(foreign) == EPERM)
        // Ingress drops the datagram on its way in, after the send succeeded.
        var ingress = ResourceControl()
        ingress.ipIngressFilterPaths = [directory + "/drop"]
        #expect(try Self.run(ingress) == 0)
        var wrong = ResourceControl()
        wrong.ipIngressFilterPaths = [directory + "/bind4"]
        #expect(throws: JailError.self) { try Self.run(wrong) }
        do { _ = try Self.run(wrong) } catch {
            #expect(error.exitStatus == 219)
            #expect("\(error)".hasPrefix("IPIngressFilterPath=\(directory)/bind4: not a cgroup_skb program (program type 18)"))
        }
    }
}

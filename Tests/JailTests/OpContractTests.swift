import CJail
import Directives
import Foundation
@testable import Jail
import Testing

/// Where Swift and C meet: every action of a plan is laid out as an op the child knows, and every
/// op the child knows is what some action is laid out as (a new op in CJAIL_OPS without a Swift
/// action, or the reverse, fails here; one without its case in the executor does not compile).
struct OpContractTests {
    /// One of each action.
    static let everyAction: [JailAction] = [
        .resetSignals, .ignoreSignal(13), .newSession, .joinCgroup(procsFile: "/x/cgroup.procs"),
        .closeInheritedFileDescriptors(from: 3), .duplicate(4, to: 1), .writeFile(path: "/p", contents: "c"),
        .nice(5), .personality(0), .scheduler(policy: 0, priority: 0), .ioPriority(0), .timerSlack(1),
        .processControl(option: 67, arg2: 1, arg3: 0, unsupported: []),
        .cpuAffinity([0]), .memoryPolicy(mode: 0, nodes: []), .umask(0o22), .rlimit(resource: 7, soft: 1, hard: 2),
        .keyring(shared: false), .unshare(flags: 0), .userNamespace(uidMap: "0 0 1", gidMap: "0 0 1"), .loopbackUp,
        .joinNamespace(fd: 3, type: 0),
        .joinNamespaceFile(path: "/run/netns/n", fd: 3, type: 0), .mount(source: "a", target: "b", fstype: nil, flags: 0, data: nil),
        .mountNewInstance(fstype: "cgroup2", target: "/sys/fs/cgroup", attributes: 0),
        .bind(source: "a", target: "b", recursive: true), .bindSelf("/p"), .baseFilesystem(root: "/r", table: .v254), .unmountBelow("/p", detachCovers: false),
        .inaccessible(path: "/p", nodes: "/n", clean: false),
        .privateDevices(staging: "/s", target: "/dev", detachCovers: false),
        .bpffsHelper(BPFDelegation(commands: 1)), .bpffs(target: "/b", delegation: BPFDelegation(maps: 4), byHelper: true),
        .remount(path: "/", set: 1, clear: 0, recursive: true, except: []), .moveRoot("/r"), .chroot("/r"),
        .setGroups([1]), .setGID(1), .setUID(1), .keepCapabilities(true), .boundingSet(keep: 0, lastCap: 40),
        .inheritable(0), .ambient(0), .securebits(0), .noNewPrivileges, .chdir("/"),
        .seccomp(program: [UInt8](repeating: 0, count: 8), flags: 0), .environmentPID(index: 0), .environmentPIDFDID(index: 0), .exec(path: "/bin/true"),
        .idMappedMount(path: "/p", mapping: IdMapping(uid: 1, gid: 1)),
    ]

    @Test func everyActionIsAnOpAndEveryOpAnAction() {
        var arena = Arena()
        defer { arena.release() }
        let ops = Set(Self.everyAction.map { arena.layout(JailStep($0, for: "test", failing: .exec)).op })
        let known = Set((1..<CJ_OP_END.rawValue).filter { cjail_op_name($0) != nil })
        #expect(ops == known, "laid out but unknown to C: \(ops.subtracting(known)); known to C, never laid out: \(known.subtracting(ops).compactMap { cjail_op_name($0).map { String(cString: $0) } })")
        #expect(cjail_op_name(CJ_OP_END.rawValue) == nil && cjail_op_name(0) == nil)
    }

    /// The plan is laid out afresh for each spawn: the pid the first child wrote into its envp
    /// (in the parent's memory, under CLONE_VFORK) is not what the second child sees.
    @Test(.enabled(if: Privileges.canCreateNamespaces, "needs root"))
    func eachChildWritesItsOwnPid() throws {
        var spec = JailSpec()
        spec.command = ["/bin/sh", "-c", "test \"$SYSTEMD_EXEC_PID\" = \"$$\""]
        spec.executable = "/bin/sh"
        spec.environment = ["PATH=/usr/bin:/bin", JailPlanner.execPIDPlaceholder]
        let site = RunSite()
        try site.prepare(privateTmp: false)
        defer { site.remove() }
        let plan = JailPlanner.plan(spec, site: site)
        for _ in 0..<3 { #expect(try JailRunner.run(plan, site: site) == 0) }
    }
}

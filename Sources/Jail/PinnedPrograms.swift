import CJail
import Directives
#if canImport(Glibc)
import Glibc
#endif

/// A BPF program someone else compiled and pinned in the BPF file system, attached to the run's
/// cgroup next to brig's own (BPF_F_ALLOW_MULTI): IPIngressFilterPath= and IPEgressFilterPath=
/// (cgroup_skb programs on ingress or egress) and BPFProgram= (any cgroup hook, by systemd's
/// name for it).
public struct PinnedProgram: Sendable, Equatable {
    public var directive: String
    public var path: String
    public var hook: String
    public var attachType: UInt32
    /// The program type the hook needs, when the directive names one (cgroup_skb for the filters).
    public var requiredType: UInt32?
    /// Where the (last) line of the directive is, for messages.
    public var origin: String? = nil

    /// The unit's pinned programs, in systemd's order: ingress filters, egress filters, BPFProgram=.
    public static func all(_ resources: ResourceControl) -> [PinnedProgram] {
        let programs = resources.ipIngressFilterPaths.map {
            PinnedProgram(directive: "IPIngressFilterPath=", path: $0, hook: "ingress", attachType: BPFNumbers.attachIngress,
                          requiredType: BPFNumbers.programCgroupSKB)
        } + resources.ipEgressFilterPaths.map {
            PinnedProgram(directive: "IPEgressFilterPath=", path: $0, hook: "egress", attachType: BPFNumbers.attachEgress,
                          requiredType: BPFNumbers.programCgroupSKB)
        } + resources.bpfPrograms.map {
            PinnedProgram(directive: "BPFProgram=", path: $0.path, hook: $0.attachType, attachType: $0.attachTypeNumber, requiredType: nil)
        }
        return programs.map { program in
            var p = program
            p.origin = resources.origins[String(program.directive.dropLast())].map { "\($0): " }
            return p
        }
    }

    public var summary: String { "pinned program \(path) on \(hook)  <- \(directive)" }

    /// The assignment as written, for messages.
    var setting: String { (origin ?? "") + (directive == "BPFProgram=" ? "BPFProgram=\(hook):\(path)" : directive + path) }

    /// The program's descriptor (BPF_OBJ_GET), checked to be of the type the hook needs.
    func open() throws(JailError) -> Int32 {
        let fd = cjail_bpf_obj_get(path)
        if fd < 0 { throw NetworkPrograms.failure(setting, "cannot open the pinned program", -fd) }
        if let requiredType {
            let type = cjail_bpf_prog_type(fd)
            if type != Int32(requiredType) {
                close(fd)
                let found = type < 0 ? SystemFiles.errorName(-type) : "program type \(type)"
                throw .refused(directive: setting, reason: "not a cgroup_skb program (\(found))", status: .cgroup)
            }
        }
        return fd
    }
}

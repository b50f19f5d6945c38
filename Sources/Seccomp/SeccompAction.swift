/// What a seccomp filter tells the kernel to do with a system call.
public enum SeccompAction: Hashable, Sendable, CustomStringConvertible {
    case allow
    /// Run the call, but write an audit record first.
    case log
    /// Fail the call with this errno (0...4095), without running it.
    case errno(Int32)
    /// Kill the calling thread (the default "bad architecture" action of libseccomp).
    case killThread
    /// Kill the whole process with SIGSYS.
    case killProcess

    /// The SECCOMP_RET_* value the filter returns.
    public var rawValue: UInt32 {
        switch self {
        case .allow: 0x7fff_0000
        case .log: 0x7ffc_0000
        case .errno(let number): 0x0005_0000 | (UInt32(truncatingIfNeeded: number) & 0xffff)
        case .killThread: 0x0000_0000
        case .killProcess: 0x8000_0000
        }
    }

    /// How strong the action is when several filters answer: the kernel keeps the
    /// answer with the lowest signed action value (kill before errno before log before allow).
    var precedence: Int32 { Int32(bitPattern: rawValue & 0xffff_0000) }

    /// True when `self` overrides `other` as the answer of a filter installed after it.
    /// Equal precedence: the later filter's answer (and so its errno) is the one returned.
    func overrides(_ earlier: SeccompAction) -> Bool { precedence <= earlier.precedence }

    public var description: String {
        switch self {
        case .allow: "allow"
        case .log: "log"
        case .errno(let number): "errno \(number)"
        case .killThread: "kill-thread"
        case .killProcess: "kill-process"
        }
    }
}

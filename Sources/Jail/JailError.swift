/// Why a jailed start did not happen. Every case names what failed; the exit
/// status is systemd's, so callers can pass it through.
public enum JailError: Error, Sendable, CustomStringConvertible {
    /// A directive brig cannot apply (fail closed), or a value it cannot use.
    case refused(directive: String, reason: String, status: ExitStatus)
    /// A step of the plan failed inside the child.
    case step(StepFailure)
    /// Setting up in the parent failed (cgroup, directories, clone).
    case system(String, Int32)
    /// Directives the unit sets that brig run cannot apply, all of them (never empty).
    case refusals([Refusal])

    public var exitStatus: Int32 {
        switch self {
        case .refused(_, _, let status): status.rawValue
        case .step(let failure): failure.step.failure.rawValue
        case .system(let what, _): what.hasPrefix("cgroup") ? ExitStatus.cgroup.rawValue : ExitStatus.exec.rawValue
        case .refusals(let all): all[0].status.rawValue
        }
    }

    public var description: String {
        switch self {
        case .refused(let directive, let reason, let status):
            "\(directive): \(reason) (exit status \(status.rawValue) \(status.name))"
        case .step(let failure): failure.description
        case .system(let what, let code): "\(what): \(SystemFiles.errorName(code))"
        case .refusals(let all): all.map(\.description).joined(separator: "\n")
        }
    }
}

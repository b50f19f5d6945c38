import Directives

/// All of a unit the syscall filter is made from, and nothing else: `SystemdLayers` reads only
/// these. Two units with equal inputs get the same filter, so brig listen compiles it once for
/// all the instances of a template (`SyscallFilterCache`).
public struct SeccompInputs: Equatable, Sendable {
    let sandbox: SandboxSettings
    let syscalls: SyscallSettings
    let personality: Personality?
    let rules: SystemdRelease

    public init(_ exec: ExecContext, rules: SystemdRelease) {
        sandbox = exec.sandbox
        syscalls = exec.syscalls
        personality = exec.process.personality
        self.rules = rules
    }
}

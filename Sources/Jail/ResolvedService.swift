import Directives
import Seccomp
import UnitFile

/// A unit read into what starting it needs, the same way for brig run and brig listen's
/// instances: the model with systemd's implications, every refusal, the syscall filter and the
/// `LaunchRequest`.
public struct ResolvedService {
    public var config: UnitConfig
    public var request: LaunchRequest
    /// The syscall filter, kept for --dry-run to show its rules.
    public var seccomp: SeccompProgram?

    /// The unit's errors (file:line), when it cannot be read into a jail at all.
    public struct Invalid: Error {
        public let lines: [String]
    }

    /// `unitConfig`: `loaded` read into the model, before implications. `prepareAhead`: the jail
    /// will be started, so kernel work that does not depend on the plan (PreparedNamespaces) may
    /// begin at once. `filters`: compiled filters to reuse (brig listen's instances); without
    /// it the filter is compiled on a thread while the rest is resolved.
    public static func resolve(_ loaded: LoadedUnit, _ unitConfig: UnitConfig, prepareAhead: Bool, accounting: Bool,
                               activation: SocketActivation?, filters: SyscallFilterCache? = nil) throws -> ResolvedService {
        let config = unitConfig.withImplications()
        let errors = config.diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty { throw Invalid(lines: errors.map(\.description)) }
        // A unit systemd refuses to load (ENOEXEC) never starts: nothing of its jail is made.
        if let conflict = config.managedUsersConflict { throw Invalid(lines: ["error: \(conflict) (ENOEXEC): systemd refuses to load the unit"]) }
        try UnsupportedDirectives.check(loaded, config)
        // The syscall filter needs nothing but the unit: it is compiled while the rest is resolved.
        let exec = config.exec, rules = config.rules
        let compile = { @Sendable in Result { () throws(JailError) in try SyscallFilters.program(exec, rules: rules) } }
        let filter = filters == nil ? BackgroundWork.start(compile) : nil
        defer { _ = filter?.result() }  // an error below still waits for it: nothing runs on past brig's exit
        if prepareAhead {
            // A delegated namespace is made by the child after its user namespace, never ahead.
            let shared = ServiceJail.namespacesShared(config.exec), delegated = config.exec.sandbox.delegateNamespaces ?? []
            PreparedNamespaces.begin(network: shared.network && !delegated.contains(.net), ipc: shared.ipc && !delegated.contains(.ipc))
        }
        var request = try ServiceJail.request(config.exec, kill: config.kill, service: config.service,
                                              resources: config.resources, unit: config.unit, unitName: config.name.name,
                                              accounting: accounting, activation: activation, rules: rules)
        let seccomp = try filters?.program(exec, rules: rules) ?? (filter?.result() ?? compile()).get()
        request.spec.seccompPrograms = seccomp.map { [$0.bytes] } ?? []
        return ResolvedService(config: config, request: request, seccomp: seccomp)
    }
}

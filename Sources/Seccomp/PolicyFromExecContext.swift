import Directives

extension SeccompPolicy {
    /// The single policy equivalent to all the filters systemd would install for a unit's exec
    /// context, or nil when it installs none (then no filter and no libseccomp is needed). Pass
    /// the context of `UnitConfig.withImplications()`, so that e.g. DynamicUser='s
    /// RestrictSUIDSGID= counts; `rules` decides the members of the syscall groups.
    public static func forUnit(_ exec: ExecContext, rules: SystemdRelease = .v252) throws(SeccompError) -> SeccompPolicy? {
        try forUnit(SeccompInputs(exec, rules: rules))
    }

    /// The policy of `inputs`: equal inputs give equal policies.
    public static func forUnit(_ inputs: SeccompInputs) throws(SeccompError) -> SeccompPolicy? {
        let layers = SystemdLayers.layers(for: inputs)
        // SystemCallArchitectures= keeps the ABIs of this machine it lists (`native` is x86-64);
        // the native ABI is never blocked, whatever the list says.
        let listed = inputs.syscalls.architectures.map { names in
            ABISet(names.compactMap { $0 == "native" ? SyscallABI.native : SyscallABI(rawValue: $0) })
        }
        let abis = SyscallABI.allCases.filter { $0 == .native || listed?.contains($0) ?? true }
        let blocksABIs = abis.count < SyscallABI.allCases.count
        guard !layers.isEmpty || blocksABIs else { return nil }
        // systemd's architecture filter keeps libseccomp's default for other ABIs: kill the thread.
        return try SeccompLayer.stack(layers, abis: abis, badABIAction: blocksABIs ? .killThread : .allow)
    }
}

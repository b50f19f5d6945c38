import Directives

/// What PrivateTmp= makes of /tmp and of /var/tmp, each on its own, as systemd derives them when
/// it loads the unit (unit_get_private_tmp() and unit_get_private_var_tmp() in unit.c). From 258
/// on, a unit without default dependencies may start before /var, or from 260 /tmp, is mounted,
/// so systemd leaves /var/tmp alone there, or gives /tmp a tmpfs that needs nothing on disk.
struct PrivateTmpLayout: Equatable {
    enum Kind { case none, connected, disconnected }
    var tmp: Kind
    var varTmp: Kind

    /// TMPDIR=/tmp steers the service to the one private directory it has (258).
    var suggestsTmpDir: Bool { tmp != .none && varTmp == .none }

    /// `tmpIsMounted`: whether /tmp is a mount of its own on the host, which is when systemd has a
    /// tmp.mount unit loaded; asked only where the answer matters.
    init(_ fs: FilesystemSettings, unit: UnitSection, rules: SystemdRelease, tmpIsMounted: () -> Bool) {
        let written: Kind = fs.privateTmp != true ? .none : fs.privateTmpMode == "disconnected" ? .disconnected : .connected
        (tmp, varTmp) = (written, written)
        let facts = rules.facts
        // A root of the service's own (RootDirectory=, RootImage=, RootMStack=) brings its own /var and /tmp.
        guard facts.disconnectedVarTmpNeedsDefaultDependencies, unit.defaultDependencies == false,
              !fs.hasRootOfItsOwn else { return }
        let mountsFor = Set((unit.requiresMountsFor + unit.wantsMountsFor).map(Paths.normalized))
        let dependencies = unit.dependencies
        func orderedAfter(_ mount: String) -> Bool { dependencies["After"]?.contains(mount) ?? false }
        if written == .disconnected, !mountsFor.contains("/var") {
            let pulledIn = ["Requires", "Requisite", "Wants", "BindsTo", "Upholds"].contains { dependencies[$0]?.contains("var.mount") ?? false }
            let waitsForVar = orderedAfter("var.mount") && (pulledIn || facts.connectedTmpNeedsDefaultDependencies)
            if !waitsForVar { varTmp = .none }
        }
        if written == .connected, facts.connectedTmpNeedsDefaultDependencies, !mountsFor.contains("/tmp"),
           !orderedAfter("tmp.mount"), tmpIsMounted() {
            tmp = .disconnected
        }
    }
}

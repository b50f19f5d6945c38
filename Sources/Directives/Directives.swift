// Directives: the typed model of unit files (see DESIGN.md). Users of the model also need the
// UnitFile types it speaks in (SourceLocation, LoadedUnit), so they come along.
//
// Entry point: `UnitConfig(loadedUnit)` reads every assignment into
//   .unit / .install            [Unit] and [Install]
//   .exec                       systemd.exec(5): identity, filesystem, sandbox, capabilities,
//                               syscalls, environment, stdio, process
//   .service / .socket / .kill  the unit type's own section and systemd.kill(5)
//   .resources                  systemd.resource-control(5)
// with values exactly as written (nil = not set), and
//   .diagnostics                what `brig verify` reports, in reading order
//   .badSettings                directives whose bad value makes systemd refuse the unit
//   .unmodelled                 directives set that brig does not type (refuse them to fail closed)
// `withImplications()` gives the settings systemd derives (DynamicUser=, Protect*=, service
// defaults): the scorer and the jail both read that view.
@_exported import UnitFile

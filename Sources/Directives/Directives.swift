// Directives: the typed model of unit files (see DESIGN.md). Users of the model also need the
// UnitFile types it speaks in (SourceLocation, LoadedUnit), so they come along.
@_exported import UnitFile

import UnitFile

/// How bad a finding is; the same type the unit-file reader uses for its findings.
public typealias Severity = Diagnostic.Severity

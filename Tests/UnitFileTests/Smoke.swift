import Testing
@testable import UnitFile

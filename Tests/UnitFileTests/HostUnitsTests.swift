import Testing
@testable import UnitFile

/// Every unit installed on this machine loads without an error, as systemd loads them.
struct HostUnitsTests {
    @Test func everyHostUnitLoads() throws {
        let loader = UnitLoader()
        var loaded = 0
        for type in UnitName.types.sorted() {
            for name in loader.unitNames(type: type) {
                let unit = try loader.load(name)
                #expect(unit.diagnostics.filter { $0.severity == .error }.isEmpty, "\(name): \(unit.diagnostics)")
                loaded += 1
            }
        }
        #expect(loaded > 50, "this machine should have units in /lib/systemd/system")
    }
}

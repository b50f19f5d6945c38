import Testing
import Directives

/// Every unit installed on this machine reads into the model without an error: systemd 252 loads
/// them all, so an error here is brig misreading a directive.
@Suite struct HostUnits {
    @Test func everyHostUnitLoadsWithoutErrors() throws {
        let loader = UnitLoader()
        var checked = 0
        var errors: [String] = []
        for type in ["service", "socket", "mount", "swap", "timer", "path", "slice", "scope", "target", "automount", "device"] {
            for name in loader.unitNames(type: type) {
                guard let loaded = try? loader.load(name), !loaded.isMasked else { continue }
                let unit = UnitConfig(loaded)
                errors += unit.diagnostics.filter { $0.severity == .error }.map(\.description)
                checked += 1
            }
        }
        #expect(checked > 100, "this machine should have units in /lib/systemd/system")
        #expect(errors == [])
    }

    @Test func templatesLoadWithAnInstance() throws {
        let loader = UnitLoader()
        for name in ["getty@tty1.service", "systemd-fsck@dev-sda1.service", "modprobe@loop.service"] {
            guard let loaded = try? loader.load(name) else { continue }
            #expect(UnitConfig(loaded).diagnostics.filter { $0.severity == .error }.map(\.description) == [])
        }
    }
}

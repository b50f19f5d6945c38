import Foundation
import Directives

/// Loads `text` as unit `name` from a throw-away root (so no host drop-ins apply) into the model.
/// The file is /etc/systemd/system/NAME under that root; diagnostics name it by that path.
func unitConfig(_ text: String, name: String = "test.service") -> UnitConfig {
    let root = FileManager.default.temporaryDirectory.path + "/brig-directives-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: root) }
    let dir = root + "/etc/systemd/system"
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try! text.write(toFile: dir + "/" + name, atomically: false, encoding: .utf8)
    return UnitConfig(try! UnitLoader(root: root).load(name))
}

/// The model of a service whose [Service] section has these lines (line 1 is the header).
func service(_ lines: String...) -> UnitConfig { unitConfig("[Service]\n" + lines.joined(separator: "\n") + "\n") }

/// The messages of the diagnostics, for comparing with expected text.
func messages(_ u: UnitConfig) -> [String] { u.diagnostics.map(\.message) }

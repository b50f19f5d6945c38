import Foundation
import TestSupport

/// Runs a `systemd-analyze security --offline=true` (the installed one, or another release's) on
/// many unit files at once and reads back, per unit, every row (badness, weight, range) and the
/// overall exposure.
enum SystemdAnalyze {
    struct Row: Equatable { var badness: UInt64?; var weight: UInt64; var range: UInt64 }
    struct Result { var rows: [String: Row]; var overallTenths: UInt64 }

    /// How to run one release's systemd-analyze.
    struct Command: Sendable {
        var argv: [String]
        /// The analyzer sees only this directory of the host (systemd-oracle-next's): it runs
        /// there, and every unit must lie in it; it is named as `./NAME`.
        var directory: String?
    }

    static let path = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static var available: Bool { path != nil }
    /// This machine's systemd-analyze (252).
    static var host: Command { Command(argv: [path ?? "systemd-analyze"], directory: nil) }

    /// Results keyed by unit name; units systemd failed to load are absent.
    static func analyze(_ paths: [String], with command: Command = host) throws -> [String: Result] {
        var results: [String: Result] = [:]
        let named = command.directory == nil ? paths : paths.map { "./" + ($0 as NSString).lastPathComponent }
        for chunk in stride(from: 0, to: named.count, by: 500).map({ Array(named[$0..<min($0 + 500, named.count)]) }) {
            // The JSON carries no unit names; the text run gives names and overall scores in the same order.
            let json = try run(command, ["security", "--offline=true", "--json=short"] + chunk, debug: true)
            let text = try run(command, ["security", "--offline=true", "--no-pager"] + chunk, debug: false)
            let arrays = json.split(separator: "\n").filter { $0.hasPrefix("[") }
            let overall = text.split(separator: "\n").compactMap(overallLine)
            guard arrays.count == overall.count else {
                throw OracleError("systemd printed \(arrays.count) JSON tables but \(overall.count) overall lines")
            }
            for (array, (name, tenths)) in zip(arrays, overall) {
                let items = try JSONSerialization.jsonObject(with: Data(array.utf8)) as? [[String: Any]] ?? []
                var rows: [String: Row] = [:]
                for item in items {
                    guard let field = item["json_field"] as? String,
                          let weight = (item["weight"] as? NSNumber)?.uint64Value,
                          let range = (item["range"] as? NSNumber)?.uint64Value,
                          let badness = (item["badness"] as? NSNumber)?.uint64Value else { continue }
                    rows[field] = Row(badness: badness == .max ? nil : badness, weight: weight, range: range)
                }
                results[name] = Result(rows: rows, overallTenths: tenths)
            }
        }
        return results
    }

    /// "-> Overall exposure level for foo.service: 9.2 UNSAFE :-{" -> ("foo.service", 92)
    private static func overallLine(_ line: Substring) -> (String, UInt64)? {
        guard let r = line.range(of: "Overall exposure level for ") else { return nil }
        let rest = line[r.upperBound...]
        guard let colon = rest.range(of: ": ", options: .backwards) else { return nil }
        let name = String(rest[..<colon.lowerBound])
        let score = rest[colon.upperBound...].split(separator: " ").first ?? ""
        let parts = score.split(separator: ".")
        guard parts.count == 2, let a = UInt64(parts[0]), let b = UInt64(parts[1]) else { return nil }
        return (name, a * 10 + b)
    }

    struct OracleError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    private static func run(_ command: Command, _ args: [String], debug: Bool) throws -> String {
        var env = ProcessInfo.processInfo.environment
        env["LC_ALL"] = "C"
        env["SYSTEMD_COLORS"] = "0"
        if debug { env["SYSTEMD_ANALYZE_DEBUG"] = "1" } else { env.removeValue(forKey: "SYSTEMD_ANALYZE_DEBUG") }
        var argv = command.argv + args
        if let dir = command.directory { argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", dir] + argv }
        return try Subprocess.run(argv, environment: env).stdout
    }
}

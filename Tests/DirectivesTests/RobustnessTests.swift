import Testing
@testable import Directives

/// Hostile values: every directive brig models must answer each with a value or an error,
/// never a crash or a hang.
@Suite struct Robustness {
    static let values: [String] = [
        "", " ", "~", "-", "+", "@", ":", ";", "%", "%%", "%z", "\\", "\"", "'", "\"unterminated", "a\\", "=", "==",
        "18446744073709551615", "18446744073709551616", "-9223372036854775808", "99999999999999999999999999",
        "18446744073709.5516159s", "1.99999999999999999999y", "0.0000000001us", "1e308", "nan", "inf", "-0",
        String(repeating: "9", count: 5000), String(repeating: "a ", count: 2000), String(repeating: "/", count: 3000),
        "[", "[]:", "[::1]:", "[::1]:0", "::::", "1.2.3.4/", "/", "/..", "../..", "~/x", "-+-+/x", ":::",
        "\u{0}", "\u{1}\u{2}", "ü", "😀", "AF_😀", "CAP_😀", "@😀", "%n%n%n", "1%", "100.%", ".5%", "5‰‱",
        "SIGRTMIN+", "SIGRTMIN+99999999999", "RTMAX-", "vsock::", "vsock:x:1", "char-", "block-", "/dev/ rwmx",
        "ipv4:tcp:1-", "ipv4::", "1-65535", "0x10", "0777777777", "01777", "infinity:1", "1:infinity", "1:2:3",
    ]

    @Test func noValueCrashesAnyDirective() {
        var checked = 0
        for section in ["Service", "Socket", "Unit", "Install"] {
            for key in DirectiveRegistry.known[section]!.keys.sorted() {
                for value in Self.values {
                    let d = DirectiveInput(key: key, value: value, location: SourceLocation(file: "/x", line: 1, column: 1),
                                           specifiers: Specifiers(unit: try! UnitName("x@y.service"), fragmentPath: "/x"))
                    var exec = ExecContext(), service = ServiceConfig(), socket = SocketConfig(), resources = ResourceControl()
                    var unit = UnitSection(), install = InstallSection(), kill = KillConfig()
                    _ = try? exec.apply(d); _ = try? service.apply(d); _ = try? socket.apply(d)
                    _ = try? resources.apply(d); _ = try? unit.apply(d); _ = try? install.apply(d); _ = try? kill.apply(d)
                    checked += 1
                }
            }
        }
        #expect(checked > 30_000)
    }

    @Test func valueParsersSurviveEveryValue() {
        for v in Self.values {
            _ = try? TimeSpan(parsing: v); _ = try? ByteSize.parse(v); _ = try? MemoryLimit(parsing: v)
            _ = try? TasksLimit(parsing: v); _ = try? Numbers.mode(v); _ = try? Signal(parsing: v)
            _ = try? IPPrefix(parsing: v); _ = try? SocketAddress(parsing: v); _ = try? DeviceRule(parsing: v)
            _ = try? SocketBindRule(parsing: v); _ = try? PathEntry(parsing: v); _ = try? Permyriad.parse(v)
            for kind in ResourceLimitKind.allCases { _ = try? ResourceLimit(parsing: v, kind: kind) }
            _ = try? ExecCommand.parseLine(v) { $0 }
        }
        #expect(throws: ValueError.self) { try TimeSpan(parsing: "18446744073709.5516159s") }
    }
}

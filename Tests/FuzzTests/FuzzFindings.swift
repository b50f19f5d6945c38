import Testing
/// Inputs with which `bench/fuzz` crashed brig's parsers before they were fixed; each replays
/// in `SeededFuzzTests.findingIsAnsweredWithoutACrash`.
enum FuzzFindings {
    struct Finding: Sendable, CustomTestStringConvertible {
        let target: String
        let input: [UInt8]
        let what: String
        var testDescription: String { "\(target): \(what)" }
    }

    static let all: [Finding] = [
        Finding(target: "security-policy", input: Array(#"{"ProtectSystem":{"weight":18446744073709551615}}"#.utf8),
                what: "a weight of 2^64-1 overflowed the score (arithmetic overflow trap)"),
        Finding(target: "calendar", input: [0xA2] + Array((String(repeating: "7", count: 29) + "~d").utf8) + [0xA2] + Array("~d".utf8),
                what: "a 29-digit year trapped converting a Double to Int"),
    ]
}

import Testing
@testable import Directives

/// Lists of thousands of words: each left-out word gets a message of its own, which must not
/// repeat the whole line (20,000 words of a 40 KB line made 880 MB of messages).
struct LongListTests {
    @Test func leftOutWordQuotesALongLineCutShort() {
        let words = (0..<5_000).map { "bad\($0)" }
        let u = service("SystemCallFilter=" + words.joined(separator: " "))
        #expect(u.diagnostics.count == 5_000)
        #expect(u.diagnostics.allSatisfy { $0.message.utf8.count < 200 })
        #expect(u.diagnostics.last?.message
            == "SystemCallFilter=\(words.joined(separator: " ").prefix(80))...: unknown system call 'bad4999' (left out; the rest applies)")
    }

    @Test func shortLineIsQuotedWhole() {
        #expect(messages(service("CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_NET_RAWIO"))
            == ["CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_NET_RAWIO: unknown capability 'CAP_NET_RAWIO' (left out; the rest applies)"])
    }

    @Test func manyDistinctVariablesKeepTheirOrderAndLastValue() {
        let u = service("Environment=" + (0..<20_000).map { "V\($0)=a" }.joined(separator: " "), "Environment=V7=b V20000=c")
        let variables = u.exec.environment.variables
        #expect(variables.count == 20_001)
        #expect(variables[7] == EnvironmentVariable(name: "V7", value: "b"))
        #expect(variables.last == EnvironmentVariable(name: "V20000", value: "c"))
        #expect(service("Environment=A=1", "Environment=", "Environment=B=2 A=3").exec.environment.variables.map(\.name) == ["B", "A"])
    }
}

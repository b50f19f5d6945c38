import Testing
@testable import Directives

@Suite struct BooleanGrammar {
    @Test(arguments: ["1", "yes", "y", "true", "t", "on", "YES", "On"])
    func trueWords(_ w: String) throws { #expect(try parseBoolean(w) == true) }

    @Test(arguments: ["0", "no", "n", "false", "f", "off", "No"])
    func falseWords(_ w: String) throws { #expect(try parseBoolean(w) == false) }

    @Test func rejectsOthers() {
        #expect(throws: ValueError("'maybe' is not a boolean (use yes or no)")) { try parseBoolean("maybe") }
        #expect(throws: ValueError.self) { try parseBoolean("") }
    }
}

@Suite struct TimeSpanGrammar {
    @Test(arguments: [
        ("5min 20s", 320_000_000), ("5min20s", 320_000_000), ("1.5h", 5_400_000_000), ("90", 90_000_000),
        ("2 s", 2_000_000), ("100ms", 100_000), ("1d", 86_400_000_000), ("1w", 604_800_000_000),
        ("1M", 2_629_800_000_000), ("1y", 31_557_600_000_000), ("3us", 3), ("0", 0), (" 7s ", 7_000_000),
        ("1m", 60_000_000), ("1msec", 1_000), ("0.5", 500_000), ("1h 30min", 5_400_000_000),
    ] as [(String, UInt64)])
    func accepts(_ text: String, _ us: UInt64) throws {
        #expect(try TimeSpan(parsing: text).microseconds == us)
    }

    @Test(arguments: [
        (90_000_000, "1min 30s"), (500_000, "500ms"), (1_500_000, "1.500000s"), (5_400_000_000, "1h 30min"),
        (0, "0"), (UInt64.max, "infinity"), (3, "3us"), (86_400_000_001, "1d 1us"), (1_001_000, "1.001000s"),
        (31_557_600_000_000 + 2_629_800_000_000, "1y 1month"),
    ] as [(UInt64, String)])
    func printsAsSystemdDoes(_ us: UInt64, _ text: String) {
        #expect(TimeSpan(microseconds: us).description == text)
    }

    @Test func defaultUnitApplies() throws {
        #expect(try TimeSpan(parsing: "5", defaultUnit: .microsecond).microseconds == 5)
        #expect(try TimeSpan(parsing: "5", defaultUnit: .millisecond).microseconds == 5_000)
    }

    @Test func infinity() throws {
        #expect(try TimeSpan(parsing: "infinity").isInfinite)
        #expect(throws: ValueError.self) { try TimeSpan(parsing: "infinity 5s") }
    }

    @Test(arguments: ["", "-5s", "5x", "s", "1.s", "12.34.56", "5 parsecs", "abc"])
    func rejects(_ text: String) {
        #expect(throws: ValueError("'\(text)' is not a time span (e.g. 30s, 5min 20s, infinity)")) { try TimeSpan(parsing: text) }
    }
}

@Suite struct SizeGrammar {
    @Test(arguments: [
        ("512", 512), ("1K", 1024), ("64K", 65_536), ("1M", 1 << 20), ("1G", 1 << 30), ("2T", 2 << 40),
        ("1P", 1 << 50), ("1E", 1 << 60), ("1.5G", 1_610_612_736), ("1G 512M", 1_610_612_736), ("10B", 10),
    ] as [(String, UInt64)])
    func accepts(_ text: String, _ bytes: UInt64) throws { #expect(try ByteSize.parse(text) == bytes) }

    @Test(arguments: ["", "1X", "-1", "512M 1G", "G", "1k", "16E"])
    func rejects(_ text: String) {
        #expect(throws: ValueError("'\(text)' is not a size (e.g. 512, 64K, 1.5G)")) { try ByteSize.parse(text) }
    }

    @Test func memoryLimits() throws {
        #expect(try MemoryLimit(parsing: "1G") == .bytes(1 << 30))
        #expect(try MemoryLimit(parsing: "50%") == .percent(Permyriad(5_000)))
        #expect(try MemoryLimit(parsing: "12.5%") == .percent(Permyriad(1_250)))
        #expect(try MemoryLimit(parsing: "12.34%") == .percent(Permyriad(1_234)))
        #expect(try MemoryLimit(parsing: "5‰") == .percent(Permyriad(50)))
        #expect(try MemoryLimit(parsing: "infinity") == .infinity)
        #expect(throws: ValueError("'150%' exceeds 100%")) { try MemoryLimit(parsing: "150%") }
        #expect(throws: ValueError("'1.234%' is not a valid percentage")) { try MemoryLimit(parsing: "1.234%") }
    }

    @Test func tasksLimits() throws {
        #expect(try TasksLimit(parsing: "100") == .count(100))
        #expect(try TasksLimit(parsing: "10%") == .percent(Permyriad(1_000)))
        #expect(try TasksLimit(parsing: "infinity") == .infinity)
        #expect(throws: ValueError.self) { try TasksLimit(parsing: "1K") }
        #expect(throws: ValueError.self) { try TasksLimit(parsing: "0") }
    }
}

@Suite struct NumberGrammar {
    @Test func modes() throws {
        #expect(try Numbers.mode("0755") == 0o755)
        #expect(try Numbers.mode("077") == 0o77)
        #expect(try Numbers.mode("7777") == 0o7777)
        #expect(throws: ValueError("'0855' is not an octal file mode (e.g. 0755)")) { try Numbers.mode("0855") }
        #expect(throws: ValueError.self) { try Numbers.mode("17777") }
        #expect(throws: ValueError.self) { try Numbers.mode("") }
    }

    @Test func signals() throws {
        #expect(try Signal(parsing: "SIGTERM").number == 15)
        #expect(try Signal(parsing: "TERM").number == 15)
        #expect(try Signal(parsing: "9").number == 9)
        #expect(try Signal(parsing: "SIGRTMIN+2").number == 36)
        #expect(try Signal(parsing: "SIGINT").description == "SIGINT")
        #expect(throws: ValueError("'SIGFOO' is not a signal (e.g. SIGTERM, TERM, 15)")) { try Signal(parsing: "SIGFOO") }
        #expect(throws: ValueError.self) { try Signal(parsing: "0") }
        #expect(throws: ValueError.self) { try Signal(parsing: "65") }
    }

    @Test func enums() throws {
        #expect(try ProtectSystem(parsing: "strict") == .strict)
        #expect(try ProtectSystem(parsing: "true") == .yes)
        #expect(try ProtectSystem(parsing: "off") == .no)
        #expect(try ProtectHome(parsing: "read-only") == .readOnly)
        #expect(try ProtectProc(parsing: "invisible") == .invisible)
        #expect(try KillMode(parsing: "control-group") == .controlGroup)
        #expect(throws: ValueError("'everything' is not one of no, yes, full, strict")) { try ProtectSystem(parsing: "everything") }
        #expect(throws: ValueError.self) { try ProcSubset(parsing: "yes") }
    }
}

/// Found by bench/fuzz (calendar): a number of 20 digits or more in a calendar field trapped
/// converting to Int; it is out of every field's range, so the expression is refused.
@Suite struct CalendarGrammar {
    @Test(arguments: ["7777777777777777777777777777777~d", "*-*-* 99999999999999999999:00",
                      "*-*-* 00:00:1" + String(repeating: "0", count: 400), "*-*-1.5"])
    func numbersPastEveryRangeAreRefusedNotACrash(expression: String) {
        #expect(throws: ValueError.self) { try CalendarSpec.check(expression) }
    }

    @Test func secondsMayHaveDecimals() throws {
        try CalendarSpec.check("*-*-* 00:00:59.999")
    }
}

import Testing
@testable import UnitFile

struct WordsTests {
    @Test func whitespaceSeparates() throws {
        #expect(try Words.split("  a b\tc  ") == ["a", "b", "c"])
    }

    @Test func quotesGroupAndAreRemoved() throws {
        #expect(try Words.split(#""a b" 'c d' e"f g"h"#) == ["a b", "c d", "ef gh"])
        #expect(try Words.split(#""""#) == [""])
    }

    @Test func cEscapes() throws {
        #expect(try Words.split(#"a\nb \x41\101\u00e9 \"q\" \s"#) == ["a\nb", "AAé", "\"q\"", " "])
    }

    @Test func backslashWithoutUnescapingKeepsTheNextCharacter() throws {
        #expect(try Words.split(#"a\ b \q"#, options: .unquote) == ["a b", "q"])
    }

    @Test func errors() {
        #expect(throws: UnitFileError.unterminatedQuote("\"abc")) { try Words.split("\"abc") }
        #expect(throws: UnitFileError.badEscape("a\\")) { try Words.split("a\\") }
        #expect(throws: UnitFileError.badEscape("\\q")) { try Words.split("\\q") }
        #expect(throws: UnitFileError.badEscape("\\x4")) { try Words.split("\\x4") }
    }

    @Test func relaxedKeepsWhatItCannotClose() throws {
        #expect(try Words.split("'abc", options: [.unquote, .relax]) == ["abc"])
    }
}

import Foundation
import Testing
import TestSupport

/// The man pages `scripts/generate-man` writes from the command definitions, the README's
/// differences and docs/man, as `man -l` shows them.
@Suite(.enabled(if: Tools.man != nil && Tools.python3 != nil, "needs man and python3"), .timeLimit(.minutes(2)))
struct ManPageTests {
    let scratch = TemporaryDirectory(prefix: "brig-cli")
    static let pages = ["brig", "brig-analyze", "brig-run", "brig-verify", "brig-listen", "brig-harden"]

    init() throws {
        let result = try Subprocess.run([Repository.root + "/scripts/generate-man", BuiltBrig.path, scratch.path])
        try #require(result.status == 0, "\(result.stderr)")
    }

    func render(_ page: String) throws -> Subprocess.Output {
        try Subprocess.run([Tools.man!, "--warnings", "-l", scratch.path + "/\(page).1"],
                           environment: ["LC_ALL": "C.UTF-8", "MANWIDTH": "100", "PATH": "/usr/bin:/bin"])
    }

    @Test(arguments: pages)
    func everyPageRendersWithoutWarnings(page: String) throws {
        let result = try render(page)
        #expect(result.status == 0)
        #expect(result.stderr == "")
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "EXIT STATUS", "EXAMPLES", "SEE ALSO"] {
            #expect(result.stdout.contains("\n\(section)\n"), "\(page) has no \(section)")
        }
    }

    @Test func optionsComeFromTheCommandDefinitions() throws {
        let analyze = try render("brig-analyze").stdout
        #expect(analyze.contains("--threshold"))
        #expect(analyze.contains("--security-policy"))
        #expect(analyze.contains("html"))
        let run = try render("brig-run").stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(run.contains("--dry-run"))
        #expect(run.contains("217 USER"))
    }

    @Test func theDifferencesAreTheReadmes() throws {
        let run = try render("brig-run").stdout
        #expect(run.contains("DIFFERENCES FROM SYSTEMD"))
        #expect(run.contains("No journal"))
        #expect(run.contains("ImportCredential="))
        let listen = try render("brig-listen").stdout
        #expect(listen.contains("TriggerLimitBurst="))
        let verify = try render("brig-verify").stdout
        #expect(verify.contains("A misspelt sandboxing directive is an error here"))
        for page in Self.pages {
            #expect(try render(page).stdout.contains("larger than 64 MiB"), "\(page) lacks the unit-file difference")
        }
    }
}

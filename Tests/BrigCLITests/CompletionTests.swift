import Foundation
import Testing
import TestSupport

/// `brig --generate-completion-script SHELL`, loaded into an interactive bash, zsh or fish on a
/// terminal of its own: a line is typed, then Tab, and the test reads what the shell put on it.
@Suite(.enabled(if: Tools.python3 != nil, "needs python3 for the terminal driver"), .timeLimit(.minutes(2)))
struct CompletionTests {
    let scratch = TemporaryDirectory(prefix: "brig-cli")

    enum Shell: String {
        case bash, zsh, fish

        var path: String? {
            switch self {
            case .bash: Tools.bash
            case .zsh: Tools.zsh
            case .fish: Tools.fish
            }
        }

        /// The interactive shell without the user's start-up files.
        func command(_ path: String) -> [String] {
            switch self {
            case .bash: [path, "--norc", "--noprofile", "-i"]
            case .zsh: [path, "-f", "-i"]
            case .fish: [path, "--no-config", "-i"]
            }
        }

        /// Loads the script, then prints a marker that only the shell's output (not the echo of
        /// the command line) contains.
        func setup(_ script: String) -> String {
            switch self {
            case .bash: "source \(script); echo READY-$((6*7))"
            case .zsh: "autoload -U compinit; compinit -u; source \(script); echo READY-$((6*7))"
            case .fish: "source \(script); echo READY-(math 6 \\* 7)"
            }
        }
    }

    /// Runs a shell on a pseudo-terminal, loads the completions, types `line` and Tab, and exits 0
    /// once `expect` appears on the terminal.
    static let driver = #"""
        import os, pty, select, sys, time
        setup, line, expect = sys.argv[1], sys.argv[2], sys.argv[3]
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(sys.argv[4], sys.argv[4:])
        def read_until(marker, seconds):
            out, end = b"", time.time() + seconds
            while time.time() < end and marker.encode() not in out:
                if select.select([fd], [], [], 0.1)[0]:
                    try:
                        data = os.read(fd, 65536)
                    except OSError:
                        break
                    if not data:
                        break
                    out += data
            return out
        os.write(fd, setup.encode() + b"\n")
        ready = read_until("READY-42", 30)
        os.write(fd, line.encode() + b"\t")
        out = read_until(expect, 20)
        os.kill(pid, 9)
        sys.stdout.write((ready + b"\n----\n" + out).decode(errors="replace"))
        sys.exit(0 if expect.encode() in out else 1)
        """#

    init() {
        scratch.write("root/etc/systemd/system/webfront.service", "[Service]\nExecStart=/bin/true\n")
        scratch.write("root/etc/systemd/system/webfront.socket", "[Socket]\nListenStream=8080\n")
        scratch.write("driver.py", Self.driver)
    }

    /// Whether Tab after `line` in `shell` puts `expect` on the terminal.
    func completes(_ shell: Shell, _ line: String, to expect: String) throws -> Bool {
        let script = scratch.path + "/brig.\(shell)"
        let generated = try BuiltBrig.run(["--generate-completion-script", shell.rawValue])
        try #require(generated.status == 0)
        try generated.stdout.write(toFile: script, atomically: true, encoding: .utf8)
        let brigDirectory = (BuiltBrig.path as NSString).deletingLastPathComponent
        let result = try Subprocess.run(
            [Tools.python3!, scratch.path + "/driver.py", shell.setup(script), line, expect] + shell.command(shell.path!),
            environment: ["PATH": brigDirectory + ":/usr/bin:/bin", "TERM": "xterm", "HOME": scratch.path, "LC_ALL": "C.UTF-8"],
            timeout: 60)
        if result.status != 0 { Issue.record("\(shell) after \(line): \(result.stdout.suffix(1500))") }
        return result.status == 0
    }

    /// A unit name from the search path (of the --root typed), a directive after -p, a verb, an option.
    func completesUnitsDirectivesVerbsAndOptions(_ shell: Shell) throws {
        #expect(try completes(shell, "brig analyze --root \(scratch.path)/root webf", to: "webfront.service"))
        // bash writes the = escaped (\=): it is one of its word breaks.
        #expect(try completes(shell, "brig run -p ProtectHostn", to: "ProtectHostname"))
        #expect(try completes(shell, "brig verif", to: "verify"))
        #expect(try completes(shell, "brig analyze --thres", to: "--threshold"))
    }

    @Test(.enabled(if: Tools.bash != nil, "needs bash"))
    func bashCompletesUnitsDirectivesVerbsAndOptions() throws { try completesUnitsDirectivesVerbsAndOptions(.bash) }

    @Test(.enabled(if: Tools.zsh != nil, "needs zsh (Debian: zsh)"))
    func zshCompletesUnitsDirectivesVerbsAndOptions() throws { try completesUnitsDirectivesVerbsAndOptions(.zsh) }

    @Test(.enabled(if: Tools.fish != nil, "needs fish (Debian: fish)"))
    func fishCompletesUnitsDirectivesVerbsAndOptions() throws { try completesUnitsDirectivesVerbsAndOptions(.fish) }

    @Test func socketUnitsAreOfferedToListen() throws {
        // listen reads this machine's search path; the candidates are socket units only.
        let result = try BuiltBrig.run(["---completion", "listen", "--", "positional@0", "0", "0", ""])
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n").allSatisfy { $0.hasSuffix(".socket") })
    }
}

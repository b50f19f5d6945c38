import Foundation
import Testing

/// The program's environment is exactly the one systemd gives it, whatever brig's own holds:
/// brig is started with variables a service would trust (socket activation, notify socket,
/// credentials, directories, a preload) and none of them may reach the program unless systemd
/// sets it too, with systemd's value.
@Suite(.serialized, .enabled(if: Gate.brig))
struct EnvironmentLeakTests {
    /// What brig's caller might have in its environment, each a name systemd gives a service a
    /// meaning to, plus one that means nothing.
    static let callersEnvironment: [String: String] = [
        "PATH": "/caller/bin:/usr/bin:/bin", "HOME": "/caller", "LANG": "xx_XX.UTF-8", "TERM": "caller-term",
        "BRIG_CANARY": "1", "LISTEN_FDS": "7", "LISTEN_PID": "1", "LISTEN_FDNAMES": "caller",
        "NOTIFY_SOCKET": "/run/caller.sock", "WATCHDOG_USEC": "1", "WATCHDOG_PID": "1", "MAINPID": "1",
        "CREDENTIALS_DIRECTORY": "/caller", "RUNTIME_DIRECTORY": "/caller", "STATE_DIRECTORY": "/caller",
        "INVOCATION_ID": "00000000000000000000000000000000", "JOURNAL_STREAM": "1:1", "SYSTEMD_EXEC_PID": "1",
        "LD_LIBRARY_PATH": "/caller/lib", "USER": "caller", "LOGNAME": "caller", "SHELL": "/caller/sh", "TZ": "Caller/Zone",
    ]

    /// `env`, sorted, with what differs from run to run by nature replaced by a placeholder.
    static func normalized(_ env: String) -> [String] {
        env.split(separator: "\n").map { line -> String in
            let name = line.prefix { $0 != "=" }
            switch name {
            case "INVOCATION_ID", "SYSTEMD_EXEC_PID", "JOURNAL_STREAM": return "\(name)=<varies>"
            default: return String(line)
            }
        }.sorted()
    }

    static let settings: [[String]] = [
        [],
        ["User=nobody", "PrivateTmp=yes"],
        ["DynamicUser=yes", "StateDirectory=brig-envleak", "RuntimeDirectory=brig-envleak", "LogsDirectory=brig-envleak"],
        ["Environment=EXTRA=1 HOME=/set", "UnsetEnvironment=TERM", "WorkingDirectory=~"],
    ]

    @Test(arguments: settings)
    func theProgramGetsSystemdsEnvironmentAndNothingOfBrigs(_ properties: [String]) throws {
        let enter = [Oracle.script, "exec", "/usr/bin/nsenter", "--target", "1", "--uts", "--ipc", "--"]
        let brig = try Command(enter + [BrigRunner.binary, "run"] + properties.flatMap { ["-p", $0] } + ["--", "/usr/bin/env"],
                               environment: Self.callersEnvironment).wait()
        let systemd = try Oracle.start(properties, ["/usr/bin/env"]).wait()
        #expect(brig.status == 0 && systemd.status == 0, "brig: \(brig.stderr) systemd: \(systemd.stderr)")
        let ours = Self.normalized(brig.stdout), theirs = Self.normalized(systemd.stdout)
        // The transient unit's name is in USER/LOGNAME for DynamicUser=: systemd's run-uNNN, brig's own.
        let names: (String) -> String = { line in
            line.hasPrefix("USER=run-u") || line.hasPrefix("LOGNAME=run-u") || line.hasPrefix("USER=brig-run-") || line.hasPrefix("LOGNAME=brig-run-")
                ? String(line.prefix { $0 != "=" }) + "=<transient>" : line
        }
        #expect(ours.map(names) == theirs.map(names), "brig:\n\(brig.stdout)\nsystemd:\n\(systemd.stdout)")
        // (PassEnvironment= is left out: it takes from the manager's environment, which for
        // brig is its own by design; RunCommandTests.passEnvironmentTakesBrigsOwnVariables.)
        for (name, value) in Self.callersEnvironment where !theirs.contains("\(name)=\(value)") {
            #expect(!ours.contains("\(name)=\(value)"), "\(name) leaked from brig's environment")
        }
    }

    /// Environment files in a directory both runners see (the oracle has a /tmp of its own),
    /// removed by the caller.
    static func makeFiles() throws -> String {
        let dir = "/var/lib/brig-envfile-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let tricky = ["A=plain", "B=\"double quoted  spaces\"", "C='single $quoted'", "D=back\\\\slash",
                      "E=\"esc \\\"q\\\" \\\\\\\\ end \\x\"", "F=trail   ", "  G = spaced", "# comment \\", "skipped=by the comment",
                      "; semi", "H=cont\\", "inued", "I=\"multi", "line\"", "export J=left out", "K=$A-ref", "L=a#b", "M=a ;b",
                      "N=", "O=\"a\"b 'c'", "P='a'\\'b'", "Q=\\x41", "1BAD=x", "S.T=dot", "U=u", "U=override", "V", "W=\"unterminated"]
        for (name, text) in [("tricky", tricky.joined(separator: "\n")), ("glob-a", "GA=a\nGB=a\n"), ("glob-b", "GB=b\n")] {
            precondition(FileManager.default.createFile(atPath: "\(dir)/\(name)", contents: Data(text.utf8)))
        }
        precondition(FileManager.default.createFile(atPath: "\(dir)/not-utf8", contents: Data("X=ok\nY=\u{7f}".utf8) + Data([0xFF, 0x0A])))
        return dir
    }

    /// DIR stands for the directory of `makeFiles()`.
    static let fileSettings: [[String]] = [
        ["EnvironmentFile=DIR/tricky"],
        ["EnvironmentFile=DIR/glob-*", "Environment=GA=env"],
        ["EnvironmentFile=-DIR/missing", "EnvironmentFile=-DIR/not-utf8", "Environment=A=1"],
        ["PassEnvironment=TZ BRIG_CANARY", "Environment=TZ=UTC"],
    ]

    /// EnvironmentFile= read as systemd reads it (quotes, escapes, joined lines, comments, names it
    /// leaves out, a glob's files in order, a file that is not UTF-8), and Environment= over
    /// PassEnvironment=, whichever environment each takes its variables from.
    @Test(arguments: fileSettings)
    func environmentFilesAndPassedVariablesAreReadAsSystemdReadsThem(_ settings: [String]) throws {
        let dir = try Self.makeFiles()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let properties = settings.map { $0.replacingOccurrences(of: "DIR", with: dir) }
        let enter = [Oracle.script, "exec", "/usr/bin/nsenter", "--target", "1", "--uts", "--ipc", "--"]
        let brig = try Command(enter + [BrigRunner.binary, "run"] + properties.flatMap { ["-p", $0] } + ["--", "/usr/bin/env"],
                               environment: Self.callersEnvironment).wait()
        let systemd = try Oracle.start(properties, ["/usr/bin/env"]).wait()
        #expect(brig.status == 0 && systemd.status == 0, "brig: \(brig.stderr) systemd: \(systemd.stderr)")
        // PassEnvironment= takes BRIG_CANARY from brig's caller and nothing from systemd's manager.
        let passed = "BRIG_CANARY=\(Self.callersEnvironment["BRIG_CANARY"]!)"
        #expect(Self.normalized(brig.stdout).filter { $0 != passed } == Self.normalized(systemd.stdout),
                "brig:\n\(brig.stdout)\nsystemd:\n\(systemd.stdout)")
    }

    /// A file that is not there, or not UTF-8, without "-": neither starts the service.
    @Test(arguments: ["missing", "not-utf8"])
    func anUnreadableEnvironmentFileStopsTheStart(_ name: String) throws {
        let dir = try Self.makeFiles()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let properties = ["EnvironmentFile=\(dir)/\(name)"]
        let brig = try BrigRunner.start(properties, ["/bin/true"]).wait()
        let systemd = try Oracle.start(properties, ["/bin/true"]).wait()
        #expect(brig.status != 0 && systemd.status != 0, "brig \(brig.status): \(brig.stderr) systemd \(systemd.status): \(systemd.stderr)")
    }
}

/// One command of ExecStart= and its kin, with the meaning of its prefixes (systemd.service(5)):
/// `-` failure ignored, `@` second word is argv[0], `:` no environment variable expansion,
/// `+` full privileges, `!` privileged identity but sandboxing kept, `!!` like `!` only where
/// ambient capabilities are missing, and from 258 `|` run through the user's shell.
public struct ExecCommand: Hashable, Sendable, CustomStringConvertible {
    public var path: String
    /// argv as the program sees it, argv[0] first.
    public var arguments: [String]
    public var ignoreFailure = false
    public var noEnvironmentExpansion = false
    public var fullPrivileges = false
    public var privilegedIdentity = false
    public var ambientFallback = false
    /// `|` (258): the user's shell (/bin/sh where the account has none) runs the words after
    /// argv[0] joined by spaces with `-c`, or alone where there are none; with `@` as a login shell.
    /// `path` is /bin/sh and argv[0] "sh" or "-sh" until the account is known.
    public var viaShell = false

    public init(path: String, arguments: [String]) { self.path = path; self.arguments = arguments }

    public var description: String { arguments.joined(separator: " ") }

    /// Parses a whole ExecStart= value into its commands: a bare `;` separates commands, `\;`
    /// is a `;` argument. `expand` applies specifiers to each word, as systemd does after splitting.
    /// `viaShell`: the rules' release knows the `|` prefix (258). A word with an escape systemd does
    /// not know keeps it as written, and `warn` is told, as systemd's extract_first_word_and_warn()
    /// retries and warns; an unbalanced quote still fails the line.
    public static func parseLine(_ value: String, viaShell: Bool = false,
                                 expand: (String) throws(ValueError) -> String,
                                 warn: (String) -> Void = { _ in }) throws(ValueError) -> [ExecCommand] {
        var commands: [ExecCommand] = []
        var current: [String] = []
        for raw in rawWords(value) {
            if raw == ";" {
                if !current.isEmpty { commands.append(try parse(current, viaShell: viaShell, expand: expand)) }
                current = []
            } else if raw == "\\;" {
                current.append(";")
            } else {
                do throws(ValueError) {
                    current.append(try unescapedWord(raw))
                } catch {
                    let kept = try words(String(raw), [.unquote, .cUnescape, .keepUnknownEscapes]).joined()
                    warn("ignoring unknown escape sequences: \"\(kept)\"")
                    current.append(kept)
                }
            }
        }
        if !current.isEmpty { commands.append(try parse(current, viaShell: viaShell, expand: expand)) }
        if commands.isEmpty { throw ValueError("empty command") }
        return commands
    }

    static func parse(_ words: [String], viaShell shellPrefix: Bool, expand: (String) throws(ValueError) -> String) throws(ValueError) -> ExecCommand {
        var first = Substring(words[0])
        var ignore = false, separateArgv0 = false, noExpand = false, full = false, priv = false, ambient = false, shell = false
        prefixes: while let c = first.first {
            switch c {
            case "-" where !ignore: ignore = true
            case "@" where !separateArgv0: separateArgv0 = true
            case ":" where !noExpand: noExpand = true
            case "|" where shellPrefix && !shell: shell = true
            case "+" where !full && !priv: full = true
            case "!" where !full && !ambient:
                if priv { priv = false; ambient = true } else { priv = true }
            default: break prefixes
            }
            first = first.dropFirst()
        }
        var rest = words.dropFirst().map { $0 }
        let path: String
        var arguments: [String]
        if shell {
            // What follows the prefixes is the shell's first word as written: systemd applies no
            // specifiers to it, but does to the words after it.
            path = "/bin/sh"
            arguments = [separateArgv0 ? "-sh" : "sh"] + (first.isEmpty ? [] : [String(first)])
        } else {
            path = try expand(String(first))
            guard !path.isEmpty else { throw ValueError("the command is missing after the prefixes '\(words[0])'") }
            guard !path.hasSuffix("/") else { throw ValueError("'\(path)' names a directory, not a program") }
            guard path.first == "/" || !path.contains("/") else {
                throw ValueError("'\(path)' must be an absolute path or a plain file name")
            }
            if separateArgv0 {
                guard !rest.isEmpty else { throw ValueError("'@' needs argv[0] after the path") }
                arguments = [try expand(rest.removeFirst())]
            } else {
                arguments = [path]
            }
        }
        for w in rest { arguments.append(try expand(w)) }
        var command = ExecCommand(path: path, arguments: arguments)
        command.ignoreFailure = ignore
        command.noEnvironmentExpansion = noExpand
        command.fullPrivileges = full
        command.privilegedIdentity = priv
        command.ambientFallback = ambient
        command.viaShell = shell
        return command
    }
}

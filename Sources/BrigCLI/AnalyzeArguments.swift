import ArgumentParser
import Glibc
import Synchronization

/// `brig analyze` is often handed thousands of unit files at once, and run by scripts over and
/// over; ArgumentParser's reflection over the command tree costs more than scoring a few units,
/// and it spends time linear in the values already parsed on each new positional value. So the
/// plain forms of `analyze` are read here, and for any other the unit list is taken out of the
/// command line before ArgumentParser sees the rest.
enum AnalyzeArguments {
    static let units = Mutex<[String]>([])

    static let valueOptions: Set<String> = ["--root", "--rules", "--threshold", "--security-policy", "--format"]

    /// Splits `analyze ...` into what ArgumentParser should see and the unit names or paths.
    static func extractUnits(_ args: [String]) -> (rest: [String], units: [String]) {
        var rest: [String] = [], units: [String] = []
        var i = 0, afterTerminator = false
        while i < args.count {
            let a = args[i]
            if i == 0 || afterTerminator == false && a.hasPrefix("-") {
                if a == "--" { afterTerminator = true; i += 1; continue }
                rest.append(a)
                if valueOptions.contains(a), i + 1 < args.count { rest.append(args[i + 1]); i += 1 }
            } else {
                units.append(a)
            }
            i += 1
        }
        return (rest, units)
    }

    /// `analyze [OPTION VALUE | FLAG]... [--] [UNIT]...` as ArgumentParser would read it, or nil
    /// for anything else (help, `--opt=value`, an unknown or repeated option, a value that does not
    /// parse, ...), which stays with ArgumentParser so that it owns every message and error.
    static func plainForm(_ args: [String]) -> AnalyzeCommand? {
        guard args.first == "analyze" else { return nil }
        var command = AnalyzeCommand()
        var seen: Set<String> = []
        var units: [String] = []
        var root = "/", rules: Int?, threshold: UInt64 = 100, policy: String?
        var format = AnalyzeCommand.Format.table
        var i = 1, afterTerminator = false
        while i < args.count {
            let word = args[i]
            i += 1
            if afterTerminator || !word.hasPrefix("-") { units.append(word); continue }
            if word == "--" { afterTerminator = true; continue }
            guard seen.insert(word).inserted else { return nil }
            if valueOptions.contains(word) {
                guard i < args.count, !args[i].hasPrefix("-") else { return nil }
                let value = args[i]
                i += 1
                switch word {
                case "--root": root = value
                case "--rules": guard let n = Int(value) else { return nil }; rules = n
                case "--threshold": guard let n = UInt64(value) else { return nil }; threshold = n
                case "--security-policy": policy = value
                default: guard let f = AnalyzeCommand.Format(rawValue: value) else { return nil }; format = f
                }
                continue
            }
            switch word {
            case "--json", "--no-legend", "--fix": break
            default: return nil
            }
        }
        command.units = units
        command.root = root
        command.rules = rules
        command.threshold = threshold
        command.securityPolicy = policy
        command.format = format
        command.json = seen.contains("--json")
        command.noLegend = seen.contains("--no-legend")
        command.fix = seen.contains("--fix")
        return command
    }
}

extension Brig {
    /// The entry point: as ParsableCommand's, with the plain forms of `run` and `analyze` read
    /// directly, and the unit list of any other `analyze` set aside first.
    public static func main() {
        var args = Array(CommandLine.arguments.dropFirst())
        if let invocation = RunInvocation.plainForm(args) { runDirectly(invocation) }
        if let analyze = AnalyzeArguments.plainForm(args) { runDirectly(analyze) }
        if args.first == "analyze" {
            let split = AnalyzeArguments.extractUnits(args)
            args = split.rest
            AnalyzeArguments.units.withLock { $0 = split.units }
        }
        main(args)
    }

    private static func runDirectly(_ command: AnalyzeCommand) -> Never {
        do {
            try command.run()
        } catch let code as ExitCode {
            // A plain status needs none of the help context exit(withError:) builds.
            Glibc.exit(code.rawValue)
        } catch {
            exit(withError: error)
        }
        Glibc.exit(0)
    }
}

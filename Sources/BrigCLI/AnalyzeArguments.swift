import ArgumentParser
import Synchronization

/// `brig analyze` is often handed thousands of unit files at once. ArgumentParser spends time
/// linear in the values already parsed on each new positional value, so the unit list is taken out
/// of the command line before parsing and handed to the command directly.
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
}

extension Brig {
    /// The entry point: as ParsableCommand's, with the unit list of `analyze` set aside first.
    public static func main() {
        var args = Array(CommandLine.arguments.dropFirst())
        if let invocation = RunInvocation.plainForm(args) { runDirectly(invocation) }
        if args.first == "analyze" {
            let split = AnalyzeArguments.extractUnits(args)
            args = split.rest
            AnalyzeArguments.units.withLock { $0 = split.units }
        }
        main(args)
    }
}

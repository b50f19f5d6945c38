import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

extension Brig {
    /// `brig run` is started once per jailed process (per connection, with `brig listen`), and
    /// ArgumentParser's reflection over the whole command tree costs more CPU than setting up
    /// the jail's mounts. `main()` therefore hands the plain forms of `brig run` here; any word
    /// `RunInvocation.plainForm` does not know (help, an unknown option, a dash-prefixed value,
    /// ...) stays with ArgumentParser, which then owns the messages and errors.
    static func runDirectly(_ invocation: RunInvocation) -> Never {
        let status: Int32
        do {
            status = try invocation.run()
        } catch {
            exit(withError: error)
        }
        // ArgumentParser's exit() renders a help context even for a plain status.
        Glibc.exit(status)
    }
}

extension RunInvocation {
    /// `run [-p VALUE | --unit VALUE | --dry-run]... [--] CMD [ARG...]` as ArgumentParser would
    /// read it (captured command words keep a leading "--"), or nil for anything else.
    static func plainForm(_ arguments: [String]) -> RunInvocation? {
        guard arguments.first == "run" else { return nil }
        var invocation = RunInvocation()
        var index = 1
        while index < arguments.count {
            let word = arguments[index]
            switch word {
            case "-p", "--unit":
                guard index + 1 < arguments.count else { return nil }
                let value = arguments[index + 1]
                if value.hasPrefix("-") { return nil }
                if word == "-p" {
                    invocation.properties.append(value)
                } else {
                    if invocation.unit != nil { return nil }
                    invocation.unit = value
                }
                index += 2
                continue
            case "--dry-run":
                if invocation.dryRun { return nil }
                invocation.dryRun = true
                index += 1
                continue
            case "--stats", "--stats-json":
                if invocation.stats != nil { return nil }
                invocation.stats = word == "--stats" ? .text : .json
                index += 1
                continue
            default:
                if word.hasPrefix("-") && word != "--" { return nil }
            }
            break
        }
        let words = Array(arguments[index...])
        // Help and an empty command are ArgumentParser's to answer.
        guard let first = words.first, first != "--help", first != "-h" else { return nil }
        if first == "--" && words.count < 2 { return nil }
        invocation.command = words
        return invocation
    }
}

import ArgumentParser
import Directives
import UnitFile

/// What the shell completion scripts (`brig --generate-completion-script bash|zsh|fish`) offer
/// beyond the verbs and options ArgumentParser knows: unit names from the search path (of the
/// `--root` already typed, else of this machine) and directive names after `-p`.
enum Completions {
    /// Unit names of one type (nil: every type) that start with the word being completed.
    static func units(type: String?) -> CompletionKind {
        .custom { words, _, prefix in
            let loader = UnitLoader(root: root(in: words))
            let types = type.map { [$0] } ?? UnitName.types.sorted()
            return types.flatMap { loader.unitNames(type: $0) }.filter { $0.hasPrefix(prefix) }
        }
    }

    /// `Name=` for every directive `brig run -p` takes: those of [Service] and [Unit], as systemd-run's -p.
    static let directives = CompletionKind.custom { _, _, prefix in
        let names = ["Service", "Unit"].flatMap { section in
            Array(DirectiveRegistry.known[section, default: [:]].keys) + Array(DirectiveRegistry.newer[section, default: []])
        }
        return Set(names).map { $0 + "=" }.filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// The value of a `--root DIR` (or `--root=DIR`) on the command line being completed, else "/".
    static func root(in words: [String]) -> String {
        var root = "/"
        for (i, word) in words.enumerated() {
            if word == "--root", i + 1 < words.count { root = words[i + 1] }
            if word.hasPrefix("--root=") { root = String(word.dropFirst("--root=".count)) }
        }
        return root.isEmpty ? "/" : root
    }
}

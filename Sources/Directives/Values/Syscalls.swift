/// What a filtered system call does instead of running: fail with an errno, kill, or only log.
public enum SyscallAction: Hashable, Sendable, CustomStringConvertible {
    case errno(Int32)
    case kill
    case log

    /// Parses an errno name (EPERM), a number 0…4095, `kill`, or `log` when `allowLog`.
    public init(parsing value: String, allowLog: Bool = true) throws(ValueError) {
        if value == "kill" { self = .kill; return }
        if value == "log", allowLog { self = .log; return }
        if let n = Int32(value) {
            guard (0...4095).contains(n) else { throw ValueError("error number \(n) is out of range 0…4095") }
            self = .errno(n); return
        }
        guard let n = SyscallCatalog.errnoNumber(value) else { throw ValueError("unknown error number name '\(value)'") }
        self = .errno(n)
    }

    public var description: String {
        switch self {
        case .errno(let n): return "errno \(n)"
        case .kill: return "kill"
        case .log: return "log"
        }
    }
}

/// SystemCallFilter= (and SystemCallLog=): the lines as written, in order, and systemd's reading
/// of them. The first non-empty line decides the mode: a plain list makes an allow list, a `~` list
/// a deny list. Later lines add to or take from it; an empty line resets. An allow list of
/// SystemCallFilter= starts from @default; SystemCallLog= takes no `:errno` and no @default.
public struct SyscallFilter: Hashable, Sendable {
    /// One name of a line: a system call or `@group`, with the `~` of its line and an optional `:errno`.
    public struct Entry: Hashable, Sendable {
        public var name: String
        public var inverted: Bool
        public var action: SyscallAction?
    }

    public private(set) var isAllowList: Bool
    public private(set) var entries: [Entry]
    /// Whether an allow list also allows @default (SystemCallFilter=, not SystemCallLog=).
    public private(set) var allowsDefault: Bool

    /// Applies one line to the current filter; nil means unset (also the result of an empty line).
    /// `logging` reads the line as SystemCallLog= does. A word that does not parse (unknown call or
    /// group, bad errno) is left out and noted in `skipped`, as systemd leaves it out.
    /// Group names are those of `rules`' release.
    public static func merge(_ current: SyscallFilter?, _ line: String, logging: Bool = false, rules: SystemdRelease = .v252,
                             skipped: inout [ValueError]) throws(ValueError) -> SyscallFilter? {
        if line.isEmpty { return nil }
        var text = Substring(line)
        let invert = text.first == "~"
        if invert { text = text.dropFirst() }
        var filter = current ?? SyscallFilter(isAllowList: !invert, entries: [], allowsDefault: !logging)
        for word in text.split(whereSeparator: \.isBlank) {
            do throws(ValueError) {
                filter.entries.append(try entry(String(word), inverted: invert, logging: logging, release: rules))
            } catch {
                skipped.append(error)
            }
        }
        return filter
    }

    static func entry(_ word: String, inverted: Bool, logging: Bool, release: SystemdRelease) throws(ValueError) -> Entry {
        var name = Substring(word)
        var action: SyscallAction?
        if !logging, let colon = word.firstIndex(of: ":") {
            name = word[..<colon]
            action = try SyscallAction(parsing: String(word[word.index(after: colon)...]), allowLog: false)
            guard inverted else { throw ValueError("'\(word)': an allowed system call cannot take an error number") }
        }
        try validate(String(name), release: release)
        return Entry(name: String(name), inverted: inverted, action: action)
    }

    static func validate(_ name: String, release: SystemdRelease) throws(ValueError) {
        if name.first == "@" {
            guard SyscallGroups.isGroup(name, rules: release) else {
                let added = SystemdRelease.allCases.first { $0 > release && SyscallGroups.isGroup(name, rules: $0) }
                let later = added.map { " (added in systemd \($0.number); \(release.number) ignores it)" } ?? ""
                throw ValueError("unknown system call group '\(name)'\(later)")
            }
        } else {
            guard SyscallCatalog.isKnownSyscall(name) else { throw ValueError("unknown system call '\(name)'") }
        }
    }

    /// One step of systemd's merge: a call or `@group` put into the filter (with its action) or
    /// taken out of it.
    public struct Step: Hashable, Sendable {
        public var name: String
        public var puts: Bool
        public var action: SyscallAction?
    }

    /// systemd's merge as steps, applied in order: an allow list of SystemCallFilter= starts with
    /// `@default`; an entry puts its calls when its `~` matches the list's kind, else takes them out,
    /// except that an allow list keeps a `~call:errno` in with that error number.
    public var steps: [Step] {
        var steps: [Step] = []
        if isAllowList && allowsDefault { steps.append(Step(name: "@default", puts: true, action: nil)) }
        for entry in entries {
            let puts = entry.inverted != isAllowList || (entry.inverted && isAllowList && entry.action != nil)
            steps.append(Step(name: entry.name, puts: puts, action: entry.action))
        }
        return steps
    }

    /// The system calls the filter lists after systemd's merge with the groups of `rules`, with the
    /// action of each (nil: the filter's default action). For an allow list these are the allowed
    /// calls. Names that do not exist on this machine stay in; whoever builds the filter skips them.
    public func resolved(rules: SystemdRelease = .v252) -> [String: SyscallAction?] {
        var result: [String: SyscallAction?] = [:]
        for step in steps {
            let names = step.name.first == "@" ? SyscallGroups.expand(step.name, rules: rules) ?? [] : [step.name]
            for name in names {
                if step.puts { result[name] = .some(step.action) } else { result[name] = nil }
            }
        }
        return result
    }
}

/// SystemCallArchitectures= names as systemd knows them (`native` is the host's); the ones this
/// machine can run are `SyscallArchitecture`'s cases.
public enum SyscallArchitectureNames {
    public static let names: Set<String> = [
        "native", "x86", "x86-64", "x32", "arm", "arm64", "mips", "mips64", "mips64-n32", "mips-le",
        "mips64-le", "mips64-le-n32", "parisc", "parisc64", "ppc", "ppc64", "ppc64-le", "s390", "s390x",
        "riscv64", "loongarch64",
    ]

    /// Parses a list of architecture names; unknown ones are left out and noted in `skipped`, and
    /// so is a quoting error, which ends the list there (the names before it apply).
    public static func parseList(_ value: String, skipped: inout [ValueError]) -> Set<String> {
        var result = Set<String>()
        for word in listWords(value, skipped: &skipped) {
            guard names.contains(word) else { skipped.append(ValueError("unknown system call architecture '\(word)'")); continue }
            result.insert(word)
        }
        return result
    }
}

import Directives
#if canImport(Glibc)
import Glibc
#endif

/// systemd.v(7): a path that names a versioned directory stands for the best of its entries,
/// as systemd's `path_pick()` chooses it (src/shared/vpick.c). Two forms name one:
/// - `…/NAME.SUFFIX.v` (a slash after it or not): the entries `NAME_VERSION…SUFFIX` in it;
/// - `…/DIR.v/NAME___SUFFIX`: the entries `NAME_VERSION…SUFFIX` in `DIR.v` (a slash after the
///   pattern asks for directories).
/// After VERSION an entry may name an architecture (`_x86-64`) and count boot attempts
/// (`+LEFT` or `+LEFT-DONE`, boot counting). Entries for another architecture than this one
/// (or its secondary, x86 on x86-64) are left out, and so are invalid versions (letters, digits
/// and the release's `versionPunctuation` only). The best entry: one with attempts left
/// before one with none, then the newest version (`VersionOrder`), then this architecture
/// before its secondary before none named, more attempts left, fewer done, and last the
/// larger name.
public enum VersionedPath {
    /// Why no entry was picked: an errno (ENOENT when nothing matched) and what to tell a user.
    public struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        public let code: Int32
        public let message: String
        public var description: String { message }
    }

    /// The entry `path` stands for, or `path` itself when it is not versioned. `suffix`: what
    /// the caller's entries end in (".raw"; "" for directories), cut from `NAME.SUFFIX.v`.
    /// `wantDirectory`: the entries sought are directories, else images (regular files and
    /// block devices, as systemd's raw image filter takes).
    /// `rules`: the release whose picking applies (which versions are valid; whether an entry
    /// of the wrong type is passed over or, before 260, fails the pick when it is the newest).
    public static func resolve(_ path: String, suffix: String, wantDirectory: Bool,
                               rules: SystemdRelease = .newest) -> Result<String, Failure> {
        guard var pattern = Pattern(path, suffix: suffix, wantDirectory: wantDirectory) else { return .success(path) }
        pattern.versionPunctuation = Array(rules.facts.versionPunctuation.utf8)
        let wrongTypeFails = !rules.facts.versionPickPassesOverWrongType
        if pattern.wantDirectory != wantDirectory {
            return .failure(Failure(code: EISDIR, message: "\(path) ends in a slash, which asks for a directory, where a file is wanted"))
        }
        let directory: OpenDirectory, names: [String]
        do {
            directory = try OpenDirectory(trusted: pattern.directory)
            names = try directory.names()
        } catch {
            return .failure(Failure(code: error.code, message: "cannot read the versioned directory \(pattern.directory): \(error.name)"))
        }
        var candidates = names.compactMap(pattern.entry)
        if wrongTypeFails {
            guard let best = candidates.max(by: Entry.isWorse) else { return .failure(pattern.nothingMatched) }
            candidates = [best]
        }
        var fitting: [Entry] = []
        for entry in candidates {
            // The type of what a symlink points at, as systemd follows it; one pointing nowhere fails the pick.
            var st = stat()
            if fstatat(directory.fd, entry.name, &st, 0) != 0 {
                let code = errno
                return .failure(Failure(code: code, message: "cannot open \(pattern.directory)/\(entry.name): \(SystemFiles.errorName(code))"))
            }
            let kind = st.st_mode & S_IFMT
            if wantDirectory ? kind == S_IFDIR : (kind == S_IFREG || kind == S_IFBLK) {
                fitting.append(entry)
            } else if wrongTypeFails {
                // The errno systemd's errno_from_mode() gives for what was found.
                let code = wantDirectory ? ENOTDIR : kind == S_IFDIR ? EISDIR : EBADF
                return .failure(Failure(code: code, message: "\(pattern.directory)/\(entry.name), the newest entry, is "
                                        + (wantDirectory ? "not a directory" : kind == S_IFDIR ? "a directory" : "neither a file nor a block device")))
            }
        }
        guard let best = fitting.max(by: Entry.isWorse) else { return .failure(pattern.nothingMatched) }
        return .success(pattern.directory + "/" + best.name)
    }

    /// What a versioned path asks for: where to look, and the shape of the names there.
    struct Pattern {
        var directory: String
        var basename: String
        var suffix: String
        var wantDirectory: Bool
        var versionPunctuation = Array(SystemdRelease.newest.facts.versionPunctuation.utf8)

        /// nil when `path` names no versioned directory (then it is used as it is).
        init?(_ path: String, suffix filterSuffix: String, wantDirectory: Bool) {
            let endsInSlash = path.hasSuffix("/")
            var components = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            guard let last = components.popLast() else { return nil }
            let absolute = path.hasPrefix("/")
            func joined(_ parts: [String]) -> String { (absolute ? "/" : "") + parts.joined(separator: "/") }
            self.wantDirectory = wantDirectory
            if last.hasSuffix(".v") {
                var name = String(last.dropLast(2))
                if !filterSuffix.isEmpty && name.hasSuffix(filterSuffix) { name.removeLast(filterSuffix.count) }
                (directory, basename, suffix) = (joined(components + [last]), name, filterSuffix)
            } else if let wildcard = Self.lastWildcard(in: last), let parent = components.last, parent.hasSuffix(".v") {
                (directory, basename, suffix) = (joined(components), String(last.utf8.prefix(wildcard))!, String(last.utf8.dropFirst(wildcard + 3))!)
                if endsInSlash { self.wantDirectory = true }
            } else {
                return nil
            }
        }

        /// Where the last "___" in `name` starts (a byte offset; "____" has it one byte in).
        static func lastWildcard(in name: String) -> Int? {
            let bytes = Array(name.utf8)
            guard bytes.count >= 3 else { return nil }
            return (0...(bytes.count - 3)).last { bytes[$0..<($0 + 3)].allSatisfy { $0 == UInt8(ascii: "_") } }
        }

        /// The entry `name` describes, or nil when it does not fit the pattern or this architecture.
        func entry(_ name: String) -> Entry? {
            var rest = Substring(name)
            if !basename.isEmpty {
                guard rest.hasPrefix(basename + "_") else { return nil }
                rest = rest.dropFirst(basename.count + 1)
            }
            if !suffix.isEmpty {
                guard rest.hasSuffix(suffix) else { return nil }
                rest = rest.dropLast(suffix.count)
            }
            var tries: (left: UInt32, done: UInt32)? = nil
            if let plus = rest.lastIndex(of: "+"), let counted = Self.tries(rest[rest.index(after: plus)...]) {
                tries = counted
                rest = rest[..<plus]
            }
            // Whatever follows the last underscore is cut off; a word that names no architecture fits any.
            var architecture: Architecture? = nil
            if let underscore = rest.lastIndex(of: "_") {
                architecture = Architecture(rawValue: String(rest[rest.index(after: underscore)...]))
                rest = rest[..<underscore]
            }
            if let architecture, architecture != Architecture.native, architecture != Architecture.secondary { return nil }
            guard isValidVersion(rest) else { return nil }
            return Entry(name: name, version: String(rest), architecture: architecture,
                         triesLeft: tries?.left ?? .max, triesDone: tries?.done ?? .max)
        }

        /// "LEFT" or "LEFT-DONE", each read as strtoul(…, 0) reads it (a leading 0 is octal),
        /// or nil when it is not a count (then the "+" stays in the version).
        static func tries(_ text: Substring) -> (left: UInt32, done: UInt32)? {
            func number(_ digits: Substring) -> UInt32? {
                guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
                return digits.count > 1 && digits.first == "0" ? UInt32(digits.dropFirst(), radix: 8) : UInt32(digits, radix: 10)
            }
            let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard let left = number(parts[0]) else { return nil }
            if parts.count == 1 { return (left, 0) }
            guard let done = number(parts[1]) else { return nil }
            return (left, done)
        }

        /// systemd's version_is_valid(): not empty, of letters, digits and `versionPunctuation`.
        func isValidVersion(_ version: Substring) -> Bool {
            !version.isEmpty && version.utf8.allSatisfy { c in
                (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
                    || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || versionPunctuation.contains(c)
            }
        }

        var nothingMatched: Failure {
            let kind = wantDirectory ? "directory" : "file or block device"
            let architectures = [Architecture.native, Architecture.secondary].compactMap { $0?.rawValue } + ["none"]
            return Failure(code: ENOENT, message: "the versioned directory \(directory) holds no \(kind) named "
                           + "\(basename.isEmpty ? "" : basename + "_")VERSION\(suffix) with a valid version and architecture (\(architectures.joined(separator: ", ")))")
        }
    }

    /// One entry that fits the pattern.
    struct Entry {
        var name: String
        var version: String
        var architecture: Architecture?
        /// UInt32.max where the name counts no attempts.
        var triesLeft: UInt32
        var triesDone: UInt32

        func isArchitecture(_ wanted: Architecture?) -> Bool { architecture != nil && architecture == wanted }

        /// Whether `a` is a worse pick than `b`, by systemd's pick_result_compare().
        static func isWorse(_ a: Entry, than b: Entry) -> Bool {
            func order<T: Comparable>(_ p: T, _ q: T) -> Int { p == q ? 0 : p < q ? -1 : 1 }
            func order(_ p: Bool, _ q: Bool) -> Int { order(p ? 1 : 0, q ? 1 : 0) }
            let steps: [() -> Int] = [
                { order(a.triesLeft != 0, b.triesLeft != 0) },
                { VersionOrder.compare(a.version, b.version) },
                { order(a.isArchitecture(Architecture.native), b.isArchitecture(Architecture.native)) },
                { order(a.isArchitecture(Architecture.secondary), b.isArchitecture(Architecture.secondary)) },
                { order(a.triesLeft, b.triesLeft) },
                { order(b.triesDone, a.triesDone) },
                { a.name.utf8.lexicographicallyPrecedes(b.name.utf8) ? -1 : b.name.utf8.lexicographicallyPrecedes(a.name.utf8) ? 1 : 0 },
            ]
            for step in steps {
                let d = step()
                if d != 0 { return d < 0 }
            }
            return false
        }
    }
}

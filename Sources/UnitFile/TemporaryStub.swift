// TEMPORARY stub of the UnitFile contract (notes/UNITFILE-API.md) so Directives compiles before
// the real module lands on main. Deleted on `git merge main`.

public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) { self.file = file; self.line = line; self.column = column }
    public var description: String { "\(file):\(line):\(column)" }
}

public struct Assignment: Sendable, Hashable {
    public var section: String
    public var key: String
    public var value: String
    public var location: SourceLocation
    public init(section: String, key: String, value: String, location: SourceLocation) {
        self.section = section; self.key = key; self.value = value; self.location = location
    }
}

public enum UnitFileError: Error, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let s): return s }
    }
}

public struct UnitName: Hashable, Sendable {
    public var name: String
    public var prefix: String
    public var instance: String?
    public var type: String
    public var template: String?
    public init(_ s: String) throws(UnitFileError) {
        name = s
        guard let dot = s.lastIndex(of: ".") else { throw .invalid("no type: \(s)") }
        type = String(s[s.index(after: dot)...])
        let stem = s[..<dot]
        if let at = stem.firstIndex(of: "@") {
            prefix = String(stem[..<at])
            let inst = String(stem[stem.index(after: at)...])
            instance = inst.isEmpty ? nil : inst
            template = "\(prefix)@.\(type)"
        } else {
            prefix = String(stem); instance = nil; template = nil
        }
    }
}

public struct Specifiers: Sendable {
    public var values: [Character: String]
    public init(values: [Character: String] = [:]) { self.values = values }
    public func expand(_ s: String) throws(UnitFileError) -> String {
        var out = ""
        var it = s.makeIterator()
        while let c = it.next() {
            guard c == "%" else { out.append(c); continue }
            guard let k = it.next() else { throw .invalid("trailing % in \(s)") }
            if k == "%" { out.append("%"); continue }
            guard let v = values[k] else { throw .invalid("unknown specifier %\(k)") }
            out += v
        }
        return out
    }
}

public struct LoadedUnit: Sendable {
    public var name: UnitName
    public var fragmentPath: String?
    public var dropInPaths: [String]
    public var isMasked: Bool
    public var assignments: [Assignment]
    public var specifiers: Specifiers
    public var sections: [String]
    public init(name: UnitName, fragmentPath: String?, dropInPaths: [String] = [], isMasked: Bool = false,
                assignments: [Assignment], specifiers: Specifiers = Specifiers(), sections: [String]) {
        self.name = name; self.fragmentPath = fragmentPath; self.dropInPaths = dropInPaths
        self.isMasked = isMasked; self.assignments = assignments; self.specifiers = specifiers
        self.sections = sections
    }
    public func assignments(_ section: String, _ key: String) -> [Assignment] {
        assignments.filter { $0.section == section && $0.key == key }
    }
}

public enum UnitFile {
    /// Splits like systemd's extract_first_word with EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE.
    public static func splitWords(_ value: String) throws(UnitFileError) -> [String] {
        var words: [String] = []
        var cur = ""
        var inWord = false
        var quote: Character? = nil
        var chars = Array(value)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if c == q { quote = nil }
                else if c == "\\" && i + 1 < chars.count { i += 1; cur.append(chars[i]) }
                else { cur.append(c) }
            } else if c == " " || c == "\t" {
                if inWord { words.append(cur); cur = ""; inWord = false }
            } else if c == "\"" || c == "'" {
                quote = c; inWord = true
            } else if c == "\\" && i + 1 < chars.count {
                i += 1; cur.append(chars[i]); inWord = true
            } else { cur.append(c); inWord = true }
            i += 1
        }
        if quote != nil { throw .invalid("unterminated quote: \(value)") }
        if inWord { words.append(cur) }
        chars.removeAll()
        return words
    }
}

extension UnitFile {
    public static func unescapeC(_ s: String) throws(UnitFileError) -> String { s }
}

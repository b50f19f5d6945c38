/// A unit name as systemd.unit(5) defines it: `prefix[@instance].type`, such as `getty@tty1.service`.
public struct UnitName: Hashable, Sendable, CustomStringConvertible {
    public static let types: Set<String> = [
        "service", "socket", "target", "device", "mount", "automount", "swap", "timer", "path", "slice", "scope",
    ]
    static let maximumLength = 255

    /// The whole name, `getty@tty1.service`.
    public let name: String
    /// The part before `@` (or before the type suffix), `getty`.
    public let prefix: String
    /// The instance, `tty1`; empty for a template (`getty@.service`), nil for a plain unit.
    public let instance: String?
    /// The type suffix without the dot, `service`.
    public let type: String

    public init(_ name: String) throws(UnitFileError) {
        guard !name.isEmpty else { throw .invalidName(name, reason: "empty name") }
        guard name.utf8.count <= Self.maximumLength else { throw .invalidName(name, reason: "longer than 255 bytes") }
        guard let dot = name.lastIndex(of: "."), Self.types.contains(String(name[name.index(after: dot)...])) else {
            throw .invalidName(name, reason: "no unit type suffix such as .service")
        }
        let stem = name[..<dot]
        // Checked byte by byte (names are checked often); the slow walk only finds the culprit.
        if !stem.utf8.allSatisfy(Self.isAllowed) {
            for character in stem where !(character.isASCII && character.utf8.allSatisfy(Self.isAllowed)) {
                throw .invalidName(name, reason: "character \"\(character)\" is not allowed")
            }
        }
        let parts = stem.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard !parts[0].isEmpty else { throw .invalidName(name, reason: "empty prefix") }
        if parts.count == 2, parts[1].contains("@") { throw .invalidName(name, reason: "more than one \"@\"") }
        self.name = name
        self.prefix = String(parts[0])
        self.instance = parts.count == 2 ? String(parts[1]) : nil
        self.type = String(name[name.index(after: dot)...])
    }

    public var description: String { name }

    /// ASCII letters, digits and `:-_.\@`.
    private static func isAllowed(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "@"):
            true
        default: false
        }
    }

    /// `foo@bar.service` -> `foo@.service`; nil when this is not an instance.
    public var template: String? {
        guard let instance, !instance.isEmpty else { return nil }
        return "\(prefix)@.\(type)"
    }

    public var isTemplate: Bool { instance == "" }

    /// A template as one of its instances (`foo@.service` -> `foo@i.service`), as systemd-analyze
    /// verify and security take a template they are given; any other name is returned unchanged.
    public func instantiatingTemplate(as instance: String = "i") -> UnitName {
        guard isTemplate, let name = try? UnitName("\(prefix)@\(instance).\(type)") else { return self }
        return name
    }

    /// The name without its type suffix, `getty@tty1`.
    public var stem: String { String(name.dropLast(type.count + 1)) }

    /// Prefix drop-in names, most specific first: for `a-b-c.service`, `a-b-.service` then `a-.service`
    /// (systemd.unit(5)).
    public var dashPrefixes: [String] {
        var result: [String] = []
        var index = prefix.startIndex
        while let dash = prefix[index...].firstIndex(of: "-") {
            let next = prefix.index(after: dash)
            // A trailing dash is the name itself (e.g. "foo-.service"), not a prefix of it.
            if dash != prefix.startIndex, next < prefix.endIndex { result.append("\(prefix[..<next]).\(type)") }
            index = next
        }
        return result.reversed()
    }

    /// The sections a unit of this type may have, as systemd accepts them.
    public var sections: Set<String> {
        var result: Set<String> = ["Unit", "Install"]
        if let own = Self.typeSection[type] { result.insert(own) }
        return result
    }

    static let typeSection = [
        "service": "Service", "socket": "Socket", "mount": "Mount", "automount": "Automount",
        "swap": "Swap", "timer": "Timer", "path": "Path", "slice": "Slice", "scope": "Scope",
    ]
}

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
        // Cut and checked byte by byte (names are checked often); '.' and '@' are ASCII, so the
        // byte positions are character boundaries. The slow walk only finds a culprit.
        let utf8 = name.utf8
        guard let dot = utf8.lastIndex(of: UInt8(ascii: ".")) else {
            throw .invalidName(name, reason: "no unit type suffix such as .service")
        }
        let type = String(name[utf8.index(after: dot)...])
        guard Self.types.contains(type) else { throw .invalidName(name, reason: "no unit type suffix such as .service") }
        let stem = name[..<dot]
        if !stem.utf8.allSatisfy(Self.isAllowed) {
            for character in stem where !(character.isASCII && character.utf8.allSatisfy(Self.isAllowed)) {
                throw .invalidName(name, reason: "character \"\(character)\" is not allowed")
            }
        }
        let at = stem.utf8.firstIndex(of: UInt8(ascii: "@"))
        let prefix = at.map { stem[..<$0] } ?? stem
        guard !prefix.isEmpty else { throw .invalidName(name, reason: "empty prefix") }
        let instance = at.map { stem[stem.utf8.index(after: $0)...] }
        if let instance, instance.utf8.contains(UInt8(ascii: "@")) { throw .invalidName(name, reason: "more than one \"@\"") }
        self.name = name
        self.prefix = String(prefix)
        self.instance = instance.map(String.init)
        self.type = type
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

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The `%` specifiers of systemd.unit(5), with the values systemd uses for a system unit.
public struct Specifiers: Sendable {
    public let unit: UnitName
    public let fragmentPath: String?

    public init(unit: UnitName, fragmentPath: String?) {
        self.unit = unit
        self.fragmentPath = fragmentPath
    }

    /// Replaces every specifier in `text`; `%%` is a literal percent sign. An unknown specifier is an
    /// error, as it is for systemd.
    public func expand(_ text: String, at location: SourceLocation? = nil) throws(UnitFileError) -> String {
        guard text.contains("%") else { return text }
        var result = ""
        var percent = false
        for character in text {
            if percent {
                percent = false
                guard let value = try value(of: character, at: location) else { throw .unknownSpecifier(location, character) }
                result += value
            } else if character == "%" {
                percent = true
            } else {
                result.append(character)
            }
        }
        if percent { result.append("%") }
        return result
    }

    /// The value of one specifier character, nil when systemd does not know it. An unescaped one
    /// (%I, %J, %P, %f) of a name systemd cannot unescape fails, as it fails systemd's line.
    public func value(of specifier: Character, at location: SourceLocation? = nil) throws(UnitFileError) -> String? {
        func unescaped(_ text: String?) throws(UnitFileError) -> String {
            guard let text else { throw .unresolvableSpecifier(location, specifier) }
            return text
        }
        let host = HostFacts.current
        switch specifier {
        case "%": return "%"
        case "a": return host.architecture
        case "A": return host.osRelease["IMAGE_VERSION"] ?? ""
        case "b": return host.bootID
        case "B": return host.osRelease["BUILD_ID"] ?? ""
        case "C": return "/var/cache"
        case "d": return "/run/credentials/" + unit.name
        case "E": return "/etc"
        case "f": return try unescaped(Self.pathUnescape(unit.instance.flatMap { $0.isEmpty ? nil : $0 } ?? unit.prefix))
        case "g": return "root"
        case "G": return "0"
        case "h": return "/root"
        case "H": return host.hostname
        case "i": return unit.instance ?? ""
        case "I": return try unescaped(Self.unescape(unit.instance ?? ""))
        case "j": return finalComponent
        case "J": return try unescaped(Self.unescape(finalComponent))
        case "l": return String(host.hostname.prefix { $0 != "." })
        case "L": return "/var/log"
        case "m": return host.machineID
        case "M": return host.osRelease["IMAGE_ID"] ?? ""
        case "n": return unit.name
        case "N": return unit.stem
        case "o": return host.osRelease["ID"] ?? ""
        case "p": return unit.prefix
        case "P": return try unescaped(Self.unescape(unit.prefix))
        case "q": return host.prettyHostname
        case "s": return "/bin/sh"
        case "S": return "/var/lib"
        case "t": return "/run"
        case "T": return "/tmp"
        case "u": return "root"
        case "U": return "0"
        case "v": return host.kernelRelease
        case "V": return "/var/tmp"
        case "w": return host.osRelease["VERSION_ID"] ?? ""
        case "W": return host.osRelease["VARIANT_ID"] ?? ""
        case "y": return fragmentPath ?? ""
        case "Y": return fragmentPath.map(FileSystem.directoryName) ?? ""
        default: return nil
        }
    }

    /// `%j`: the prefix's part after its last dash.
    private var finalComponent: String {
        guard let dash = unit.prefix.lastIndex(of: "-") else { return unit.prefix }
        return String(unit.prefix[unit.prefix.index(after: dash)...])
    }

    /// Undoes systemd-escape as systemd's unit_name_unescape() does: `-` is `/`, `\xNN` a byte, and
    /// any other backslash makes it nil (EINVAL). A decoded NUL ends the text, as it ends systemd's string.
    public static func unescape(_ text: String) -> String? {
        var bytes: [UInt8] = []
        let input = Array(text.utf8)
        var i = 0
        while i < input.count {
            switch input[i] {
            case UInt8(ascii: "-"): bytes.append(UInt8(ascii: "/"))
            case UInt8(ascii: "\\"):
                guard i + 3 < input.count, input[i + 1] == UInt8(ascii: "x"),
                      let high = hexValue(input[i + 2]), let low = hexValue(input[i + 3]) else { return nil }
                bytes.append(high << 4 | low)
                i += 3
            default: bytes.append(input[i])
            }
            i += 1
        }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Undoes `systemd-escape --path` as unit_name_path_unescape() does: `-` is /, else the
    /// unescaped text, which may neither start nor end with a slash, after one; nil (EINVAL) where
    /// it does not unescape or is not a normalized path.
    public static func pathUnescape(_ text: String) -> String? {
        if text == "-" { return "/" }
        guard !text.isEmpty, let unescaped = unescape(text), !unescaped.hasPrefix("/"), !unescaped.hasSuffix("/") else { return nil }
        if unescaped.isEmpty { return "/" }
        let parts = unescaped.split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else { return nil }
        return "/" + unescaped
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Facts about the running host that specifiers expand to; read once per process.
struct HostFacts: Sendable {
    let hostname, prettyHostname, machineID, bootID, kernelRelease, architecture: String
    let osRelease: [String: String]

    static let current = HostFacts()

    private init() {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        hostname = String(cText: buffer)
        machineID = FileSystem.readTextFile("/etc/machine-id").map { $0.trimmingWhitespace() } ?? ""
        bootID = (FileSystem.readTextFile("/proc/sys/kernel/random/boot_id") ?? "")
            .trimmingWhitespace().replacingDashes()
        var names = utsname()
        uname(&names)
        kernelRelease = withUnsafeBytes(of: names.release) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        #if arch(x86_64)
        architecture = "x86-64"
        #elseif arch(arm64)
        architecture = "arm64"
        #else
        architecture = "unknown"
        #endif
        osRelease = Self.keyValues(FileSystem.readTextFile("/etc/os-release") ?? FileSystem.readTextFile("/usr/lib/os-release") ?? "")
        prettyHostname = Self.keyValues(FileSystem.readTextFile("/etc/machine-info") ?? "")["PRETTY_HOSTNAME"] ?? hostname
    }

    /// Parses os-release style `KEY=value` lines, dropping one level of quotes.
    static func keyValues(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "="), !line.hasPrefix("#") else { continue }
            var value = String(line[line.index(after: equals)...]).trimmingWhitespace()
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            result[String(line[..<equals])] = value
        }
        return result
    }
}

private extension String {
    func replacingDashes() -> String { String(filter { $0 != "-" }) }
}

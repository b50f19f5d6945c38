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
                guard let value = value(of: character) else { throw .unknownSpecifier(location, character) }
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

    /// The value of one specifier character, nil when systemd does not know it.
    public func value(of specifier: Character) -> String? {
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
        case "f": return Self.pathUnescape(unit.instance.flatMap { $0.isEmpty ? nil : $0 } ?? unit.prefix)
        case "g": return "root"
        case "G": return "0"
        case "h": return "/root"
        case "H": return host.hostname
        case "i": return unit.instance ?? ""
        case "I": return Self.unescape(unit.instance ?? "")
        case "j": return finalComponent
        case "J": return Self.unescape(finalComponent)
        case "l": return String(host.hostname.prefix { $0 != "." })
        case "L": return "/var/log"
        case "m": return host.machineID
        case "M": return host.osRelease["IMAGE_ID"] ?? ""
        case "n": return unit.name
        case "N": return unit.stem
        case "o": return host.osRelease["ID"] ?? ""
        case "p": return unit.prefix
        case "P": return Self.unescape(unit.prefix)
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

    /// Undoes systemd-escape: `-` is `/`, `\xNN` is a byte.
    public static func unescape(_ text: String) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "-") {
                bytes.append(UInt8(ascii: "/"))
            } else if byte == UInt8(ascii: "\\"), index + 3 < utf8.count, utf8[index + 1] == UInt8(ascii: "x"),
                      let value = UInt8(String(decoding: utf8[index + 2...index + 3], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(byte)
            }
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Undoes `systemd-escape --path`: the result is an absolute path.
    public static func pathUnescape(_ text: String) -> String {
        if text == "-" { return "/" }
        let path = unescape(text)
        return path.hasPrefix("/") ? path : "/" + path
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

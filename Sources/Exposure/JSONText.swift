/// A small JSON writer: Foundation's JSONSerialization is far slower for thousands of units,
/// and output order should follow our field order, not a dictionary's.
public indirect enum JSON: Sendable {
    case string(String), number(String), bool(Bool), null
    case array([JSON]), object([(String, JSON)])

    public static func int(_ n: UInt64) -> JSON { .number(String(n)) }
    public static func optional(_ s: String?) -> JSON { s.map { .string($0) } ?? .null }

    func write(into out: inout [UInt8]) {
        switch self {
        case .string(let s): JSON.quote(s, into: &out)
        case .number(let n): out += n.utf8
        case .bool(let b): out += (b ? "true" : "false").utf8
        case .null: out += "null".utf8
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.quote(key, into: &out)
                out.append(UInt8(ascii: ":"))
                value.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    public var text: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4096)
        write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func quote(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { bytes in
            out.append(UInt8(ascii: "\""))
            var plain = true
            for b in bytes where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { plain = false; break }
            if plain { out.append(contentsOf: bytes) } else {
                for b in bytes {
                    switch b {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), b]
                    case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                    case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                    case 0..<0x20: out += "\\u00".utf8; out += [hexDigits[Int(b >> 4)], hexDigits[Int(b & 15)]]
                    default: out.append(b)
                    }
                }
            }
            out.append(UInt8(ascii: "\""))
        }
    }
}

import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address prefix (IPAddressAllow=/IPAddressDeny=): address bytes and prefix length.
public struct IPPrefix: Hashable, Sendable, CustomStringConvertible {
    public var address: [UInt8]   // 4 or 16 bytes
    public var length: Int
    public var isIPv6: Bool { address.count == 16 }
    public init(address: [UInt8], length: Int) { self.address = address; self.length = length }

    /// Parses `ADDRESS[/LENGTH]` in either family; a missing length means the whole address.
    public init(parsing text: String) throws(ValueError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let bytes = Self.parseAddress(String(parts[0])) else {
            throw ValueError("'\(text)' is not an IP address or prefix")
        }
        let maxLength = bytes.count * 8
        var length = maxLength
        if parts.count == 2 {
            guard let n = Int(parts[1]), (0...maxLength).contains(n) else {
                throw ValueError("'\(text)' has an invalid prefix length (0…\(maxLength))")
            }
            length = n
        }
        self.init(address: bytes, length: length)
    }

    static func parseAddress(_ s: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, s, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: 64)
        var bytes = address
        let family = isIPv6 ? AF_INET6 : AF_INET
        _ = bytes.withUnsafeMutableBytes { inet_ntop(family, $0.baseAddress, &buffer, 64) }
        let text = String(cText: buffer)
        return "\(text)/\(length)"
    }

    /// The symbolic names of IPAddressAllow=/Deny= and the prefixes they stand for.
    public static let symbolic: [String: [IPPrefix]] = [
        "any": [IPPrefix(address: [0, 0, 0, 0], length: 0), IPPrefix(address: Array(repeating: 0, count: 16), length: 0)],
        "localhost": [IPPrefix(address: [127, 0, 0, 0], length: 8), IPPrefix(address: Array(repeating: 0, count: 15) + [1], length: 128)],
        "link-local": [IPPrefix(address: [169, 254, 0, 0], length: 16), IPPrefix(address: [0xfe, 0x80] + Array(repeating: 0, count: 14), length: 64)],
        "multicast": [IPPrefix(address: [224, 0, 0, 0], length: 4), IPPrefix(address: [0xff] + Array(repeating: 0, count: 15), length: 8)],
    ]

    /// Parses a whitespace-separated list of prefixes and symbolic names; words that are neither
    /// are left out and noted in `skipped`. Quotes are not special here (systemd reads `"::1"` as
    /// written, so it is no address); a trailing backslash ends the list, the words before it apply.
    public static func parseList(_ value: String, skipped: inout [ValueError]) -> [IPPrefix] {
        var result: [IPPrefix] = []
        for word in listWords(value, [], skipped: &skipped) {
            if let named = symbolic[word] { result += named; continue }
            do throws(ValueError) { result.append(try IPPrefix(parsing: word)) } catch { skipped.append(error) }
        }
        return result
    }
}

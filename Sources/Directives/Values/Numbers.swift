/// Integers as systemd reads them for Nice=, OOMScoreAdjust=, weights and octal modes.
public enum Numbers {
    /// A decimal integer within `range`, naming `what` in the error.
    public static func integer(_ value: String, in range: ClosedRange<Int>, _ what: String) throws(ValueError) -> Int {
        guard let n = Int(value.trimmed), range.contains(n) else {
            throw ValueError("'\(value)' is not a valid \(what) (\(range.lowerBound)…\(range.upperBound))")
        }
        return n
    }

    /// An unsigned decimal number.
    public static func unsigned(_ value: String, _ what: String) throws(ValueError) -> UInt64 {
        guard let n = UInt64(value.trimmed) else { throw ValueError("'\(value)' is not a valid \(what) (an unsigned number)") }
        return n
    }

    /// A file mode in octal (UMask=, RuntimeDirectoryMode=, SocketMode=): at most 07777.
    public static func mode(_ value: String) throws(ValueError) -> UInt32 {
        let t = value.trimmed
        guard !t.isEmpty, t.allSatisfy({ ("0"..."7").contains($0) }), let m = UInt32(t, radix: 8), m <= 0o7777 else {
            throw ValueError("'\(value)' is not an octal file mode (e.g. 0755)")
        }
        return m
    }
}

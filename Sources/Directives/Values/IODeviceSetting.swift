/// The per-device I/O directives of systemd.resource-control(5): `PATH VALUE`, where PATH is a
/// block device node or a file on the file system of the device meant.
public struct IODeviceSetting<Value: Sendable>: Sendable {
    public var path: String
    public var value: Value

    public init(path: String, value: Value) {
        self.path = path
        self.value = value
    }

    /// Splits `PATH VALUE` at the last run of blanks (a path may not, a value never contains one).
    public static func parse(_ text: String, _ value: (String) throws(ValueError) -> Value) throws(ValueError) -> IODeviceSetting {
        let words = text.split(whereSeparator: \.isBlank)
        guard words.count == 2 else { throw ValueError("'\(text)' is not a device path and a value") }
        let path = String(words[0])
        guard path.hasPrefix("/") else { throw ValueError("'\(path)' is not an absolute path") }
        return IODeviceSetting(path: path, value: try value(String(words[1])))
    }
}

/// IORead/WriteBandwidthMax= and IORead/WriteIOPSMax=: the four limits of io.max per device.
public enum IOLimitKind: Int, CaseIterable, Hashable, Sendable {
    case readBandwidth, writeBandwidth, readIOPS, writeIOPS

    /// io.max's key for the limit.
    public var key: String { ["rbps", "wbps", "riops", "wiops"][rawValue] }

    public var directive: String { ["IOReadBandwidthMax", "IOWriteBandwidthMax", "IOReadIOPSMax", "IOWriteIOPSMax"][rawValue] }
}

public enum IOLimitValue {
    /// A bandwidth or operation count: decimal suffixes (K = 1000), above 0, or `infinity`
    /// (UInt64.max), as systemd's config_parse_io_limit reads it.
    public static func parse(_ text: String) throws(ValueError) -> UInt64 {
        if text == "infinity" { return .max }
        let n = try ByteSize.parse(text, base: 1000)
        guard n > 0 else { throw ValueError("'\(text)' is out of range (must be above 0)") }
        return n
    }
}

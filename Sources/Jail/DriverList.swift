import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The drivers /proc/devices lists ("136 pts" under "Character devices:"), read on first
/// use: a start with PrivateDevices= and ProtectClock= asks for char-pts and char-rtc.
public struct DriverList {
    private var procDevicesText: [UInt8]? = nil

    /// What `keep` keeps: nil until the first read after it.
    private static let kept = Mutex<(keeping: Bool, text: [UInt8]?)>((false, nil))

    /// From now on /proc/devices is read once for the process: brig listen starts an instance per
    /// connection and would read it at each. A driver registered later goes unmatched by a
    /// DeviceAllow= glob until brig listen restarts, which denies its devices (fail closed).
    public static func keep() { kept.withLock { $0.keeping = true } }

    /// Calls `body` with the major number and NUL-terminated name of each driver of one
    /// kind in /proc/devices, straight from the file's bytes: this runs on every start
    /// with PrivateDevices= (for char-pts), where Strings per line cost more than the rest.
    mutating func forEach(_ kind: DeviceFilter.Kind, _ body: (UInt32, UnsafePointer<CChar>) -> Void) {
        let header = kind == .char ? "Character devices:" : "Block devices:"
        let otherHeader = kind == .char ? "Block devices:" : "Character devices:"
        // The copy that is parsed gets NULs written into it; the kept text stays whole.
        var bytes = procDevicesText ?? Self.keptOrRead()
        procDevicesText = bytes
        bytes.withUnsafeMutableBufferPointer { text in
            let length = text.count - 1  // without the spare byte
            var inSection = false
            var start = 0
            while start < length {
                var end = start
                while end < length && text[end] != UInt8(ascii: "\n") { end += 1 }
                let line = UnsafeMutableBufferPointer(rebasing: text[start..<end])
                start = end + 1
                if line.elementsEqual(header.utf8) { inSection = true; continue }
                if line.elementsEqual(otherHeader.utf8) { inSection = false; continue }
                guard inSection else { continue }
                // "%3d %s": spaces, the major, one or more spaces, the name.
                var at = 0
                while at < line.count && line[at] == UInt8(ascii: " ") { at += 1 }
                var major: UInt32 = 0
                var digits = 0
                while at < line.count, let digit = Self.digit(line[at]) {
                    let (product, overflow) = major.multipliedReportingOverflow(by: 10)
                    guard !overflow, product <= UInt32.max - digit else { digits = 0; break }
                    major = product + digit
                    digits += 1
                    at += 1
                }
                guard digits > 0, major > 0, at < line.count, line[at] == UInt8(ascii: " ") else { continue }
                while at < line.count && line[at] == UInt8(ascii: " ") { at += 1 }
                // The newline (or the spare byte after the text) becomes the name's NUL.
                text[end] = 0
                line.baseAddress!.withMemoryRebound(to: CChar.self, capacity: line.count + 1) { body(major, $0 + at) }
            }
        }
    }

    private static func digit(_ byte: UInt8) -> UInt32? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? UInt32(byte - UInt8(ascii: "0")) : nil
    }

    private static func keptOrRead() -> [UInt8] {
        kept.withLock { kept in
            guard kept.keeping else { return procDevices() }
            if let text = kept.text { return text }
            let text = procDevices()
            if !text.isEmpty { kept.text = text }
            return text
        }
    }

    /// The bytes of /proc/devices and a zero byte (nothing if it cannot be read).
    private static func procDevices() -> [UInt8] {
        let fd = open("/proc/devices", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        var size = 0
        while true {
            if size == bytes.count { bytes += [UInt8](repeating: 0, count: bytes.count) }
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + size, $0.count - size) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return [] }
            if n == 0 { break }
            size += n
        }
        // One spare zero byte after the text, for the last line's NUL.
        bytes.removeLast(bytes.count - size)
        bytes.append(0)
        return bytes
    }
}

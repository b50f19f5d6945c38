#if canImport(Glibc)
import Glibc
#endif

/// TTYRows= and TTYColumns=: a terminal the service gets as standard input (StandardInput=tty)
/// is given this size, as systemd gives it when it acquires the terminal; a dimension left unset
/// keeps the terminal's own, and a size the terminal has already changes nothing.
public struct TerminalSize: Sendable, Equatable {
    public var rows: UInt32?
    public var columns: UInt32?

    public init(rows: UInt32?, columns: UInt32?) {
        self.rows = rows
        self.columns = columns
    }

    var isSet: Bool { rows != nil || columns != nil }

    /// Sets it on the terminal open at `fd`; failing, the start fails with STDIN, as systemd's.
    func apply(to fd: Int32) throws(JailError) {
        guard isSet else { return }
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0 else { throw failure("reading the terminal's size") }
        // Above what the kernel's 16 bits hold, systemd sets the most they hold.
        let wanted = (rows.map { UInt16(clamping: $0) } ?? size.ws_row, columns.map { UInt16(clamping: $0) } ?? size.ws_col)
        guard wanted != (size.ws_row, size.ws_col) else { return }
        (size.ws_row, size.ws_col) = wanted
        guard ioctl(fd, UInt(TIOCSWINSZ), &size) == 0 else { throw failure("setting the terminal's size") }
    }

    private func failure(_ what: String) -> JailError {
        let directive = [rows.map { "TTYRows=\($0)" }, columns.map { "TTYColumns=\($0)" }].compactMap { $0 }.joined(separator: " ")
        return .refused(directive: directive, reason: "\(what): \(SystemFiles.errorName(errno))", status: .stdin)
    }
}

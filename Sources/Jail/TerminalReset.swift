import Directives
#if canImport(Glibc)
import Glibc
#endif

/// TTYVHangup=, TTYReset= and TTYVTDisallocate=: what systemd 252 does to the service's terminal
/// (TTYPath=, else /dev/console) before a process of the service starts and again when the
/// service is dead (exec_context_tty_reset(), exec_context_revert_tty()): hang up every other
/// user of it, put its line discipline back to sane defaults, and free (or at least clear) a
/// virtual console. systemd ignores every failure here, and so does brig: none of this confines
/// the service, it tidies the terminal for whoever uses it next.
public struct TerminalReset: Sendable, Equatable {
    public var path: String
    public var hangUp: Bool
    public var reset: Bool
    public var disallocate: Bool

    /// nil when the unit asks for none of the three.
    public init?(_ stdio: StdioSettings) {
        (hangUp, reset, disallocate) = (stdio.ttyVHangup ?? false, stdio.ttyReset ?? false, stdio.ttyVTDisallocate ?? false)
        path = stdio.ttyPath ?? "/dev/console"
        if !hangUp && !reset && !disallocate { return nil }
    }

    /// In systemd's order: hang-up, reset, then the virtual console.
    public func apply() {
        if hangUp { Self.withTerminal(path) { _ = ioctl($0, UInt(TIOCVHANGUP)) } }
        if reset { Self.withTerminal(path) { Self.sane($0) } }
        if disallocate { Self.disallocate(path) }
    }

    /// Opens the terminal as systemd's open_terminal() does: without becoming its controlling
    /// process or waiting for a carrier, again for a second while a hang-up makes it fail with
    /// EIO, and only if it is a terminal.
    private static func withTerminal(_ path: String, flags: Int32 = O_NONBLOCK, _ body: (Int32) -> Void) {
        var fd: Int32 = -1
        for _ in 0..<20 {
            fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | flags)
            if fd >= 0 || errno != EIO { break }
            usleep(50_000)
        }
        guard fd >= 0 else { return }
        defer { close(fd) }
        if isatty(fd) == 1 { body(fd) }
    }

    /// reset_terminal_fd(): out of exclusive mode, a console into text mode and its keyboard
    /// into the kernel's default mode, the flags and control characters programs expect, and
    /// whatever was queued flushed.
    private static func sane(_ fd: Int32) {
        _ = ioctl(fd, UInt(TIOCNXCL))
        _ = ioctl(fd, 0x4B3A, 0)   // KDSETMODE KD_TEXT
        let utf8 = SystemFiles.read("/sys/module/vt/parameters/default_utf8")?.hasPrefix("0") != true
        _ = ioctl(fd, 0x4B45, utf8 ? 3 : 1)   // KDSKBMODE K_UNICODE, else K_XLATE
        var t = termios()
        if tcgetattr(fd, &t) == 0 {
            t.c_iflag &= ~tcflag_t(IGNBRK | BRKINT | ISTRIP | INLCR | IGNCR | IUCLC)
            t.c_iflag |= tcflag_t(ICRNL | IMAXBEL | IUTF8)
            t.c_oflag |= tcflag_t(ONLCR)
            t.c_cflag |= tcflag_t(CREAD)
            t.c_lflag = tcflag_t(ISIG | ICANON | IEXTEN | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOPRT | ECHOKE)
            let characters: [(Int32, UInt8)] = [
                (VINTR, 0o3), (VQUIT, 0o34), (VERASE, 0o177), (VKILL, 0o25), (VEOF, 0o4), (VSTART, 0o21),
                (VSTOP, 0o23), (VSUSP, 0o32), (VLNEXT, 0o26), (VWERASE, 0o27), (VREPRINT, 0o22),
                (VEOL, 0), (VEOL2, 0), (VTIME, 0), (VMIN, 1),
            ]
            withUnsafeMutableBytes(of: &t.c_cc) { cc in
                for (index, value) in characters { cc[Int(index)] = value }
            }
            _ = tcsetattr(fd, TCSANOW, &t)
        }
        _ = tcflush(fd, TCIOFLUSH)
    }

    /// vt_disallocate(): a virtual console /dev/ttyN (1 to 63) is freed through /dev/tty0; one
    /// that cannot be (the active one: EBUSY), or a terminal that is no console, is cleared,
    /// scroll-back included.
    private static func disallocate(_ path: String) {
        guard path.hasPrefix("/dev/") else { return }
        let name = path.dropFirst(5)
        if name.hasPrefix("tty"), let number = Int(name.dropFirst(3)), (0...63).contains(number), name.dropFirst(3).first?.isNumber == true {
            guard number > 0 else { return }
            var freed = false, busy = false
            withTerminal("/dev/tty0") { console in
                freed = ioctl(console, 0x5608, Int32(number)) == 0   // VT_DISALLOCATE
                busy = !freed && errno == EBUSY
            }
            if freed || !busy { return }
        }
        withTerminal(path, flags: 0) { fd in
            let clear = Array("\u{1b}[r\u{1b}[H\u{1b}[3J".utf8)
            _ = clear.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
    }
}

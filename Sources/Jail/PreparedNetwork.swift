import CJail
#if canImport(Glibc)
import Glibc
#endif

/// PrivateNetwork='s namespace, made by a thread while the rest of the jail is prepared.
/// Creating a network namespace costs the kernel about a millisecond; made ahead, that
/// overlaps with planning instead of delaying the child, which then only joins it. Every
/// command of the run joins the same namespace, as the processes of a systemd service share
/// theirs. When it cannot be made ahead, the child unshares one itself, as before.
final class PreparedNetwork {
    private var pending: Bool
    private var fd: Int32 = -1

    init(if wanted: Bool) {
        pending = wanted && cjail_network_namespace_start() == 0
    }

    /// The namespace's fd (close-on-exec), or nil when none was made ahead.
    func take() -> Int32? {
        if pending {
            pending = false
            let result = cjail_network_namespace_take()
            if result >= 0 { fd = result }
        }
        return fd >= 0 ? fd : nil
    }

    deinit {
        _ = take()
        if fd >= 0 { close(fd) }
    }
}

import CJail
#if canImport(Glibc)
import Glibc
#endif

/// The network and IPC namespaces of PrivateNetwork= and PrivateIPC=, made by a thread while
/// the rest of the jail is prepared. Creating a network namespace costs the kernel about a
/// millisecond; made ahead, that overlaps with planning instead of delaying the child, which
/// only joins them. Every command of the run joins the same namespaces, as the processes of a
/// systemd service share theirs. When they cannot be made ahead, the child unshares its own.
final class PreparedNamespaces {
    private var pending: Bool
    private(set) var network: Int32? = nil
    private(set) var ipc: Int32? = nil

    init(network wantsNetwork: Bool, ipc wantsIPC: Bool) {
        let types = (wantsNetwork ? Namespaces.network : 0) | (wantsIPC ? Namespaces.ipc : 0)
        pending = types != 0 && cjail_namespaces_start(types) == 0
    }

    /// Waits for the thread; afterwards `network` and `ipc` hold the fds made (close-on-exec).
    func finish() {
        guard pending else { return }
        pending = false
        var networkFD: Int32 = -1, ipcFD: Int32 = -1
        guard cjail_namespaces_take(&networkFD, &ipcFD) == 0 else { return }
        network = networkFD >= 0 ? networkFD : nil
        ipc = ipcFD >= 0 ? ipcFD : nil
    }

    deinit {
        finish()
        for fd in [network, ipc].compactMap({ $0 }) { close(fd) }
    }
}

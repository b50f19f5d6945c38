import CJail
#if canImport(Glibc)
import Glibc
#endif

/// The network and IPC namespaces of PrivateNetwork= and PrivateIPC=, made by a thread while
/// the rest of the jail is read and planned. Creating a network namespace costs the kernel about
/// a millisecond; made ahead, that overlaps with the parent's work instead of delaying the
/// child, which only joins them. Every command of the run joins the same namespaces, as the
/// processes of a systemd service share theirs. `brig run` begins this as soon as it knows the
/// unit; whoever does not (a dry run, a test process) gets nothing, and the child unshares.
public enum PreparedNamespaces {
    /// Starts the thread; at most one preparation is pending per process.
    public static func begin(network: Bool, ipc: Bool) {
        let types = (network ? Namespaces.network : 0) | (ipc ? Namespaces.ipc : 0)
        if types != 0 { _ = cjail_namespaces_start(types) }
    }

    /// Waits for the pending preparation: the fds made (close-on-exec; the caller closes them),
    /// or nils when none was begun or the thread failed.
    static func take() -> (network: Int32?, ipc: Int32?) {
        var network: Int32 = -1, ipc: Int32 = -1
        guard cjail_namespaces_take(&network, &ipc) == 0 else { return (nil, nil) }
        return (network >= 0 ? network : nil, ipc >= 0 ? ipc : nil)
    }
}

import CJail
import Synchronization
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
    /// The fds made ahead, as the thread returns them.
    typealias Made = (network: Int32?, ipc: Int32?)

    private static let pending = Mutex<BackgroundWork<Made>?>(nil)

    /// Starts the thread; at most one preparation is pending per process.
    public static func begin(network: Bool, ipc: Bool) {
        let types = (network ? Namespaces.network : 0) | (ipc ? Namespaces.ipc : 0)
        guard types != 0 else { return }
        pending.withLock { work in
            // The thread keeps the namespaces it unshared until it ends; the fds keep them after.
            if work == nil { work = BackgroundWork.start { make(types) } }
        }
    }

    /// Waits for the pending preparation: the fds made (close-on-exec; the caller closes them),
    /// or nils when none was begun or the thread failed.
    static func take() -> Made {
        let work = pending.withLock { work in
            defer { work = nil }
            return work
        }
        return work?.result() ?? (nil, nil)
    }

    private static func make(_ types: Int32) -> Made {
        var network: Int32 = -1, ipc: Int32 = -1
        guard cjail_make_namespaces(types, &network, &ipc) == 0 else { return (nil, nil) }
        return (network >= 0 ? network : nil, ipc >= 0 ? ipc : nil)
    }
}

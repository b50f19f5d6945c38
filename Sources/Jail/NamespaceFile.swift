#if canImport(Glibc)
import Glibc
#endif

/// A namespace the unit names by path, to be joined rather than made: NetworkNamespacePath=,
/// IPCNamespacePath= (both 252) and UserNamespacePath= (259). systemd opens the file before
/// it sets anything up, where the manager sees the file system, and joins later, each at its
/// namespace's place in the order; brig opens it in the parent before the fork, and the child
/// joins at the same places.
public struct NamespaceFile: Sendable, Equatable {
    public var path: String
    /// CLONE_NEW* of the namespace.
    public var type: Int32
    /// What the start fails with when the file cannot be opened or joined: NETWORK for a network
    /// namespace, NAMESPACE for IPC; a user namespace is opened with NAMESPACE and joined with USER.
    public var openFailure, joinFailure: ExitStatus
    /// The parent's descriptor on it, once opened (ServiceRun).
    public var fd: Int32? = nil

    public var directive: String {
        let name = switch type {
        case Namespaces.network: "NetworkNamespacePath"
        case Namespaces.ipc: "IPCNamespacePath"
        default: "UserNamespacePath"
        }
        return "\(name)=\(path)"
    }

    public static func network(_ path: String) -> NamespaceFile {
        NamespaceFile(path: path, type: Namespaces.network, openFailure: .network, joinFailure: .network)
    }
    public static func ipc(_ path: String) -> NamespaceFile {
        NamespaceFile(path: path, type: Namespaces.ipc, openFailure: .namespace, joinFailure: .namespace)
    }
    public static func user(_ path: String) -> NamespaceFile {
        NamespaceFile(path: path, type: Namespaces.user, openFailure: .namespace, joinFailure: .user)
    }

    /// Opens the file (close-on-exec, the caller closes it). A file that is no namespace, or one
    /// of another type, fails here with EINVAL, as systemd checks before it keeps the descriptor.
    public mutating func open() throws(JailError) {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            throw .refused(directive: directive, reason: "cannot open the namespace: \(SystemFiles.errorName(errno))", status: openFailure)
        }
        let nsGetNSType = UInt(0xb7 << 8 | 3)   // NS_GET_NSTYPE: _IO(0xb7, 0x3)
        let actual = ioctl(fd, nsGetNSType)
        guard actual == type else {
            let error = actual < 0 && errno != ENOTTY ? errno : EINVAL
            close(fd)
            throw .refused(directive: directive, reason: "not a namespace of that type: \(SystemFiles.errorName(error))", status: openFailure)
        }
        self.fd = fd
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// RootEphemeral=yes with RootDirectory= (254): each run of the service gets a copy of its root
/// directory, made on the host before the first command starts, used as its root instead of
/// the original and removed when the run ends. A restart gets a fresh copy, as systemd's does.
/// The copy's name is noted in the run's owner lock file first, so that a later start removes
/// it if brig is killed (`RunLeftover.ephemeralRoot`).
public struct EphemeralRoot: Sendable, Equatable {
    /// Where systemd puts these copies (mode 0755), and where systemd-tmpfiles removes those no
    /// one holds a lock on.
    public static let directory = "/var/lib/systemd/ephemeral-trees"

    /// RootDirectory=, the tree copied.
    public var source: String
    public var unitName: String

    public init(source: String, unitName: String) {
        self.source = source
        self.unitName = unitName
    }

    /// A name for one run's copy: the unit's name and 16 random hex digits after ".#", as systemd
    /// names its copies. `suffix` replaces the digits (`--dry-run` shows "dry-run").
    func name(suffix: String? = nil) -> String {
        let digits = String(UInt64.random(in: .min ... .max), radix: 16)
        return ".#" + unitName + (suffix ?? String(repeating: "0", count: 16 - digits.count) + digits)
    }

    public static func path(_ name: String) -> String { directory + "/" + name }

    /// A copy being used, locked (flock) while held, as systemd locks its copies so that
    /// systemd-tmpfiles, told to remove whatever is there, leaves them alone.
    final class Copy {
        let name: String
        private var lock: Int32

        fileprivate init(name: String, lock: Int32) {
            self.name = name
            self.lock = lock
        }

        /// Removes the copy by descriptor (the service may have planted symlinks in it), then
        /// drops the lock. Best effort: what cannot be removed is said and left.
        func remove() {
            let code = EphemeralRoot.remove(named: name)
            if code != 0 { SystemFiles.warn("brig run: RootEphemeral=: removing \(EphemeralRoot.path(name)): \(SystemFiles.errorName(code))") }
            if lock >= 0 { close(lock) }
            lock = -1
        }

        deinit { if lock >= 0 { close(lock) } }
    }

    /// Makes the copy `name` of `source`; one that fails half-way is removed again. Refused with
    /// systemd's status for a root that cannot be set up (226 NAMESPACE).
    func make(named name: String) throws(JailError) -> Copy {
        func refuse(_ what: String, _ code: Int32) -> JailError {
            .refused(directive: "RootEphemeral=yes", reason: "\(what): \(SystemFiles.errorName(code))", status: .namespace)
        }
        let made = SystemFiles.makeDirectories(Self.directory, mode: 0o755)
        if made != 0 { throw refuse("creating \(Self.directory)", made) }
        let trees: OpenDirectory, original: OpenDirectory
        do { trees = try OpenDirectory(trusted: Self.directory) } catch { throw refuse("opening \(Self.directory)", error.code) }
        do { original = try OpenDirectory(trusted: source) } catch { throw refuse("opening RootDirectory=\(source)", error.code) }
        if mkdirat(trees.fd, name, 0o700) != 0 { throw refuse("creating \(Self.path(name))", errno) }
        let lock = openat(trees.fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard lock >= 0, flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            if lock >= 0 { close(lock) }
            trees.removeTree(name)
            throw refuse("locking \(Self.path(name))", code)
        }
        let copy = Copy(name: name, lock: lock)
        let destination: OpenDirectory
        do { destination = try trees.child(name).directory } catch {
            copy.remove()
            throw refuse("opening \(Self.path(name))", error.code)
        }
        do { try TreeCopy.copy(original, into: destination) } catch {
            copy.remove()
            throw refuse("copying \(source) to \(Self.path(name)) failed at \(error.path)", error.code)
        }
        return copy
    }

    /// Removes the copy `name` by descriptor; the first errno, or 0 (also when it is gone).
    @discardableResult
    static func remove(named name: String) -> Int32 {
        guard let trees = try? OpenDirectory(trusted: directory) else { return 0 }
        return trees.removeTree(name)
    }
}

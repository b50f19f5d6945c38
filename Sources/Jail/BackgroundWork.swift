#if canImport(Glibc)
import Glibc
#endif

/// Work begun on a thread of its own while the caller goes on, its result taken later.
/// `brig run` makes its network and IPC namespaces and compiles its syscall filter this way
/// while it reads the user database and plans the mounts.
public final class BackgroundWork<Value: Sendable>: @unchecked Sendable {
    private var thread: pthread_t?
    private var value: Value?
    private let work: @Sendable () -> Value

    private init(_ work: @escaping @Sendable () -> Value) { self.work = work }

    /// Starts `work` on a new thread; nil when none can be made, and the caller decides what
    /// to do instead (work that changes its thread, such as unsharing a namespace, must not
    /// simply run on the caller's).
    public static func start(_ work: @escaping @Sendable () -> Value) -> BackgroundWork? {
        let background = BackgroundWork(work)
        return background.begin() ? background : nil
    }

    private func begin() -> Bool {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, 1 << 20)
        let job = Unmanaged.passRetained(ThreadJob { self.value = self.work() }).toOpaque()
        var created = pthread_t()
        guard pthread_create(&created, &attributes, runThreadJob, job) == 0 else {
            Unmanaged<ThreadJob>.fromOpaque(job).release()
            return false
        }
        thread = created
        return true
    }

    /// Waits for the work and returns what it made.
    public func result() -> Value {
        if let thread {
            pthread_join(thread, nil)
            self.thread = nil
        }
        return value!
    }
}

/// What a thread runs, without generic parameters: a C start routine cannot have any.
private final class ThreadJob {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

private func runThreadJob(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    Unmanaged<ThreadJob>.fromOpaque(context!).takeRetainedValue().run()
    return nil
}

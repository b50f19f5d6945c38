#if canImport(Glibc)
import Glibc
#endif

/// Work begun on a thread of its own while the caller goes on, its result taken later.
/// `brig run` compiles its syscall filter this way while it reads the user database and
/// plans the mounts: the library takes a good part of a start to build a filter.
public final class BackgroundWork<Value: Sendable>: @unchecked Sendable {
    private var thread: pthread_t?
    private var value: Value?
    private let work: @Sendable () -> Value

    private init(_ work: @escaping @Sendable () -> Value) { self.work = work }

    /// Starts `work`; where no thread can be made, it runs here and now.
    public static func start(_ work: @escaping @Sendable () -> Value) -> BackgroundWork {
        let background = BackgroundWork(work)
        background.begin()
        return background
    }

    private func begin() {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, 1 << 20)
        let job = Unmanaged.passRetained(ThreadJob { self.value = self.work() }).toOpaque()
        var created = pthread_t()
        if pthread_create(&created, &attributes, runThreadJob, job) == 0 {
            thread = created
        } else {
            Unmanaged<ThreadJob>.fromOpaque(job).release()
            value = work()
        }
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

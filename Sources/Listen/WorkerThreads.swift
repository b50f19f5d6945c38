import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Threads that take jobs from a queue and are kept between them: a start on a thread of its own
/// would otherwise pay for a thread's birth and death at every connection. Threads are made as
/// jobs come, up to `limit`, and live as long as the process. A job must leave its thread as it
/// found it (no namespace or credential of its own), as every start does: what changes a
/// thread's state runs on a thread made for it (`PreparedNamespaces`).
final class WorkerThreads: Sendable {
    private let limit: Int
    private let state = Mutex<(jobs: [@Sendable () -> Void], threads: Int)>(([], 0))
    /// Counts the jobs waiting; an idle thread sleeps on it.
    private nonisolated(unsafe) let waiting: UnsafeMutablePointer<sem_t>

    init(limit: Int) {
        self.limit = limit
        waiting = .allocate(capacity: 1)
        sem_init(waiting, 0, 0)
    }

    /// Queues `job`; false when it would need a thread and none can be made.
    func run(_ job: @escaping @Sendable () -> Void) -> Bool {
        let grow = state.withLock { state -> Bool in
            state.jobs.append(job)
            guard state.threads < limit else { return false }
            state.threads += 1
            return true
        }
        if grow, !startThread() {
            state.withLock { state in
                state.threads -= 1
                state.jobs.removeLast()
            }
            return false
        }
        sem_post(waiting)
        return true
    }

    private func startThread() -> Bool {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, 1 << 20)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        guard pthread_create(&thread, &attributes, workerLoop, context) == 0 else {
            Unmanaged<WorkerThreads>.fromOpaque(context).release()
            return false
        }
        return true
    }

    fileprivate func serve() -> Never {
        while true {
            while sem_wait(waiting) != 0 {}   // EINTR
            let job = state.withLock { $0.jobs.removeFirst() }
            job()
        }
    }
}

private func workerLoop(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    Unmanaged<WorkerThreads>.fromOpaque(context!).takeUnretainedValue().serve()
}

import CJail
import Jail
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Instances started on worker threads (`WorkerThreads`). A start ends by waiting for its child to reach
/// execve (the child borrows the parent's memory until then), which on a busy machine is most
/// of its time; made on a thread, it leaves the loop to accept the next connection and to lead
/// the running instances meanwhile. Each start is a `ServiceRun` made exactly as on the loop's
/// thread, handed to the loop once made, and led by the loop alone from then on.
final class ConcurrentStarts {
    /// A start's result, carried from its thread to the loop.
    typealias Outcome = Result<StartedRun, ServiceTemplate.Failure>

    /// A run made on another thread; after the hand-over only the loop touches it.
    final class StartedRun: @unchecked Sendable {
        let run: ServiceRun
        init(_ run: ServiceRun) { self.run = run }
    }

    /// The starts that have ended with their outcomes, told through a pipe the loop polls.
    private final class Finished: Sendable {
        let outcomes = Mutex<[(id: Int, outcome: Outcome)]>([])
        let read: Int32, write: Int32
        init(read: Int32, write: Int32) { (self.read, self.write) = (read, write) }

        func add(_ id: Int, _ outcome: Outcome) {
            outcomes.withLock { $0.append((id, outcome)) }
            var byte: UInt8 = 1
            _ = Glibc.write(self.write, &byte, 1)   // a full pipe already wakes the loop
        }
    }

    /// At most this many starts at once: past it the loop leaves the listeners alone (their
    /// connections wait in the backlog) until one has ended. Two per CPU keep every CPU busy
    /// while the others wait for their children.
    static let limit = max(2, 2 * Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    private let finished: Finished
    private let workers = WorkerThreads(limit: ConcurrentStarts.limit)
    private var underWay = 0

    init() throws(ListenError) {
        var fds: [Int32] = [-1, -1]
        guard cjail_pipe(&fds) == 0 else { throw ListenError("making the pipe the starts end through", errno) }
        finished = Finished(read: fds[0], write: fds[1])
    }

    /// Polled by the loop: readable when a start has ended.
    var descriptor: Int32 { finished.read }
    var isFull: Bool { underWay >= Self.limit }

    /// Starts `work` on a worker thread; false when no thread can be made (the caller runs it itself).
    func begin(_ id: Int, _ work: @escaping @Sendable () -> Outcome) -> Bool {
        let finished = finished
        guard workers.run({ finished.add(id, work()) }) else { return false }
        underWay += 1
        return true
    }

    /// The starts that have ended since the last call, by id, each with its outcome.
    func ended() -> [(id: Int, outcome: Outcome)] {
        var bytes = [UInt8](repeating: 0, count: 64)
        while read(finished.read, &bytes, bytes.count) > 0 {}
        let ended = finished.outcomes.withLock { outcomes in
            defer { outcomes.removeAll() }
            return outcomes
        }
        underWay -= ended.count
        return ended
    }
}

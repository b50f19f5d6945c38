import Testing
@testable import Jail

/// Run ids name a run's cgroup, lock and private directories: two starts made at once on
/// brig listen's worker threads must never get the same one, even within one nanosecond.
struct RunSiteIDTests {
    @Test func idsMadeAtOnceOnManyThreadsAreAllDifferent() async {
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 { group.addTask { (0..<2000).map { _ in RunSite.freshID() } } }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(ids.count == 16000 && Set(ids).count == ids.count)
    }
}

import Foundation
import Testing
@testable import Jail

struct BackgroundWorkTests {
    /// The work runs on a thread of its own and its value comes back on result().
    @Test func workRunsBesideTheCaller() throws {
        let caller = pthread_self()
        let work = try #require(BackgroundWork.start { pthread_self() })
        let worker = work.result()
        #expect(worker != caller)
        #expect(work.result() == worker)
    }
}

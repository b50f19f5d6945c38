import Foundation
import Testing
import TestSupport
@testable import Jail

/// The block a PrivateUsers=managed run leases is not handed to another run while the first
/// run's processes live (its brig killed, or SendSIGKILL=no), nor while a user namespace maps it.
@Suite(.enabled(if: geteuid() == 0, "leases live in /run/brig and need root"), .serialized)
struct ManagedUserRangeLeaseTests {
    /// Two starts in turn, the first again and again until it is taken: the second is the one a
    /// lease falls back on when the first is busy.
    static func drawing(_ first: UInt32, then second: UInt32) -> () -> UInt32 {
        var drawn = 0
        return {
            drawn += 1
            return drawn == 1 ? first : second
        }
    }

    /// Two 64K-aligned starts of the range that no one is using now.
    static func freeStarts() -> (UInt32, UInt32) {
        let base = ManagedUserRangeLease.starts.lowerBound + UInt32.random(in: 1000..<20000) * ManagedUserRangeLease.size
        return (base, base + ManagedUserRangeLease.size)
    }

    @Test func aBlockStaysLeasedWhileItsCgroupHasProcesses() throws {
        let site = RunSite()
        try site.prepare(privateTmp: false, privateDevices: false)
        let sleeper = try Subprocess(["/bin/sleep", "30"])
        #expect(SystemFiles.write(site.cgroupProcs, "\(sleeper.pid)") == 0)
        let (busy, other) = Self.freeStarts()
        let first = try ManagedUserRangeLease.acquire(cgroup: site.cgroup, draw: Self.drawing(busy, then: other))
        #expect(first.start == busy)
        first.release()
        ManagedUserRangeLease.sweep()
        let again = try ManagedUserRangeLease.acquire(cgroup: site.cgroup, draw: Self.drawing(busy, then: other))
        #expect(again.start == other, "a block whose processes still run was handed out again")
        again.release()
        sleeper.send(SIGKILL)
        _ = sleeper.wait()
        site.remove()
        let free = try ManagedUserRangeLease.acquire(cgroup: site.cgroup, draw: Self.drawing(busy, then: other))
        #expect(free.start == busy)
        free.release()
        #expect(!FileManager.default.fileExists(atPath: "\(ManagedUserRangeLease.lockDirectory)/\(busy)"))
    }

    @Test func aBlockALiveUserNamespaceMapsIsSkipped() throws {
        let (busy, other) = Self.freeStarts()
        // A user namespace of another's making maps the block (a container, another manager).
        let holder = try Subprocess(["/usr/bin/unshare", "--user", "/bin/sleep", "30"])
        defer { holder.send(SIGKILL); _ = holder.wait() }
        let own = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/user")
        let unshared = Poll.until(seconds: 2) {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(holder.pid)/ns/user")).map { $0 != own } ?? false
        }
        try #require(unshared, "unshare made no user namespace")
        try #require(SystemFiles.write("/proc/\(holder.pid)/uid_map", "0 \(busy) 65536\n") == 0)
        let site = RunSite()
        try site.prepare(privateTmp: false, privateDevices: false)
        defer { site.remove() }
        let lease = try ManagedUserRangeLease.acquire(cgroup: site.cgroup, draw: Self.drawing(busy, then: other))
        #expect(lease.start == other)
        lease.release()
    }
}

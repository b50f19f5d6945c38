import Testing
@testable import Jail

/// Plans are pure data: their order and wording are checked without privileges.
struct PlannerTests {
    static func strictSpec() -> JailSpec {
        var spec = JailSpec()
        spec.command = ["/bin/true"]
        spec.executable = "/bin/true"
        spec.mounts.protectSystem = .strict
        spec.mounts.privateTmp = true
        spec.noNewPrivileges = true
        spec.capabilityBoundingSet = 0
        spec.identity = Identity(userName: "nobody", uid: 65534, gid: 65534, groups: [65534], home: "/", shell: "/bin/sh")
        return spec
    }

    @Test func aDetachAtAPathClearsItOnlyWhenEveryMountBelowDescendsFromIt() {
        func m(_ id: Int, _ parent: Int, _ path: String) -> HostMount { HostMount(id: id, parent: parent, path: Array(path.utf8)) }
        let dev = Array("/dev".utf8), run = Array("/run/user".utf8)
        let host = [m(1, 1, "/"), m(2, 1, "/dev"), m(3, 2, "/dev/pts"), m(4, 3, "/dev/pts/x"), m(5, 1, "/run")]
        #expect(HostMount.detachAt(dev, clears: host))
        // A mount hidden under one stacked on /dev later is the root's child, not /dev's.
        #expect(!HostMount.detachAt(dev, clears: host + [m(6, 1, "/dev/hidden"), m(7, 1, "/dev")]))
        // Nothing mounted at the path itself, something below it.
        #expect(!HostMount.detachAt(run, clears: host + [m(8, 5, "/run/user/0")]))
        #expect(HostMount.detachAt(run, clears: host))
    }

    @Test func belowPrivateDevicesOnlyItsOwnBindsAreUnmounted() {
        var spec = Self.strictSpec()
        spec.mounts.privateDevices = true
        spec.mounts.privateIPC = true
        spec.mounts.protectKernelLogs = true
        let plan = JailPlanner.plan(spec, site: RunSite(id: "t"))
        // /dev/mqueue holds PrivateDevices=' single bind: one lazy detach clears it, without the mount table.
        let mqueue = plan.steps.compactMap { step -> Bool? in
            if case .unmountBelow(let path, let covers) = step.action, path.hasSuffix("/dev/mqueue") { return covers }
            return nil
        }
        #expect(mqueue == [true])
        // /dev/kmsg is no bind of it: nothing is mounted there to take away first.
        let kmsg = plan.steps.compactMap { step -> Bool? in
            if case .inaccessible(let path, _, let clean) = step.action, path.hasSuffix("/dev/kmsg") { return clean }
            return nil
        }
        #expect(kmsg == [true])
    }

    @Test func mountinfoEscapesAreDecoded() {
        #expect(MountSteps.decodeOctal(Array("/mnt/with\\040space".utf8)) == "/mnt/with space")
        #expect(MountSteps.decodeOctal(Array("/tab\\011and\\134slash".utf8)) == "/tab\tand\\slash")
        #expect(MountSteps.decodeOctal(Array("/not\\09octal\\".utf8)) == "/not\\09octal\\")
    }

    @Test func stepsFollowSystemdsOrder() {
        let plan = JailPlanner.plan(Self.strictSpec(), site: RunSite(id: "t"))
        func index(_ match: (JailAction) -> Bool) -> Int { plan.steps.firstIndex { match($0.action) } ?? -1 }
        let mountNS = index { if case .unshare(let f) = $0 { return f == Namespaces.mount }; return false }
        let groups = index { if case .setGroups = $0 { return true }; return false }
        let bounding = index { if case .boundingSet = $0 { return true }; return false }
        let uid = index { if case .setUID = $0 { return true }; return false }
        let nnp = index { $0 == .noNewPrivileges }
        let exec = index { if case .exec = $0 { return true }; return false }
        #expect(mountNS > 0 && mountNS < groups && groups < bounding && bounding < uid && uid < nnp && nnp < exec)
        #expect(exec == plan.steps.count - 1)
    }

    @Test func everyStepNamesItsDirectiveAndExitStatus() {
        let text = JailPlanner.plan(Self.strictSpec(), site: RunSite(id: "t")).description
        #expect(text.contains("remount /run/brig/unit-root and below +ro except"))
        #expect(text.contains("<- ProtectSystem=strict  [226 NAMESPACE]"))
        #expect(text.contains("setresuid 65534    <- User=nobody  [217 USER]"))
        #expect(text.contains("capability bounding set = (none)"))
        #expect(text.contains("no_new_privs    <- NoNewPrivileges=yes  [227 NO_NEW_PRIVILEGES]"))
        #expect(text.contains("bind /tmp/brig-private-t/tmp on /run/brig/unit-root/tmp (rec) (creating the target)    <- PrivateTmp=yes"))
    }

    /// ProtectControlGroups=strict: a new cgroup2 moved onto /sys/fs/cgroup (over a locked mount,
    /// in a delegated mount namespace), whose read-only flip is passed over where the child kept
    /// the mount it found; ProtectSystem='s flips are not.
    @Test func aPrivateCgroup2IsMovedThereAndFlippedOnlyWhereMounted() {
        var spec = Self.strictSpec()
        spec.privateCgroup = true
        spec.mounts.privateCgroupMount = (readOnly: true, directive: "ProtectControlGroups=strict")
        let plan = JailPlanner.plan(spec, site: RunSite(id: "t"))
        let target = "/run/brig/unit-root/sys/fs/cgroup"
        let fresh = plan.steps.first { $0.action == .mountNewInstance(fstype: "cgroup2", target: target,
                                                                      attributes: MountFlags.attrNoSUID | MountFlags.attrNoExec | MountFlags.attrNoDev) }
        #expect(fresh?.hostInstanceFallback == true && fresh?.directive == "ProtectControlGroups=strict")
        let readOnly = plan.steps.filter { if case .remount(target, MountFlags.attrReadOnly, _, _, _) = $0.action { return true }; return false }
        #expect(readOnly.count == 1 && readOnly.allSatisfy(\.onlyIfMounted))
        #expect(plan.steps.contains { if case .remount("/run/brig/unit-root", _, _, _, _) = $0.action { return !$0.onlyIfMounted }; return false })
        #expect(plan.description.contains("mount a new cgroup2 and move it onto \(target) (nosuid,nodev,noexec)    <- ProtectControlGroups=strict"))
        #expect(plan.description.contains("remount \(target) +ro (unless the mount there was kept)    <- ProtectControlGroups=strict"))
    }

    @Test func seccompForAnUnprivilegedUserImpliesNoNewPrivileges() {
        var spec = Self.strictSpec()
        spec.noNewPrivileges = false
        spec.seccompPrograms = [[0x06, 0, 0, 0, 0, 0, 0xff, 0x7f]]
        let plan = JailPlanner.plan(spec, site: RunSite(id: "t"))
        #expect(plan.steps.contains { $0.action == .noNewPrivileges })
        spec.identity = nil
        #expect(!JailPlanner.plan(spec, site: RunSite(id: "t")).steps.contains { $0.action == .noNewPrivileges })
    }

    @Test func commandLinesExpandVariables() {
        let env = ["A=one", "B=two words"]
        #expect(Launcher.expand(["/bin/echo", "${A}-x", "$B", "$A$", "${B:-z}", "$$A", "${NOPE}"], with: env)
                == ["/bin/echo", "one-x", "two", "words", "$A$", "${B:-z}", "$A", ""])
    }

    @Test func privateUsersMapsRootAndTheServiceIdOnly() {
        #expect(JailPlanner.idMap(0) == "0 0 1\n")
        #expect(JailPlanner.idMap(65534) == "0 0 1\n65534 65534 1\n")
    }

    /// Paths already in normal form are returned as they are; every other form is rebuilt.
    @Test func pathNormalisation() {
        let cases = ["/", "", ".", "..", "./", "/a", "/a/", "/a//b", "//a", "/./a", "/a/.", "/a/./b", "a/b", "./a",
                     "/a/..", "/a/.b", "/.a/b.", "/run/brig/unit-root/proc/sys", "///", "/a/b//"]
        for path in cases {
            let rebuilt = (path.hasPrefix("/") ? "/" : "")
                + path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
            #expect(Paths.normalized(path) == rebuilt, "\(path)")
            #expect(Paths.isNormalized(path) == (rebuilt == path), "\(path)")
        }
    }

    /// Mount entries sort component by component (a prefix first), whichever way the order is computed.
    @Test func pathOrderIsComponentWise() {
        let paths = ["/", "/a", "/a/b", "/ab", "/a-b", "/a/b/c", "/b", "/a.b", "/A", "/run", "/run/user",
                     "/run-x", "/proc/sys", "/proc/sysrq-trigger", "/proc/sys/kernel", "a/b", "/a//b", "/a/./b", "/é", "/e"]
        for a in paths {
            for b in paths {
                let x = a.split(separator: "/"), y = b.split(separator: "/")
                var expected = x.count < y.count
                for (p, q) in zip(x, y) where p != q { expected = p < q; break }
                #expect(pathOrder(a, b) == expected, "\(a) < \(b)")
            }
        }
    }
}

import CJail
#if canImport(Glibc)
import Glibc
#endif

/// The start failed in the child: which step, with which errno.
public struct StepFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var step: JailStep
    public var index: Int
    public var errno: Int32

    public var description: String {
        "\(step.directive): \(step.action) failed: \(SystemFiles.errorName(errno)) (step \(index), exit status \(step.failure.rawValue) \(step.failure.name))"
    }
}

/// Lays a JailPlan out as CJail's flat C memory and forks the child.
enum ChildSpawner {
    /// Size of the child's buffer for /proc/self/mountinfo.
    static let mountinfoScratch = 1 << 20

    /// Forks the child, waits until it has exec'd (or failed) and returns its
    /// pid; a failed step comes back as the StepFailure, with the child reaped.
    static func spawn(_ plan: JailPlan) throws(JailError) -> pid_t {
        var arena = Arena()
        defer { arena.release() }
        let steps = UnsafeMutablePointer<cjail_step>.allocate(capacity: max(plan.steps.count, 1))
        defer { steps.deallocate() }
        for (index, step) in plan.steps.enumerated() {
            steps[index] = arena.layout(step)
        }
        let scratch = UnsafeMutablePointer<CChar>.allocate(capacity: mountinfoScratch)
        defer { scratch.deallocate() }
        let cgroupFD = cgroupDirectory(of: plan)
        defer { if cgroupFD >= 0 { close(cgroupFD) } }
        var cPlan = cjail_plan(
            steps: UnsafePointer(steps), n_steps: plan.steps.count,
            argv: arena.stringArray(plan.arguments), envp: arena.stringArray(plan.environment),
            scratch: scratch, scratch_size: mountinfoScratch, cgroup_fd: cgroupFD,
            clone_flags: UInt64(UInt32(bitPattern: plan.bornIn)))
        var reportFD: Int32 = -1
        let pid = cjail_spawn(&cPlan, &reportFD)
        if pid < 0 { throw .system("clone", -pid) }
        defer { close(reportFD) }
        var report = cjail_report()
        let outcome = cjail_read_report(reportFD, &report)
        if outcome == 0 { return pid }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if outcome < 0 { throw .system("reading the child's report", -outcome) }
        let index = Int(report.step)
        guard index < plan.steps.count else { throw .system("the plan has no execve step", EINVAL) }
        throw .step(StepFailure(step: plan.steps[index], index: index, errno: report.error))
    }
}

/// The cgroup the plan joins, opened so the child can be created inside it; -1 if none.
private func cgroupDirectory(of plan: JailPlan) -> Int32 {
    for step in plan.steps {
        if case .joinCgroup(let procs) = step.action, procs.hasSuffix("/cgroup.procs") {
            return open(String(procs.dropLast("/cgroup.procs".count)), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
    }
    return -1
}

/// C copies of the plan's strings and blobs, alive until the child is forked, and laid out afresh
/// for each spawn (the child writes into them under CLONE_VFORK; see cjail.h).
struct Arena {
    private var blocks: [UnsafeMutableRawPointer] = []

    mutating func string(_ s: String?) -> UnsafePointer<CChar>? {
        guard let s, let copy = strdup(s) else { return nil }
        blocks.append(UnsafeMutableRawPointer(copy))
        return UnsafePointer(copy)
    }

    /// NUL-separated list ending with an empty string.
    mutating func list(_ items: [String]) -> UnsafePointer<CChar>? {
        bytes(items.flatMap { Array($0.utf8) + [0] } + [0]).map { UnsafePointer($0.assumingMemoryBound(to: CChar.self)) }
    }

    mutating func bytes(_ data: [UInt8]) -> UnsafeRawPointer? {
        let block = malloc(max(data.count, 1))!
        data.withUnsafeBytes { if let base = $0.baseAddress { block.copyMemory(from: base, byteCount: data.count) } }
        blocks.append(block)
        return UnsafeRawPointer(block)
    }

    mutating func stringArray(_ items: [String]) -> UnsafePointer<UnsafeMutablePointer<CChar>?> {
        let raw = malloc((items.count + 1) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride)!
        let array = raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: items.count + 1)
        for (i, item) in items.enumerated() { array[i] = UnsafeMutablePointer(mutating: string(item)) }
        array[items.count] = nil
        blocks.append(raw)
        return UnsafePointer(array)
    }

    /// A kernel bitmask (cpu_set_t, nodemask_t) of these bit numbers, as 64-bit words.
    func bitmask(_ bits: [Int]) -> [UInt8] {
        var words = [UInt64](repeating: 0, count: (bits.max() ?? 0) / 64 + 1)
        for bit in bits { words[bit / 64] |= 1 << UInt64(bit % 64) }
        return words.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }
    }

    mutating func layout(_ step: JailStep) -> cjail_step {
        var s = cjail_step()
        s.exit_code = step.failure.rawValue
        s.flags = (step.optional ? UInt32(CJ_OPTIONAL.rawValue) : 0) | (step.noFollow ? UInt32(CJ_NOFOLLOW.rawValue) : 0)
            | (step.hostInstanceFallback ? UInt32(CJ_HOST_INSTANCE.rawValue) : 0)
            | (step.onlyIfMounted ? UInt32(CJ_IF_MOUNTED.rawValue) : 0)
            | (step.noSymlinks ? UInt32(CJ_NO_SYMLINKS.rawValue) : 0)
            | (step.makeTarget ? UInt32(CJ_MAKE_TARGET.rawValue) : 0)
            | (step.onlyIfPermitted ? UInt32(CJ_IF_PERMITTED.rawValue) : 0)
        func op(_ o: cjail_op) -> UInt32 { o.rawValue }
        switch step.action {
        case .resetSignals: s.op = op(CJ_RESET_SIGNALS)
        case .ignoreSignal(let signal): s.op = op(CJ_IGNORE_SIGNAL); s.a = UInt64(signal)
        case .newSession: s.op = op(CJ_SETSID)
        case .joinCgroup(let file): s.op = op(CJ_CGROUP_JOIN); s.s1 = string(file)
        case .closeInheritedFileDescriptors(let from): s.op = op(CJ_CLOSE_FDS); s.a = UInt64(from)
        case .duplicate(let from, let to): s.op = op(CJ_DUP2); s.a = UInt64(from); s.b = UInt64(to)
        case .writeFile(let path, let contents): s.op = op(CJ_WRITE_FILE); s.s1 = string(path); s.s2 = string(contents)
        case .nice(let value): s.op = op(CJ_NICE); s.a = UInt64(bitPattern: Int64(value))
        case .personality(let persona): s.op = op(CJ_PERSONALITY); s.a = UInt64(persona)
        case .scheduler(let policy, let priority):
            s.op = op(CJ_SCHEDULER); s.a = UInt64(UInt32(bitPattern: policy)); s.b = UInt64(priority)
        case .ioPriority(let value): s.op = op(CJ_IOPRIO); s.a = UInt64(value)
        case .timerSlack(let nanoseconds): s.op = op(CJ_TIMERSLACK); s.a = nanoseconds
        case .processControl(let option, let arg2, let arg3, let unsupported):
            s.op = op(CJ_PRCTL); s.a = UInt64(UInt32(bitPattern: option)); s.b = arg2; s.c = arg3
            s.data = bytes((unsupported + [0]).flatMap { withUnsafeBytes(of: $0) { Array($0) } })
        case .cpuAffinity(let cpus):
            let mask = bitmask(cpus)
            s.op = op(CJ_AFFINITY); s.a = UInt64(mask.count); s.data = bytes(mask)
        case .memoryPolicy(let mode, let nodes):
            s.op = op(CJ_MEMPOLICY); s.a = UInt64(mode)
            if !nodes.isEmpty {
                let mask = bitmask(nodes)
                s.data = bytes(mask)
                s.b = UInt64(mask.count * 8)
            }
        case .umask(let mask): s.op = op(CJ_UMASK); s.a = UInt64(mask)
        case .rlimit(let resource, let soft, let hard):
            s.op = op(CJ_RLIMIT); s.a = UInt64(resource); s.b = soft; s.c = hard
        case .keyring(let shared): s.op = op(CJ_KEYRING); s.a = shared ? 1 : 0
        case .unshare(let flags): s.op = op(CJ_UNSHARE); s.a = UInt64(UInt32(bitPattern: flags))
        case .userNamespace(let uidMap, let gidMap, let allowSetgroups):
            s.op = op(CJ_USERNS); s.s1 = string(uidMap); s.s2 = string(gidMap); s.a = allowSetgroups ? 1 : 0
        case .loopbackUp: s.op = op(CJ_LOOPBACK_UP)
        case .joinNamespace(let fd, let type):
            s.op = op(CJ_SETNS); s.a = UInt64(UInt32(bitPattern: fd)); s.b = UInt64(UInt32(bitPattern: type))
        case .joinNamespaceFile(_, let fd, let type):
            s.op = op(CJ_SETNS); s.a = UInt64(UInt32(bitPattern: fd ?? -1)); s.b = UInt64(UInt32(bitPattern: type))
        case .mount(let source, let target, let fstype, let flags, let data):
            s.op = op(CJ_MOUNT); s.s1 = string(source); s.s2 = string(target); s.s3 = string(fstype)
            s.s4 = string(data); s.a = UInt64(flags)
        case .mountNewInstance(let fstype, let target, let attributes):
            s.op = op(CJ_FSMOUNT); s.s1 = string(fstype); s.s2 = string(target); s.a = attributes
        case .bind(let source, let target, let recursive):
            s.op = op(CJ_MOUNT); s.s1 = string(source); s.s2 = string(target)
            s.a = UInt64(MountFlags.bind | (recursive ? MountFlags.recursive : 0))
            s.flags |= UInt32(CJ_MAKE_TARGET.rawValue)
        case .bindSelf(let path): s.op = op(CJ_BIND_SELF); s.s1 = string(path)
        case .baseFilesystem(let root, let table): s.op = op(CJ_BASE_FILESYSTEM); s.s1 = string(root); s.a = table.rawValue
        case .unmountBelow(let path, let covers):
            s.op = op(CJ_UMOUNT_BELOW); s.s1 = string(path)
            if covers { s.flags |= UInt32(CJ_DETACH_COVERS.rawValue) }
        case .inaccessible(let path, let nodes, let clean):
            s.op = op(CJ_INACCESSIBLE); s.s1 = string(path); s.s2 = string(nodes)
            if clean { s.flags |= UInt32(CJ_NO_SUBMOUNTS.rawValue) }
        case .privateDevices(let staging, let target, let covers):
            s.op = op(CJ_PRIVATE_DEV); s.s1 = string(staging); s.s2 = string(target)
            if covers { s.flags |= UInt32(CJ_DETACH_COVERS.rawValue) }
        case .remount(let path, let set, let clear, let recursive, let except):
            s.op = op(CJ_REMOUNT); s.s1 = string(path); s.a = set; s.b = clear; s.s2 = list(except)
            if recursive { s.flags |= UInt32(CJ_RECURSIVE.rawValue) }
        case .bpffsHelper(let delegation):
            s.op = op(CJ_BPFFS_HELPER); s.data = bytes(delegation.masks.flatMap { withUnsafeBytes(of: $0) { Array($0) } })
        case .bpffs(let target, let delegation, let byHelper):
            s.op = op(CJ_BPFFS); s.s1 = string(target); s.a = byHelper ? 1 : 0
            s.data = bytes(delegation.masks.flatMap { withUnsafeBytes(of: $0) { Array($0) } })
        case .moveRoot(let path): s.op = op(CJ_MOVE_ROOT); s.s1 = string(path)
        case .chroot(let path): s.op = op(CJ_CHROOT); s.s1 = string(path)
        case .setGroups(let groups):
            s.op = op(CJ_SETGROUPS); s.a = UInt64(groups.count)
            s.data = bytes(groups.flatMap { withUnsafeBytes(of: $0) { Array($0) } })
        case .setGID(let gid): s.op = op(CJ_SETGID); s.a = UInt64(gid)
        case .setUID(let uid): s.op = op(CJ_SETUID); s.a = UInt64(uid)
        case .keepCapabilities(let keep): s.op = op(CJ_KEEPCAPS); s.a = keep ? 1 : 0
        case .boundingSet(let keep, let lastCap): s.op = op(CJ_BSET_LIMIT); s.a = keep; s.b = UInt64(lastCap)
        case .inheritable(let mask): s.op = op(CJ_INHERITABLE); s.a = mask
        case .ambient(let mask): s.op = op(CJ_AMBIENT); s.a = mask
        case .securebits(let bits): s.op = op(CJ_SECUREBITS); s.a = UInt64(bits)
        case .noNewPrivileges: s.op = op(CJ_NO_NEW_PRIVS)
        case .chdir(let path): s.op = op(CJ_CHDIR); s.s1 = string(path)
        case .seccomp(let program, let flags):
            s.op = op(CJ_SECCOMP); s.data = bytes(program); s.a = UInt64(program.count / 8); s.b = UInt64(flags)
        case .environmentPID(let index): s.op = op(CJ_ENV_PID); s.a = UInt64(index)
        case .environmentPIDFDID(let index): s.op = op(CJ_ENV_PID); s.a = UInt64(index); s.b = 1
        case .exec(let path): s.op = op(CJ_EXEC); s.s1 = string(path)
        case .idMappedMount(let path, let mapping):
            s.op = op(CJ_IDMAP_MOUNT); s.s1 = string(path)
            s.a = UInt64(UInt32(bitPattern: mapping.userNamespace ?? -1)); s.b = IdMapping.attributes
        }
        return s
    }

    func release() {
        for block in blocks { free(block) }
    }
}

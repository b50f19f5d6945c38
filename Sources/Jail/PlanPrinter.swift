/// The human form of a plan, as `brig run --dry-run` prints it.
extension JailAction: CustomStringConvertible {
    public var description: String {
        switch self {
        case .resetSignals: return "reset signal dispositions and mask"
        case .ignoreSignal(let signal): return "ignore signal \(signal)"
        case .newSession: return "setsid"
        case .joinCgroup(let file): return "join cgroup (write 0 to \(file))"
        case .closeInheritedFileDescriptors(let from): return "close inherited fds >= \(from) on exec"
        case .duplicate(let from, let to): return from == to ? "keep fd \(to)" : "dup2 fd \(from) -> \(to)"
        case .writeFile(let path, let contents): return "write \(contents.debugDescription) to \(path)"
        case .nice(let value): return "nice \(value)"
        case .personality(let persona): return "personality 0x\(String(persona, radix: 16))"
        case .scheduler(let policy, let priority):
            return "sched_setscheduler policy \(policy & 0xff)\(policy & 0x4000_0000 != 0 ? "|reset-on-fork" : "") priority \(priority)"
        case .ioPriority(let value): return "ioprio class \(value >> 13) data \(value & 0x1fff)"
        case .timerSlack(let nanoseconds): return "timer slack \(nanoseconds) ns"
        case .processControl(let option, let arg2, let arg3, _):
            return "prctl \(ProcessControls.name(of: option)) \(arg2) \(arg3)"
        case .cpuAffinity(let cpus): return "CPU affinity \(cpus.map(String.init).joined(separator: " "))"
        case .memoryPolicy(let mode, let nodes):
            return "set_mempolicy mode \(mode)" + (nodes.isEmpty ? "" : " nodes \(nodes.map(String.init).joined(separator: " "))")
        case .umask(let mask): return "umask 0\(String(mask, radix: 8))"
        case .rlimit(let resource, let soft, let hard):
            return "rlimit \(RLimit.name(of: resource)) soft=\(RLimit.format(soft)) hard=\(RLimit.format(hard))"
        case .keyring(let shared): return shared ? "new session keyring linked to the user keyring" : "new session keyring"
        case .unshare(let flags): return "unshare \(Namespaces.names(flags))"
        case .userNamespace(let uidMap, let gidMap, let allowSetgroups):
            return "user namespace uid_map=\(uidMap.debugDescription) gid_map=\(gidMap.debugDescription)"
                + (allowSetgroups ? " setgroups=allow" : "")
        case .loopbackUp: return "bring loopback up"
        case .joinNamespace(let fd, let type): return "join the prepared \(Namespaces.names(type)) namespace (fd \(fd))"
        case .joinNamespaceFile(let path, let fd, let type):
            return "join the \(Namespaces.names(type)) namespace of \(path)" + (fd.map { " (fd \($0))" } ?? "")
        case .mount(let source, let target, let fstype, let flags, let data):
            var text = "mount \(source) on \(target)"
            if let fstype { text += " type \(fstype)" }
            let names = MountFlags.names(flags)
            if !names.isEmpty || data != nil {
                text += " (" + (names + (data.map { [$0] } ?? [])).joined(separator: ",") + ")"
            }
            return text
        case .mountNewInstance(let fstype, let target, let attributes):
            return "mount a new \(fstype) and move it onto \(target) (" + MountFlags.attributeNames(attributes).joined(separator: ",") + ")"
        case .bind(let source, let target, let recursive):
            return "bind \(source) on \(target)\(recursive ? " (rec)" : "") (creating the target)"
        case .bindSelf(let path): return "make \(path) a mount point"
        case .baseFilesystem(let root, _): return "create the base directories and /usr symlinks missing in \(root)"
        case .unmountBelow(let path, _): return "unmount everything at and below \(path)"
        case .inaccessible(let path, _, _): return "make \(path) inaccessible"
        case .privateDevices(_, let target, _): return "private \(target): tmpfs with null zero full random urandom tty, pts, shm"
        case .remount(let path, let set, let clear, let recursive, let except):
            var text = "remount \(path)\(recursive ? " and below" : "")"
            let on = MountFlags.attributeNames(set), off = MountFlags.attributeNames(clear)
            if !on.isEmpty { text += " +" + on.joined(separator: ",+") }
            if !off.isEmpty { text += " -" + off.joined(separator: ",-") }
            let skipped = except.filter { $0 != path && Paths.isBelow($0, path) }
            if recursive && !skipped.isEmpty { text += " except " + skipped.joined(separator: " ") }
            return text
        case .bpffsHelper(let delegation): return "fork the helper that creates the user namespace's bpffs (\(delegation.mountOptions))"
        case .bpffs(let target, let delegation, let byHelper):
            return "mount bpf on \(target) (\(delegation.mountOptions)\(byHelper ? ", set by the helper" : ""))"
        case .moveRoot(let path): return "move \(path) onto / and chroot"
        case .chroot(let path): return "chroot \(path)"
        case .setGroups(let groups): return "setgroups [\(groups.map(String.init).joined(separator: " "))]"
        case .setGID(let gid): return "setresgid \(gid)"
        case .setUID(let uid): return "setresuid \(uid)"
        case .keepCapabilities(let keep): return "keep capabilities across setuid: \(keep ? "yes" : "no")"
        case .boundingSet(let keep, _): return "capability bounding set = \(Capabilities.names(keep))"
        case .inheritable(let mask): return "inheritable capabilities = \(Capabilities.names(mask))"
        case .ambient(let mask): return "ambient capabilities = \(Capabilities.names(mask))"
        case .securebits(let bits): return "securebits 0x\(String(bits, radix: 16))"
        case .noNewPrivileges: return "no_new_privs"
        case .chdir(let path): return "chdir \(path)"
        case .seccomp(let program, let flags):
            return "seccomp filter, \(program.count / 8) instructions" + (flags != 0 ? ", flags 0x\(String(flags, radix: 16))" : "")
        case .environmentPIDFDID(let index): return "put own pidfd's inode number into environment entry \(index)"
        case .environmentPID(let index): return "put own pid into environment entry \(index)"
        case .exec(let path): return "execve \(path)"
        case .idMappedMount(let path, let mapping):
            return "id-map \(path): nobody's files as uid \(mapping.uid) gid \(mapping.gid), root's as root's"
                + " +" + MountFlags.attributeNames(IdMapping.attributes).joined(separator: ",+")
                + (mapping.userNamespace.map { " (user namespace fd \($0))" } ?? "")
        }
    }
}

extension JailPlan: CustomStringConvertible {
    /// One numbered line per step: what happens, who asked for it, and the
    /// exit status the start fails with if the step fails.
    public var description: String {
        var lines: [String] = []
        if bornIn & Namespaces.pid != 0 {
            lines.append("  -  the child is born PID 1 of a new PID namespace    <- PrivatePIDs=yes  [226 NAMESPACE]")
        }
        for (index, step) in steps.enumerated() {
            let number = String(index).leftPadded(to: 3)
            let optional = (step.optional ? " (optional)" : "") + (step.onlyIfMounted ? " (unless the mount there was kept)" : "")
                + (step.onlyIfPermitted ? " (unless refused for lack of privilege)" : "")
                + (step.noSymlinks ? " (no symlink on the way)" : "")
            lines.append("\(number)  \(step.action)\(optional)    <- \(step.directive)  [\(step.failure.rawValue) \(step.failure.name)]")
        }
        lines.append("argv: " + arguments.map { $0.debugDescription }.joined(separator: " "))
        lines.append("environment: " + environment.map { $0.debugDescription }.joined(separator: " "))
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

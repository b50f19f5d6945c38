import Directives

/// The verdict of one check for one unit.
public struct Verdict: Sendable {
    /// nil when the check does not apply to this unit.
    public var badness: UInt64?
    /// Our sentence for this exact situation.
    public var description: String
}

extension Check {
    /// This check's verdict on `unit`; the badness is on the check's own range.
    public func evaluate(_ unit: AssessedUnit, rules: SystemdRelease) -> Verdict {
        let u = unit.config, exec = u.exec, fs = exec.filesystem
        if needsDefaultDependencies && !(u.unit.defaultDependencies ?? true) {
            return Verdict(badness: nil, description: "Not meaningful for a unit that runs early in boot")
        }
        switch criterion {
        case .user:
            let user = unit.user
            if user == "nobody" { return Verdict(badness: 9, description: "Runs as nobody, a user meant for no service") }
            if unit.dynamicUser && user != "0" && user != "root" {
                return Verdict(badness: 0, description: "Runs under a user allocated when it starts")
            }
            if let user, !["0", "root", ""].contains(user) {
                return Verdict(badness: 0, description: "Runs under the fixed unprivileged user \(user)")
            }
            return fails
        case .supplementaryGroups:
            if unit.runsPrivileged { return notForRoot }
            return judge(exec.identity.supplementaryGroups.isEmpty)
        case .removeIPC:
            if unit.runsPrivileged { return notForRoot }
            return judge(exec.sandbox.removeIPC ?? false)
        case .enabled(let setting): return judge(setting(u) ?? unsetPasses)
        case .delegate:
            if case .controllers? = u.resources.delegate { return fails }
            return passes
        case .protectHome:
            switch fs.protectHome ?? .no {
            case .yes: return passes
            case .readOnly: return Verdict(badness: 5, description: "Home directories are visible but read-only")
            case .tmpfs: return Verdict(badness: 1, description: "Home directories are replaced by empty ones")
            case .no: return fails
            }
        case .protectSystem:
            switch fs.protectSystem ?? .no {
            case .strict: return passes
            case .full: return Verdict(badness: 3, description: "/usr, /boot, /efi and /etc are read-only")
            case .yes: return Verdict(badness: 5, description: "/usr, /boot and /efi are read-only, /etc is not")
            case .no: return fails
            }
        case .rootDirectory:
            let own = { (p: String?) in p.map { !$0.isEmpty && $0 != "/" } ?? false }
            return judge(own(fs.rootDirectory) || own(fs.rootImage))
        case .capabilities(let set): return judge((exec.capabilities.boundingSet ?? .all).mask & set.mask == 0)
        case .umask: return umaskVerdict(exec.process.umask ?? 0o022)
        case .keyringMode: return judge((exec.process.keyringMode ?? .private) == .private)
        case .protectProc:
            switch fs.protectProc ?? .default {
            case .invisible, .ptraceable: return passes
            case .noaccess: return Verdict(badness: 1, description: "Other processes are listed in /proc but unreadable")
            case .default: return fails
            }
        case .procSubset: return judge(fs.procSubset == .pid)
        case .notifyAccess: return judge(u.service.notifyAccess != .all)
        case .namespace(let type): return judge(exec.sandbox.restrictNamespaces.map { !$0.allowed.contains(type) } ?? false)
        case .addressFamilies(let group): return judge(group.isRestricted(by: exec.sandbox.restrictAddressFamilies))
        case .architectures:
            let architectures = exec.syscalls.architectures ?? []
            if architectures.isEmpty { return fails }
            if architectures == ["native"] { return passes }
            return Verdict(badness: 8, description: "System calls of several ABIs are allowed")
        case .systemCallGroup(let group):
            return syscallVerdict(group, unit, rules)
        case .ipAddresses: return ipVerdict(u.resources)
        case .devices:
            guard u.resources.devicePolicy == .strict || u.resources.devicePolicy == .closed else { return fails }
            if !u.resources.deviceAllow.isEmpty { return Verdict(badness: 5, description: "May open some device nodes an allow list names") }
            return passes
        case .ambientCapabilities: return judge((exec.capabilities.ambient ?? .empty).isEmpty)
        }
    }

    private var passes: Verdict { Verdict(badness: 0, description: pass) }
    private var fails: Verdict { Verdict(badness: range, description: fail) }
    private var notForRoot: Verdict { Verdict(badness: nil, description: "Does not apply to a service running as root") }
    private func judge(_ ok: Bool) -> Verdict { ok ? passes : fails }

    private func umaskVerdict(_ m: UInt32) -> Verdict {
        if m & 0o002 == 0 { return fails }
        if m & 0o004 == 0 { return Verdict(badness: 5, description: "New files are readable by anyone") }
        if m & 0o020 == 0 { return Verdict(badness: 2, description: "New files are writable by the group") }
        if m & 0o040 == 0 { return Verdict(badness: 1, description: "New files are readable by the group") }
        return passes
    }

    private func ipVerdict(_ r: ResourceControl) -> Verdict {
        if !r.ipIngressFilterPaths.isEmpty || !r.ipEgressFilterPaths.isEmpty {
            return Verdict(badness: 0, description: "Custom BPF programs filter its IP traffic")
        }
        // Both "any" prefixes: 0.0.0.0/0 and ::/0.
        let deny = r.ipAddressDeny ?? []
        guard deny.contains(where: { !$0.isIPv6 && $0.length == 0 }) && deny.contains(where: { $0.isIPv6 && $0.length == 0 })
        else { return fails }
        var localhost = false, other = false
        for p in r.ipAddressAllow ?? [] {
            let local = p.isIPv6 ? p.address == Array(repeating: 0, count: 15) + [1] : p.address.first == 127
            if local { localhost = true } else { other = true }
        }
        if other { return Verdict(badness: 5, description: "IP traffic is limited to an allow list beyond localhost") }
        if localhost { return Verdict(badness: 2, description: "IP traffic is limited to localhost") }
        return passes
    }

    private func syscallVerdict(_ group: String, _ unit: AssessedUnit, _ rules: SystemdRelease) -> Verdict {
        let isAllowList = unit.config.exec.syscalls.filter?.isAllowList ?? false
        if !isAllowList && unit.systemCallFilter.isEmpty {
            return Verdict(badness: 10, description: "No system call filter")
        }
        let hit = NativeSyscallGroups.of(rules).firstAllowed(in: group, allowList: isAllowList, filter: unit.systemCallFilter)
        if isAllowList {
            if let hit { return Verdict(badness: 9, description: "The allow list lets \(group) through (\(hit), ...)") }
            return Verdict(badness: 0, description: "The allow list leaves out \(group)")
        }
        if let hit { return Verdict(badness: 10, description: "The deny list misses \(group) (\(hit), ...)") }
        return Verdict(badness: 0, description: "The deny list blocks \(group)")
    }
}

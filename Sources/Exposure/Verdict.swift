import Directives

extension Check {
    /// This check's verdict on `facts`; the badness is on the check's own range.
    public func evaluate(_ f: SecurityFacts, rules: RuleSet) -> Verdict {
        if needsDefaultDependencies && !f.defaultDependencies {
            return Verdict(badness: nil, description: "Not meaningful for a unit that runs early in boot")
        }
        switch rule {
        case .user:
            if f.user == "nobody" { return Verdict(badness: 9, description: "Runs as nobody, a user meant for no service") }
            if f.dynamicUser && f.user != "0" && f.user != "root" {
                return Verdict(badness: 0, description: "Runs under a user allocated when it starts")
            }
            if let u = f.user, !["0", "root", ""].contains(u) {
                return Verdict(badness: 0, description: "Runs under the fixed unprivileged user \(u)")
            }
            return fails
        case .supplementaryGroups:
            if f.runsPrivileged { return notForRoot }
            return judge(f.supplementaryGroups.isEmpty)
        case .removeIPC:
            if f.runsPrivileged { return notForRoot }
            return judge(f.removeIPC)
        case .enabled(let on): return judge(on(f))
        case .disabled(let on): return judge(!on(f))
        case .protectHome:
            switch f.protectHome {
            case "yes": return passes
            case "read-only": return Verdict(badness: 5, description: "Home directories are visible but read-only")
            case "tmpfs": return Verdict(badness: 1, description: "Home directories are replaced by empty ones")
            default: return fails
            }
        case .protectSystem:
            switch f.protectSystem {
            case "strict": return passes
            case "full": return Verdict(badness: 3, description: "/usr, /boot, /efi and /etc are read-only")
            case "yes": return Verdict(badness: 5, description: "/usr, /boot and /efi are read-only, /etc is not")
            default: return fails
            }
        case .rootDirectory:
            let own = { (p: String?) in p.map { !$0.isEmpty && $0 != "/" } ?? false }
            return judge(own(f.rootDirectory) || own(f.rootImage))
        case .capabilities(let set): return judge(f.capabilityBoundingSet.mask & set.mask == 0)
        case .umask: return umaskVerdict(f.umask)
        case .keyringMode: return judge(f.keyringMode == "private")
        case .protectProc:
            switch f.protectProc {
            case "invisible", "ptraceable": return passes
            case "noaccess": return Verdict(badness: 1, description: "Other processes are listed in /proc but unreadable")
            default: return fails
            }
        case .procSubset: return judge(f.procSubset == "pid")
        case .notifyAccess: return judge(f.notifyAccess != "all")
        case .namespace(let type): return judge(f.allowedNamespaces.map { !$0.allowed.contains(type) } ?? false)
        case .architectures:
            if f.systemCallArchitectures.isEmpty { return fails }
            if f.systemCallArchitectures == ["native"] { return passes }
            return Verdict(badness: 8, description: "System calls of several ABIs are allowed")
        case .systemCallGroup(let group):
            return syscallVerdict(group, f, rules)
        case .ipAddresses:
            if f.ipCustomFilters { return Verdict(badness: 0, description: "Custom BPF programs filter its IP traffic") }
            if !f.ipDenyAll { return fails }
            if f.ipAllowOther { return Verdict(badness: 5, description: "IP traffic is limited to an allow list beyond localhost") }
            if f.ipAllowLocalhost { return Verdict(badness: 2, description: "IP traffic is limited to localhost") }
            return passes
        case .devices:
            guard f.devicePolicy == "strict" || f.devicePolicy == "closed" else { return fails }
            if f.deviceAllowNonEmpty { return Verdict(badness: 5, description: "May open some device nodes an allow list names") }
            return passes
        case .ambientCapabilities: return judge(f.ambientCapabilities.isEmpty)
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

    private func syscallVerdict(_ group: String, _ f: SecurityFacts, _ rules: RuleSet) -> Verdict {
        if !f.systemCallFilterIsAllowList && f.systemCallFilter.isEmpty {
            return Verdict(badness: 10, description: "No system call filter")
        }
        let hit = rules.firstAllowed(in: group, allowList: f.systemCallFilterIsAllowList, filter: f.systemCallFilter)
        if f.systemCallFilterIsAllowList {
            if let hit { return Verdict(badness: 9, description: "The allow list lets \(group) through (\(hit), ...)") }
            return Verdict(badness: 0, description: "The allow list leaves out \(group)")
        }
        if let hit { return Verdict(badness: 10, description: "The deny list misses \(group) (\(hit), ...)") }
        return Verdict(badness: 0, description: "The deny list blocks \(group)")
    }
}

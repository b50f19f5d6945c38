import Directives

/// systemd's exit statuses for a service whose setup failed before execve
/// (`systemd-analyze exit-status`), so scripts written for systemd carry over.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case chdir = 200, nice = 201, fds = 202, exec = 203, memory = 204, limits = 205
    case oomAdjust = 206, signalMask = 207, stdin = 208, stdout = 209, chroot = 210
    case ioPriority = 211, timerSlack = 212, securebits = 213, setScheduler = 214, cpuAffinity = 215, group = 216, user = 217, capabilities = 218, cgroup = 219
    case setsid = 220, stderr = 222, pam = 224, network = 225, namespace = 226, noNewPrivileges = 227
    case seccomp = 228, selinuxContext = 229, personality = 230, apparmor = 231
    case addressFamilies = 232, runtimeDirectory = 233, chown = 235, smackProcessLabel = 236
    case keyring = 237, stateDirectory = 238, cacheDirectory = 239, logsDirectory = 240
    case configurationDirectory = 241, numaPolicy = 242, credentials = 243, bpf = 244
    /// MemoryKSM= (254) and MemoryTHP= (260) failed: statuses of later releases than 252.
    case ksm = 245, memoryTHP = 246

    /// The name systemd prints for the status.
    public var name: String {
        switch self {
        // Not in ExitStatusNames, which reads SuccessExitStatus= as 252 does, without these names.
        case .ksm: "KSM"
        case .memoryTHP: "MEMORY_THP"
        default: ExitStatusNames.name(of: rawValue) ?? String(rawValue)
        }
    }
}

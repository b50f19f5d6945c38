/// The names systemd gives exit statuses (`systemd-analyze exit-status`): libc's, the LSB's for
/// init scripts, BSD's sysexits.h, and systemd's own for a set-up step that failed.
public enum ExitStatusNames {
    public static func name(of status: Int32) -> String? { byStatus[status] }
    public static func status(named name: String) -> Int32? { byName[name] }

    private static let byName = Dictionary(uniqueKeysWithValues: byStatus.map { ($1, $0) })
    private static let byStatus: [Int32: String] = {
        let lsb = ["SUCCESS", "FAILURE", "INVALIDARGUMENT", "NOTIMPLEMENTED", "NOPERMISSION", "NOTINSTALLED",
                   "NOTCONFIGURED", "NOTRUNNING"]
        let bsd = ["USAGE", "DATAERR", "NOINPUT", "NOUSER", "NOHOST", "UNAVAILABLE", "SOFTWARE", "OSERR", "OSFILE",
                   "CANTCREAT", "IOERR", "TEMPFAIL", "PROTOCOL", "NOPERM", "CONFIG"]
        // From 200 on; nil where a number is reserved (223 was tcpwrap, 234 kdbus).
        let systemd: [String?] = [
            "CHDIR", "NICE", "FDS", "EXEC", "MEMORY", "LIMITS", "OOM_ADJUST", "SIGNAL_MASK", "STDIN", "STDOUT",
            "CHROOT", "IOPRIO", "TIMERSLACK", "SECUREBITS", "SETSCHEDULER", "CPUAFFINITY", "GROUP", "USER",
            "CAPABILITIES", "CGROUP", "SETSID", "CONFIRM", "STDERR", nil, "PAM", "NETWORK", "NAMESPACE",
            "NO_NEW_PRIVILEGES", "SECCOMP", "SELINUX_CONTEXT", "PERSONALITY", "APPARMOR", "ADDRESS_FAMILIES",
            "RUNTIME_DIRECTORY", nil, "CHOWN", "SMACK_PROCESS_LABEL", "KEYRING", "STATE_DIRECTORY",
            "CACHE_DIRECTORY", "LOGS_DIRECTORY", "CONFIGURATION_DIRECTORY", "NUMA_POLICY", "CREDENTIALS", "BPF",
        ]
        var table: [Int32: String] = [255: "EXCEPTION"]
        for (i, name) in lsb.enumerated() { table[Int32(i)] = name }
        for (i, name) in bsd.enumerated() { table[64 + Int32(i)] = name }
        for (i, name) in systemd.enumerated() { if let name { table[200 + Int32(i)] = name } }
        return table
    }()
}

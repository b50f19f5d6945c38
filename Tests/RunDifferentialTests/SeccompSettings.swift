/// The seccomp differential settings: every syscall-level restriction systemd applies, each
/// observed by the syscalls probe making all of its calls.
enum SeccompSettings {
    /// systemd-resolved's syscall-level sandbox on top of JailSettings.resolvedLike.
    static let resolvedLike = JailSettings.resolvedLike + [
        "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6", "RestrictNamespaces=yes",
        "RestrictRealtime=yes", "RestrictSUIDSGID=yes", "LockPersonality=yes", "MemoryDenyWriteExecute=yes",
        "SystemCallArchitectures=native", "SystemCallErrorNumber=EPERM", "SystemCallFilter=@system-service",
    ]

    static let all: [Setting] = filters + families + namespaces + others + profiles

    static let filters: [Setting] = [
        Setting("SystemCallFilter=@system-service"),
        Setting("SystemCallFilter=@system-service", "SystemCallErrorNumber=EPERM"),
        Setting("SystemCallFilter=~@privileged @resources"),
        Setting("SystemCallFilter=~@privileged @resources", "SystemCallErrorNumber=EPERM"),
        Setting("SystemCallFilter=~@mount:EACCES"),
        Setting("SystemCallFilter=~@mount"),
        Setting("SystemCallFilter=~sethostname setdomainname:EACCES chroot:ENOENT"),
        Setting("SystemCallFilter=@system-service", "SystemCallFilter=~@resources", "SystemCallErrorNumber=EPERM"),
        Setting("SystemCallFilter=~@clock @module @raw-io @reboot @swap @debug @obsolete @cpu-emulation",
                "SystemCallErrorNumber=ENOSYS"),
        Setting("SystemCallFilter=@system-service @mount", "SystemCallErrorNumber=EPERM"),
        Setting("SystemCallFilter=@system-service", "SystemCallFilter=~@privileged", "User=nobody"),
        Setting("SystemCallFilter=@system-service", "NoNewPrivileges=no", "CapabilityBoundingSet=~CAP_SYS_ADMIN"),
    ]

    static let families: [Setting] = [
        Setting("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"),
        Setting("RestrictAddressFamilies=~AF_PACKET"),
        Setting("RestrictAddressFamilies=~AF_NETLINK AF_PACKET"),
        Setting("RestrictAddressFamilies=AF_UNIX"),
    ]

    static let namespaces: [Setting] = [
        Setting("RestrictNamespaces=yes"),
        Setting("RestrictNamespaces=~user"),
        Setting("RestrictNamespaces=~net ipc"),
        Setting("RestrictNamespaces=net ipc"),
        Setting("RestrictNamespaces=no", visible: false),
    ]

    static let others: [Setting] = [
        Setting("MemoryDenyWriteExecute=yes"),
        Setting("SystemCallArchitectures=native"),
        Setting("SystemCallArchitectures=native x86"),
        Setting("LockPersonality=yes"),
        Setting("RestrictRealtime=yes"),
        Setting("RestrictSUIDSGID=yes"),
        Setting("ProtectClock=yes"),
        Setting("ProtectKernelModules=yes"),
        Setting("ProtectKernelLogs=yes"),
        Setting("ProtectHostname=yes"),
        Setting("PrivateDevices=yes"),
        Setting("User=nobody", "NoNewPrivileges=yes"),
    ]

    static let profiles: [Setting] = [
        Setting(resolvedLike, label: "resolved-like profile"),
        Setting(resolvedLike.filter { $0 != "DynamicUser=yes" } + ["User=nobody"], label: "resolved-like profile as nobody"),
    ]
}

/// The jail differential's settings and combinations: namespaces, mounts, identity,
/// capabilities and process properties, each observed by the observe probe.
enum JailSettings {
    static let directories = Differential.directoryPaths + ["/var/lib/private/\(Differential.directoryName)"]

    /// The sandbox of systemd-resolved, with a dynamic user.
    static let resolvedLike = [
        "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes",
        "ProtectKernelTunables=yes", "ProtectKernelModules=yes", "ProtectKernelLogs=yes",
        "ProtectControlGroups=yes", "ProtectClock=yes", "ProtectHostname=yes", "ProtectProc=invisible",
        "NoNewPrivileges=yes", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "DynamicUser=yes",
    ]

    static let all: [Setting] = namespaces + filesystem + identity + capabilities + process + profiles + devices

    /// WorkingDirectory=~ of an account without a home (nobody, a dynamic user): up to 255 the
    /// manager's, /root, HOME= included, and "-" passes over the chdir that fails there. Later
    /// releases differ (`ReleaseFacts.homelessWorkingDirectoryIsManagers`), so these are 252's only.
    static let homeless: [Setting] = [
        Setting("User=nobody", "WorkingDirectory=-~"),
        Setting("DynamicUser=yes", "WorkingDirectory=-~"),
        Setting("User=nobody", "WorkingDirectory=~", label: "nobody's home, which it cannot enter", startFails: true),
    ]

    /// Settings whose effect depends on the host, so that the probe may or may not see them: only
    /// compared. A container refuses a lower OOM score; systemd then passes over it, and so does brig.
    static let hostDependent: [Setting] = [
        Setting("OOMScoreAdjust=-1000", "User=daemon"),
    ]

    static let namespaces: [Setting] = [
        Setting("PrivateTmp=yes"),
        Setting("PrivateTmp=yes", "User=nobody"),
        Setting("PrivateDevices=yes"),
        Setting("PrivateNetwork=yes"),
        Setting("PrivateIPC=yes"),
        Setting("PrivateUsers=yes"),
        Setting("PrivateUsers=yes", "User=nobody"),
        Setting("PrivateMounts=yes"),
        Setting("ProtectHostname=yes"),
    ]

    static let filesystem: [Setting] = [
        Setting("ProtectSystem=yes"),
        Setting("ProtectSystem=full"),
        Setting("ProtectSystem=strict"),
        Setting("ProtectHome=yes"),
        Setting("ProtectHome=read-only"),
        Setting("ProtectHome=tmpfs"),
        Setting("ProtectKernelTunables=yes"),
        Setting("ProtectKernelModules=yes"),
        Setting("ProtectKernelLogs=yes"),
        Setting("ProtectControlGroups=yes"),
        Setting("ProtectClock=yes"),
        Setting("ProtectProc=invisible"),
        Setting("ProtectProc=invisible", "User=nobody"),
        Setting("ProtectProc=noaccess", "User=nobody"),
        Setting("ProcSubset=pid"),
        Setting("ProtectSystem=strict", "ProtectProc=invisible"),
        Setting("ProtectSystem=strict", "ProcSubset=pid"),
        Setting("ReadOnlyPaths=/var"),
        Setting("ProtectSystem=strict", "ReadWritePaths=/var/lib"),
        Setting("InaccessiblePaths=/srv"),
        Setting("InaccessiblePaths=-/brig-no-such-path"),
        Setting("TemporaryFileSystem=/opt"),
        Setting("TemporaryFileSystem=/srv:ro"),
        Setting("BindPaths=/usr/share:/mnt"),
        Setting("BindReadOnlyPaths=/etc:/srv"),
        Setting("NoExecPaths=/usr/local/bin /srv"),
        Setting("NoExecPaths=/", "ExecPaths=/usr"),
    ]

    static let identity: [Setting] = [
        Setting("User=nobody"),
        // Accounts whose home and shell reach the environment: systemd's own root, and daemon (/usr/sbin, nologin).
        Setting("User=root"),
        Setting("User=daemon"),
        Setting("User=nobody", "Group=nogroup"),
        Setting("Group=nogroup"),
        Setting("User=nobody", "SupplementaryGroups=adm"),
        Setting("DynamicUser=yes"),
        // A dynamic user takes a static user's or group's entry where one of its name exists, and
        // its supplementary groups as any user does.
        Setting("DynamicUser=yes", "SupplementaryGroups=adm"),
        Setting("DynamicUser=yes", "User=daemon"),
        Setting("DynamicUser=yes", "Group=adm"),
        Setting("User=brig-no-such-user", label: "unknown user", startFails: true),
        // A number is a user or group only where the databases have it.
        Setting("User=65000", label: "a uid the user database lacks", startFails: true),
        Setting("Group=65000", label: "a gid the group database lacks", startFails: true),
        Setting("SupplementaryGroups=65000", label: "a supplementary gid the group database lacks", startFails: true),
        Setting("RuntimeDirectory=brig-diff", "User=nobody", paths: directories),
        Setting("StateDirectory=brig-diff", "User=nobody", paths: directories),
        Setting("DynamicUser=yes", "RuntimeDirectory=brig-diff", "StateDirectory=brig-diff",
                "CacheDirectory=brig-diff", "LogsDirectory=brig-diff", paths: directories),
    ]

    static let capabilities: [Setting] = [
        Setting("CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_CHOWN"),
        Setting("CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_DAC_OVERRIDE"),
        Setting("CapabilityBoundingSet="),
        Setting("User=nobody", "AmbientCapabilities=CAP_NET_BIND_SERVICE"),
        Setting("NoNewPrivileges=yes"),
        // Secure bits that already hold are not set again, and CAP_SETPCAP is raised to set the others.
        Setting("SecureBits=keep-caps", "User=daemon", "AmbientCapabilities=CAP_KILL"),
        Setting("SecureBits=noroot", "User=daemon"),
        Setting("SecureBits=keep-caps-locked noroot-locked", visible: false),
        // Every capability but one: those outside the bounding set brig was started with (a
        // container's lacks some) are left out of the ambient set, as systemd leaves them out.
        Setting("User=daemon", "AmbientCapabilities=~CAP_KILL"),
    ]

    static let process: [Setting] = [
        Setting("UMask=0077"),
        Setting("WorkingDirectory=/usr"),
        Setting("WorkingDirectory=-/brig-no-such-dir", visible: false),
        Setting("WorkingDirectory=/brig-no-such-dir", label: "missing working directory", startFails: true),
        Setting("Environment=BRIG_A=1 \"BRIG_B=two words\""),
        Setting("LimitNOFILE=1000:2000"),
        Setting("LimitNPROC=200", "LimitCORE=infinity"),
        Setting("Nice=5"),
        Setting("OOMScoreAdjust=300"),
    ]

    static let profiles: [Setting] = [
        Setting(resolvedLike, label: "resolved-like profile"),
        Setting(resolvedLike.filter { $0 != "DynamicUser=yes" } + ["User=nobody"], label: "resolved-like profile as nobody"),
        Setting("User=nobody", "ProtectSystem=strict", "ProtectHome=read-only", "PrivateTmp=yes", "NoNewPrivileges=yes"),
    ]
}

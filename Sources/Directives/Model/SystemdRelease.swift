/// The systemd release whose reading of unit files applies where releases differ: syscall group
/// members, newer directive modes, and so the exposure checks (`brig analyze --rules`).
///
/// Every release brig knows is here, by the number systemd reports. What differs between them is
/// data: `facts` below (one entry per release, hand-kept, each fact with the source it comes from)
/// and the tables `scripts/release-facts.sh` reads from each release into `reference/`
/// (`syscall-groups-vN.txt` → `syscallGroupsVN`, `exposure-checks-vN.tsv` → Exposure's `checkRowsVN`).
public enum SystemdRelease: Int, CaseIterable, Comparable, Sendable {
    /// Debian 12's systemd 252 (252.38), the one installed on this machine.
    case v252 = 252
    case v253 = 253, v254 = 254, v255 = 255, v256 = 256, v257 = 257, v258 = 258, v259 = 259
    case v260 = 260, v261 = 261
    /// Debian unstable's 262, the one `systemd-oracle-next` runs.
    case v262 = 262

    /// The newest release brig knows.
    public static let newest = SystemdRelease.allCases.last!

    /// The number systemd reports (`systemd --version`).
    public var number: Int { rawValue }

    /// Exactly release `number`, or nil when brig does not know it.
    public init?(number: Int) { self.init(rawValue: number) }

    /// The release `number` names exactly, or nil when brig has no rules for it (`brig run --rules`).
    public static func known(_ number: Int) -> SystemdRelease? { SystemdRelease(number: number) }

    /// The rules that apply to an installed release `version`: its own when brig knows it, else
    /// the nearest brig has (252 for older ones, the newest for newer ones).
    public init(version: Int) {
        self = SystemdRelease(number: version) ?? (version < SystemdRelease.v252.number ? .v252 : .newest)
    }

    /// "systemd 257 (upstream v257.13)": the release and where its rules were read, as `brig
    /// --version`, `--help` and reports name it.
    public var name: String { "systemd \(number) (\(facts.source))" }

    /// "252, 253, ..., 262": the releases `--rules` takes.
    public static var numbersText: String { allCases.map { String($0.number) }.joined(separator: ", ") }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// What this release does differently, each fact with the release it starts in.
    public var facts: ReleaseFacts { ReleaseFacts(self) }

    /// Where each release's rules were read.
    fileprivate var source: String {
        switch self {
        case .v252: "Debian 12's 252.38, installed here"
        case .v253: "upstream v253"
        case .v254: "upstream v254"
        case .v255: "upstream v255"
        case .v256: "upstream v256.17"
        case .v257: "upstream v257.13"
        case .v258: "upstream v258.10"
        case .v259: "upstream v259.8"
        case .v260: "upstream v260.4"
        case .v261: "upstream v261.2"
        case .v262: "Debian unstable's 262.1"
        }
    }
}

/// The ways one systemd release reads units differently from 252, besides its syscall groups and
/// its rows of `systemd-analyze security` (generated from the release, see `SystemdRelease`).
public struct ReleaseFacts: Sendable {
    /// The release these facts are of: each fact below says from which release on it holds.
    let release: SystemdRelease
    /// Where these facts were read.
    public var source: String { release.source }
    /// Words a boolean directive also takes in this release, each turning the setting on
    /// (PrivateTmp=disconnected, ...). Releases before 257 ignore the line instead.
    public var modes: [String: Set<String>] {
        release >= .v260 ? Self.modes260 : release >= .v258 ? Self.modes258 : release >= .v257 ? Self.modes257 : [:]
    }
    /// The actions SuccessAction=/FailureAction= take (emergency_action_table in
    /// src/core/emergency-action.c); 254 added soft-reboot, kexec and halt.
    public var emergencyActions: Set<String> { release >= .v254 ? Self.emergencyActions254 : Self.emergencyActions252 }
    /// PATH= of every service: /sbin and /bin as well before 255, which dropped split-usr builds
    /// (DEFAULT_PATH in src/basic/path-util.h).
    public var defaultPath: String {
        release >= .v255 ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"
            : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    }
    /// Which table of top directories and /usr symlinks base_filesystem_create() makes in a root
    /// of the service's own, as x86-64 builds have it (src/shared/base-filesystem.c): 252 makes
    /// /proc, /sys and /dev 0755 and no /run, with /lib64 into usr/lib64 (Debian's build; upstream
    /// tries usr/lib/x86_64-linux-gnu first); 254 makes them 0555 with /run and links /lib64 into
    /// usr/lib/x86_64-linux-gnu, usr/lib64 or usr/lib; 257 drops the multiarch path.
    public var baseFilesystem: BaseFilesystemTable { release >= .v257 ? .v257 : release >= .v254 ? .v254 : .v252 }
    /// What a version in a versioned directory's entry may hold besides ASCII letters and digits;
    /// an entry with anything else is passed over. ".,_-+" from 256 (version_is_valid() in
    /// src/basic/string-util.c); 262 takes UAPI.10's ".-~^" instead ("string-util: replace
    /// version_is_valid()/version_is_valid_version_spec() by a common call", "string-util: do not
    /// accept ',' in version strings"), so a pre-release such as 2.0~rc1 is picked only from 262 on.
    public var versionPunctuation: String { release >= .v262 ? ".-~^" : ".,_-+" }
    /// PrivateMounts= is a tri-state (systemd 254, "core/execute: make PrivateMounts= tristate"):
    /// an empty value returns it to unset. And the offline analyzer copies that unset (-1) into a
    /// boolean (`info->private_mounts = c->private_mounts` in analyze-security.c), so the
    /// PrivateMounts= check passes for every unit that does not say PrivateMounts=no.
    public var privateMountsIsTristate: Bool { release >= .v254 }
    /// `CapabilityBoundingSet=~LIST` (and AmbientCapabilities=) replacing the set leaves every
    /// capability the kernel knows but LIST, which is no longer the initial set, so the next
    /// line merges into it instead of replacing it (259, parse_capability_set() in parse-util.c;
    /// 252 leaves all 64 bits, the initial set).
    public var invertedCapabilitiesFromKnown: Bool { release >= .v259 }
    /// RestrictAddressFamilies= stops at the first name it does not know, keeping the names
    /// before it (261, parse_address_families() in parse-helpers.c); before, it skipped the name.
    public var unknownAddressFamilyEndsList: Bool { release >= .v261 }
    /// USER=root for a system service without User= (255, setup_environment() in exec-invoke.c).
    public var userForRoot: Bool { release >= .v255 }
    /// MEMORY_PRESSURE_WATCH= and MEMORY_PRESSURE_WRITE= (254, MemoryPressureWatch=auto with
    /// memory accounting on): the service's cgroup's memory.pressure, handed to its user, and the
    /// default threshold of 200 ms in each 2 s.
    public var memoryPressureWatch: Bool { release >= .v254 }
    /// DynamicUser= without PrivateTmp= gives a disconnected /tmp (a tmpfs of the service's own)
    /// instead of a private one (257, unit_patch_contexts() in src/core/unit.c).
    public var dynamicUserDisconnectsTmp: Bool { release >= .v257 }
    /// The entries of systemd's fixed mount tables keep their options (257, append_static_mounts()
    /// in namespace.c copies the whole entry): ProtectHome=tmpfs's are read-only, nodev and of mode
    /// 0755 (/home, /run/user) or 0700 (/root); before, only their path and kind came along, and
    /// the tmpfs was writable, of mode 1777.
    public var mountTablesKeepOptions: Bool { release >= .v257 }
    /// ProtectHostname= takes a hostname after its mode (`private:NAME`, `yes:NAME`), set in the
    /// service's UTS namespace (258, config_parse_protect_hostname() in load-fragment.c).
    public var protectHostnameTakesName: Bool { release >= .v258 }
    /// PrivateNetwork= brings a mount namespace (unless PrivateMounts=no) with a sysfs of the
    /// service's network namespace on /sys, the host's mounts below /sys bound back into it, so
    /// /sys/class/net lists only the namespace's interfaces (254, MOUNT_PRIVATE_SYSFS in namespace.c).
    public var privateNetworkMountsSysfs: Bool { release >= .v254 }
    /// PrivateTmp=disconnected leaves /var/tmp alone in a unit with DefaultDependencies=no and no
    /// RootDirectory=, unless the unit orders itself after var.mount and pulls it in, or names /var
    /// in RequiresMountsFor=/WantsMountsFor=; the service is told TMPDIR=/tmp (258,
    /// unit_get_private_var_tmp() in unit.c: /var may be a later mount).
    public var disconnectedVarTmpNeedsDefaultDependencies: Bool { release >= .v258 }
    /// In such a unit PrivateTmp=yes gives /tmp a tmpfs of the service's own when /tmp is a mount
    /// the unit is not ordered after (/tmp may be a later mount), and ordering after var.mount alone
    /// keeps /var/tmp (260, unit_get_private_tmp() in unit.c).
    public var connectedTmpNeedsDefaultDependencies: Bool { release >= .v260 }
    /// An Accept=yes instance is named with the connection's socket cookie after its number, and
    /// an AF_UNIX peer's pid with its pidfd's inode (258, instance_from_socket() in socket.c).
    public var instanceNamesHaveCookie: Bool { release >= .v258 }
    /// LISTEN_PIDFDID= beside LISTEN_PID= wherever descriptors are passed: the inode number of a
    /// pidfd on the process, which names it for good where a pid may be reused (259,
    /// build_environment() in exec-invoke.c).
    public var listenPIDFDID: Bool { release >= .v259 }
    /// The `|` prefix of ExecStart= and its kin runs the command through the user's shell (258,
    /// config_parse_exec() in load-fragment.c and exec_invoke() in exec-invoke.c).
    public var execViaShell: Bool { release >= .v258 }
    /// A control process learns the main process's pidfd inode beside MAINPID= (MAINPIDFDID=), and
    /// an Accept=yes instance its connection's socket cookie (SO_COOKIE=) (258, service_spawn()
    /// in service.c).
    public var pidfdAndCookieVariables: Bool { release >= .v258 }
    /// journald's sockets are bound into a service's mount namespace with BindLogSockets=, and
    /// without it wherever MountAPIVFS= is on (257, bind_log_sockets_table in namespace.c).
    public var bindsLogSockets: Bool { release >= .v257 }
    /// Exec directories of a service whose uid and gid are not 0 stay owned by nobody on a file
    /// system that takes id-mapped mounts, and are bound into its mount namespace id-mapped
    /// (nobody to the service's ids), nosuid, nodev and noexec (257, setup_exec_directory() in
    /// exec-invoke.c and apply_one_mount() in namespace.c).
    public var execDirectoriesIdMapped: Bool { release >= .v257 }
    /// RootDirectory= naming a versioned directory (systemd.v(7): `NAME.v`, or `DIR.v/NAME___`)
    /// is the newest of its directories for this architecture, picked as each command starts;
    /// no entry that fits fails it with 226 NAMESPACE (256, pick_versions() in exec-invoke.c,
    /// path_pick() in src/shared/vpick.c). Before, such a name is a directory like any other.
    public var rootDirectoryPicksVersion: Bool { release >= .v256 }
    /// A versioned directory's entries of the wrong kind (a file where a directory is sought)
    /// are passed over (260, "vpick: Fix pick_filter_image_any"); before, the newest name is
    /// picked whatever it is, and the start fails (ENOTDIR) when it is not a directory.
    public var versionPickPassesOverWrongType: Bool { release >= .v260 }
    /// WorkingDirectory=~ of an account without a home of its own (nobody, a dynamic user) is the
    /// manager's home, /root, $HOME included (acquire_home() in execute.c, up to 255); 256 fails a
    /// dynamic user's start there instead, and 257 any user's but root's.
    public var homelessWorkingDirectoryIsManagers: Bool { release < .v256 }

    init(_ release: SystemdRelease) { self.release = release }

    static let emergencyActions252: Set<String> = [
        "none", "reboot", "reboot-force", "reboot-immediate", "poweroff", "poweroff-force", "poweroff-immediate",
        "exit", "exit-force",
    ]
    static let emergencyActions254 = emergencyActions252.union([
        "soft-reboot", "soft-reboot-force", "kexec", "kexec-force", "halt", "halt-force", "halt-immediate",
    ])

    /// 257 made PrivateTmp=, PrivateUsers= and ProtectControlGroups= enums (their string tables
    /// in src/core/namespace.c); the analyzer copies any value but "no" into its boolean.
    static let modes257: [String: Set<String>] = [
        "PrivateTmp": ["connected", "disconnected"],
        "PrivateUsers": ["self", "identity"],
        "ProtectControlGroups": ["private", "strict"],
    ]
    /// 258: ProtectHostname=private, PrivateUsers=full.
    static let modes258: [String: Set<String>] = modes257.merging([
        "ProtectHostname": ["private"],
        "PrivateUsers": ["self", "identity", "full"],
    ]) { $1 }
    /// 260: PrivateUsers=managed.
    static let modes260: [String: Set<String>] = modes258.merging([
        "PrivateUsers": ["self", "identity", "full", "managed"],
    ]) { $1 }
}

/// The releases where base_filesystem_create()'s table changed (`ReleaseFacts.baseFilesystem`);
/// the raw value is what the child's CJ_BASE_FILESYSTEM step takes.
public enum BaseFilesystemTable: UInt64, Sendable {
    case v252 = 0, v254 = 1, v257 = 2
}

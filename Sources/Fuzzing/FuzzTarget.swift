import Directives
import Exposure
import FoundationEssentials
import UnitFile

/// One entry point into brig's input handling, fed arbitrary bytes. The same entry points serve
/// the libFuzzer binary (`BrigFuzz`, built by `bench/fuzz`) and the seeded in-process run of
/// `FuzzTests`; a target must never crash, whatever the bytes: every error is an answer.
public struct FuzzTarget: Sendable {
    public let name: String
    /// What the target feeds and where the bytes go.
    public let summary: String
    /// Inputs to start from: valid and nearly valid examples of what the target reads.
    public let seeds: [[UInt8]]
    /// How the target takes a unit file as a seed: whole, or one directive's values at a time.
    let hostSeeds: HostSeeds
    let body: @Sendable ([UInt8]) -> Void

    enum HostSeeds: Sendable {
        case none
        case wholeFile
        /// Byte 0 (bytes 0-1 when `wide`) picks one of these (section, directive) pairs.
        case directives([(String, String)], wide: Bool)
    }

    init(name: String, summary: String, seeds: [String], hostSeeds: HostSeeds = .none, body: @escaping @Sendable ([UInt8]) -> Void) {
        self.init(name: name, summary: summary, seeds: seeds.map { Array($0.utf8) }, hostSeeds: hostSeeds, body: body)
    }

    init(name: String, summary: String, seeds: [[UInt8]], hostSeeds: HostSeeds = .none, body: @escaping @Sendable ([UInt8]) -> Void) {
        self.name = name
        self.summary = summary
        self.seeds = seeds
        self.hostSeeds = hostSeeds
        self.body = body
    }

    /// Seeds taken from real unit files (`bench/fuzz` passes the host's): each file whole for the
    /// syntax targets, each value of a directive the target covers for the grammar targets.
    public func seeds(fromUnitFiles files: [(path: String, bytes: [UInt8])]) -> [[UInt8]] {
        switch hostSeeds {
        case .none: return []
        case .wholeFile: return files.map(\.bytes).filter { $0.count <= 1 << 16 }
        case .directives(let choices, let wide):
            var index: [String: Int] = [:]
            for (n, choice) in choices.enumerated() { index[choice.0 + "/" + choice.1] = n }
            var result: Set<[UInt8]> = []
            for file in files {
                guard let parsed = try? UnitFileParser.parse(file.bytes, path: file.path) else { continue }
                for a in parsed.assignments {
                    guard let n = index[a.section + "/" + a.key] else { continue }
                    result.insert((wide ? [UInt8(n >> 8), UInt8(n & 0xFF)] : [UInt8(n)]) + Array(a.value.utf8))
                }
            }
            return result.sorted { $0.lexicographicallyPrecedes($1) }
        }
    }

    public func run(_ bytes: [UInt8]) { body(bytes) }

    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }

    public static let all: [FuzzTarget] = [
        FuzzTarget(name: "unit-file", summary: "a service file's bytes through UnitFileParser (sections, continuations, comments, quoting)",
                   seeds: unitSeeds, hostSeeds: .wholeFile) {
            _ = try? UnitFileParser.parse($0, path: "/fuzz/fuzz.service", allowedSections: serviceSections)
        },
        FuzzTarget(name: "specifiers", summary: "line 1 a unit name, the rest expanded as %-specifiers, C-unescaped and split into words",
                   seeds: ["foo@bar\\x2dbaz.service\n%n %N %p %P %i %I %f %j %J %h %u %U %H %t %% %Z", "a-b-c.socket\n\"q %n\" 'x y' \\x41\\n\\u00e9 \\\\",
                           "x.timer\n%", "@.service\n%i%i%i\\"]) { bytes in
            let (head, rest) = splitFirstLine(text(bytes))
            let unit = (try? UnitName(head)) ?? (try! UnitName("fuzz@inst.service"))
            let specifiers = Specifiers(unit: unit, fragmentPath: "/etc/systemd/system/" + unit.name)
            _ = try? specifiers.expand(rest, at: SourceLocation(file: "fuzz", line: 1))
            _ = Specifiers.unescape(rest)
            _ = Specifiers.pathUnescape(rest)
            _ = try? Words.unescapeC(rest)
            for options: Words.Options in [[], .standard, [.unquote, .relax], [.cUnescape, .relax]] {
                _ = try? Words.split(rest, options: options)
            }
        },
        FuzzTarget(name: "directive", summary: "byte 0-1 pick any directive of systemd 252 (any section), each further line one value of it",
                   seeds: stride(from: 0, to: 1200, by: 37).map { [UInt8($0 >> 8), UInt8($0 & 0xFF)] + Array("yes\n\n~foo bar\n-/x 5s 1G".utf8) },
                   hostSeeds: .directives(allDirectives, wide: true)) {
            directiveLines($0, from: allDirectives)
        },
        grammar("time-span", samples: ["5s", "1min 30s", "infinity", "0", "2h30min", "100ms", "1y 2M 3w 4d 5h", "1.5s", "  7 sec ", "-1s", "18446744073709551615us"], "time spans", ["Service": ["TimeoutStartSec", "TimeoutStopSec", "RestartSec", "RuntimeMaxSec",
            "WatchdogSec", "TimeoutSec", "RuntimeRandomizedExtraSec", "TimeoutAbortSec", "CPUQuotaPeriodSec", "LogRateLimitIntervalSec"],
            "Unit": ["StartLimitIntervalSec", "JobTimeoutSec"], "Socket": ["TriggerLimitIntervalSec", "KeepAliveTimeSec", "DeferAcceptSec"]]) { value in
            _ = try? TimeSpan(parsing: value)
            _ = try? TimeSpan(parsing: value, defaultUnit: .millisecond)
        },
        grammar("size", samples: ["512M", "1.5G", "infinity", "50%", "12.34%", "1G 512M", "0-3,5", "0777", "/dev/sda 10M", "private-anonymous elf-headers", "-1000", "100:200", "1E"], "sizes, percentages, weights and resource limits", ["Service": ["MemoryMax", "MemoryHigh", "MemoryLow",
            "MemoryMin", "MemorySwapMax", "TasksMax", "CPUQuota", "CPUWeight", "IOWeight", "LimitNOFILE", "LimitCPU", "LimitAS",
            "LimitRTTIME", "LimitNICE", "LimitCORE", "LogRateLimitBurst", "OOMScoreAdjust", "Nice", "UMask",
            "IOReadBandwidthMax", "IODeviceWeight", "CPUAffinity", "AllowedCPUs", "NUMAMask", "StartupCPUWeight"],
            "Socket": ["ReceiveBuffer", "SendBuffer", "Backlog", "MaxConnections", "SocketMode", "PipeSize"]]) { value in
            _ = try? ByteSize.parse(value)
            _ = try? ByteSize.parse(value, base: 1000)
            _ = try? Permyriad.parse(value)
            _ = try? MemoryLimit(parsing: value)
            _ = try? TasksLimit(parsing: value)
            _ = try? DirectoryQuota.parse(value)
            _ = try? CPUList.parse(value)
            _ = try? CoredumpFilter.parse(value)
            _ = try? Numbers.mode(value)
        },
        grammar("list", samples: ["~CAP_SYS_ADMIN CAP_NET_RAW", "", "cgroup ipc", "~user", "wheel adm", "foo bar/baz", "1 2 SIGHUP", "-/var/lib/x +/opt", "strict", "~ext4 @basic-api", "closed"], "lists with ~ (inverting) and an empty value (resetting): capabilities, namespaces, groups, directories", ["Service": [
            "CapabilityBoundingSet", "AmbientCapabilities", "RestrictNamespaces", "SupplementaryGroups", "StateDirectory",
            "RuntimeDirectory", "CacheDirectory", "LogsDirectory", "ConfigurationDirectory", "RestrictFileSystems",
            "SuccessExitStatus", "RestartPreventExitStatus", "PassEnvironment", "UnsetEnvironment", "ReadWritePaths",
            "RestrictNetworkInterfaces", "ProtectHome", "ProtectSystem", "DevicePolicy"]]),
        grammar("syscall-filter", samples: ["@system-service", "~@privileged @resources:EPERM", "EACCES", "native x86", "~@mount:ENOENT ptrace", "kill", "1234", "@default:EPERM", "log", "write:4095"], "system call filters with :errno, errno names and numbers, @groups, architectures", ["Service": [
            "SystemCallFilter", "SystemCallErrorNumber", "SystemCallArchitectures", "SystemCallLog"]]) { value in
            _ = try? SyscallAction(parsing: value)
            var skipped: [ValueError] = []
            for logging in [false, true] {
                _ = (try? SyscallFilter.merge(nil, value, logging: logging, rules: .v261, skipped: &skipped))??.resolved(rules: .v261)
            }
            _ = SyscallArchitectureNames.parseList(value, skipped: &skipped)
        },
        grammar("address-families", samples: ["AF_UNIX AF_INET AF_INET6", "~AF_NETLINK AF_PACKET", "none", ""], "RestrictAddressFamilies= with ~ and none", ["Service": ["RestrictAddressFamilies"]]),
        grammar("ip-prefix", samples: ["10.0.0.0/8 ::1", "any", "localhost link-local multicast", "192.168.1.1/33", "fe80::/10", "::ffff:1.2.3.4/128", ""], "IP addresses and prefixes, and their keywords", ["Service": ["IPAddressAllow", "IPAddressDeny"]]) { value in
            _ = try? IPPrefix(parsing: value)
            var skipped: [ValueError] = []
            _ = IPPrefix.parseList(value, skipped: &skipped)
        },
        grammar("socket-bind", samples: ["ipv4:tcp:8080-8090", "any", "ipv6:udp:53", "tcp:1-65535", "ipv4", "ipv6:sctp:0"], "SocketBindAllow=/Deny= rules: family, protocol, port ranges", ["Service": ["SocketBindAllow", "SocketBindDeny"]]) { value in
            _ = try? SocketBindRule(parsing: value)
        },
        grammar("device-rule", samples: ["/dev/null rw", "char-pts rwm", "block-loop r", "/dev/sda1 m", "closed", "strict", "auto"], "DeviceAllow= rules and DevicePolicy=", ["Service": ["DeviceAllow", "DevicePolicy"]]) { value in
            _ = try? DeviceRule(parsing: value)
        },
        grammar("paths", samples: ["-/bin/sh -c 'echo %n; exit 0'", "@/bin/true true", "+!!/usr/bin/env", ":/bin/echo \"a b\" 'c d' \\x41 ;", "/var/lib/foo:/data:rbind,norecurse", "-/tmp/x:/y", "file:/var/log/out", "append:/tmp/log", "journal+console", "cred:/etc/x", "-/etc/default/foo", "/run/x:mode=0700", "nobody", "65534", "SIGTERM", "RTMIN+3"], "paths with prefixes (-, +, :, @, !), bind pairs with options, stdio targets, command lines", ["Service": [
            "ExecStart", "ExecStartPre", "ExecStop", "WorkingDirectory", "RootDirectory", "RootImage", "ReadOnlyPaths",
            "InaccessiblePaths", "ExecPaths", "NoExecPaths", "BindPaths", "BindReadOnlyPaths", "TemporaryFileSystem",
            "EnvironmentFile", "StandardInput", "StandardOutput", "StandardError", "PIDFile", "LoadCredential",
            "SetCredential", "ImportCredential", "LoadCredentialEncrypted", "User", "Group", "DynamicUser", "TTYPath",
            "RootDirectoryStartOnly", "KillSignal", "RestartKillSignal", "Type", "Restart"]]) { value in
            _ = try? ExecCommand.parseLine(value) { $0 }
            _ = try? AccountName.check(value)
            _ = try? Signal(parsing: value)
        },
        grammar("calendar", samples: ["daily", "Mon..Fri *-*-* 09:00", "*-*-01 00:00:00 UTC", "@1700000000", "Sat,Sun 12:00", "2026-12-03 04:00:00", "*:0/15", "quarterly", "Mon *-*~07/1 Europe/Berlin"], "OnCalendar= calendar expressions", ["Timer": ["OnCalendar"]]) { value in
            _ = try? CalendarSpec.check(value)
        },
        grammar("environment", samples: ["A=1 \"B=two words\" 'C=x'", "PATH=/bin:%h", "FOO", "-/etc/default/x", "A=\\x41\\n"], "Environment= assignments with quoting and specifiers", ["Service": ["Environment", "PassEnvironment",
            "UnsetEnvironment", "EnvironmentFile"]]) { value in
            var skipped: [ValueError] = []
            _ = try? EnvironmentValues.assignments(value, expand: { $0 }, skipped: &skipped)
        },
        grammar("socket", samples: ["8080", "127.0.0.1:80", "[::1]:443", "/run/foo.sock", "@abstract", "vsock:2:1234", "0.0.0.0:53%lo", "/dev/ttyS0", "yes", "both", "0x10"], "a .socket unit's listeners and options", ["Socket": ["ListenStream", "ListenDatagram", "ListenSequentialPacket",
            "ListenFIFO", "ListenNetlink", "ListenSpecial", "ListenMessageQueue", "ListenUSBFunction", "BindIPv6Only",
            "BindToDevice", "SocketUser", "Accept", "FileDescriptorName", "Service", "IPTOS", "Mark", "Timestamping"]]) { value in
            _ = try? SocketAddress(parsing: value)
        },
        FuzzTarget(name: "environment-file", summary: "an EnvironmentFile='s bytes through the parser `brig run` reads it with",
                   seeds: ["A=1\n# c\nB='x y'\n; z\nC=\"q\"\n  D = 4 \r\nE\n=\n\"F=\"\n"]) {
            _ = EnvironmentFileParser.parse(text($0))
        },
        FuzzTarget(name: "security-policy", summary: "a --security-policy JSON, then the assessment of a hardened unit under it",
                   seeds: [#"{"PrivateNetwork":{"weight":1000,"range":1},"UserOrDynamicUser":{"description_bad":"x","description_good":"y","description_na":"z"}}"#,
                           #"{"PrivateNetwork":{"weight":0},"ProtectSystem":{"range":3,"weight":18446744073709551615}}"#, "{}"]) { bytes in
            guard let policy = try? SecurityPolicy(json: Data(bytes), source: "fuzz.json") else { return }
            for unit in policyUnits { _ = try? Assessment(unit, rules: .v252, policy: policy) }
        },
        FuzzTarget(name: "drop-ins", summary: "a fragment and drop-ins (files split at lines of ---), merged, read into the model and assessed",
                   seeds: ["[Service]\nExecStart=/bin/true\nDynamicUser=yes\n---\n[Service]\nProtectSystem=strict\nSystemCallFilter=@system-service\n"
                           + "---\n[Service]\nExecStart=\nExecStart=/bin/false\nSystemCallFilter=\nCapabilityBoundingSet=~CAP_SYS_ADMIN\n",
                           "[Unit]\nDescription=%n\n[Service]\nType=notify\nUser=nobody\n---\n[Service]\nUser=\nRestrictAddressFamilies=~AF_INET\n"],
                   hostSeeds: .wholeFile) { bytes in
            var files: [[UInt8]] = [[]]
            for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
                if line.elementsEqual([0x2D, 0x2D, 0x2D]), files.count < 16 { files.append([]); continue }
                files[files.count - 1] += line + [0x0A]
            }
            var assignments: [Assignment] = []
            var paths: [String] = []
            for (n, file) in files.enumerated() {
                let path = n == 0 ? "/fuzz/fuzz.service" : "/fuzz/fuzz.service.d/\(n).conf"
                guard let parsed = try? UnitFileParser.parse(file, path: path, allowedSections: serviceSections) else { continue }
                assignments += parsed.assignments
                paths.append(path)
            }
            let loaded = LoadedUnit(name: try! UnitName("fuzz.service"), fragmentPath: paths.first,
                                    dropInPaths: Array(paths.dropFirst()), assignments: assignments)
            let rules = release(for: bytes)
            if let unit = try? AssessedUnit(loaded, rules: rules) {
                _ = unit.config.diagnostics.map(\.description)
                _ = try? Assessment(unit, rules: rules)
            }
        },
    ]
}

let unitSeeds = [
    "[Unit]\nDescription=a \"quoted\" %n\n# comment\n; comment\n\n[Service]\nExecStart=/bin/sh -c 'a' \\\n  b\n",
    "\u{FEFF}[Service]\r\nEnvironment=A=1 \\\r\n#inner comment\r\n B=2\r\n[X-Own]\nFoo=bar\n[Install]\nWantedBy=multi-user.target",
    "[Service]\nExecStart=/bin/true\\",
    "[Service\nKey\n=value\n[]\n[Socket]\nListenStream=80\n",
]

let serviceSections = try! UnitName("fuzz.service").sections

/// Every (section, directive) systemd 252 knows, in a fixed order so a seed keeps its meaning.
let allDirectives: [(String, String)] = DirectiveRegistry.known
    .flatMap { section, names in names.keys.map { (section, $0) } }
    .sorted { ($0.0, $0.1) < ($1.0, $1.1) }

/// Units whose assessment a policy changes: one open, one hardened.
let policyUnits: [AssessedUnit] = [
    "[Service]\nExecStart=/bin/true\n",
    "[Service]\nExecStart=/bin/true\nDynamicUser=yes\nCapabilityBoundingSet=\nSystemCallFilter=@system-service\n"
        + "PrivateNetwork=yes\nRestrictAddressFamilies=AF_UNIX\nProtectSystem=strict\nIPAddressDeny=any\n",
].map { text in
    let parsed = try! UnitFileParser.parse(Array(text.utf8), path: "/fuzz/policy.service")
    return try! AssessedUnit(LoadedUnit(name: try! UnitName("policy.service"), fragmentPath: "/fuzz/policy.service",
                                        assignments: parsed.assignments), rules: .v252)
}

/// A target for one value grammar: byte 0 picks one of `directives`, each further line is one
/// assignment of it (so `~` lists and resets merge as they do across lines), all read into the
/// model with its implications; `direct` also hands each line to the grammar's own parser.
func grammar(_ name: String, samples: [String], _ what: String, _ directives: [String: [String]],
             direct: @escaping @Sendable (String) -> Void = { _ in }) -> FuzzTarget {
    let choices = directives.flatMap { section, names in names.map { (section, $0) } }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
    // Each sample once for the first directive and once for another, so every choice gets seeds.
    let seeds: [[UInt8]] = samples.enumerated().flatMap { n, sample -> [[UInt8]] in
        [[0] + Array(sample.utf8), [UInt8((n + 1) % choices.count)] + Array(sample.utf8)]
    }
    return FuzzTarget(name: name, summary: what, seeds: seeds, hostSeeds: .directives(choices, wide: false)) { bytes in
        directiveLines(bytes, from: choices)
        for line in text(bytes.dropFirst()).split(separator: "\n", omittingEmptySubsequences: false).prefix(64) {
            direct(String(line))
        }
    }
}

/// The first byte (two for long lists) picks the directive; the rest, line by line, are its values.
func directiveLines(_ bytes: [UInt8], from choices: [(String, String)]) {
    guard let first = bytes.first else { return }
    var index = Int(first)
    var rest = bytes.dropFirst()
    if choices.count > 256, let second = rest.first { index = index << 8 | Int(second); rest = rest.dropFirst() }
    let (section, key) = choices[index % choices.count]
    let unitName = section == "Timer" ? "fuzz.timer" : section == "Socket" ? "fuzz.socket" : "fuzz.service"
    var assignments: [Assignment] = []
    for (n, line) in text(rest).split(separator: "\n", omittingEmptySubsequences: false).prefix(256).enumerated() {
        assignments.append(Assignment(section: section, key: key, value: String(line),
                                      location: SourceLocation(file: "/fuzz/" + unitName, line: n + 2)))
    }
    let loaded = LoadedUnit(name: try! UnitName(unitName), fragmentPath: "/fuzz/" + unitName, assignments: assignments)
    let config = UnitConfig(loaded, rules: release(for: bytes)).withImplications()
    _ = config.diagnostics.map(\.description)
}

/// The rules of systemd 252 or 261 (their directives and syscall groups differ), one per input
/// rather than both, for speed: the length's parity picks.
func release(for bytes: [UInt8]) -> SystemdRelease { bytes.count % 2 == 0 ? .v252 : .v261 }

func text<C: Collection<UInt8>>(_ bytes: C) -> String { String(decoding: bytes, as: UTF8.self) }

func splitFirstLine(_ s: String) -> (String, String) {
    guard let newline = s.firstIndex(of: "\n") else { return (s, "") }
    return (String(s[..<newline]), String(s[s.index(after: newline)...]))
}

import Foundation
import Testing
import TestSupport

/// Directives of releases after 252 that `brig run --rules N` applies from the release that
/// brought them: what the jailed program finds (its memory settings, the namespaces it is in, the
/// file system on /sys/fs/bpf), that older rules leave it as it was, and how a start that cannot
/// apply one fails. NextJailDifferentialTests compares the same settings with systemd 262.
@Suite(.enabled(if: geteuid() == 0, "brig run needs root"), .serialized)
struct RunNewerDirectiveTests {
    static func run(_ rules: String, _ properties: [String], _ script: String) throws -> BrigBinary.Result {
        try BrigBinary.run(["run", "--rules", rules] + properties.flatMap { ["-p", $0] } + ["--", "/bin/sh", "-c", script])
    }

    static func dryRun(_ rules: String, _ properties: [String]) throws -> String {
        try BrigBinary.run(["run", "--dry-run", "--rules", rules] + properties.flatMap { ["-p", $0] } + ["--", "/bin/true"]).stdout
    }

    /// `prctl(PR_GET_THP_DISABLE)` as the program sees it: 0 none, 1 disabled, 3 disabled unless advised.
    static let thpState = "/usr/bin/python3 -c 'import ctypes; print(ctypes.CDLL(None).prctl(42, 0, 0, 0, 0))'"

    /// A directive the rules in force do not know is said on standard error before the service
    /// runs (systemd logs it on loading the unit); the service's own output is untouched.
    @Test func aDirectiveNewerThanTheRulesIsSaidBeforeTheRun() throws {
        let older = try Self.run("256", ["PrivatePIDs=yes"], "echo $$$$")
        #expect(older.status == 0 && older.stdout != "1\n", "256 does not know PrivatePIDs=")
        #expect(older.stderr == "brig run: -p:1:1: warning: PrivatePIDs= is newer than systemd 256 (it came in 257), which ignores it; brig ignores it too\n")
        let newer = try Self.run("257", ["PrivatePIDs=yes"], "echo $$$$")
        #expect(newer.status == 0 && newer.stdout == "1\n" && newer.stderr.isEmpty, "\(newer.stderr)")
    }

    @Test func memoryKSMOffersTheProgramsMemoryFromItsFirstInstruction() throws {
        let on = try Self.run("254", ["MemoryKSM=yes"], "grep merge_any /proc/self/ksm_stat")
        #expect(on.status == 0 && on.stdout == "ksm_merge_any: yes\n", "\(on.stderr)")
        let older = try Self.run("253", ["MemoryKSM=yes"], "grep merge_any /proc/self/ksm_stat")
        #expect(older.status == 0 && older.stdout == "ksm_merge_any: no\n", "253 does not know MemoryKSM=: \(older.stderr)")
        let off = try Self.run("262", ["MemoryKSM=yes", "MemoryKSM=no"], "grep merge_any /proc/self/ksm_stat")
        #expect(off.stdout == "ksm_merge_any: no\n", "\(off.stderr)")
        #expect(try Self.dryRun("262", ["MemoryKSM=yes"]).contains("prctl PR_SET_MEMORY_MERGE 1 0    <- MemoryKSM=yes  [245 KSM]"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs python3 to read PR_GET_THP_DISABLE"))
    func memoryTHPSetsTheProgramsHugePagePolicy() throws {
        #expect(try Self.run("262", ["MemoryTHP=disable"], Self.thpState).stdout == "1\n")
        #expect(try Self.run("262", ["MemoryTHP=madvise"], Self.thpState).stdout == "3\n")
        #expect(try Self.run("262", ["MemoryTHP=inherit"], Self.thpState).stdout == "0\n")
        #expect(try Self.run("259", ["MemoryTHP=disable"], Self.thpState).stdout == "0\n", "259 does not know MemoryTHP=")
        // "system" undoes what brig itself inherited; "inherit" passes it on.
        let disabled = ["/usr/bin/python3", "-c",
                        "import ctypes, os, sys; ctypes.CDLL(None).prctl(41, 1, 0, 0, 0); os.execv(sys.argv[1], sys.argv[1:])"]
        for (setting, expected) in [("MemoryTHP=system", "0\n"), ("MemoryTHP=inherit", "1\n")] {
            let result = try BrigBinary.run(["run", "--rules", "262", "-p", setting, "--", "/bin/sh", "-c", Self.thpState], wrapper: disabled)
            #expect(result.stdout == expected, "\(setting): \(result.stderr)")
        }
        #expect(try Self.dryRun("262", ["MemoryTHP=madvise"]).contains("prctl PR_SET_THP_DISABLE 1 2    <- MemoryTHP=madvise  [246 MEMORY_THP]"))
    }

    /// Without default dependencies, /var (258) and /tmp (260) may be mounted after the service
    /// starts: which private directories it gets, release by release, and TMPDIR=/tmp where only
    /// /tmp is private. On this host /tmp is no mount of its own, so /tmp stays as PrivateTmp= says.
    @Test func privateTmpWithoutDefaultDependenciesLeavesVarTmpAlone() throws {
        let probe = "for d in /tmp /var/tmp; do if mountpoint -q $d; then echo $d private; else echo $d host; fi; done; echo TMPDIR=$TMPDIR"
        let disconnected = ["PrivateTmp=disconnected", "DefaultDependencies=no"]
        let cases: [(String, [String], String)] = [
            ("257", disconnected, "/tmp private\n/var/tmp private\nTMPDIR=\n"),
            ("258", disconnected, "/tmp private\n/var/tmp host\nTMPDIR=/tmp\n"),
            ("258", disconnected + ["DefaultDependencies=yes"], "/tmp private\n/var/tmp private\nTMPDIR=\n"),
            ("258", disconnected + ["WantsMountsFor=/var"], "/tmp private\n/var/tmp private\nTMPDIR=\n"),
            // 258 waits for var.mount only when the unit also pulls it in; 260 on ordering alone.
            ("258", disconnected + ["After=var.mount"], "/tmp private\n/var/tmp host\nTMPDIR=/tmp\n"),
            ("258", disconnected + ["After=var.mount", "Wants=var.mount"], "/tmp private\n/var/tmp private\nTMPDIR=\n"),
            ("260", disconnected + ["After=var.mount"], "/tmp private\n/var/tmp private\nTMPDIR=\n"),
            ("262", disconnected + ["Environment=TMPDIR=/var/cache"], "/tmp private\n/var/tmp host\nTMPDIR=/var/cache\n"),
            ("262", ["DynamicUser=yes", "DefaultDependencies=no"], "/tmp private\n/var/tmp host\nTMPDIR=/tmp\n"),
            ("262", ["PrivateTmp=yes", "DefaultDependencies=no"], "/tmp private\n/var/tmp private\nTMPDIR=\n"),
        ]
        for (rules, properties, expected) in cases {
            let result = try Self.run(rules, properties, probe)
            #expect(result.status == 0 && result.stdout == expected, "--rules \(rules) \(properties): \(result.stderr)")
        }
        // A "+" command has no private /tmp, and no TMPDIR pointing at it.
        let plus = try BrigBinary.run(["run", "--rules", "262"] + disconnected.flatMap { ["-p", $0] }
                                      + ["-p", "ExecStartPre=+/bin/sh -c 'echo pre TMPDIR=$TMPDIR'", "--", "/bin/sh", "-c", "echo main TMPDIR=$TMPDIR"])
        #expect(plus.stdout == "pre TMPDIR=\nmain TMPDIR=/tmp\n", "\(plus.stderr)")
    }

    /// A control process compares $MAINPIDFDID with the inode of a pidfd it opens on $MAINPID
    /// itself: from 258 on they are the same number; 257 sets no such variable.
    static let mainPIDCheck = "ExecStartPost=/usr/bin/python3 -c 'import os; pid = int(os.environ[\"MAINPID\"]); "
        + "print(os.environ.get(\"MAINPIDFDID\", \"unset\") == str(os.fstat(os.pidfd_open(pid)).st_ino), \"MAINPIDFDID\" in os.environ)'"

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs python3 to open a pidfd"))
    func controlProcessesLearnTheMainProcessesPidfdInode() throws {
        let current = try BrigBinary.run(["run", "--rules", "262", "-p", Self.mainPIDCheck, "--", "/bin/sleep", "0.5"])
        #expect(current.status == 0 && current.stdout == "True True\n", "\(current.stderr)")
        let older = try BrigBinary.run(["run", "--rules", "257", "-p", Self.mainPIDCheck, "--", "/bin/sleep", "0.5"])
        #expect(older.status == 0 && older.stdout == "False False\n", "257 has no MAINPIDFDID=: \(older.stderr)")
    }

    @Test(.enabled(if: SystemdOracleNext.instanceUnavailableReason == nil, "systemd 262 cannot run services here"))
    func systemd262TellsControlProcessesTheSameInode() throws {
        let result = try SystemdOracleNext.run([Self.mainPIDCheck], ["/bin/sleep", "0.5"])
        #expect(result.stdout == "True True\n", "\(result.stderr)")
    }

    /// An image policy (254) narrows what an image may hold; with no image it changes nothing,
    /// under systemd as here, and an image itself is refused before anything runs.
    @Test func imagePoliciesChangeNothingWithoutAnImage() throws {
        let policies = ["RootImagePolicy=root=verity+signed:=absent", "MountImagePolicy=*", "ExtensionImagePolicy=~"]
        let plain = try Self.run("262", policies, "echo ran")
        #expect(plain.status == 0 && plain.stdout == "ran\n", "\(plain.stderr)")
        let image = try Self.run("262", policies + ["RootImage=/var/lib/machines/brig-no-such.raw"], "echo ran")
        #expect(image.status == 226 && image.stdout.isEmpty && image.stderr.contains("RootImage="), "\(image.stderr)")
    }

    /// "|" (258) runs a command line through the account's shell: `-c` and the words joined by
    /// spaces, `@` making it a login shell, alone the shell by itself; older rules read "|echo" as
    /// a program's name. The commands append to one file, which 262 writes the same way.
    static let viaShellUnit = """
        [Service]
        Type=oneshot
        StandardOutput=append:/run/brig-via-shell.out
        ExecStart=|echo $$0 "a  b" ${USER}
        ExecStart=@|echo login $$0
        ExecStart=|
        ExecStart=-:|echo $USER
        """
    /// With ":" the shell itself expands $USER.
    static let viaShellOutput = "/bin/bash a b root\nlogin -/bin/bash\nroot\n"

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/bash"), "root's shell is bash here"))
    func viaShellPrefixRunsTheCommandInTheUsersShell() throws {
        let unit = NSTemporaryDirectory() + "brig-via-shell-\(getpid()).service"
        try Self.viaShellUnit.write(toFile: unit, atomically: true, encoding: .utf8)
        defer { unlink(unit); unlink("/run/brig-via-shell.out") }
        unlink("/run/brig-via-shell.out")
        let result = try BrigBinary.run(["run", "--rules", "262", unit])
        #expect(result.status == 0, "\(result.stderr)")
        #expect((try? String(contentsOfFile: "/run/brig-via-shell.out", encoding: .utf8)) == Self.viaShellOutput)
        let older = try BrigBinary.run(["run", "--rules", "257", unit])
        #expect(older.status == 203 && older.stderr.contains("execve |echo"), "\(older.stderr)")
    }

    @Test(.enabled(if: SystemdOracleNext.instanceUnavailableReason == nil, "systemd 262 cannot run services here"))
    func systemd262RunsViaShellCommandsTheSameWay() throws {
        let script = "printf '%s' \"$1\" > /etc/systemd/system/brig-via-shell.service && rm -f /run/brig-via-shell.out"
            + " && systemctl daemon-reload && systemctl start brig-via-shell.service; cat /run/brig-via-shell.out;"
            + " rm -f /etc/systemd/system/brig-via-shell.service /run/brig-via-shell.out"
        let result = try SystemdOracleNext.exec(["/bin/sh", "-c", script, "sh", Self.viaShellUnit])
        #expect(result.stdout == Self.viaShellOutput, "\(result.stderr)")
    }

    @Test func privateBPFGivesTheServiceAnEmptyBPFFileSystemOfItsOwn() throws {
        let host = try Subprocess.run(["/usr/bin/stat", "-c", "%d %T", "-f", "/sys/fs/bpf"]).stdout
        let own = try Self.run("258", ["PrivateBPF=yes"], "stat -f -c %T /sys/fs/bpf && find /sys/fs/bpf -name '*.debug' -prune -o -mindepth 1 -print | wc -l")
        #expect(own.status == 0 && own.stdout == "bpf_fs\n0\n", "\(own.stderr)")
        let older = try Self.run("257", ["PrivateBPF=yes"], "stat -c '%d %T' -f /sys/fs/bpf")
        #expect(older.stdout == host, "257 does not know PrivateBPF=: \(older.stderr)")
        #expect(try Self.dryRun("262", ["PrivateBPF=yes"]).contains("mount none on /run/brig/unit-root/sys/fs/bpf type bpf    <- PrivateBPF=yes  [226 NAMESPACE]"))
    }

    /// A namespace pinned on a file of the test's own, and its inode (what /proc/self/ns/* shows).
    final class PinnedNamespace {
        let path: String
        init(_ type: String) throws {
            path = "/run/brig-test-\(type)-ns-\(getpid())-\(UUID().uuidString.prefix(8))"
            #expect(FileManager.default.createFile(atPath: path, contents: nil))
            let pin = try Subprocess.run(["/usr/bin/unshare", "--\(type)=\(path)", "/bin/true"])
            guard pin.status == 0 else { throw PinError(message: pin.stderr) }
        }
        var inode: String { (try? Subprocess.run(["/usr/bin/stat", "-L", "-c", "%i", path]).stdout) ?? "?" }
        deinit {
            umount2(path, 2)   // MNT_DETACH
            unlink(path)
        }
        struct PinError: Error { let message: String }
    }

    @Test func networkAndIPCNamespacePathsAreJoined() throws {
        let network = try PinnedNamespace("net"), ipc = try PinnedNamespace("ipc")
        let joined = try Self.run("252", ["NetworkNamespacePath=\(network.path)", "IPCNamespacePath=\(ipc.path)"],
                                  "stat -L -c %i /proc/self/ns/net /proc/self/ns/ipc && tail -n +3 /proc/self/net/dev | cut -d: -f1 | tr -d ' '")
        #expect(joined.status == 0, "\(joined.stderr)")
        #expect(joined.stdout == network.inode + ipc.inode + "lo\n", "the namespaces pinned, with their own loopback only")
        #expect(try Self.dryRun("252", ["NetworkNamespacePath=\(network.path)"])
            .contains("join the net namespace of \(network.path)    <- NetworkNamespacePath=\(network.path)  [225 NETWORK]"))
    }

    @Test func aNamespacePathThatCannotBeJoinedFailsWithSystemdsStatus() throws {
        let network = try PinnedNamespace("net")
        let missing = try Self.run("252", ["NetworkNamespacePath=/run/brig-test-no-such-ns"], "true")
        #expect(missing.status == 225)
        #expect(missing.stderr.contains("NetworkNamespacePath=/run/brig-test-no-such-ns: cannot open the namespace: No such file or directory (exit status 225 NETWORK)"),
                "\(missing.stderr)")
        let wrongType = try Self.run("252", ["IPCNamespacePath=\(network.path)"], "true")
        #expect(wrongType.status == 226)
        #expect(wrongType.stderr.contains("IPCNamespacePath=\(network.path): not a namespace of that type: Invalid argument (exit status 226 NAMESPACE)"),
                "\(wrongType.stderr)")
        let notANamespace = try Self.run("262", ["UserNamespacePath=/etc/hostname"], "true")
        #expect(notANamespace.status == 226 && notANamespace.stderr.contains("UserNamespacePath=/etc/hostname: not a namespace of that type"),
                "\(notANamespace.stderr)")
    }

    @Test func userNamespacePathIsJoinedFromSystemd259() throws {
        // A user namespace lives while a process is in it: a sleeper that maps root only.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        holder.arguments = ["--user", "--map-root-user", "/bin/sleep", "60"]
        try holder.run()
        defer { kill(holder.processIdentifier, SIGKILL); holder.waitUntilExit() }
        let path = "/proc/\(holder.processIdentifier)/ns/user"
        Poll.until(seconds: 2) {
            (try? String(contentsOfFile: "/proc/\(holder.processIdentifier)/uid_map", encoding: .utf8))?.contains(" 1\n") == true
        }
        let joined = try Self.run("259", ["UserNamespacePath=\(path)"], "cat /proc/self/uid_map | tr -s ' '")
        #expect(joined.status == 0 && joined.stdout == " 0 0 1\n", "\(joined.stderr)")
        let older = try Self.run("258", ["UserNamespacePath=\(path)"], "cat /proc/self/uid_map | tr -s ' '")
        #expect(older.stdout == " 0 0 4294967295\n", "258 does not know UserNamespacePath=: \(older.stderr)")
        // The namespace maps no one but root: changing to nobody there fails, with USER.
        let unmapped = try Self.run("262", ["UserNamespacePath=\(path)", "User=nobody"], "true")
        #expect(unmapped.status == 217, "\(unmapped.stderr)")
    }

    /// A file of root's alone, for OpenFile=.
    final class RootsFile {
        let path = "/run/brig-test-openfile-\(getpid())-\(UUID().uuidString.prefix(8))"
        init(_ text: String) {
            #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]))
        }
        var contents: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "<gone>" }
        deinit { unlink(path) }
    }

    @Test func openFileHandsTheMainProcessAFileItsUserCannotOpen() throws {
        let file = RootsFile("secret\n")
        let script = "cat <&3; cat \(file.path) 2>/dev/null || echo denied; env | grep ^LISTEN_ | sort; sed -n 's/^flags:[[:space:]]*//p' /proc/self/fdinfo/3"
        let passed = try Self.run("262", ["User=nobody", "OpenFile=\(file.path):settings:read-only"], script)
        #expect(passed.status == 0, "\(passed.stderr)")
        let lines = passed.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "secret" && lines.dropFirst().first == "denied")
        #expect(lines.contains("LISTEN_FDS=1") && lines.contains("LISTEN_FDNAMES=settings"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("LISTEN_PID=") } && lines.contains { $0.hasPrefix("LISTEN_PIDFDID=") }, "\(lines)")
        #expect(lines.last.flatMap { Int($0, radix: 8) }.map { $0 & 3 } == 0, "open read-only: \(lines)")
        // 258 passes the file without LISTEN_PIDFDID=, which came with 259; 252 does not know OpenFile=.
        #expect(!(try Self.run("258", ["OpenFile=\(file.path)"], "env").stdout.contains("LISTEN_PIDFDID=")))
        #expect(try Self.run("252", ["OpenFile=\(file.path)"], "printenv LISTEN_FDS || echo none").stdout == "none\n")
    }

    @Test func openFileOptionsDecideHowTheFileIsOpened() throws {
        let file = RootsFile("first\n")
        #expect(try Self.run("253", ["OpenFile=\(file.path)::append"], "echo second >&3").status == 0)
        #expect(file.contents == "first\nsecond\n")
        #expect(try Self.run("253", ["OpenFile=\(file.path)::truncate"], "true").status == 0)
        #expect(file.contents == "")
        // Left out when missing, graceful; the name defaults to the file's.
        let graceful = try Self.run("253", ["OpenFile=/run/brig-test-no-such-file::graceful", "OpenFile=\(file.path)"],
                                    "echo $LISTEN_FDS $LISTEN_FDNAMES")
        #expect(graceful.stdout == "1 \((file.path as NSString).lastPathComponent)\n", "\(graceful.stderr)")
        let missing = try Self.run("253", ["OpenFile=/run/brig-test-no-such-file"], "true")
        #expect(missing.status == 202)
        #expect(missing.stderr.contains("OpenFile=/run/brig-test-no-such-file: cannot open: No such file or directory (exit status 202 FDS)"),
                "\(missing.stderr)")
        let bad = try Self.run("253", ["OpenFile=\(file.path)::read-only,append"], "true")
        #expect(bad.status == 2 && bad.stderr.contains("read-only, append and truncate exclude one another"), "\(bad.stderr)")
    }

    @Test func openFileGoesToExecStartOnly() throws {
        let result = try Self.run("253", ["ExecStartPre=/bin/sh -c 'printenv LISTEN_FDS || echo pre:none; [ -e /proc/self/fd/3 ] || echo pre:no-fd-3'",
                                          "OpenFile=/etc/hostname"], "echo main:$LISTEN_FDS; [ -e /proc/self/fd/3 ] && echo main:fd-3")
        #expect(result.stdout == "pre:none\npre:no-fd-3\nmain:1\nmain:fd-3\n", "\(result.stderr)")
        let plan = try Self.dryRun("262", ["OpenFile=/etc/hostname:h:read-only"])
        #expect(plan.contains("# OpenFile=: /etc/hostname opened by brig before the start (read-only), passed to ExecStart= as \"h\""), "\(plan)")
    }

    /// journald's sockets are bound into the jail from 257 on, with BindLogSockets= or MountAPIVFS=;
    /// missing (no journald on the host) they are passed over. NextJailDifferentialTests sees them
    /// through a /run of the service's own under systemd 262.
    @Test func bindLogSocketsBindsTheJournalsSocketsFrom257() throws {
        let bound = "bind /run/systemd/journal/socket on /run/brig/unit-root/run/systemd/journal/socket (creating the target) (optional)    <- BindLogSockets=yes  [226 NAMESPACE]"
        #expect(try Self.dryRun("257", ["BindLogSockets=yes"]).contains(bound))
        #expect(try Self.dryRun("257", ["MountAPIVFS=yes"]).contains(bound), "implied by MountAPIVFS=")
        #expect(!(try Self.dryRun("257", ["MountAPIVFS=yes", "BindLogSockets=no"]).contains("journal")))
        #expect(!(try Self.dryRun("256", ["BindLogSockets=yes", "MountAPIVFS=yes"]).contains("journal")), "256 does not know it")
        let start = try Self.run("262", ["BindLogSockets=yes", "TemporaryFileSystem=/run"], "ls -A /run")
        #expect(start.status == 0, "\(start.stderr)")
    }

    /// The interface a new IPv4, IPv6 and Unix datagram socket of the program is bound to, one
    /// line each (getsockopt SO_BINDTODEVICE), "-" for none.
    static let boundDevices = """
        /usr/bin/python3 -c "import socket as s; [print(s.socket(f, s.SOCK_DGRAM).getsockopt(s.SOL_SOCKET, s.SO_BINDTODEVICE, 16).rstrip(b'\\0').decode() or '-') for f in (s.AF_INET, s.AF_INET6, s.AF_UNIX)]"
        """

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs python3 to read SO_BINDTODEVICE"))
    func bindNetworkInterfaceBindsEveryIPSocketFrom260() throws {
        let bound = try Self.run("260", ["BindNetworkInterface=lo"], Self.boundDevices)
        #expect(bound.status == 0 && bound.stdout == "lo\nlo\n-\n", "\(bound.stderr)")
        let older = try Self.run("259", ["BindNetworkInterface=lo"], Self.boundDevices)
        #expect(older.status == 0 && older.stdout == "-\n-\n-\n", "259 does not know BindNetworkInterface=: \(older.stderr)")
        // systemd 262 starts the service unbound when the interface is missing; brig refuses it.
        let missing = try Self.run("262", ["BindNetworkInterface=brig-no-such"], Self.boundDevices)
        #expect(missing.status == 219 && missing.stdout.isEmpty && missing.stderr.contains("no network interface 'brig-no-such'"), "\(missing.stderr)")
        #expect(try Self.dryRun("262", ["BindNetworkInterface=lo"]).contains("# cgroup interface binding (cgroup sock_create): every IP socket bound to lo (index 1)"))
    }

    /// For each namespace type, whether the process's own user namespace owns it (NS_GET_USERNS).
    static let owners = """
        /usr/bin/python3 -c "import fcntl, os
        for t in ('ipc', 'mnt', 'net', 'uts'):
            ns = os.open('/proc/self/ns/' + t, os.O_RDONLY)
            try: owner = os.fstat(fcntl.ioctl(ns, 0xb701)).st_ino
            except OSError: owner = None
            print(t + '=' + ('own' if owner == os.stat('/proc/self/ns/user').st_ino else 'other'), end=' ')"
        """

    @Test func delegateNamespacesMakesTheListedNamespacesAfterTheUserNamespace() throws {
        let net = try Self.run("258", ["DelegateNamespaces=net", "PrivateNetwork=yes", "ProtectHostname=yes"], Self.owners + "; cat /proc/self/uid_map")
        #expect(net.status == 0, "\(net.stderr)")
        #expect(net.stdout.hasPrefix("ipc=other mnt=own net=own uts=other "), "the mount namespace follows the network's: \(net.stdout)")
        #expect(net.stdout.split(separator: " ").suffix(3) == ["0", "0", "1\n"], "implies PrivateUsers=self: \(net.stdout)")
        // Owned, the network namespace is the service's to configure: it may add a device.
        let configure = try Self.run("262", ["DelegateNamespaces=net", "PrivateNetwork=yes"], "ip link add brig-v0 type veth peer name brig-v1 && echo added")
        #expect(configure.stdout == "added\n", "\(configure.stderr)")
        let notOwned = try Self.run("262", ["DelegateNamespaces=~net", "PrivateNetwork=yes"], "ip link add brig-v0 type veth peer name brig-v1 2>/dev/null || echo refused")
        #expect(notOwned.stdout == "refused\n")
        let older = try Self.run("257", ["DelegateNamespaces=net", "PrivateNetwork=yes"], "readlink /proc/self/ns/user")
        let host = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/user")
        #expect(older.stdout == host + "\n", "257 does not know DelegateNamespaces=: \(older.stderr)")
        let pid = try Self.run("262", ["DelegateNamespaces=pid", "PrivatePIDs=yes"], "true")
        #expect(pid.status == 226 && pid.stderr.contains("DelegateNamespaces=pid"), "\(pid.stderr)")
    }
}

import CJail
import Directives
import Jail
import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// `brig listen`: holds the listeners of socket units and starts their services as systemd's
/// socket units do, each start a `ServiceRun` made as `brig run` makes it (so every instance is
/// jailed, supervised and cleaned up by the same code as any run), all of them led from one
/// poll in this process. Accept=yes: one instance per connection, the
/// connection handed over as descriptor 3 (or as stdin and stdout with StandardInput=socket), at
/// most MaxConnections= at once. Accept=no: the service starts at the first connection with
/// every listener from descriptor 3 on, and again at the next one after it ended.
public final class SocketServer {
    private struct Socket {
        let unit: SocketUnit
        let listeners: [Listener]
        var connections: UInt64 = 0
        /// Accept=no: the running service.
        var service: Int? = nil
        /// When the socket last triggered a start, within TriggerLimitIntervalSec=, and was last
        /// found ready, within PollLimitIntervalSec=.
        var triggers: [Double] = []
        var polls: [Double] = []
        /// Throttled: no accepting before this time.
        var pausedUntil: Double? = nil
        /// The listeners are closed as the stop begins, but those handed to the socket's stop
        /// commands (PassFileDescriptorsToExec=) stay open until the last has been started, as in
        /// systemd (their files are removed at the end, with RemoveOnStop=).
        var listenersOpen = true

        /// TriggerLimitIntervalSec= (2 s) and TriggerLimitBurst= (200 with Accept=yes, else 20).
        var triggerLimit: Limit {
            Limit(name: "TriggerLimitBurst", interval: unit.config.triggerLimitIntervalSec.map(Self.seconds) ?? 2,
                  burst: unit.config.triggerLimitBurst.map { Int(clamping: $0) } ?? (unit.accepts ? 200 : 20))
        }

        /// PollLimitIntervalSec= (2 s) and PollLimitBurst= (150 with Accept=yes, else 15), from systemd 255 on.
        func pollLimit(_ rules: SystemdRelease) -> Limit? {
            guard rules >= .v255 else { return nil }
            return Limit(name: "PollLimitBurst", interval: unit.config.pollLimitIntervalSec.map(Self.seconds) ?? 2,
                         burst: unit.config.pollLimitBurst.map { Int(clamping: $0) } ?? (unit.accepts ? 150 : 15))
        }

        static func seconds(_ t: TimeSpan) -> Double { t.isInfinite ? .infinity : Double(t.microseconds) / 1e6 }
    }

    /// At most `burst` events within `interval` seconds (either 0: no limit).
    private struct Limit {
        let name: String
        let interval: Double
        let burst: Int
    }

    private struct Instance {
        let socket: Int
        let name: String
        let run: ServiceRun
        /// brig listen's copies of what the service was handed, closed when it ends.
        let descriptors: [Int32]
        /// Accept=yes: where the connection came from (MaxConnectionsPerSource=).
        var source: String? = nil
    }

    private var sockets: [Socket] = []
    /// The cgroups whose firewalls filter the listeners of socket units that have one.
    private var cgroups: [SocketCgroup] = []
    /// Where the instances run, with the keeper that ends them should brig listen end first.
    private var instanceCgroup: InstanceCgroup
    /// The running services, by the number of their start.
    private var instances: [Int: Instance] = [:]
    /// Accept=yes instances being started on threads of their own (`ConcurrentStarts`), by the
    /// number of their start: an `Instance` but for its run.
    private var starting: [Int: (socket: Int, name: String, descriptors: [Int32], source: String?)] = [:]
    private let concurrentStarts: ConcurrentStarts
    private var starts = 0
    private let template: ServiceTemplate
    private var stopping = false
    /// Since when no instance has run or started, once there has been work since the last release.
    private var idleSince: Double? = nil
    private var workedSinceRelease = false
    /// How long brig listen waits, idle, before it gives back the memory a burst of work left mapped.
    static let idleRelease = 5.0
    private var counts = (accepted: 0, refused: 0, throttled: 0, failed: 0)
    private let brig: String
    private let signals: Int32
    private let options: Options

    /// How brig listen tells and starts.
    public struct Options {
        /// --ready-fd: once every listener is bound, "READY=1\n" is written there and it is closed.
        public var readyFD: Int32? = nil
        /// --now: Accept=no services start at once, not at the first connection.
        public var startNow = false
        /// --json: every event as one JSON object per line on standard output.
        public var json = false
        /// --rules: the systemd release whose reading of the units applies.
        public var rules = SystemdRelease.v252
        /// -p: directives added to every service started, as `brig run -p` adds them.
        public var serviceProperties: [String] = []
        public init() {}
    }

    /// Binds every listener of every unit (nothing is served until all are bound).
    public init(_ units: [SocketUnit], options: Options = Options()) throws(ListenError) {
        self.options = options
        template = ServiceTemplate(rules: options.rules, properties: options.serviceProperties)
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { throw ListenError("finding brig's own executable", errno) }
        brig = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var fds: [Int32] = [-1, -1]
        // SIGCHLD wakes the poll to reap what no instance collects (keepers, orphans).
        guard cjail_pipe(&fds) == 0, cjail_forward_signals(fds[1]) == 0, cjail_forward_also(SIGUSR1) == 0,
              cjail_forward_also(SIGCHLD) == 0 else {
            throw ListenError("signal handling", errno)
        }
        signals = fds[0]
        concurrentStarts = try ConcurrentStarts()
        instanceCgroup = try InstanceCgroup()
        for unit in units {
            var listeners: [Listener] = []
            do {
                try runCommands(unit.config.execStartPre, of: unit, "ExecStartPre")
                let cgroup = try unit.firewall.map { policy throws(ListenError) in try SocketCgroup(unit: unit.name.name, policy: policy) }
                if let cgroup { cgroups.append(cgroup) }
                let bind = { () throws(ListenError) in
                    for spec in unit.config.listen { listeners.append(try Listener.bind(spec, options: unit.config)) }
                }
                if let cgroup { try cgroup.inside(bind) } else { try bind() }
                try runCommands(unit.config.execStartPost, of: unit, "ExecStartPost",
                                handing: unit.handsListenersToCommands ? listeners.map(\.fd) : [])
            } catch {
                for l in listeners { close(l.fd) }
                closeAll()
                throw error
            }
            if unit.accepts, listeners.contains(where: { !$0.accepts }) {
                for l in listeners { close(l.fd) }
                closeAll()
                throw ListenError("\(unit.name.name): Accept=yes needs stream or sequential-packet listeners")
            }
            makeSymlinks(unit, to: listeners.compactMap(\.path).first)
            sockets.append(Socket(unit: unit, listeners: listeners))
        }
    }

    /// Symlinks=: links to the socket's one path (or FIFO), their directories made with
    /// DirectoryMode=. As under systemd, a link that cannot be made is told and the socket serves
    /// on; something else in a link's place is replaced only with RemoveOnStop=yes.
    private func makeSymlinks(_ unit: SocketUnit, to target: String?) {
        guard let target else { return }
        for link in unit.config.symlinks {
            if let slash = link.lastIndex(of: "/"), slash != link.startIndex {
                SystemFiles.makeDirectories(String(link[..<slash]), mode: mode_t(unit.config.directoryMode ?? 0o755))
            }
            var code = symlink(target, link) == 0 ? 0 : errno
            if code == EEXIST, FileSystem.readLink(link) == target { code = 0 }
            if code == EEXIST, unit.config.removeOnStop == true, unlink(link) == 0 { code = symlink(target, link) == 0 ? 0 : errno }
            if code != 0 { SystemFiles.warn("brig listen: \(unit.name.name): Symlinks=\(link): \(SystemFiles.errorName(code)), ignored") }
        }
    }

    /// Serves until SIGTERM, SIGINT or SIGQUIT (SIGUSR1 prints the counters), then stops every instance (each brig run stops its
    /// service as systemd would) and waits for them. Returns 0, or 1 when an instance failed to start.
    public func run() -> Int32 {
        let specs = sockets.flatMap { $0.listeners.map { "\($0.spec)" } }
        SystemFiles.warn("brig listen: listening on " + specs.joined(separator: ", "))
        event("listening", [("listeners", .list(specs))])
        notifyReady()
        StartupPages.release()
        HostMountTable.watch()
        DriverList.keep()
        if options.startNow {
            for i in sockets.indices where !sockets[i].unit.accepts { startService(i) }
        }
        while true {
            // A service can die while it is started or stopped, not only after a poll.
            for id in Array(instances.keys) { finishIfDead(id) }
            if stopping && instances.isEmpty && starting.isEmpty { break }
            var fds: [pollfd] = [pollfd(fd: signals, events: Int16(POLLIN), revents: 0),
                                 pollfd(fd: concurrentStarts.descriptor, events: Int16(POLLIN), revents: 0)]
            var owners: [(socket: Int, listener: Int)] = []
            let now = Self.now()
            for i in sockets.indices where (sockets[i].pausedUntil ?? 0) <= now { sockets[i].pausedUntil = nil }
            for (i, socket) in sockets.enumerated() where !stopping && socket.service == nil && socket.pausedUntil == nil
                && !concurrentStarts.isFull {
                for (j, listener) in socket.listeners.enumerated() {
                    fds.append(pollfd(fd: listener.fd, events: Int16(POLLIN), revents: 0))
                    owners.append((i, j))
                }
            }
            let running = Array(instances.keys)
            var slices: [Range<Int>] = []
            for id in running {
                let own = instances[id]!.run.descriptors
                slices.append(fds.count..<fds.count + own.count)
                fds += own
            }
            let resume = sockets.compactMap(\.pausedUntil).min().map { Int32(max(0, ($0 - now) * 1000)) + 1 }
            // Idle a while after work: the code pages the work mapped again, and the heap it freed,
            // go back, as after start-up (`StartupPages`).
            if !instances.isEmpty || !starting.isEmpty || stopping {
                (idleSince, workedSinceRelease) = (nil, true)
            } else if workedSinceRelease && idleSince == nil {
                idleSince = now
            }
            let release = idleSince.map { Int32(max(0, ($0 + Self.idleRelease - now) * 1000)) + 1 }
            let timeout = ([resume, release] + running.map { instances[$0]!.run.timeout }).compactMap { $0 }.filter { $0 >= 0 }.min() ?? -1
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if let since = idleSince, Self.now() >= since + Self.idleRelease {
                StartupPages.release()
                cjail_trim_heap()
                (idleSince, workedSinceRelease) = (nil, false)
            }
            for (id, slice) in zip(running, slices) { lead(id, Array(fds[slice])) }
            reapOrphans()
            if ready <= 0 { continue }
            if fds[0].revents != 0 { takeSignals() }
            if fds[1].revents != 0 { landStarts() }
            for (k, owner) in owners.enumerated() where fds[k + 2].revents != 0 {
                serve(owner.socket, owner.listener)
            }
        }
        let units = sockets.map(\.unit)
        // ExecStopPost= runs once the listeners are closed and their files gone; the copies it is
        // handed (PassFileDescriptorsToExec=) are taken before.
        let handed = sockets.map { socket in
            socket.unit.handsListenersToCommands ? socket.listeners.map { fcntl($0.fd, F_DUPFD_CLOEXEC, 3) }.filter { $0 >= 0 } : []
        }
        // A stop command that fails is told; the stop goes on, as under systemd.
        for (unit, fds) in zip(units, handed) {
            do { try runCommands(unit.config.execStopPre, of: unit, "ExecStopPre", handing: fds) } catch { SystemFiles.warn("brig listen: \(error)") }
        }
        closeAll()
        for (unit, fds) in zip(units, handed) {
            do { try runCommands(unit.config.execStopPost, of: unit, "ExecStopPost", handing: fds) } catch { SystemFiles.warn("brig listen: \(error)") }
            for fd in fds { close(fd) }
        }
        SystemFiles.warn("brig listen: stopped; \(counts.accepted) accepted, \(counts.refused) refused, \(counts.throttled) throttled, \(counts.failed) failed")
        event("stopped", counters)
        return counts.failed > 0 ? 1 : 0
    }

    private func serve(_ index: Int, _ listenerIndex: Int) {
        guard !throttled(index) else { return }
        let socket = sockets[index]
        let unit = socket.unit
        guard unit.accepts else { return startService(index) }
        let listener = socket.listeners[listenerIndex]
        let connection = accept(listener.fd, nil, nil)
        guard connection >= 0 else { return }
        _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
        defer { close(connection) }
        let live = (instances.values.map { (socket: $0.socket, source: $0.source) }
                    + starting.values.map { (socket: $0.socket, source: $0.source) }).filter { $0.socket == index }
        let maxConnections = unit.config.maxConnections ?? 64
        if live.count >= Int(clamping: maxConnections) {
            return refuse(index, "MaxConnections=\(maxConnections) reached")
        }
        let name = InstanceName(connection: connection, number: socket.connections, rules: options.rules)
        let (instance, remote, source) = (name.instance, name.remote, name.source)
        // Unset, the limit per source is the limit of the socket, as in systemd.
        let perSource = unit.config.maxConnectionsPerSource ?? maxConnections
        if live.filter({ $0.source == source }).count >= Int(clamping: perSource) {
            return refuse(index, "MaxConnectionsPerSource=\(perSource) reached for \(source)")
        }
        counts.accepted += 1
        sockets[index].connections += 1
        var environment = remote.map { ["REMOTE_ADDR=\($0.address) REMOTE_PORT=\($0.port)"] } ?? []
        if options.rules.facts.pidfdAndCookieVariables { environment.append("SO_COOKIE=\(InstanceName.cookie(connection))") }
        start(index, instance: instance, descriptors: [connection], names: [unit.config.fileDescriptorName ?? "connection"],
              environment: environment, source: source, concurrently: true)
    }

    /// Accept=no: the service gets every listener and does the accepting itself.
    private func startService(_ index: Int) {
        let socket = sockets[index], unit = socket.unit
        let names = unit.config.fileDescriptorName.map { name in socket.listeners.map { _ in name } }
            ?? socket.listeners.map { _ in unit.name.name }
        sockets[index].service = start(index, instance: nil, descriptors: socket.listeners.map(\.fd), names: names, environment: [])
    }

    /// A socket's own commands, in turn, each a `brig run` in the socket unit's jail, under brig
    /// listen's rules; the first that fails (unless marked with '-') ends the list with an error.
    /// Their output goes to standard error, so that it never mixes with --json events.
    /// `listeners` are handed over from descriptor 3 on, with $LISTEN_FDS and the socket's
    /// descriptor name (PassFileDescriptorsToExec=).
    private func runCommands(_ commands: [ExecCommand], of unit: SocketUnit, _ directive: String,
                             handing listeners: [Int32] = []) throws(ListenError) {
        let name = unit.config.fileDescriptorName ?? unit.name.name
        let arguments = ["run", "--rules", "\(options.rules.rawValue)", "--unit", unit.path]
            + (listeners.isEmpty ? [] : ["--listen-fds", "\(listeners.count)"] + listeners.flatMap { _ in ["--fd-name", name] })
        let (copies, copyError) = commands.isEmpty ? ([], 0) : Self.copiesToHand(listeners)
        defer { for fd in copies where fd >= 0 { close(fd) } }
        if copyError != 0 { throw ListenError("\(unit.name.name): \(directive)=: handing over the listeners", copyError) }
        for command in commands {
            let pid: pid_t
            switch spawnBrig(arguments + ["--"] + command.arguments, { actions in
                posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO)
                for (index, fd) in copies.enumerated() { posix_spawn_file_actions_adddup2(&actions, fd, 3 + Int32(index)) }
            }) {
            case .success(let p): pid = p
            case .failure(let e): throw ListenError("\(unit.name.name): \(directive)=\(command)", e.errno)
            }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let exit = JailRunner.exitCode(status)
            if exit != 0 && !command.ignoreFailure {
                throw ListenError("\(unit.name.name): \(directive)=\(command) failed with status \(exit)")
            }
        }
    }

    /// Copies of `fds` above 3+N, so that moving them to 3, 4, ... in a child never overwrites
    /// one; with the errno of a copy that failed (its place -1), else 0.
    private static func copiesToHand(_ fds: [Int32]) -> (copies: [Int32], error: Int32) {
        let copies = fds.map { fcntl($0, F_DUPFD_CLOEXEC, 3 + Int32(fds.count)) }
        return (copies, copies.contains { $0 < 0 } ? errno : 0)
    }

    /// A connection accepted and closed at once: a limit holds.
    private func refuse(_ index: Int, _ why: String) {
        counts.refused += 1
        SystemFiles.warn("brig listen: \(sockets[index].unit.name.name): \(why), connection refused")
        event("refused", [("socket", .text(sockets[index].unit.name.name)), ("reason", .text(why))])
    }

    /// Whether the socket has been found ready PollLimitBurst= times within PollLimitIntervalSec=
    /// (systemd 255's transient limit) or has triggered TriggerLimitBurst= starts within
    /// TriggerLimitIntervalSec=; if so it pauses for the rest of the interval (its connections wait
    /// in the backlog), where systemd would put the socket into the failed state for good at the
    /// trigger limit.
    private func throttled(_ index: Int) -> Bool {
        let limits: [(Limit?, WritableKeyPath<Socket, [Double]>)] = [(sockets[index].pollLimit(options.rules), \.polls),
                                                                      (sockets[index].triggerLimit, \.triggers)]
        let now = Self.now()
        for case let (limit?, record) in limits where limit.interval > 0 && limit.burst > 0 {
            sockets[index][keyPath: record].removeAll { now - $0 >= limit.interval }
            if sockets[index][keyPath: record].count >= limit.burst {
                let until = sockets[index][keyPath: record][0] + limit.interval
                sockets[index].pausedUntil = until
                counts.throttled += 1
                let pause = Int(((until - now) * 1000).rounded())
                SystemFiles.warn("brig listen: \(sockets[index].unit.name.name): \(limit.name)=\(limit.burst) reached, pausing for \(pause) ms")
                event("throttled", [("socket", .text(sockets[index].unit.name.name)), ("pause_ms", .number(pause))])
                return true
            }
        }
        for case let (limit?, record) in limits where limit.interval > 0 && limit.burst > 0 { sockets[index][keyPath: record].append(now) }
        return false
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// The service started as `brig run --listen-fds N SERVICE` would start it, handed copies
    /// of the descriptors (from 3 on in the child); its number among the instances, or nil
    /// when it could not start (told as an instance that ended with brig run's status).
    /// `concurrently`: on a thread of its own (Accept=yes instances), landing later.
    @discardableResult
    private func start(_ socket: Int, instance: String?, descriptors: [Int32], names: [String], environment: [String],
                       source: String? = nil, concurrently: Bool = false) -> Int? {
        let unit = sockets[socket].unit
        let service = unit.serviceFor(instance: instance)
        SystemFiles.warn("brig listen: \(service) started")
        event("started", [("service", .text(service))])
        let (copies, copyError) = Self.copiesToHand(descriptors)
        starts += 1
        let id = starts
        starting[id] = (socket, service, copies, source)
        let template = template, cgroupParent = instanceCgroup.path
        let work = { @Sendable () -> ConcurrentStarts.Outcome in
            do throws(ServiceTemplate.Failure) {
                guard copyError == 0 else {
                    throw ServiceTemplate.Failure(message: "brig run: handing over the sockets: \(SystemFiles.errorName(copyError))", status: 1)
                }
                let loaded: LoadedUnit
                do { loaded = try unit.serviceUnit(instance: instance) } catch {
                    throw ServiceTemplate.Failure(message: "brig run: \(error)", status: 2)
                }
                let run = try template.start(loaded, activation: SocketActivation(descriptors: copies, names: names),
                                             environment: environment, cgroupParent: cgroupParent, reports: instance == nil)
                return .success(ConcurrentStarts.StartedRun(run))
            } catch {
                return .failure(error)
            }
        }
        if concurrently && concurrentStarts.begin(id, work) { return id }
        return land(id, work())
    }

    /// Starts that ended on their threads become instances (or failures told).
    private func landStarts() {
        for (id, outcome) in concurrentStarts.ended() { land(id, outcome) }
    }

    /// A start's outcome: a running instance under its number, or its failure told.
    @discardableResult
    private func land(_ id: Int, _ outcome: ConcurrentStarts.Outcome) -> Int? {
        guard let started = starting.removeValue(forKey: id) else { return nil }
        switch outcome {
        case .success(let made):
            instances[id] = Instance(socket: started.socket, name: started.name, run: made.run, descriptors: started.descriptors,
                                     source: started.source)
            // A stop that began while it was starting reaches it now.
            if stopping { made.run.requestStop() }
            return id
        case .failure(let error):
            for fd in started.descriptors where fd >= 0 { close(fd) }
            SystemFiles.warn(error.message)
            ended(started.name, status: error.status)
            return nil
        }
    }

    /// One instance's share of the poll.
    private func lead(_ id: Int, _ fds: [pollfd]) {
        instances[id]?.run.handle(fds)
        finishIfDead(id)
    }

    /// An instance whose service is dead for good is finished, and its end told.
    private func finishIfDead(_ id: Int) {
        guard let instance = instances[id], instance.run.isDead else { return }
        instances[id] = nil
        let how = instance.run.resultLine
        let status = instance.run.finish()
        for fd in instance.descriptors { close(fd) }
        if sockets[instance.socket].service == id { sockets[instance.socket].service = nil }
        ended(instance.name, status: status, how: how, told: !sockets[instance.socket].unit.accepts)
    }

    /// The one line of an instance's end; `how`, its result, is told when it failed, unless the
    /// run has told it (`told`: the service of an Accept=no socket tells its states itself).
    private func ended(_ service: String, status: Int32, how: String? = nil, told: Bool = false) {
        if status != 0 && !stopping { counts.failed += 1 }
        SystemFiles.warn("brig listen: \(service) ended, status \(status)" + (status == 0 || told ? "" : how.map { " (\($0))" } ?? ""))
        event("ended", [("service", .text(service)), ("status", .number(Int(status)))] + (how.map { [("result", .text($0))] } ?? []))
    }

    struct SpawnError: Error { let errno: Int32 }

    /// `brig ARGUMENTS`, its descriptors arranged by `arrange`; its pid.
    private func spawnBrig(_ arguments: [String], _ arrange: (inout posix_spawn_file_actions_t) -> Void) -> Result<pid_t, SpawnError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        arrange(&actions)
        var pid: pid_t = 0
        let argv = ([brig] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        let code = posix_spawn(&pid, brig, &actions, nil, argv, environ)
        return code == 0 ? .success(pid) : .failure(SpawnError(errno: code))
    }

    /// Reaps brig listen's children that no instance collects itself: the keepers of finished
    /// runs and processes orphaned to brig (it is their subreaper, as brig run is).
    private func reapOrphans() {
        // A start under way on its thread has a child no run is known to collect yet.
        guard starting.isEmpty else { return }
        let collected = Set(instances.values.flatMap(\.run.collectedPIDs))
        var status: Int32 = 0
        while true {
            let pid = cjail_peek_exited()
            if pid <= 0 || collected.contains(pid) { return }
            waitpid(pid, &status, WNOHANG | __WALL)
        }
    }

    private func takeSignals() {
        var byte: UInt8 = 0
        while read(signals, &byte, 1) == 1 {
            if Int32(byte) == SIGUSR1 {
                SystemFiles.warn("brig listen: \(counts.accepted) accepted, \(counts.refused) refused, \(counts.throttled) throttled, \(counts.failed) failed, \(instances.count) running")
                event("counters", counters)
                continue
            }
            guard Int32(byte) != SIGHUP, Int32(byte) != SIGCHLD, !stopping else { continue }
            stopping = true
            SystemFiles.warn("brig listen: stopping \(instances.count) instance(s)")
            event("stopping", [("running", .number(instances.count))])
            for instance in instances.values { instance.run.requestStop() }
            for i in sockets.indices where !sockets[i].unit.handsListenersToCommands {
                for l in sockets[i].listeners { close(l.fd) }
                sockets[i].listenersOpen = false
            }
        }
    }

    // MARK: - telling

    private var counters: [(String, EventValue)] {
        [("accepted", .number(counts.accepted)), ("refused", .number(counts.refused)), ("throttled", .number(counts.throttled)),
         ("failed", .number(counts.failed)), ("running", .number(instances.count))]
    }

    enum EventValue {
        case text(String), number(Int), list([String])
    }

    /// One JSON object on a line of its own, with --json.
    private func event(_ name: String, _ fields: [(String, EventValue)]) {
        guard options.json else { return }
        var line = "{\"event\":\(Self.quoted(name))"
        for (key, value) in fields {
            line += ",\(Self.quoted(key)):"
            switch value {
            case .text(let t): line += Self.quoted(t)
            case .number(let n): line += String(n)
            case .list(let items): line += "[" + items.map(Self.quoted).joined(separator: ",") + "]"
            }
        }
        let bytes = Array((line + "}\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// sd_notify READY=1 when brig itself runs under a supervisor that asks for it, and
    /// "READY=1\n" on --ready-fd.
    private func notifyReady() {
        if let fd = options.readyFD {
            let line = Array("READY=1\n".utf8)
            _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        guard let path = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }), !path.isEmpty else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array((path.hasPrefix("@") ? "\0" + path.dropFirst() : path).utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { for (i, b) in bytes.enumerated() { $0[i] = b } }
        let message = Array("READY=1".utf8)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, message, message.count, Int32(MSG_NOSIGNAL), $0, socklen_t(2 + bytes.count))
            }
        }
    }

    private func closeAll() {
        for socket in sockets {
            for listener in socket.listeners {
                if socket.listenersOpen { close(listener.fd) }
                if let path = listener.path, socket.unit.config.removeOnStop == true { unlink(path) }
            }
            if socket.unit.config.removeOnStop == true {
                for link in socket.unit.config.symlinks { unlink(link) }
            }
        }
        sockets.removeAll()
        for cgroup in cgroups { cgroup.remove() }
        cgroups.removeAll()
        instanceCgroup.remove()
    }
}

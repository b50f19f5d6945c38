import Directives
import Jail
import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// A socket unit read for `brig listen`: its [Socket] settings and the service it starts.
public struct SocketUnit: Sendable {
    public let name: UnitName
    public let config: SocketConfig
    /// Accept=yes: one service instance per connection.
    public var accepts: Bool { config.accept ?? false }
    /// The service, as `brig run` is given it: a path beside the socket unit's file when one
    /// is there (an instance path for Accept=yes, which its template serves), else a unit name.
    public let service: String
    /// IPAddressAllow=/IPAddressDeny= of the socket unit: its listeners' traffic goes through them.
    let firewall: NetworkPolicy?
    /// The unit as `brig run --unit` takes it, to run its own commands in its own jail.
    let path: String
    /// The service's files as read when the socket was: each start reads them from here (for
    /// Accept=yes as the connection's instance of the template), as systemd reads them once.
    let serviceUnit: LoadedUnit
    /// What reading the socket unit found to warn about (a directive newer than the rules, say),
    /// each with its file and line.
    public let warnings: [String]

    /// The [Socket] directives `brig listen` applies (besides the exec and kill settings of its
    /// commands); any other the unit sets is refused, so a socket never serves with less than
    /// was written.
    static let applied: Set<String> = [
        "ListenStream", "ListenDatagram", "ListenSequentialPacket", "Accept", "SocketMode", "DirectoryMode",
        "SocketUser", "SocketGroup", "MaxConnections", "MaxConnectionsPerSource", "Backlog", "BindIPv6Only", "BindToDevice", "FreeBind",
        "Transparent", "ReusePort", "NoDelay", "KeepAlive", "PassCredentials", "ReceiveBuffer", "SendBuffer",
        "Service", "FileDescriptorName", "RemoveOnStop", "TriggerLimitIntervalSec", "TriggerLimitBurst",
        "IPAddressAllow", "IPAddressDeny", "ListenFIFO", "ListenSpecial", "ListenNetlink", "Writable", "ExecStartPre", "ExecStartPost", "ExecStopPre", "ExecStopPost",
        "KeepAliveTimeSec", "KeepAliveIntervalSec", "KeepAliveProbes", "DeferAcceptSec", "Priority", "Mark", "IPTOS", "IPTTL",
        "Broadcast", "PassSecurity", "Symlinks", "PollLimitIntervalSec", "PollLimitBurst",
        "PassPacketInfo", "Timestamping", "TCPCongestion", "PipeSize", "SocketProtocol",
        "PassPIDFD", "AcceptFileDescriptors", "PassFileDescriptorsToExec",
        // No other unit runs beside brig listen's services, so none conflicts with one and its
        // start is never deferred: what DeferTrigger= does when nothing conflicts.
        "DeferTrigger", "DeferTriggerMaxSec",
    ]

    public static func load(_ nameOrPath: String, rules: SystemdRelease = .v252) throws(ListenError) -> SocketUnit {
        let loaded: LoadedUnit
        do { loaded = try UnitLoader().load(nameOrPath) } catch { throw ListenError("\(error)") }
        guard loaded.name.type == "socket" else { throw ListenError("\(nameOrPath): not a socket unit") }
        if loaded.isMasked { throw ListenError("\(loaded.name.name) is masked") }
        let config = UnitConfig(loaded, rules: rules)
        let errors = config.diagnostics.filter { $0.severity == .error }
        if !errors.isEmpty { throw ListenError(errors.map(\.description).joined(separator: "\n")) }
        // The socket's exec and kill settings are its commands' jail: `brig run` applies or
        // refuses each when it runs them (and without commands they change nothing, as in systemd).
        let jail = Set(config.exec.origins.keys).union(config.kill.origins.keys)
        let refused = loaded.assignments.filter {
            $0.section == "Socket" && !applied.contains($0.key) && !jail.contains($0.key) && !$0.value.isEmpty
        }
        if !refused.isEmpty {
            throw ListenError(refused.map { "\($0.location): \($0.key)=\($0.value): not supported by brig listen" }.joined(separator: "\n"))
        }
        if config.socket.listen.isEmpty { throw ListenError("\(loaded.name.name) has no Listen…= line") }
        let paths = config.socket.listen.filter {
            switch $0 {
            case .socket(_, .unix), .fifo: true
            default: false
            }
        }
        if !config.socket.symlinks.isEmpty, paths.count != 1 {
            throw ListenError("\(config.socket.origins["Symlinks"].map { "\($0): " } ?? "")Symlinks= needs exactly one socket path or FIFO among the listeners (as systemd refuses it)")
        }
        let socket = config.socket
        let prefix = loaded.name.prefix
        let serviceName = socket.service ?? (socket.accept == true ? "\(prefix)@.service" : "\(prefix).service")
        if socket.accept == true, socket.service != nil {
            throw ListenError("\(loaded.name.name): Service= is not allowed with Accept=yes (as in systemd)")
        }
        if socket.accept == true, socket.deferTrigger != .no {
            throw ListenError("\(loaded.name.name): DeferTrigger= is not allowed with Accept=yes (as in systemd)")
        }
        var service = serviceName
        let directory = loaded.fragmentPath.map { String($0[..<($0.lastIndex(of: "/") ?? $0.startIndex)]) }
        if let directory, nameOrPath.contains("/"), access(directory + "/" + serviceName, F_OK) == 0 {
            service = directory + "/" + serviceName
        }
        // As systemd refuses to start a socket whose service is not there, before binding anything.
        let serviceUnit: LoadedUnit
        do { serviceUnit = try UnitLoader().load(service) } catch {
            throw ListenError("\(loaded.name.name): its service \(serviceName) cannot be loaded: \(error)")
        }
        if serviceUnit.isMasked { throw ListenError("\(loaded.name.name): its service \(serviceName) is masked") }
        for command in socket.execStartPre + socket.execStartPost + socket.execStopPre + socket.execStopPost {
            if command.fullPrivileges || command.privilegedIdentity || command.ambientFallback || command.path != command.arguments.first {
                throw ListenError("\(loaded.name.name): \(command): the prefixes +, !, !! and @ on a socket's commands are not supported by brig listen")
            }
            if !command.noEnvironmentExpansion, command.arguments.contains(where: { $0.contains("$") }) {
                throw ListenError("\(loaded.name.name): \(command): $VARIABLE expansion in a socket's commands is not supported by brig listen (a ':' prefix turns it off)")
            }
        }
        let unitPath = loaded.fragmentPath ?? nameOrPath
        return SocketUnit(name: loaded.name, config: socket, service: service, firewall: NetworkPolicy(config.resources), path: unitPath,
                          serviceUnit: serviceUnit, warnings: config.warnings)
    }

    /// PassFileDescriptorsToExec=: ExecStartPost=, ExecStopPre= and ExecStopPost= get the listeners.
    var handsListenersToCommands: Bool { config.passFileDescriptorsToExec == true }

    /// The service to start, as brig run would be given it: for Accept=yes, the template's
    /// instance for this connection.
    func serviceFor(instance: String?) -> String {
        guard let instance else { return service }
        return String(service.dropLast("@.service".count)) + "@\(instance).service"
    }

    /// The service's files, read as the instance for this connection (Accept=yes).
    func serviceUnit(instance: String?) throws(ListenError) -> LoadedUnit {
        guard let instance else { return serviceUnit }
        do { return serviceUnit.instance(try UnitName("\(name.prefix)@\(instance).service")) } catch {
            throw ListenError("\(name.name): instance \(instance): \(error)")
        }
    }
}

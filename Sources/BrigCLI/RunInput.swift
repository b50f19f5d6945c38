import Directives
import Jail
import Seccomp
import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// What `brig run` was asked to do, read through the same UnitFile and
/// Directives code as every other verb: -p assignments are a transient
/// unit's [Service] lines, applied after those of --unit.
struct RunInput {
    var unitName: String
    var request: LaunchRequest
    var commands: [LaunchCommand]
    var warnings: [String]
    /// The syscall filter, kept for --dry-run to show its rules.
    var seccomp: SeccompProgram?
    /// The unit's lines, for --dry-run to list those that do nothing under brig run.
    var assignments: [Assignment] = []

    /// `prepareAhead`: the jail will be started, so kernel work that does not depend on the
    /// plan (PreparedNamespaces) may begin as soon as the unit is known.
    /// `accounting`: the run's cgroups count memory and tasks too, for --stats.
    static func resolve(properties: [String], unit: String?, command: [String], prepareAhead: Bool = false,
                        accounting: Bool = false, activation: SocketActivation? = nil,
                        rules: SystemdRelease = .v252) throws -> RunInput {
        let serviceMode = unit == nil && command.count == 1 && command[0].hasSuffix(".service")
        if !serviceMode && command.isEmpty { throw RunInputError.usage("no command given (brig run [-p K=V]... -- CMD [ARG...], or brig run NAME.service)") }
        var loaded = try load(serviceMode ? command[0] : unit)
        for (index, property) in properties.enumerated() {
            guard let assignment = Assignment.property(property, line: index + 1) else {
                throw RunInputError.usage("-p \(property): expected Directive=value")
            }
            loaded.assignments.append(assignment)
        }
        if loaded.isMasked { throw RunInputError.usage("\(loaded.name.name) is masked") }
        var unitConfig = UnitConfig(loaded, rules: rules)
        // The command is the ExecStart= (as systemd-run makes it), so Type= defaults to simple.
        if !serviceMode { unitConfig.service.execStart = [ExecCommand(path: command[0], arguments: command)] }
        let resolved: ResolvedService
        do {
            resolved = try ResolvedService.resolve(loaded, unitConfig, prepareAhead: prepareAhead, accounting: accounting, activation: activation)
        } catch let invalid as ResolvedService.Invalid {
            throw RunInputError.invalid(invalid.lines)
        }
        let config = resolved.config
        var request = resolved.request
        request.service.reports = serviceMode || unit != nil
        let commands: [LaunchCommand]
        if serviceMode {
            commands = ServiceJail.commands(config.service)
            if !commands.contains(where: { $0.phase == .start }) {
                throw RunInputError.usage("\(config.name.name) has no ExecStart=")
            }
        } else {
            // The command is the ExecStart=; the unit's (or -p's) other commands run around it, as with systemd-run.
            let start = LaunchCommand(.start, ExecCommand(path: try resolveExecutable(command[0], config.exec, rules: config.rules), arguments: command))
            let before: Set<LaunchCommand.Phase> = [.condition, .startPre]
            commands = ServiceJail.commands(config.service).filter { before.contains($0.phase) }
                + [start] + ServiceJail.commands(config.service).filter { !before.contains($0.phase) && $0.phase != .start }
        }
        return RunInput(unitName: config.name.name, request: request, commands: commands,
                        warnings: config.warnings,
                        seccomp: resolved.seccomp, assignments: loaded.assignments)
    }

    /// The unit named by --unit or NAME.service, or an empty transient one named after this
    /// process, as systemd-run makes it: a [Service] section and nothing else. The transient unit
    /// is built in memory, with no file to read and no search path to walk; %y and %Y name
    /// /run/brig/transient as they name /run/systemd/transient for systemd-run.
    static func load(_ nameOrPath: String?) throws -> LoadedUnit {
        if let nameOrPath { return try UnitLoader().load(nameOrPath) }
        let name = try UnitName("brig-run-\(getpid()).service")
        return LoadedUnit(name: name, fragmentPath: "/run/brig/transient/" + name.name, assignments: [], sections: ["Service"])
    }

    /// A bare command name is looked up in ExecSearchPath= or the release's PATH.
    static func resolveExecutable(_ name: String, _ exec: ExecContext, rules: SystemdRelease) throws -> String {
        if name.contains("/") { return name }
        let search = exec.filesystem.execSearchPath.isEmpty
            ? rules.facts.defaultPath.split(separator: ":").map(String.init) : exec.filesystem.execSearchPath
        for directory in search where access(directory + "/" + name, X_OK) == 0 { return directory + "/" + name }
        throw JailError.refused(directive: "ExecStart=\(name)", reason: "not found in \(search.joined(separator: ":"))", status: .exec)
    }

    static func describe(_ input: RunInput) -> String {
        var text = input.warnings.map { "\($0)\n" }.joined()   // each already says "warning:"
        let withoutEffect = DirectiveFates.withoutEffect(input.assignments)
        if !withoutEffect.isEmpty {
            text += "# no effect outside systemd as PID 1:\n"
            text += withoutEffect.map { "#   \($0.name): \($0.reason)\n" }.joined()
        }
        if let limits = input.request.cgroupLimits {
            text += CgroupLimitsPrinter.describe(limits, runCgroup: Launcher.dryRunCgroup(input.request))
        }
        if let filter = input.request.deviceFilter {
            text += "# cgroup device policy: allow \(filter.rules.isEmpty ? "no device" : filter.rules.map(\.description).joined(separator: ", "))\n"
        }
        if let credentials = input.request.credentials {
            text += "# credentials: a read-only ramfs at \(credentials.directory) ($CREDENTIALS_DIRECTORY), files 0400 and directory 0500 owned by the service's user, read before start [243 CREDENTIALS]\n"
            text += credentials.summary.map { "#   \($0)\n" }.joined()
        }
        for line in input.request.networkPolicy?.summary ?? [] { text += "# cgroup \(line)\n" }
        for line in input.request.directories.quotaSummary { text += "# \(line)\n" }
        for (index, file) in input.request.openFiles.enumerated() {
            let access = file.readOnly ? "read-only" : file.append ? "read-write, appending" : file.truncate ? "read-write, truncated" : "read-write"
            text += "# OpenFile=: \(file.path) opened by brig before the start (\(access)\(file.graceful ? ", left out if it cannot be" : "")), "
                + "passed to ExecStart= as \"\(file.name)\" after the descriptors before it (fd \(3 + index) without socket activation) [202 FDS]\n"
        }
        var picked = input.request
        if let root = input.request.spec.mounts.rootDirectory, input.request.rules.facts.rootDirectoryPicksVersion {
            do {
                picked = try input.request.pickingVersionedRoot()
                if let choice = picked.spec.mounts.rootDirectory, choice != root {
                    text += "# RootDirectory=\(root): a versioned directory (systemd.v(7)); \(choice) is its newest now, picked again as the run starts [226 NAMESPACE when none fits]\n"
                }
            } catch {
                text += "# \(error): the start fails here\n"
            }
        }
        if let root = picked.ephemeralRoot {
            text += "# RootEphemeral=yes: \(root.source) copied to \(EphemeralRoot.directory)/.#\(root.unitName)<16 random hex digits> "
                + "before the start (owners, modes, times, links, device nodes, xattrs; reflinked where the file system can), "
                + "used as the root below (shown as ...dry-run), removed after the run [226 NAMESPACE]\n"
        }
        for (command, plan) in Launcher.plans(picked, commands: input.commands) {
            text += "# \(command.phase.rawValue)=\(command.exec.arguments.joined(separator: " "))\n\(plan)\n"
        }
        if let seccomp = input.seccomp {
            text += "# seccomp filter (installed last, before execve)\n\(seccomp)\n"
        }
        return text
    }
}

enum RunInputError: Error, CustomStringConvertible {
    case usage(String)
    case invalid([String])

    var exitStatus: Int32 { 2 }

    var description: String {
        switch self {
        case .usage(let text): text
        case .invalid(let lines): lines.joined(separator: "\nbrig run: ")
        }
    }
}

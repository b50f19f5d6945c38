import Foundation
import Testing
import TestSupport

/// The network and IPC namespaces DelegateNamespaces= gives a service with more than one command
/// (ExecStartPre=, ExecStart=, ExecStartPost=), under systemd 262 and under `brig run --rules 262`
/// in the same instance. Each command of 262 gets a user namespace of its own (only
/// UserNamespacePath= is kept for the next command). The first makes the delegated namespace in
/// its own and stores it (netns_storage_socket, ipcns_storage_socket); each later one, in a new
/// user namespace that does not own that namespace, fails to join it (setns: EPERM) and, as
/// systemd lets a privilege error pass there, runs in the manager's network or IPC namespace.
/// brig makes a namespace of the kind for every command, in its user namespace: a deliberate
/// difference, stricter (README).
@Suite("DelegateNamespaces= across a service's commands, brig run --rules 262 against systemd 262", .serialized,
       .enabled(if: SystemdOracleNext.instanceUnavailableReason == nil && Gate.brig,
                "needs root, a built brig and systemd-oracle-next"))
struct DelegatedNamespaceCommandsTests {
    /// What each command found: its namespace of the kind the instance's own (its PID 1's), the
    /// first command's, or one of its own; and its user namespace the first command's or its own.
    enum Found: String, CustomStringConvertible {
        case instances = "the instance's", firstCommands = "the first command's", itsOwn = "its own"
        var description: String { rawValue }
    }

    static let output = "/run/brig-diff-delegated-commands"

    /// The unit: three commands, each appending "WHO NAMESPACE USER" to `output` and leaving a
    /// sleeper that keeps its namespaces alive to the end, so that a later command's new namespace
    /// can never be given a number an ended one had (the kernel hands freed numbers out again).
    static func unit(delegating kind: String, _ directive: String) -> String {
        let line = { (who: String) in
            "/bin/sh -c 'echo \(who) $(readlink /proc/self/ns/\(kind)) $(readlink /proc/self/ns/user) >> \(output);"
                + " sleep 30 </dev/null >/dev/null 2>&1 &'"
        }
        return """
            [Service]
            Type=oneshot
            DelegateNamespaces=\(kind)
            \(directive)
            ExecStartPre=\(line("pre"))
            ExecStart=\(line("main"))
            ExecStartPost=\(line("post"))
            """
    }

    /// Installs the unit, starts it with `start` (a shell command in the instance), and reads
    /// what its commands found, in order.
    static func found(_ kind: String, _ directive: String, start: String) throws -> [[Found]] {
        let name = "brig-diff-delegated-\(kind).service"
        let run = try SystemdOracleNext.exec(["/bin/sh", "-c", """
            set -e
            cat > /etc/systemd/system/\(name) <<'EOF'
            \(unit(delegating: kind, directive))
            EOF
            rm -f \(output)
            systemctl daemon-reload
            \(start.replacingOccurrences(of: "UNIT", with: name)) >/dev/null 2>&1
            readlink /proc/1/ns/\(kind)
            cat \(output)
            """])
        try #require(run.status == 0, "\(run.stdout) \(run.stderr)")
        var lines = run.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let instance = lines.removeFirst().first
        try #require(lines.map { $0.first } == ["pre", "main", "post"] && lines.allSatisfy { $0.count == 3 }, "\(run.stdout)")
        let first = lines[0]
        return lines.enumerated().map { index, words in
            let namespace: Found = words[1] == instance ? .instances : index > 0 && words[1] == first[1] ? .firstCommands : .itsOwn
            let user: Found = index > 0 && words[2] == first[2] ? .firstCommands : .itsOwn
            return [namespace, user]
        }
    }

    @Test(arguments: [("net", "PrivateNetwork=yes"), ("ipc", "PrivateIPC=yes")])
    func everyCommandHasADelegatedNamespaceOfItsOwn(_ kind: String, _ directive: String) throws {
        let brig = try SystemdOracleNext.brig.get().joined(separator: " ")
        let underBrig = try Self.found(kind, directive, start: "\(brig) run --rules 262 /etc/systemd/system/UNIT")
        #expect(underBrig == Array(repeating: [.itsOwn, .itsOwn], count: 3), "brig: \(underBrig)")
        let underSystemd = try Self.found(kind, directive, start: "systemctl start UNIT")
        // 262 as observed: should a later release share the first command's namespaces (or its
        // user namespace), this fails and the README's difference is to be looked at again.
        #expect(underSystemd == [[.itsOwn, .itsOwn], [.instances, .itsOwn], [.instances, .itsOwn]], "systemd 262: \(underSystemd)")
        withKnownIssue("262's later commands cannot join the first one's \(kind) namespace and run in the manager's; brig's have one of their own (deliberate)") {
            #expect(underBrig == underSystemd)
        }
    }
}

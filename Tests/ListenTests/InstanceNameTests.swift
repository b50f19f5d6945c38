import Foundation
import TestSupport
import Testing

/// The name of an Accept=yes instance as each release forms it: systemd 258 and later put the
/// connection's socket cookie after the number, and an AF_UNIX peer's pidfd inode after its pid.
/// The instance reports its own name (%i) and the cookie of the connection it was handed, which
/// the same releases also put in $SO_COOKIE.
@Suite(.serialized, .enabled(if: getuid() == 0 && BuiltBrig.isBuilt, "needs root and a built brig"))
struct InstanceNameTests {
    /// Prints the instance's name, the SO_COOKIE of its standard input, the connection, and
    /// $SO_COOKIE ("-" when unset).
    static let reporter = "/usr/bin/python3 -c \"import os, socket; s = socket.socket(fileno=0); "
        + "print('%i', int.from_bytes(s.getsockopt(socket.SOL_SOCKET, 57, 8), 'little'), os.environ.get('SO_COOKIE', '-'))\""

    static func units(_ directory: String, _ name: String, listen: String) throws {
        try "[Socket]\nListenStream=\(listen)\nAccept=yes\n".write(toFile: "\(directory)/\(name).socket", atomically: true, encoding: .utf8)
        try "[Service]\nStandardInput=socket\nStandardOutput=socket\nExecStart=\(reporter)\n"
            .write(toFile: "\(directory)/\(name)@.service", atomically: true, encoding: .utf8)
    }

    /// A client on loopback: its own port, then what it was sent.
    static let tcpClient = """
        import socket, sys
        c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        port = c.getsockname()[1]
        data = b""
        while True:
            chunk = c.recv(4096)
            if not chunk: break
            data += chunk
        print(port, data.decode().strip())
        """

    /// (instance name, cookie) as the instance reported them, and the client's port.
    static func askTCP(_ port: Int) throws -> (name: String, cookie: String, variable: String, clientPort: String) {
        let out = try Subprocess.run(["/usr/bin/python3", "-c", tcpClient, "\(port)"], timeout: 20).stdout
        let words = out.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        try #require(words.count == 4, "\(out)")
        return (words[1], words[2], words[3], words[0])
    }

    @Test func underRules258AndLaterATCPInstanceIsNamedWithItsConnectionsCookie() throws {
        let port = 20_000 + Int.random(in: 0..<1000)
        let directory = NSTemporaryDirectory() + "brig-instance-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.units(directory, "named", listen: "127.0.0.1:\(port)")
        for (rules, withCookie) in [(252, false), (257, false), (258, true), (262, true)] {
            let listen = try Subprocess([BuiltBrig.path, "listen", "--rules", "\(rules)", "\(directory)/named.socket"], timeout: 60)
            ListenTests.waitFor(port: port)
            let answer = try Self.askTCP(port)
            listen.send(SIGTERM)
            _ = listen.wait()
            let expected = withCookie ? "0-\(answer.cookie)-127.0.0.1:\(port)-127.0.0.1:\(answer.clientPort)"
                : "0-127.0.0.1:\(port)-127.0.0.1:\(answer.clientPort)"
            #expect(answer.name == expected, "--rules \(rules)")
            #expect(UInt64(answer.cookie).map { $0 > 0 } == true)
            // The same releases tell the instance its cookie in $SO_COOKIE.
            #expect(answer.variable == (withCookie ? answer.cookie : "-"), "--rules \(rules)")
        }
    }

    @Test(.enabled(if: SystemdOracleNext.instanceUnavailableReason == nil, "systemd 262 cannot run services here"))
    func systemd262NamesATCPInstanceTheSameWay() throws {
        let port = 21_000 + Int.random(in: 0..<1000)
        let name = "brigname\(UInt32.random(in: 1000...9999))"
        let units = "/etc/systemd/system/\(name)"
        let socket = "[Socket]\nListenStream=127.0.0.1:\(port)\nAccept=yes\n"
        let service = "[Service]\nStandardInput=socket\nStandardOutput=socket\nExecStart=\(Self.reporter)\n"
        let install = "printf '%s' \"$1\" > \(units).socket && printf '%s' \"$2\" > '\(units)@.service' && "
            + "systemctl daemon-reload && systemctl start \(name).socket"
        let installed = try SystemdOracleNext.exec(["/bin/sh", "-c", install, "sh", socket, service])
        defer { _ = try? SystemdOracleNext.exec(["/bin/sh", "-c", "systemctl stop \(name).socket; rm -f \(units).socket '\(units)@.service'; systemctl daemon-reload"]) }
        try #require(installed.status == 0, "\(installed.stderr)")
        ListenTests.waitFor(port: port)
        let answer = try Self.askTCP(port)
        // The counter starts at 0 here too: a fresh socket unit.
        #expect(answer.name == "0-\(answer.cookie)-127.0.0.1:\(port)-127.0.0.1:\(answer.clientPort)")
        #expect(answer.variable == answer.cookie)
    }

    @Test func underRules258AndLaterAUnixPeerIsNamedByPidPidfdInodeAndUid() throws {
        let directory = "/run/brig-instance-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.units(directory, "peer", listen: "\(directory)/socket")
        // The client says who it is: its pid and the inode of a pidfd for itself (pidfs).
        let client = """
            import os, socket, sys
            c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1])
            inode = os.fstat(os.pidfd_open(os.getpid())).st_ino
            data = b""
            while True:
                chunk = c.recv(4096)
                if not chunk: break
                data += chunk
            print(os.getpid(), inode, data.decode().strip())
            """
        for (rules, withInode) in [(252, false), (262, true)] {
            let listen = try Subprocess([BuiltBrig.path, "listen", "--rules", "\(rules)", "\(directory)/peer.socket"], timeout: 60)
            Poll.until(seconds: 3) { FileManager.default.fileExists(atPath: "\(directory)/socket") }
            let out = try Subprocess.run(["/usr/bin/python3", "-c", client, "\(directory)/socket"], timeout: 20).stdout
            listen.send(SIGTERM)
            _ = listen.wait()
            unlink("\(directory)/socket")
            let words = out.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
            try #require(words.count == 5, "\(out)")
            let (pid, inode, name, cookie) = (words[0], words[1], words[2], words[3])
            #expect(words[4] == (withInode ? cookie : "-"), "--rules \(rules): $SO_COOKIE")
            #expect(name == (withInode ? "0-\(cookie)-\(pid)_\(inode)-0" : "0-\(pid)-0"), "--rules \(rules)")
        }
    }
}

import Foundation
import TestSupport
import Testing
@testable import Jail

/// LoadCredential=, SetCredential=, ImportCredential= under `brig run`, observed from inside the
/// jail, and where the reference systemd can answer, compared with what it shows.
@Suite(.enabled(if: Privileges.canCreateNamespaces && Brig.isBuilt, "needs root, namespaces and a built brig"), .serialized)
struct CredentialTests {
    /// Sources live on the host's own file system, which the oracle's systemd sees too (its /run,
    /// /tmp and /var/tmp are private).
    final class Sources {
        let path = "/var/lib/brig-cred-tests-\(UUID().uuidString.prefix(8))"
        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        @discardableResult
        func file(_ name: String, _ content: String) throws -> String {
            let full = path + "/" + name
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try content.write(toFile: full, atomically: false, encoding: .utf8)
            return full
        }

        func file(_ name: String, size: Int) throws -> String {
            let full = path + "/" + name
            #expect(FileManager.default.createFile(atPath: full, contents: Data(repeating: UInt8(ascii: "x"), count: size)))
            return full
        }
    }

    /// What a service sees of its store, as facts both managers must agree on: the mode and
    /// owner of the directory and of each file (owner as "self" when it is the service's uid),
    /// the contents, the mount's options and what a write gets.
    static let view = """
        d=$CREDENTIALS_DIRECTORY
        echo "dir=$d"
        me=$(id -u)
        for f in "$d" "$d"/*; do
          set -- $(stat -c '%a %u %g' "$f")
          [ "$2" = "$me" ] && o=self || o=$2
          echo "$(basename "$f") mode=$1 owner=$o group=$3"
        done
        for f in "$d"/*; do printf '%s=' "$(basename "$f")"; cat "$f"; echo; done
        grep " $d " /proc/self/mountinfo | awk '{ print "mount", $6, $(NF-2) }'
        touch "$d/new" 2>&1 | sed 's/.*: //'
        """

    static let identities: [[String]] = [[], ["User=nobody"], ["DynamicUser=yes"]]
    static let namespaces: [[String]] = [[], ["ProtectSystem=strict", "PrivateTmp=yes"]]

    @Test(arguments: identities, namespaces)
    func theServiceReadsItsCredentialsFromAReadOnlyStoreOfItsOwn(_ identity: [String], _ namespace: [String]) throws {
        let sources = try Sources()
        let file = try sources.file("secret", "s3cret")
        let properties = identity + namespace + ["LoadCredential=a:\(file)", #"SetCredential=b:line\none"#, "SetCredential=a:unused"]
        let out = try Brig.run(properties: properties, ["/bin/sh", "-c", Self.view])
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        let dir = lines.first?.dropFirst("dir=".count) ?? ""
        #expect(dir.hasPrefix("/run/credentials/brig-run-") && dir.hasSuffix(".service"))
        let name = dir.split(separator: "/").last.map(String.init) ?? ""
        #expect(lines.contains("\(name) mode=500 owner=self group=0"))
        #expect(lines.contains("a mode=400 owner=self group=0"))
        #expect(lines.contains("b mode=400 owner=self group=0"))
        // LoadCredential= wins over SetCredential= for the same ID; escapes are decoded.
        #expect(out.stdout.contains("a=s3cret\nb=line\none\n"))
        #expect(lines.contains { $0.hasPrefix("mount ro,nosuid,nodev,noexec") && $0.hasSuffix("ramfs") })
        #expect(lines.last == "Read-only file system")
        // Nothing stays: no directory, no mount.
        #expect(!FileManager.default.fileExists(atPath: String(dir)))
        #expect(!(try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)).contains(String(dir)))
    }

    @Test func aDirectoryGivesOneCredentialPerFileNamedAfterItsPath() throws {
        let sources = try Sources()
        try sources.file("tree/one", "1")
        try sources.file("tree/sub/two", "2")
        try sources.file("tree/.hidden", "h")
        try FileManager.default.createSymbolicLink(atPath: sources.path + "/tree/link", withDestinationPath: sources.path + "/tree/one")
        let out = try Brig.run(properties: ["LoadCredential=t:\(sources.path)/tree"], ["/bin/sh", "-c", "cd $CREDENTIALS_DIRECTORY && for f in *; do echo $f=$(cat $f); done"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == "t_one=1\nt_sub_two=2\n")
    }

    @Test func aSocketIsAskedForTheCredentialWithTheUnitAndIDInItsAddress() throws {
        let server = try CredentialServer(payload: "from-socket")
        defer { server.stop() }
        let out = try Brig.run(properties: ["LoadCredential=sock:\(server.path)"], ["/bin/sh", "-c", "cat $CREDENTIALS_DIRECTORY/sock"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == "from-socket")
        let peer = server.peerAddress()
        // "\0" + random hex + "/unit/UNIT/ID"; the client sent nothing.
        #expect(peer.first == "\0")
        let parts = peer.dropFirst().split(separator: "/").map(String.init)
        #expect(parts.count == 4 && UInt64(parts[0], radix: 16) != nil && parts[1] == "unit"
                && parts[2].hasPrefix("brig-run-") && parts[3] == "sock", "\(peer.debugDescription)")
        #expect(server.received.isEmpty)
    }

    @Test func credentialsComeFromTheStoreBrigWasGiven() throws {
        let sources = try Sources()
        try sources.file("app.one", "1")
        try sources.file("app.two", "2")
        try sources.file("other", "3")
        var environment = ProcessInfo.processInfo.environment
        environment["CREDENTIALS_DIRECTORY"] = sources.path
        let out = try Brig.run(["run", "-p", "ImportCredential=app.*", "-p", "LoadCredential=renamed:other", "-p", "LoadCredential=absent",
                                "--", "/bin/sh", "-c", "cd $CREDENTIALS_DIRECTORY && for f in *; do echo $f=$(cat $f); done"],
                               environment: environment)
        #expect(out.status == 0, "\(out.stderr)")
        // A name brig's store does not have is no error: nothing to pass on.
        #expect(out.stdout == "app.one=1\napp.two=2\nrenamed=3\n")
    }

    @Test func aMissingFileStopsTheStartUnlessSetCredentialGivesADefault() throws {
        let missing = try Brig.run(properties: ["LoadCredential=key:/nonexistent/key"], ["/bin/true"])
        #expect(missing.status == 243)
        #expect(missing.stderr.contains("-p:1:1: LoadCredential=key:/nonexistent/key: reading /nonexistent/key: ENOENT (No such file or directory) (exit status 243 CREDENTIALS)"), "\(missing.stderr)")
        let fallback = try Brig.run(properties: ["LoadCredential=key:/nonexistent/key", "SetCredential=key:default"],
                                    ["/bin/sh", "-c", "cat $CREDENTIALS_DIRECTORY/key"])
        #expect(fallback.status == 0 && fallback.stdout == "default", "\(fallback.stderr)")
        if Oracle.isAvailable {
            #expect(try Oracle.run(properties: ["LoadCredential=key:/nonexistent/key"], ["/bin/true"]).status == 243)
            let systemd = try Oracle.run(properties: ["LoadCredential=key:/nonexistent/key", "SetCredential=key:default"],
                                         ["/bin/sh", "-c", "cat $CREDENTIALS_DIRECTORY/key"])
            #expect(systemd.status == 0 && systemd.stdout == "default")
        }
    }

    /// One credential is at most 1 MiB, and all together (each ID's length counted) too.
    @Test(arguments: [(1024 * 1024 - 1, Int32(0)), (1024 * 1024, Int32(243)), (1024 * 1024 + 1, Int32(243))] as [(Int, Int32)])
    func sizesAreLimitedAsSystemdLimitsThem(_ size: Int, _ status: Int32) throws {
        let sources = try Sources()
        let file = try sources.file("big", size: size)
        let out = try Brig.run(properties: ["LoadCredential=a:\(file)"], ["/bin/sh", "-c", "wc -c < $CREDENTIALS_DIRECTORY/a"])
        #expect(out.status == status, "\(out.stderr)")
        if status != 0 { #expect(out.stderr.contains("E2BIG")) } else { #expect(out.stdout == "\(size)\n") }
        if Oracle.isAvailable {
            #expect(try Oracle.run(properties: ["LoadCredential=a:\(file)"], ["/bin/true"]).status == status)
        }
    }

    /// systemd logs and ignores a line with a bad credential name; brig refuses the unit, as it
    /// refuses every value systemd would skip (README, "brig verify").
    @Test(arguments: ["LoadCredential=a/b:/etc/hostname", "SetCredential=a:b:c\\q", "SetCredential=nodata", "ImportCredential=a*b"])
    func aMalformedLineIsRefusedWithItsPlace(_ property: String) throws {
        let out = try Brig.run(properties: [property], ["/bin/true"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("-p:1:1: error: \(property): "), "\(out.stderr)")
    }

    @Test func encryptedCredentialsAreDecryptedWithSystemdCredsOrRefused() throws {
        let keyDirectory = try Sources()
        // A key of the test's own (systemd-creds makes it on first use): the host's is never touched.
        var environment = ProcessInfo.processInfo.environment
        environment["SYSTEMD_CREDENTIAL_SECRET"] = keyDirectory.path + "/credential.secret"
        let encrypt = try Subprocess.run(["/bin/sh", "-c", "printf top-secret | systemd-creds encrypt --with-key=host --name=enc - -"],
                                         environment: environment)
        try #require(encrypt.status == 0, "\(encrypt.stderr)")
        let text = encrypt.stdout.replacingOccurrences(of: "\n", with: "")
        let file = try keyDirectory.file("enc.cred", encrypt.stdout)
        let read = ["/bin/sh", "-c", "cat $CREDENTIALS_DIRECTORY/enc"]
        for property in ["SetCredentialEncrypted=enc:\(text)", "LoadCredentialEncrypted=enc:\(file)"] {
            let out = try Brig.run(["run", "-p", property, "--"] + read, environment: environment)
            #expect(out.status == 0 && out.stdout == "top-secret", "\(property): \(out.stderr)")
        }
        // Without the key: systemd's exit status and why.
        environment["SYSTEMD_CREDENTIAL_SECRET"] = keyDirectory.path + "/missing.secret"
        let refused = try Brig.run(["run", "-p", "LoadCredentialEncrypted=enc:\(file)", "--"] + read, environment: environment)
        #expect(refused.status == 243)
        #expect(refused.stderr.contains("-p:1:1: LoadCredentialEncrypted=enc:\(file): systemd-creds decrypt failed"), "\(refused.stderr)")
    }

    @Test func dryRunShowsWhatWouldBeLoadedNotTheValues() throws {
        let out = try Brig.run(["run", "--dry-run", "-p", "LoadCredential=a:/etc/hostname", "-p", "SetCredential=b:hunter2",
                                "-p", "ProtectSystem=strict", "--", "/bin/true"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.contains("# credentials: a read-only ramfs at /run/credentials/"))
        #expect(out.stdout.contains("#   a <- /etc/hostname  (-p:1:1)"))
        #expect(out.stdout.contains("#   b <- 7 bytes written in the unit"))
        #expect(!out.stdout.contains("hunter2"))
        #expect(out.stdout.contains("(credentials)"))
    }

    // MARK: - against systemd

    /// The oracle's systemd does not make its mounts shared (it sees itself in a container), so the
    /// store it builds in a helper namespace and moves onto /run/credentials/UNIT never reaches
    /// PID 1's namespace: a service then finds the bare 0700 root directory, empty for root and
    /// "Permission denied" for any other user. A /run with shared propagation, as on a host that
    /// systemd booted, lets the comparison see what systemd really does.
    static func oracleWithSharedRun() throws {
        let out = try Oracle.exec(["/bin/mount", "--make-shared", "/run"])
        try #require(out.status == 0, "\(out.stderr)")
    }

    @Test(.enabled(if: Oracle.isAvailable, "needs systemd for systemd-oracle"), arguments: identities, namespaces)
    func theStoreLooksAsUnderSystemd(_ identity: [String], _ namespace: [String]) throws {
        try Self.oracleWithSharedRun()
        let sources = try Sources()
        let file = try sources.file("secret", "s3cret")
        try sources.file("tree/x", "X")
        try sources.file("tree/deeper/y", "Y")
        let properties = identity + namespace + ["LoadCredential=a:\(file)", "LoadCredential=t:\(sources.path)/tree",
                                                  #"SetCredential=b:x\x41\ty"#, "SetCredential=a:unused"]
        let brig = try Brig.run(properties: properties, ["/bin/sh", "-c", Self.view])
        let systemd = try Oracle.run(properties: properties, ["/bin/sh", "-c", Self.view])
        #expect(brig.status == systemd.status, "\(brig.stderr) | \(systemd.stderr)")
        func normalised(_ text: String) -> [String] {
            text.split(separator: "\n").dropFirst().map { line in
                // The store's own name (brig-run-PID.service or run-uN.service) is the unit's.
                line.contains(".service mode=") ? "UNIT " + line.split(separator: " ").dropFirst().joined(separator: " ") : String(line)
            }
        }
        #expect(normalised(brig.stdout) == normalised(systemd.stdout))
    }
}

/// An AF_UNIX stream socket that hands `payload` to whoever connects, and remembers the
/// client's address and what it sent.
final class CredentialServer: @unchecked Sendable {
    let path = "/run/brig-credsock-\(UUID().uuidString.prefix(8))"
    private let fd: Int32
    private let lock = NSLock()
    private var peer: [UInt8] = []
    private(set) var received: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)

    init(payload: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in path.utf8.enumerated() { buffer[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else { throw POSIXError(.EADDRINUSE) }
        let listener = fd
        Thread.detachNewThread { [self] in
            var remote = sockaddr_un()
            var length = socklen_t(MemoryLayout<sockaddr_un>.size)
            let client = withUnsafeMutablePointer(to: &remote) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listener, $0, &length) }
            }
            if client >= 0 {
                let offset = MemoryLayout<sa_family_t>.size
                let bytes = withUnsafeBytes(of: &remote.sun_path) { Array($0.prefix(Int(length) - offset)) }
                _ = payload.withCString { write(client, $0, strlen($0)) }
                var buffer = [UInt8](repeating: 0, count: 256)
                let n = read(client, &buffer, buffer.count)  // the client shut its side: 0 at once
                lock.withLock {
                    peer = bytes
                    if n > 0 { received = Array(buffer[0..<n]) }
                }
                close(client)
            }
            done.signal()
        }
    }

    func peerAddress() -> String {
        _ = done.wait(timeout: .now() + 10)
        return lock.withLock { String(decoding: peer, as: UTF8.self) }
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        unlink(path)
    }
}

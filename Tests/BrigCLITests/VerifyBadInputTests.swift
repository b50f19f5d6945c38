import Foundation
import TestSupport
import Testing

/// `brig verify` on input that is broken in every way a file can be: a clear message naming the
/// path, exit 1 for errors, never a crash or a hang.
@Suite(.timeLimit(.minutes(1)))
struct VerifyBadInputTests {
    let scratch = TemporaryDirectory(prefix: "brig-cli")

    func verify(_ arguments: String..., wrapper: [String] = []) throws -> BrigBinary.Result {
        try BrigBinary.run(["verify", "--root", scratch.path] + arguments, wrapper: wrapper)
    }

    @Test func binaryFile() throws {
        let path = scratch.path + "/bin.service"
        #expect(FileManager.default.createFile(atPath: path, contents: Data([0x7F, 0x45, 0x4C, 0x46, 0, 1, 2])))
        let result = try verify(path)
        #expect(result.status == 1)
        #expect(result.stdout == "\(path): error: binary data (NUL byte), not a unit file\n")
    }

    @Test func invalidUTF8IsAWarningOnly() throws {
        let path = scratch.path + "/u.service"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(Array("[Service]\nExecStart=/bin/true\nDescription=".utf8) + [0xFF, 0xFE, 0x0A])))
        let result = try verify(path)
        #expect(result.status == 0)
        #expect(result.stdout == "\(path):3:1: warning: line is not valid UTF-8, ignoring it\n")
    }

    @Test func tenMegabyteLine() throws {
        let path = scratch.write("big.service", "[Service]\nExecStart=/bin/" + String(repeating: "x", count: 10 << 20) + "\n")
        let result = try verify(path)
        #expect(result.status == 1)
        #expect(result.stdout == "\(path):2:1: error: line longer than 1 MiB\n")
    }

    @Test func continuationAtEndOfFile() throws {
        let path = scratch.write("c.service", "[Service]\nExecStart=/bin/true \\")
        let result = try verify(path)
        #expect(result.stdout.contains("\(path):2:1: warning: file ends inside a line continued with a backslash"))
    }

    @Test func directoryInsteadOfFile() throws {
        try FileManager.default.createDirectory(atPath: scratch.path + "/d.service", withIntermediateDirectories: true)
        let result = try verify(scratch.path + "/d.service")
        #expect(result.status == 1)
        #expect(result.stdout == "\(scratch.path)/d.service: error: is a directory, not a unit file\n")
    }

    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                   "needs root to drop to nobody with setpriv"))
    func permissionDenied() throws {
        let path = scratch.write("secret.service", "[Service]\nExecStart=/bin/true\n", mode: 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path)
        let result = try verify(path, wrapper: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
        #expect(result.status == 1)
        #expect(result.stdout == "\(path): error: cannot read: Permission denied (errno 13)\n")
    }

    @Test func symlinkLoop() throws {
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/a.service", withDestinationPath: "b.service")
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/b.service", withDestinationPath: "a.service")
        let result = try verify(scratch.path + "/a.service")
        #expect(result.status == 1)
        #expect(result.stdout.contains("Too many levels of symbolic links"))
    }

    @Test func missingUnit() throws {
        let result = try verify("no-such-unit.service")
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("no-such-unit.service: error: unit not found (searched "))
    }

    @Test func notAUnitName() throws {
        let result = try verify("nginx")
        #expect(result.status == 1)
        #expect(result.stdout == "nginx: error: invalid unit name: no unit type suffix such as .service\n")
    }
}

/// Templates are checked the way systemd-analyze verify checks them: as instance `i`.
struct VerifyTemplateTests {
    @Test func templateIsCheckedAsInstanceI() throws {
        let scratch = TemporaryDirectory(prefix: "brig-cli")
        let path = scratch.write("echo@.service", "[Service]\nExecStart=/bin/echo %i\nSlice=%i.slice\n")
        let result = try BrigBinary.run(["verify", path])
        #expect(result.status == 0)
        #expect(result.stdout == "")
    }
}

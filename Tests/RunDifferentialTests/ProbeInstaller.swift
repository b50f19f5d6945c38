import Foundation

/// Puts the probes where every jail can read and execute them (never /tmp,
/// /root or /home, which jails hide or replace). Idempotent and safe when
/// several test processes install at once: files are written under a unique
/// name and renamed into place, and left alone when already current.
enum ProbeInstaller {
    static let directory = "/usr/local/libexec/brig-tests"

    static var observe: String { directory + "/" + ObserveProbe.name }
    static var syscalls: String { directory + "/" + SyscallsProbe.name }

    /// Installs both probes once per test process; nil when done, else why not.
    static let failure: String? = {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try install(ObserveProbe.source, at: observe)
            try installCompiled(SyscallsProbe.source, at: syscalls)
            try installCompiled(BindProbe.source, at: BindProbe.path, static: true)
            try installCompiled(ReachProbe.source, at: ReachProbe.path)
            try installCompiled(BPFTokenProbe.source, at: BPFTokenProbe.path, static: true)
            return nil
        } catch {
            return "cannot install the probes in \(directory): \(error)"
        }
    }()

    /// The C function the compiled probes print an outcome with: "ok", or the errno's name.
    static let errnoNameFunction = #"""
        static const char *name(int e) {
            switch (e) {
            case 0: return "ok";
            case EPERM: return "EPERM";
            case EACCES: return "EACCES";
            case ESRCH: return "ESRCH";
            case EFAULT: return "EFAULT";
            case EADDRINUSE: return "EADDRINUSE";
            case EAFNOSUPPORT: return "EAFNOSUPPORT";
            case ENETUNREACH: return "ENETUNREACH";
            case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
            default: { static char buf[16]; snprintf(buf, sizeof buf, "E%d", e); return buf; }
            }
        }
        """#

    static func install(_ text: String, at path: String) throws {
        if (try? String(contentsOfFile: path, encoding: .utf8)) == text { return }
        let staged = path + ".\(getpid()).new"
        try text.write(toFile: staged, atomically: false, encoding: .utf8)
        chmod(staged, 0o755)
        try replace(path, with: staged)
    }

    /// The source beside the binary tells whether the binary is current.
    /// `static`: linked statically, for roots with another C library (systemd-oracle-next's).
    private static func installCompiled(_ source: String, at path: String, static linkStatically: Bool = false) throws {
        let sourcePath = path + ".c"
        if FileManager.default.isExecutableFile(atPath: path),
           (try? String(contentsOfFile: sourcePath, encoding: .utf8)) == source { return }
        let stagedSource = path + ".\(getpid()).c", stagedBinary = path + ".\(getpid()).new"
        try source.write(toFile: stagedSource, atomically: false, encoding: .utf8)
        defer { unlink(stagedSource) }
        let cc = try Command.run(["/usr/bin/env", "cc", "-O1", "-Wall"] + (linkStatically ? ["-static"] : []) + ["-o", stagedBinary, stagedSource])
        guard cc.status == 0 else { throw InstallError.compiler(cc.stderr) }
        try replace(path, with: stagedBinary)
        try install(source, at: sourcePath)
    }

    private static func replace(_ path: String, with staged: String) throws {
        guard rename(staged, path) == 0 else { throw InstallError.rename(path, errno) }
    }

    enum InstallError: Error, CustomStringConvertible {
        case compiler(String), rename(String, Int32)
        var description: String {
            switch self {
            case .compiler(let message): "cc failed: \(message)"
            case .rename(let path, let code): "cannot rename into \(path): errno \(code)"
            }
        }
    }
}

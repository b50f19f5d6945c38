#if canImport(Glibc)
import Glibc
#endif

/// LoadCredentialEncrypted= and SetCredentialEncrypted=: brig does not hold the host's
/// credential key or talk to the TPM itself; `systemd-creds decrypt` does, with the key it finds.
enum CredentialDecryption {
    static let candidates = ["/usr/bin/systemd-creds", "/bin/systemd-creds", "/usr/local/bin/systemd-creds"]

    /// The plaintext of the Base64 credential `text`, which must have been encrypted under the
    /// name `id`. The error is a sentence saying why not.
    static func decrypt(_ text: [UInt8], id: String) throws(DecryptionFailure) -> [UInt8] {
        guard let tool = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw DecryptionFailure(message: "systemd-creds is not installed, and brig decrypts credentials only through it")
        }
        var input: [Int32] = [-1, -1], output: [Int32] = [-1, -1], errors: [Int32] = [-1, -1]
        // Close-on-exec, so that only the dup2 copies reach systemd-creds.
        func makePipe(_ fds: inout [Int32]) -> Bool {
            guard pipe(&fds) == 0 else { return false }
            return fds.allSatisfy { fcntl($0, F_SETFD, FD_CLOEXEC) == 0 }
        }
        guard makePipe(&input), makePipe(&output), makePipe(&errors) else {
            let code = errno
            for fd in input + output + errors where fd >= 0 { close(fd) }
            throw DecryptionFailure(message: "pipe: \(SystemFiles.errorName(code))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        let words: [String] = [tool, "decrypt", "--name=\(id)", "-", "-"]
        var argv: [UnsafeMutablePointer<CChar>?] = words.map { (word: String) in strdup(word) }
        argv.append(nil)
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tool, &actions, nil, argv, environ)
        for fd in [input[0], output[1], errors[1]] { close(fd) }
        guard spawned == 0 else {
            for fd in [input[1], output[0], errors[0]] { close(fd) }
            throw DecryptionFailure(message: "starting \(tool): \(SystemFiles.errorName(spawned))")
        }
        // systemd-creds reads all its input before it writes: the input goes first, whole.
        var sent = 0
        while sent < text.count {
            let n = text[sent...].withUnsafeBytes { write(input[1], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            sent += n
        }
        close(input[1])
        let plaintext = drain(output[0]), message = drain(errors[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            let said = String(decoding: message, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            throw DecryptionFailure(message: "systemd-creds decrypt failed" + (said.isEmpty ? "" : ": \(said)"))
        }
        return plaintext
    }

    private static func drain(_ fd: Int32) -> [UInt8] {
        defer { close(fd) }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return data }
            data += chunk[0..<n]
        }
    }
}

struct DecryptionFailure: Error {
    let message: String
}

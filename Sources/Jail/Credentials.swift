import Directives
import UnitFile
#if canImport(Glibc)
import Glibc
#endif

/// A service's credentials, as systemd 252's acquire_credentials() gathers them: LoadCredential=
/// first (files, sockets, directory trees, inherited names), then ImportCredential= (254), then
/// SetCredential= as the default for an ID nothing loaded. An ID already gathered is not replaced.
public struct CredentialRequest: Sendable {
    public var unitName: String
    public var settings: CredentialSettings

    public init(unitName: String, settings: CredentialSettings) {
        self.unitName = unitName
        self.settings = settings
    }

    /// $CREDENTIALS_DIRECTORY: where the service finds them, as under systemd.
    public var directory: String { CredentialStore.base + "/" + unitName }

    /// Every credential's ID and content, in the order they are written. Read before brig lowers
    /// its real uid (Shield), so that systemd-creds runs as brig was started. Any failure stops
    /// the start with 243 (CREDENTIALS), naming the line and the errno.
    func acquire() throws(JailError) -> [Credential] {
        var gathered = Gathered(unit: unitName)
        let defaults = Set(settings.literals.map(\.id))
        for load in settings.loads {
            let label = "\(load.location): \(load.encrypted ? "LoadCredentialEncrypted" : "LoadCredential")=\(load.id):\(load.path)"
            let limit = load.encrypted ? CredentialSources.encryptedSizeMax : CredentialSources.sizeMax
            func fail(_ what: String, _ code: Int32) -> JailError { Self.failure(label, "\(what): \(Self.errnoText(code))") }
            func take(_ id: String, _ data: [UInt8]) throws(JailError) {
                try gathered.add(id, load.encrypted ? Self.decrypt(data, id: id, label) : data, label)
            }
            guard load.path.hasPrefix("/") else {
                // A name: the first store that has it; none is no error (nothing to inherit).
                for store in CredentialSources.searchPath(encrypted: load.encrypted) {
                    do {
                        try take(load.id, try CredentialSources.read(store + "/" + load.path, limit: limit))
                        break
                    } catch let error as SystemError {
                        if error.code == ENOENT { continue }
                        throw fail("reading \(store)/\(load.path)", error.code)
                    } catch let error as JailError { throw error } catch { throw fail("reading", EIO) }
                }
                continue
            }
            let directory = open(load.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if directory < 0 {
                guard errno == ENOTDIR || errno == ENOENT else { throw fail("opening \(load.path)", errno) }
                let data: [UInt8]
                do throws(SystemError) {
                    data = try CredentialSources.read(load.path, limit: limit,
                                                      socketName: CredentialSources.socketName(unit: unitName, id: load.id))
                } catch {
                    // A missing file is fatal unless SetCredential= gives the same ID a default.
                    if error.code == ENOENT && defaults.contains(load.id) { continue }
                    throw fail("reading \(load.path)", error.code)
                }
                try take(load.id, data)
                continue
            }
            defer { close(directory) }
            try CredentialSources.walk(directory, top: load.id, failure: { fail("reading directory \(load.path)", $0) }) {
                (parent: Int32, name: String, id: String) throws(JailError) in
                guard CredentialSettings.isValidName(id) else { throw fail("\(load.path): \(name) would be credential '\(id)'", EINVAL) }
                if gathered.has(id) { return }
                do {
                    // Sockets inside a directory are not connected to (ENXIO), as in systemd.
                    try take(id, try CredentialSources.read(name, in: parent, limit: limit))
                } catch let error as SystemError {
                    if error.code == ENOENT { return }  // gone since the directory was read
                    throw fail("reading \(id) in \(load.path)", error.code)
                } catch let error as JailError { throw error } catch { throw fail("reading", EIO) }
            }
        }
        for item in settings.imports {
            let label = "\(item.location): ImportCredential=\(item.glob)"
            for encrypted in [false, true] {
                for store in CredentialSources.searchPath(encrypted: encrypted, plain: !encrypted) {
                    for path in SystemFiles.glob(store + "/" + item.glob) {
                        let id = String(path.split(separator: "/").last ?? "")
                        if gathered.has(id) { continue }
                        let data: [UInt8]
                        do throws(SystemError) {
                            data = try CredentialSources.read(path, limit: encrypted ? CredentialSources.encryptedSizeMax : CredentialSources.sizeMax)
                        } catch {
                            throw Self.failure(label, "reading \(path): \(Self.errnoText(error.code))")
                        }
                        try gathered.add(id, encrypted ? Self.decrypt(data, id: id, label) : data, label)
                    }
                }
            }
        }
        for literal in settings.literals where !gathered.has(literal.id) {
            let label = "\(literal.location): \(literal.encrypted ? "SetCredentialEncrypted" : "SetCredential")=\(literal.id):..."
            try gathered.add(literal.id, literal.encrypted ? Self.decrypt(literal.data, id: literal.id, label) : literal.data, label)
        }
        return gathered.credentials
    }

    /// What --dry-run shows: each source and where it goes, never a value.
    public var summary: [String] {
        var lines = settings.loads.map { load in
            let kind = load.path.hasPrefix("/") ? load.path : "credential '\(load.path)' of brig's own stores"
            return "\(load.id) <- \(kind)\(load.encrypted ? ", decrypted" : "")  (\(load.location))"
        }
        lines += settings.imports.map { "\($0.glob) <- matching credentials of brig's own stores  (\($0.location))" }
        lines += settings.literals.map { "\($0.id) <- \($0.data.count) bytes written in the unit\($0.encrypted ? ", decrypted" : "") if nothing above gives \($0.id)  (\($0.location))" }
        return lines
    }

    private static func decrypt(_ data: [UInt8], id: String, _ label: String) throws(JailError) -> [UInt8] {
        do { return try CredentialDecryption.decrypt(data, id: id) } catch { throw failure(label, error.message) }
    }

    static func failure(_ label: String, _ reason: String) -> JailError {
        .refused(directive: label, reason: reason, status: .credentials)
    }

    static func errnoText(_ code: Int32) -> String {
        (ErrnoName.name(of: code).map { $0 + " " } ?? "") + "(\(SystemFiles.errorName(code)))"
    }

    /// The credentials so far and what is left of the total size (each ID's length counts).
    private struct Gathered {
        let unit: String
        var credentials: [Credential] = []
        var ids: Set<String> = []
        var left = CredentialSources.totalSizeMax

        func has(_ id: String) -> Bool { ids.contains(id) }

        mutating func add(_ id: String, _ data: [UInt8], _ label: String) throws(JailError) {
            let size = id.utf8.count + data.count
            guard size <= left else {
                throw CredentialRequest.failure(label, "credential \(id) (\(data.count) bytes) exceeds the \(CredentialSources.totalSizeMax) bytes all credentials may take together: \(CredentialRequest.errnoText(E2BIG))")
            }
            left -= size
            if ids.insert(id).inserted {
                credentials.append(Credential(id: id, data: data))
            } else if let i = credentials.firstIndex(where: { $0.id == id }) {
                credentials[i] = Credential(id: id, data: data)
            }
        }
    }
}

/// One credential as the service will read it.
struct Credential: Sendable {
    let id: String
    let data: [UInt8]
}

import Foundation
import TestSupport
import Testing

/// Unit trees made to trip the loader, each through every verb that reads units: `brig verify`,
/// `brig analyze`, `brig run --dry-run --unit` and `brig listen` (a socket unit of the same
/// shape). Each gets an answer that names the file (a refusal, or the unit read as systemd reads
/// it) within a deadline and an address-space cap of 1 GiB, and never a crash.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct HostileTreeTests {
    let scratch = TemporaryDirectory(prefix: "brig-cli")

    /// What one verb answered.
    struct Answer {
        let verb: String
        let result: BrigBinary.Result
        /// Both streams: verify reports on stdout, the others on stderr.
        var text: String { result.stdout + result.stderr }
    }

    func brig(_ arguments: [String], as wrapper: [String] = [], timeout: Double = 20,
              sourceLocation: SourceLocation = #_sourceLocation) throws -> BrigBinary.Result {
        let result = try BrigBinary.run(arguments, wrapper: wrapper + HostileInputTests.memoryCap, timeout: timeout)
        #expect(!result.timedOut, "brig \(arguments.joined(separator: " ")) passed its deadline", sourceLocation: sourceLocation)
        #expect(result.signal == nil, "brig \(arguments[0]) died: \(result.stderr.prefix(300))", sourceLocation: sourceLocation)
        return result
    }

    /// verify, analyze and run --dry-run of the service at `service`; listen of the socket at
    /// `socket` when there is one (a refused socket unit makes listen exit at once).
    func everyVerb(service: String, socket: String? = nil, as wrapper: [String] = [],
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> [Answer] {
        var answers = [
            Answer(verb: "verify", result: try brig(["verify", service], as: wrapper, sourceLocation: sourceLocation)),
            Answer(verb: "analyze", result: try brig(["analyze", service], as: wrapper, sourceLocation: sourceLocation)),
            Answer(verb: "run", result: try brig(["run", "--dry-run", "--unit", service, "--", "/bin/true"], as: wrapper,
                                                 sourceLocation: sourceLocation)),
        ]
        if let socket {
            answers.append(Answer(verb: "listen", result: try brig(["listen", socket], as: wrapper, sourceLocation: sourceLocation)))
        }
        return answers
    }

    /// Every verb refused the unit, with a message that names `file` and says `why`.
    func expectRefused(_ answers: [Answer], naming file: String, _ why: String,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        for answer in answers {
            #expect(answer.result.status != 0, "\(answer.verb) accepted it", sourceLocation: sourceLocation)
            #expect(answer.text.contains(file) && answer.text.contains(why),
                    "\(answer.verb) said: \(answer.text.prefix(400))", sourceLocation: sourceLocation)
        }
    }

    func makeDirectory(_ path: String) {
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    // MARK: links that never end

    /// Two unit files that are links to each other: systemd gives up after 32 links (ELOOP).
    @Test func unitLinksInALoopAreRefused() throws {
        let dir = scratch.path + "/loop"
        makeDirectory(dir)
        for type in ["service", "socket"] {
            #expect(symlink("\(dir)/b.\(type)", "\(dir)/a.\(type)") == 0)
            #expect(symlink("\(dir)/a.\(type)", "\(dir)/b.\(type)") == 0)
        }
        let answers = try everyVerb(service: dir + "/a.service", socket: dir + "/a.socket")
        expectRefused(answers, naming: dir + "/a.", "Too many levels of symbolic links")
    }

    /// A drop-in directory that is a link to itself, and a drop-in that links to itself: the
    /// first holds no file, the second is no regular file; the unit loads without either.
    @Test func dropInLinksInALoopAreSkipped() throws {
        let dir = scratch.path + "/droploop"
        makeDirectory(dir)
        scratch.write("droploop/a.service", "[Service]\nExecStart=/bin/true\n")
        makeDirectory(dir + "/a.service.d")
        #expect(symlink("\(dir)/a.service.d/self.conf", "\(dir)/a.service.d/self.conf") == 0)
        #expect(symlink("\(dir)/a.service.d", "\(dir)/a.service.d/inner.conf.d") == 0)
        makeDirectory(dir + "/service.d")
        #expect(symlink("\(dir)/service.d", "\(dir)/service.d/again.conf") == 0)
        for answer in try everyVerb(service: dir + "/a.service") {
            #expect(answer.result.status == 0 || answer.verb == "analyze", "\(answer.verb): \(answer.text.prefix(400))")
            #expect(!answer.text.contains("error"), "\(answer.verb): \(answer.text.prefix(400))")
        }
    }

    // MARK: many files, long lines, deep paths

    /// A thousand drop-ins apply in file-name order, the last one's value winning, in bounded time.
    @Test func aThousandDropInsApplyInOrder() throws {
        let dir = scratch.path + "/many"
        scratch.write("many/a.service", "[Service]\nExecStart=/bin/true\n")
        makeDirectory(dir + "/a.service.d")
        for n in 0..<1000 {
            scratch.write(String(format: "many/a.service.d/%04d.conf", n), "[Service]\nEnvironment=N=\(n)\nWorkingDirectory=/tmp\n")
        }
        let start = Date()
        let answers = try everyVerb(service: dir + "/a.service")
        #expect(Date().timeIntervalSince(start) < 30)
        for answer in answers {
            #expect(answer.result.status == 0 || answer.verb == "analyze", "\(answer.verb): \(answer.text.prefix(400))")
        }
        let plan = answers.first { $0.verb == "run" }!.result.stdout
        #expect(plan.contains("N=999") && !plan.contains("N=998"), "\(plan.prefix(2000))")
    }

    /// The same for a socket unit served by brig listen: it binds its port and serves until told to stop.
    @Test(.enabled(if: getuid() == 0 && BuiltBrig.isBuilt, "needs root and a built brig"))
    func aSocketWithAThousandDropInsIsServed() throws {
        let port = 30_000 + Int(getpid() % 1000)
        let dir = scratch.path + "/manysock"
        scratch.write("manysock/m.socket", "[Socket]\nListenStream=127.0.0.1:\(port)\n")
        scratch.write("manysock/m.service", "[Service]\nExecStart=/bin/sleep 30\n")
        makeDirectory(dir + "/m.socket.d")
        for n in 0..<1000 {
            scratch.write(String(format: "manysock/m.socket.d/%04d.conf", n), "[Socket]\nBacklog=\(n + 1)\n")
        }
        let listen = try Subprocess([BuiltBrig.path, "listen", dir + "/m.socket"], timeout: 60)
        let listening = Poll.until(seconds: 10) { TCPTable.isListening(port: port) }
        listen.send(SIGTERM)
        let out = listen.wait()
        #expect(listening, "\(out.stderr)")
        #expect(out.signal == nil && !out.timedOut)
    }

    /// A 10 MB line is ten times systemd's limit: refused at its line, before any of it is parsed.
    @Test func aTenMegabyteLineIsRefusedAtItsLine() throws {
        let line = "Environment=A=" + String(repeating: "x", count: 10 << 20)
        let service = scratch.write("long/a.service", "[Service]\nExecStart=/bin/true\n" + line + "\n")
        let socket = scratch.write("long/a.socket", "[Socket]\nListenStream=127.0.0.1:30999\n" + line + "\n")
        let answers = try everyVerb(service: service, socket: socket)
        expectRefused(answers, naming: scratch.path + "/long/a.s", ":3:1: error: line longer than 1 MiB")
    }

    /// Seventy directories deep (2,000 bytes of path) is an ordinary unit; two hundred (5,600
    /// bytes, past PATH_MAX) is refused with the kernel's reason, not a crash.
    @Test func deepDirectories() throws {
        let component = "a-directory-level-of-27b"
        func tree(_ depth: Int) -> String {
            // mkdir relative to an open directory: the whole path may be too long for the kernel.
            var fd = open(scratch.path, O_RDONLY | O_DIRECTORY)
            for _ in 0..<depth {
                mkdirat(fd, component, 0o755)
                let next = openat(fd, component, O_RDONLY | O_DIRECTORY)
                close(fd)
                fd = next
            }
            for (name, text) in [("d.service", "[Service]\nExecStart=/bin/true\n"), ("d.socket", "[Socket]\nListenStream=127.0.0.1:30998\n")] {
                let file = openat(fd, name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                _ = text.withCString { write(file, $0, strlen($0)) }
                close(file)
            }
            close(fd)
            return scratch.path + String(repeating: "/" + component, count: depth)
        }
        let shallow = tree(70)
        for answer in try everyVerb(service: shallow + "/d.service") {
            #expect(answer.result.status == 0 || answer.verb == "analyze", "\(answer.verb): \(answer.text.prefix(300))")
        }
        let deep = tree(200)
        #expect(deep.utf8.count > Int(PATH_MAX))
        let answers = try everyVerb(service: deep + "/d.service", socket: deep + "/d.socket")
        expectRefused(answers.filter { $0.verb != "analyze" }, naming: "/d.s", "cannot read: File name too long")
        // analyze searches the file's directory for its name, as systemd-analyze does; the
        // kernel will not open that directory, so the unit is not found there.
        expectRefused(answers.filter { $0.verb == "analyze" }, naming: "d.service", "error: unit not found")
    }

    // MARK: files brig may not read, names that are not text

    static let nobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

    /// A unit file its reader may not open is refused with the reason, naming the file; so is a
    /// drop-in (systemd refuses to load such a unit too).
    @Test(.enabled(if: getuid() == 0, "needs root to give the file away"))
    func anUnreadableFileIsRefused() throws {
        chmod(scratch.path, 0o755)
        let service = scratch.write("closed/a.service", "[Service]\nExecStart=/bin/true\n", mode: 0o000)
        let socket = scratch.write("closed/a.socket", "[Socket]\nListenStream=127.0.0.1:30997\n", mode: 0o000)
        chmod(scratch.path + "/closed", 0o755)
        expectRefused(try everyVerb(service: service, socket: socket, as: Self.nobody), naming: scratch.path + "/closed/a.s", "Permission denied")

        let open = scratch.write("closed/b.service", "[Service]\nExecStart=/bin/true\n")
        scratch.write("closed/b.service.d/x.conf", "[Service]\nUser=nobody\n", mode: 0o000)
        chmod(scratch.path + "/closed/b.service.d", 0o755)
        expectRefused(try everyVerb(service: open, as: Self.nobody), naming: scratch.path + "/closed/b.service.d/x.conf", "Permission denied")
    }

    /// Creates `name` (raw bytes) in `directory` holding `text`.
    func create(_ directory: String, name: [UInt8], _ text: String) {
        let path = Array(directory.utf8) + [UInt8(ascii: "/")] + name + [0]
        let fd = path.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) } }
        #expect(fd >= 0)
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    /// A unit whose name is not UTF-8 among the units under --root is no valid unit name, and
    /// systemd passes over it; so do verify and analyze of the whole tree, reading the others.
    /// A drop-in so named would apply under systemd, and brig cannot open it by its name: the
    /// unit is refused, naming the drop-in (leaving it out could weaken the jail it asks for).
    @Test func namesThatAreNotUTF8() throws {
        let units = scratch.path + "/etc/systemd/system"
        makeDirectory(units)
        create(units, name: Array("bad".utf8) + [0xFF, 0xFE] + Array(".service".utf8), "[Service]\nExecStart=/bin/true\n")
        scratch.write("etc/systemd/system/good.service", "[Service]\nExecStart=/bin/true\n")
        let verify = try brig(["verify", "--root", scratch.path])
        #expect(verify.status == 0 && verify.stdout.isEmpty, "\(verify.stdout)")
        let analyze = try brig(["analyze", "--root", scratch.path])
        #expect(analyze.stdout.split(separator: "\n").map { $0.prefix { $0 != " " } } == ["UNIT", "good.service"], "\(analyze.stdout)")

        makeDirectory(units + "/good.service.d")
        create(units + "/good.service.d", name: [0xC3, 0x28] + Array(".conf".utf8), "[Service]\nProtectSystem=strict\n")
        scratch.write("etc/systemd/system/good.socket", "[Socket]\nListenStream=127.0.0.1:30996\n")
        makeDirectory(units + "/good.socket.d")
        create(units + "/good.socket.d", name: [0xFF] + Array(".conf".utf8), "[Socket]\nBacklog=5\n")
        let answers = try everyVerb(service: units + "/good.service", socket: units + "/good.socket")
        expectRefused(answers, naming: units + "/good.s", "Invalid or incomplete multibyte or wide character")
    }

    /// Bytes that are not UTF-8 inside a unit file: values keep them as systemd does or are
    /// refused at their line; nothing crashes.
    @Test func valuesThatAreNotUTF8() throws {
        var bytes = Array("[Service]\nExecStart=/bin/true \u{FFFD}\nEnvironment=A=".utf8) + [0xFF, 0xC3, 0x28, 0x0A]
        bytes += Array("User=".utf8) + [0xE2, 0x82] + [0x0A]
        let path = scratch.path + "/bytes.service"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        for answer in try everyVerb(service: path) {
            #expect(answer.result.status < 128, "\(answer.verb): \(answer.text.prefix(300))")
        }
    }

    // MARK: a file replaced while it is read

    /// A unit file that another process keeps replacing (a new file renamed over it, as editors
    /// and configuration tools write): every answer of every verb is its answer for one of the
    /// two versions, never a crash or an error that mixes them.
    @Test(.enabled(if: Tools.perl != nil, "needs perl for the replacing loop"))
    func aUnitFileReplacedWhileItIsRead() throws {
        let unit = scratch.path + "/swapped.service"
        let versions = [
            scratch.write("one", "[Unit]\nDescription=one\n[Service]\nExecStart=/bin/true\nProtectSystem=strict\nPrivateTmp=yes\n"),
            scratch.write("two", "[Service]\nExecStart=/bin/false two\nProtectHome=yes\nNoNewPrivileges=yes\nBogusKey=1\n"
                          + String(repeating: "# a long comment to make the second version span pages\n", count: 200)
                          + "PrivateDevices=yes\nTimeoutSec=bad\n"),
        ]
        let verbs = [["verify", unit], ["analyze", unit], ["run", "--dry-run", "--unit", unit, "--", "/bin/true"]]
        /// Both streams and the status, less the one value that differs between two runs.
        func answer(_ verb: [String]) throws -> String {
            let result = try brig(verb)
            return "\(result.status) \(result.stdout) \(result.stderr)"
                .replacing(#/INVOCATION_ID=[0-9a-f]{32}/#, with: "INVOCATION_ID=")
        }
        var expected: [[String]] = verbs.map { _ in [] }
        for version in versions {
            #expect(link(version, unit + ".new") == 0 && rename(unit + ".new", unit) == 0)
            for (index, verb) in verbs.enumerated() { expected[index].append(try answer(verb)) }
        }
        for index in verbs.indices { #expect(expected[index][0] != expected[index][1], "\(verbs[index][0]) tells them apart") }

        // A thousand replacements a second, without taking a core from the tests beside it.
        let replace = "my $u = shift; while (1) { for my $v (@ARGV) { link($v, \"$u.new\"); rename(\"$u.new\", $u); "
            + "select(undef, undef, undef, 0.001); } }"
        let replacer = try Subprocess([Tools.perl!, "-e", replace, unit] + versions, timeout: 120)
        defer { replacer.send(SIGKILL); _ = replacer.wait() }
        var seen: [Set<String>] = verbs.map { _ in [] }
        for _ in 0..<30 {
            for (index, verb) in verbs.enumerated() {
                let answered = try answer(verb)
                #expect(expected[index].contains(answered), "\(verb[0]) answered: \(answered.prefix(400))")
                seen[index].insert(answered)
            }
        }
        // The loop did replace the file under the readers: both versions were read.
        #expect(seen.allSatisfy { $0.count == 2 }, "\(seen.map(\.count))")
    }
}

// libFuzzer's entry points over one of the Fuzzing targets, chosen by $BRIG_FUZZ_TARGET.
// bench/fuzz builds this with -sanitize=fuzzer -parse-as-library -D BRIG_FUZZ, and BrigFuzz_main
// starts libFuzzer's driver; a plain `swift build` gets only the note at the end.
#if BRIG_FUZZ
import Fuzzing
#if canImport(Glibc)
import Glibc
#endif

nonisolated(unsafe) let target: FuzzTarget = {
    let name = environment("BRIG_FUZZ_TARGET") ?? ""
    guard let target = FuzzTarget.named(name) else {
        let names = FuzzTarget.all.map(\.name).joined(separator: " ")
        printError("brig-fuzz: set BRIG_FUZZ_TARGET to one of: \(names)")
        exit(2)
    }
    return target
}()

/// The slowest input so far, in nanoseconds, and its size; printed at exit for bench/fuzz.
nonisolated(unsafe) var slowest: (nanoseconds: Int, size: Int) = (0, 0)
/// Its bytes, written at exit to $BRIG_FUZZ_SLOWEST when set.
nonisolated(unsafe) var slowestInput: [UInt8] = []
/// The start-up: the first seed, run before libFuzzer starts, which builds the tables the parsers
/// share (directive registry, syscall names and groups); printed apart, not counted as the slowest.
nonisolated(unsafe) var startUp = 0

func printError(_ line: String) {
    var text = Array((line + "\n").utf8)
    _ = write(2, &text, text.count)
}

func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

/// The thread's CPU time: what an input costs, whatever else the machine runs meanwhile.
func now() -> Int {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return t.tv_sec * 1_000_000_000 + t.tv_nsec
}

func readFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size <= 1 << 20 else { return nil }
    var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
    let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    return n == bytes.count ? bytes : nil
}

func writeFile(_ path: String, _ bytes: [UInt8]) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return }
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
}

/// With $BRIG_FUZZ_SEED_DIR, writes the target's seeds there (and, with $BRIG_FUZZ_UNIT_DIRS,
/// seeds taken from the unit files in those colon-separated directories) before libFuzzer reads it.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    let start = now()
    target.run(target.seeds.first ?? [])
    startUp = now() - start
    atexit {
        printError("brig-fuzz: slowest input \(slowest.nanoseconds / 1000) us (\(slowest.size) bytes); start-up \(startUp / 1000) us (CPU time)")
        if let path = environment("BRIG_FUZZ_SLOWEST") { writeFile(path, slowestInput) }
    }
    guard let directory = environment("BRIG_FUZZ_SEED_DIR") else { return 0 }
    var files: [(path: String, bytes: [UInt8])] = []
    for unitDirectory in (environment("BRIG_FUZZ_UNIT_DIRS") ?? "").split(separator: ":").map(String.init) {
        guard let dir = opendir(unitDirectory) else { continue }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasSuffix(".service") || name.hasSuffix(".socket") || name.hasSuffix(".timer") || name.hasSuffix(".conf") else { continue }
            if let bytes = readFile(unitDirectory + "/" + name) { files.append((unitDirectory + "/" + name, bytes)) }
        }
        closedir(dir)
    }
    for (n, seed) in (target.seeds + target.seeds(fromUnitFiles: files)).enumerated() {
        writeFile(directory + "/seed-\(n)", seed)
    }
    return 0
}

/// libFuzzer's driver, given argc, argv and the function to fuzz (compiler-rt's FuzzerInterface).
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ body: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable with main defined as MODULE_main; under -parse-as-library there is
/// none, so this is it, and it hands over to libFuzzer's driver.
@_cdecl("BrigFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    let start = now()
    target.run(input)
    let took = now() - start
    if took > slowest.nanoseconds { slowest = (took, size); slowestInput = input }
    return 0
}
#else
@main
struct BrigFuzzWithoutLibFuzzer {
    static func main() {
        print("brig-fuzz is built by bench/fuzz, with libFuzzer (swiftc -sanitize=fuzzer)")
    }
}
#endif

// libFuzzer's entry point over one of the Fuzzing targets, chosen by $BRIG_FUZZ_TARGET.
// bench/fuzz builds this with -sanitize=fuzzer -parse-as-library -D BRIG_FUZZ, and libFuzzer
// supplies main(); a plain `swift build` gets only the note below.
#if BRIG_FUZZ
import Fuzzing
#if canImport(Glibc)
import Glibc
#endif

nonisolated(unsafe) let target: FuzzTarget = {
    let name = getenv("BRIG_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget.named(name) else {
        let names = FuzzTarget.all.map(\.name).joined(separator: " ")
        fputs("brig-fuzz: set BRIG_FUZZ_TARGET to one of: \(names)\n", stderr)
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    target.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#else
print("brig-fuzz is built by bench/fuzz, with libFuzzer (swiftc -sanitize=fuzzer)")
#endif

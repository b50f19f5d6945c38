import Fuzzing
import Testing

/// The fuzz targets' short, seeded run: every target takes its seeds and a fixed sequence of
/// mutations of them in-process, the same entry points `bench/fuzz` hands to libFuzzer. A crash
/// fails the whole test run; a slow input fails the time limit.
@Suite(.timeLimit(.minutes(2)))
struct SeededFuzzTests {
    static let inputsPerTarget = 300

    @Test(arguments: FuzzTarget.all.map(\.name))
    func mutatedInputsAreAnsweredWithoutACrash(target name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        #expect(!target.seeds.isEmpty)
        for seed in target.seeds { target.run(seed) }
        var tried = 0
        let seed = UInt64(name.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) }.magnitude)
        for input in SeededMutations(seeds: target.seeds, count: Self.inputsPerTarget, seed: seed) {
            target.run(input)
            tried += 1
        }
        #expect(tried == Self.inputsPerTarget)
    }

    /// Each finding of `bench/fuzz`, replayed through the target that found it.
    @Test(arguments: FuzzFindings.all)
    func findingIsAnsweredWithoutACrash(finding: FuzzFindings.Finding) throws {
        let target = try #require(FuzzTarget.named(finding.target))
        target.run(finding.input)
    }

    @Test func everyTargetHasADistinctName() {
        #expect(Set(FuzzTarget.all.map(\.name)).count == FuzzTarget.all.count)
    }
}

// swift-tools-version: 6.0
import PackageDescription

// Layers (see README "Architecture"): each target uses only those listed before it.
let package = Package(
    name: "brig",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "brig", targets: ["brig"]),
        // libFuzzer targets over the parsers; only bench/fuzz builds it (with -sanitize=fuzzer).
        .executable(name: "brig-fuzz", targets: ["BrigFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .target(name: "UnitFile"),
        .target(name: "Directives", dependencies: ["UnitFile"]),
        .target(name: "Exposure", dependencies: ["UnitFile", "Directives"]),
        .target(name: "Seccomp", dependencies: ["Directives"]),
        .target(name: "CJail"),
        .target(name: "Jail", dependencies: ["UnitFile", "Directives", "Seccomp", "CJail"]),
        .target(name: "Listen", dependencies: ["UnitFile", "Directives", "Jail", "CJail"]),
        .target(name: "Harden", dependencies: ["UnitFile", "Directives", "Exposure", "Jail", "CJail", "Listen"]),
        .target(name: "BrigCLI", dependencies: [
            "UnitFile", "Directives", "Exposure", "Seccomp", "Jail", "Listen", "Harden",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Not position-independent in release: a PIE this size spends ~1 ms of every start in
        // the dynamic loader applying ~76,000 relative relocations (brig run starts per connection).
        // No dynamic exports either: the static stdlib asks for all 5,800, and every symbol the
        // loader binds in the shared libraries is then looked up among them first. And the C++
        // runtime linked statically (see Linker/libstdc++.so).
        .executableTarget(name: "brig", dependencies: ["BrigCLI"],
                          linkerSettings: [.unsafeFlags(["-Xclang-linker", "-no-pie", "-Xlinker", "--no-export-dynamic",
                                                         "-L", Context.packageDirectory + "/Linker"],
                                                        .when(configuration: .release))]),
        // The parsers' entry points for fuzzing, shared by the libFuzzer binary and FuzzTests.
        .target(name: "Fuzzing", dependencies: ["UnitFile", "Directives", "Exposure"]),
        .executableTarget(name: "BrigFuzz", dependencies: ["Fuzzing"]),
        // Child processes, temporary directories, the systemd oracle and the built brig, shared by the test targets.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "UnitFileTests", dependencies: ["UnitFile", "TestSupport"]),
        .testTarget(name: "DirectivesTests", dependencies: ["Directives", "TestSupport"]),
        .testTarget(name: "ExposureTests", dependencies: ["Exposure", "TestSupport"]),
        .testTarget(name: "SeccompTests", dependencies: ["Seccomp", "TestSupport"]),
        .testTarget(name: "JailTests", dependencies: ["Jail", "TestSupport"]),
        .testTarget(name: "ListenTests", dependencies: ["brig", "TestSupport"]),
        .testTarget(name: "BrigCLITests", dependencies: ["brig", "TestSupport"]),
        .testTarget(name: "FuzzTests", dependencies: ["Fuzzing"]),
        .testTarget(name: "RunDifferentialTests", dependencies: ["brig", "TestSupport"]),
        .testTarget(name: "HardenTests", dependencies: ["brig", "Harden", "TestSupport"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)

import Directives

/// A set of the machine's system-call ABIs as three bits. A plain `Set<SyscallABI>` costs
/// `brig run` a quarter of a million instructions the first time one is made: the Swift
/// runtime scans every protocol conformance of the binary to build its type.
public struct ABISet: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let x86_64 = ABISet(.x86_64)
    public static let x86 = ABISet(.x86)
    public static let x32 = ABISet(.x32)
    public static let all: ABISet = [.x86_64, .x86, .x32]

    public init(_ abi: SyscallABI) {
        switch abi {
        case .x86_64: rawValue = 1
        case .x86: rawValue = 2
        case .x32: rawValue = 4
        }
    }

    public init(_ abis: some Sequence<SyscallABI>) {
        self = abis.reduce(into: []) { $0.insert(ABISet($1)) }
    }

    public func contains(_ abi: SyscallABI) -> Bool { contains(ABISet(abi)) }

    /// The members in the machine's order (`SyscallABI.allCases`).
    public var members: [SyscallABI] { SyscallABI.allCases.filter(contains) }
}

/// System-call names and numbers of one architecture, as the kernel headers of this
/// machine define them (see scripts/generate-syscall-data.sh). x32 numbers include the
/// x32 bit (0x40000000), i.e. they are the numbers the kernel sees.
public struct SyscallTable: Sendable {
    public let abi: SyscallABI
    private let numbersByName: [String: Int32]
    private let namesByNumber: [Int32: String]

    private init(_ abi: SyscallABI, _ entries: [(String, Int32)]) {
        self.abi = abi
        numbersByName = Dictionary(entries, uniquingKeysWith: { first, _ in first })
        namesByNumber = Dictionary(entries.map { ($0.1, $0.0) }, uniquingKeysWith: { first, _ in first })
    }

    // Built once, on first use.
    public static let x86_64 = SyscallTable(.x86_64, syscallNumbersX86_64)
    public static let x86 = SyscallTable(.x86, syscallNumbersI386)
    public static let x32 = SyscallTable(.x32, syscallNumbersX32)

    public static func table(for abi: SyscallABI) -> SyscallTable {
        switch abi {
        case .x86_64: x86_64
        case .x86: x86
        case .x32: x32
        }
    }

    public func number(of name: String) -> Int32? { numbersByName[name] }
    public func name(of number: Int32) -> String? { namesByNumber[number] }
    public func contains(_ name: String) -> Bool { numbersByName[name] != nil }
    public var names: some Collection<String> { numbersByName.keys }
    public var count: Int { numbersByName.count }

    /// True when any of the three x86 ABIs of this machine has a call of that name.
    public static func isKnownOnAnyArchitecture(_ name: String) -> Bool {
        x86_64.contains(name) || x86.contains(name) || x32.contains(name)
    }
}

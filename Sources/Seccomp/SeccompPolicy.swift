import Directives

/// A test on one argument of a system call (libseccomp's struct scmp_arg_cmp).
/// Arguments are compared as full 64-bit values, as libseccomp does.
public struct ArgumentComparison: Hashable, Sendable, CustomStringConvertible {
    public enum Operator: UInt32, Sendable {
        case notEqual = 1, less = 2, lessOrEqual = 3, equal = 4, greaterOrEqual = 5, greater = 6
        /// (argument & mask) == value
        case maskedEqual = 7
    }

    /// 0...5
    public var argument: UInt32
    public var op: Operator
    public var value: UInt64
    public var mask: UInt64

    public init(argument: UInt32, _ op: Operator, _ value: UInt64, mask: UInt64 = 0) {
        self.argument = argument
        self.op = op
        self.value = value
        self.mask = mask
    }

    public static func arg(_ index: UInt32, equals value: UInt64) -> Self { .init(argument: index, .equal, value) }
    public static func arg(_ index: UInt32, masked mask: UInt64, equals value: UInt64) -> Self {
        .init(argument: index, .maskedEqual, value, mask: mask)
    }

    public var description: String {
        let a = "arg\(argument)"
        switch op {
        case .notEqual: return "\(a) != \(hex(value))"
        case .less: return "\(a) < \(hex(value))"
        case .lessOrEqual: return "\(a) <= \(hex(value))"
        case .equal: return "\(a) == \(hex(value))"
        case .greaterOrEqual: return "\(a) >= \(hex(value))"
        case .greater: return "\(a) > \(hex(value))"
        case .maskedEqual: return "\(a) & \(hex(mask)) == \(hex(value))"
        }
    }

    private func hex(_ v: UInt64) -> String { v < 10 ? "\(v)" : "0x" + String(v, radix: 16) }
}

/// One rule: a system call (by name), the action, and the argument tests that must all
/// hold for it to apply. Several rules for one call are alternatives (any may match);
/// rules of one call with different actions must not overlap.
public struct SeccompRule: Hashable, Sendable {
    public var syscall: String
    public var action: SeccompAction
    public var conditions: [ArgumentComparison]
    /// The ABIs the rule is for; nil: every ABI of the policy.
    public var abis: ABISet?

    public init(_ syscall: String, _ action: SeccompAction, when conditions: [ArgumentComparison] = [],
                abis: ABISet? = nil) {
        self.syscall = syscall
        self.action = action
        self.conditions = conditions
        self.abis = abis
    }

    func applies(to abi: SyscallABI) -> Bool { abis?.contains(abi) ?? true }
}

/// Everything one seccomp program is made of; compiled by `SeccompCompiler`.
public struct SeccompPolicy: Hashable, Sendable {
    /// What calls without a rule get.
    public var defaultAction: SeccompAction
    /// The ABIs the program filters; calls made through any other ABI get `badABIAction`.
    public var abis: [SyscallABI]
    public var badABIAction: SeccompAction
    public var rules: [SeccompRule]

    public init(defaultAction: SeccompAction = .allow, abis: [SyscallABI] = SyscallABI.allCases,
                badABIAction: SeccompAction = .allow, rules: [SeccompRule] = []) {
        self.defaultAction = defaultAction
        self.abis = abis
        self.badABIAction = badABIAction
        self.rules = rules
    }

    /// The blocked ABIs: those of the machine the program does not filter.
    public var blockedABIs: [SyscallABI] { SyscallABI.allCases.filter { !abis.contains($0) } }
}

import CJail
#if canImport(Glibc)
import Glibc
#endif

/// A device policy as systemd enforces it on cgroup v2: an eBPF program
/// of type cgroup/device, attached to the run's cgroup before the child is
/// created in it. Only the listed devices may be opened (or made); the rest
/// is EPERM. brig builds it for the policies systemd derives itself
/// (PrivateDevices= and ProtectClock=) and for DevicePolicy=/DeviceAllow=
/// (DeviceAllowList.swift).
public struct DeviceFilter: Sendable, Equatable {
    public enum Kind: Sendable { case char, block }

    public struct Rule: Sendable, Equatable, CustomStringConvertible {
        public var kind: Kind
        /// nil: every major of the kind.
        public var major: UInt32?
        /// nil: every minor of the major.
        public var minor: UInt32?
        /// BPF_DEVCG_ACC_* bits: mknod 1, read 2, write 4.
        public var access: Int32

        public var description: String {
            let letters = (access & 2 != 0 ? "r" : "") + (access & 4 != 0 ? "w" : "") + (access & 1 != 0 ? "m" : "")
            return "\(kind == .char ? "c" : "b") \(major.map(String.init) ?? "*"):\(minor.map(String.init) ?? "*") \(letters)"
        }
    }

    public var rules: [Rule]

    /// The devices a closed policy always allows (systemd's static list),
    /// then `extra` rules such as "char-rtc r".
    public static func closed(adding extra: [(device: String, access: String)] = []) -> DeviceFilter {
        var rules: [Rule] = []
        for node in ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx",
                     RunSite.inaccessibleNodes + "/chr", RunSite.inaccessibleNodes + "/blk"] {
            if let rule = rule(forNode: node, access: 7) { rules.append(rule) }
        }
        rules += Self.rules(for: "char-pts", access: 6)
        // A class the kernel does not have (no rtc driver, say) allows nothing.
        for (device, access) in extra { rules += Self.rules(for: device, access: bits(access)) }
        return DeviceFilter(rules: rules)
    }

    static func bits(_ access: String) -> Int32 {
        (access.contains("m") ? 1 : 0) | (access.contains("r") ? 2 : 0) | (access.contains("w") ? 4 : 0)
    }

    static func rule(forNode path: String, access: Int32) -> Rule? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        let type = st.st_mode & S_IFMT
        guard type == S_IFCHR || type == S_IFBLK else { return nil }
        let device = UInt64(st.st_rdev)
        let major = UInt32((device >> 8) & 0xfff) | UInt32((device >> 32) & ~0xfff)
        let minor = UInt32(device & 0xff) | UInt32((device >> 12) & ~0xff)
        return Rule(kind: type == S_IFCHR ? .char : .block, major: major, minor: minor, access: access)
    }

    /// The program: load the request into r2 (type), r3 (access), r4
    /// (major), r5 (minor); each rule jumps to "allow" on a match; the end
    /// denies.
    public var program: [UInt8] {
        var code: [(UInt8, UInt8, Int16, Int32)] = [
            (0x61, 0x12, 0, 0), (0x54, 0x02, 0, 0xffff),   // r2 = ctx->access_type & 0xffff
            (0x61, 0x13, 0, 0), (0x74, 0x03, 0, 16),       // r3 = ctx->access_type >> 16
            (0x61, 0x14, 4, 0), (0x61, 0x15, 8, 0),        // r4 = major, r5 = minor
        ]
        var allowJumps: [Int] = []
        for rule in rules {
            // Each check jumps past the rule when it fails.
            var body: [(UInt8, UInt8, Int16, Int32)] = []
            var checks: [Int] = []
            if rule.access != 7 {
                body.append((0xbc, 0x31, 0, 0))                     // r1 = r3
                body.append((0x54, 0x01, 0, rule.access))            // r1 &= allowed
                checks.append(body.count); body.append((0x5d, 0x31, 0, 0))   // asks for more
            }
            checks.append(body.count); body.append((0x55, 0x02, 0, rule.kind == .char ? 2 : 1))   // type
            if let major = rule.major { checks.append(body.count); body.append((0x55, 0x04, 0, Int32(bitPattern: major))) }
            if let minor = rule.minor { checks.append(body.count); body.append((0x55, 0x05, 0, Int32(bitPattern: minor))) }
            body.append((0x05, 0, 0, 0))                             // goto allow
            for index in checks { body[index].2 = Int16(body.count - index - 1) }
            allowJumps.append(code.count + body.count - 1)
            code += body
        }
        if allowJumps.isEmpty {
            // Nothing allowed: the allow branch below would be unreachable, which the verifier rejects.
            code += [(0xb7, 0, 0, 0), (0x95, 0, 0, 0)]
            return Self.encode(code)
        }
        code.append((0xb7, 0, 0, 0))      // r0 = 0 (deny)
        code.append((0x05, 0, 1, 0))      // skip the allow
        let allow = code.count
        code.append((0xb7, 0, 0, 1))      // allow: r0 = 1
        code.append((0x95, 0, 0, 0))      // exit
        for index in allowJumps { code[index].2 = Int16(allow - index - 1) }
        return Self.encode(code)
    }

    private static func encode(_ code: [(UInt8, UInt8, Int16, Int32)]) -> [UInt8] {
        code.flatMap { op, regs, off, imm in
            [op, regs] + withUnsafeBytes(of: off.littleEndian) { Array($0) } + withUnsafeBytes(of: imm.littleEndian) { Array($0) }
        }
    }

    /// Loads the program and attaches it to the cgroup directory.
    func attach(to cgroup: String) throws(JailError) {
        let fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw .system("cgroup \(cgroup)", errno) }
        defer { close(fd) }
        let bytes = program
        let result = bytes.withUnsafeBytes { cjail_attach_device_program(fd, $0.baseAddress, UInt32(bytes.count / 8)) }
        if result < 0 {
            throw .refused(directive: "DevicePolicy=", reason: "cannot attach the cgroup device program: \(SystemFiles.errorName(-result))",
                           status: .bpf)
        }
    }
}

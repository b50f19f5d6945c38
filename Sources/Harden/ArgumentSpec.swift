/// Which arguments of a system call the observer keeps, x86-64 numbering: a scalar (a register,
/// or the first 8 bytes of the user memory it points to: a sockaddr's family, port and IPv4
/// address, open_how's flags, clone_args' flags) and a path (a user string a register points to).
struct ArgumentSpec: Sendable {
    /// Where a system call's arguments sit in struct pt_regs (byte offsets).
    enum Register: UInt32, Sendable { case di = 112, si = 104, dx = 96, r10 = 56, r8 = 72 }

    var number: Int
    var scalar: Register? = nil
    var dereference = false
    var path: Register? = nil
    /// The scalar is a sockaddr: an IPv6 one is also kept whole (24 bytes, to the address's end)
    /// where the path goes.
    var address = false

    static let hasScalar: Int32 = 1, dereference: Int32 = 2, hasString: Int32 = 4, rawAddress: Int32 = 8

    /// The 16 bytes of the program's table: scalar offset, flags, string offset, unused.
    var mapValue: (UInt32, UInt32, UInt32, UInt32) {
        let flags = (scalar == nil ? 0 : Self.hasScalar) | (dereference ? Self.dereference : 0) | (path == nil ? 0 : Self.hasString)
            | (address ? Self.rawAddress : 0)
        return (scalar?.rawValue ?? 0, UInt32(flags), path?.rawValue ?? 0, 0)
    }

    static let table: [ArgumentSpec] = [
        .init(number: 2, scalar: .si, path: .di),              // open: flags
        .init(number: 257, scalar: .dx, path: .si),            // openat: flags
        .init(number: 437, scalar: .dx, dereference: true, path: .si), // openat2: how->flags
        .init(number: 85, path: .di),                          // creat
        .init(number: 83, path: .di), .init(number: 258, path: .si),   // mkdir, mkdirat
        .init(number: 133, scalar: .si, path: .di), .init(number: 259, scalar: .dx, path: .si), // mknod(at): mode
        .init(number: 87, path: .di), .init(number: 263, path: .si),   // unlink, unlinkat
        .init(number: 84, path: .di),                          // rmdir
        .init(number: 82, path: .si), .init(number: 264, path: .r10), .init(number: 316, path: .r10), // rename*: the new name
        .init(number: 86, path: .si), .init(number: 265, path: .r8),   // link, linkat: the new name
        .init(number: 88, path: .si), .init(number: 266, path: .dx),   // symlink, symlinkat: the new name
        .init(number: 76, path: .di),                          // truncate
        .init(number: 90, scalar: .si, path: .di), .init(number: 268, scalar: .dx, path: .si), // chmod, fchmodat: mode
        .init(number: 91, scalar: .si),                        // fchmod: mode
        .init(number: 59, path: .di), .init(number: 322, path: .si),   // execve, execveat
        .init(number: 165, path: .si),                         // mount: the target
        .init(number: 41, scalar: .di),                        // socket: family
        .init(number: 49, scalar: .si, dereference: true),     // bind: the address
        .init(number: 42, scalar: .si, dereference: true, address: true), // connect: the address
        .init(number: 56, scalar: .di), .init(number: 435, scalar: .di, dereference: true), // clone, clone3: flags
        .init(number: 272, scalar: .di), .init(number: 308, scalar: .si), // unshare: flags, setns: type
        .init(number: 135, scalar: .di),                       // personality
        .init(number: 9, scalar: .dx), .init(number: 10, scalar: .dx), .init(number: 329, scalar: .dx), // mmap, mprotect: prot
        .init(number: 144, scalar: .si),                       // sched_setscheduler: policy
        .init(number: 314, scalar: .di, dereference: true),    // sched_setattr: size, then policy
        // The ids a service switches to itself: setuid, setgid, setfsuid, setfsgid (the id);
        // setreuid, setregid, setresuid, setresgid (the effective one).
        .init(number: 105, scalar: .di), .init(number: 106, scalar: .di), .init(number: 122, scalar: .di), .init(number: 123, scalar: .di),
        .init(number: 113, scalar: .si), .init(number: 114, scalar: .si), .init(number: 117, scalar: .si), .init(number: 119, scalar: .si),
    ]
}

/// One distinct (system call, scalar, path) the observer kept.
struct ArgumentRecord: Hashable, Sendable {
    var number: Int
    var scalar: UInt64
    var path: String
    /// The bytes where the path goes: a whole IPv6 sockaddr for connect().
    var raw: [UInt8] = []

    init(number: Int, scalar: UInt64 = 0, path: String = "", raw: [UInt8] = []) {
        self.number = number; self.scalar = scalar; self.path = path; self.raw = raw
    }

    /// From the observer's map key: number (u32), 4 zero bytes, scalar (u64), NUL-terminated path.
    init(key: [UInt8]) {
        number = Int(key[0]) | Int(key[1]) << 8 | Int(key[2]) << 16 | Int(key[3]) << 24
        scalar = (0..<8).reduce(0) { $0 | UInt64(key[8 + $1]) << (8 * UInt64($1)) }
        path = String(decoding: key[KernelObserver.stringOffset...].prefix { $0 != 0 }, as: UTF8.self)
        raw = Array(key[KernelObserver.stringOffset..<KernelObserver.stringOffset + 24])
    }
}

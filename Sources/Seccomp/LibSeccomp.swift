#if canImport(Glibc)
import Glibc
#endif

/// libseccomp.so.2, opened at run time so that building brig needs no -dev package.
/// Only the handful of entry points the compiler uses are declared here, with the C
/// types of libseccomp 2.5's <seccomp.h>.
struct LibSeccomp: @unchecked Sendable {
    typealias Context = OpaquePointer

    /// struct scmp_arg_cmp (passed to C as a raw pointer: same layout, 24 bytes)
    struct ArgCmp {
        var arg: UInt32
        var op: UInt32  // enum scmp_compare
        var datumA: UInt64
        var datumB: UInt64
    }

    /// enum scmp_filter_attr values used here.
    enum Attribute: Int32 {
        case badArchAction = 2, noNewPrivileges = 3, optimize = 8
    }

    let initialize: @convention(c) (UInt32) -> Context?
    let release: @convention(c) (Context?) -> Void
    let archAdd: @convention(c) (Context?, UInt32) -> Int32
    let archRemove: @convention(c) (Context?, UInt32) -> Int32
    let archNative: @convention(c) () -> UInt32
    let attrSet: @convention(c) (Context?, Int32, UInt32) -> Int32
    let resolveName: @convention(c) (UnsafePointer<CChar>) -> Int32
    let resolveNameArch: @convention(c) (UInt32, UnsafePointer<CChar>) -> Int32
    let ruleAddExact: @convention(c) (Context?, UInt32, Int32, UInt32, UnsafeRawPointer?) -> Int32
    let merge: @convention(c) (Context?, Context?) -> Int32
    let exportBPF: @convention(c) (Context?, Int32) -> Int32
    let memfdCreate: @convention(c) (UnsafePointer<CChar>, UInt32) -> Int32

    /// The library, loaded once; or why it could not be.
    static let shared: Result<LibSeccomp, SeccompError> = load()

    static func load(_ library: String = "libseccomp.so.2") -> Result<LibSeccomp, SeccompError> {
        guard let handle = dlopen(library, RTLD_NOW) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            return .failure(.libraryUnavailable(reason))
        }
        guard let libc = dlopen("libc.so.6", RTLD_NOW) else {
            return .failure(.libraryUnavailable("libc.so.6 cannot be opened"))
        }
        func symbol<T>(_ name: String, in library: UnsafeMutableRawPointer = handle, as _: T.Type) throws(SeccompError) -> T {
            guard let address = dlsym(library, name) else { throw .libraryUnavailable("\(name) is missing") }
            return unsafeBitCast(address, to: T.self)
        }
        do throws(SeccompError) {
            return .success(LibSeccomp(
                initialize: try symbol("seccomp_init", as: (@convention(c) (UInt32) -> Context?).self),
                release: try symbol("seccomp_release", as: (@convention(c) (Context?) -> Void).self),
                archAdd: try symbol("seccomp_arch_add", as: (@convention(c) (Context?, UInt32) -> Int32).self),
                archRemove: try symbol("seccomp_arch_remove", as: (@convention(c) (Context?, UInt32) -> Int32).self),
                archNative: try symbol("seccomp_arch_native", as: (@convention(c) () -> UInt32).self),
                attrSet: try symbol("seccomp_attr_set", as: (@convention(c) (Context?, Int32, UInt32) -> Int32).self),
                resolveName: try symbol("seccomp_syscall_resolve_name",
                                        as: (@convention(c) (UnsafePointer<CChar>) -> Int32).self),
                resolveNameArch: try symbol("seccomp_syscall_resolve_name_arch",
                                            as: (@convention(c) (UInt32, UnsafePointer<CChar>) -> Int32).self),
                ruleAddExact: try symbol("seccomp_rule_add_exact_array",
                                         as: (@convention(c) (Context?, UInt32, Int32, UInt32, UnsafeRawPointer?) -> Int32).self),
                merge: try symbol("seccomp_merge", as: (@convention(c) (Context?, Context?) -> Int32).self),
                exportBPF: try symbol("seccomp_export_bpf", as: (@convention(c) (Context?, Int32) -> Int32).self),
                memfdCreate: try symbol("memfd_create", in: libc,
                                        as: (@convention(c) (UnsafePointer<CChar>, UInt32) -> Int32).self)
            ))
        } catch {
            return .failure(error)
        }
    }

    /// libseccomp's marker for a name it does not know (__NR_SCMP_ERROR).
    static let unknownSyscall: Int32 = -1
}

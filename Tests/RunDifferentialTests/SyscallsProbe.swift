/// The C probe every seccomp differential case runs: each call named on its command line (or
/// "all") is made in a child of its own, reported as ok, an errno name or the
/// signal that killed the child. Compiled with `cc` when the tests install it.
enum SyscallsProbe {
    /// Named after its source, so that worktrees testing different versions of the probe at
    /// once each run their own rather than replace each other's in the shared directory.
    static let name = "syscalls-" + String(source.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }, radix: 16)

    static let source = #"""
/* syscalls: makes each call named on the command line in a child of its own and
 * prints "name=ok", "name=ERRNO" (the errno's name) or "name=SIGNAL" when the
 * child was killed. Every call is harmless: it names nothing that exists, sets
 * what is already set, or lowers a privilege, so the probe can run unjailed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/sched.h>

/* Each returns 0 or -1 with errno set. */
typedef int (*call_fn)(void);

static int rc(long r) { return r < 0 ? -1 : 0; }

static int fresh_file(char *path, size_t size) {
    /* A new file in the first writable temporary directory. */
    const char *dirs[] = { "/tmp", "/var/tmp", "/dev/shm", "/run" };
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(path, size, "%s/.brig-syscalls.%d", dirs[i], (int)getpid());
        int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
        if (fd >= 0) { close(fd); return 0; }
    }
    return -1;
}

static int sock(int domain, int type, int protocol) {
    int fd = socket(domain, type, protocol);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}
static int c_getppid(void) { return getppid() > 0 ? 0 : -1; }
static int c_socket_inet(void) { return sock(AF_INET, SOCK_STREAM, 0); }
static int c_socket_inet6(void) { return sock(AF_INET6, SOCK_STREAM, 0); }
static int c_socket_unix(void) { return sock(AF_UNIX, SOCK_STREAM, 0); }
static int c_socket_netlink(void) { return sock(AF_NETLINK, SOCK_RAW, 0); }
static int c_socket_packet(void) { return sock(AF_PACKET, SOCK_RAW, 0); }

/* The namespaces a probe unshares or clones into, by the name the probe gives them. */
#define NAMESPACES(X) X(user, CLONE_NEWUSER) X(net, CLONE_NEWNET) X(ipc, CLONE_NEWIPC) \
    X(uts, CLONE_NEWUTS) X(mnt, CLONE_NEWNS) X(pid, CLONE_NEWPID)
#define UNSHARE_PROBE(kind, flag) static int c_unshare_##kind(void) { return unshare(flag); }
NAMESPACES(UNSHARE_PROBE)
static int c_unshare_cgroup(void) { return unshare(CLONE_NEWCGROUP); }

static int clone_ns(unsigned long flags) {
    long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) return -1;
    if (pid == 0) _exit(0);
    waitpid((pid_t)pid, NULL, 0);
    return 0;
}
#define CLONE_PROBE(kind, flag) static int c_clone_##kind(void) { return clone_ns(flag); }
NAMESPACES(CLONE_PROBE)
static int c_clone_plain(void) { return clone_ns(0); }
static int c_clone3_plain(void) {
    struct clone_args args = { .exit_signal = SIGCHLD };
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0) return -1;
    if (pid == 0) _exit(0);
    waitpid((pid_t)pid, NULL, 0);
    return 0;
}
static int c_setns_net(void) {
    int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    return setns(fd, CLONE_NEWNET);
}

static int c_mmap_wx(void) {
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? -1 : 0;
}
static int c_mprotect_x(void) {
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return -1;
    return mprotect(p, 4096, PROT_READ | PROT_EXEC);
}
static int c_pkey_mprotect_x(void) {
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return -1;
    return rc(syscall(SYS_pkey_mprotect, p, 4096, PROT_READ | PROT_EXEC, -1));
}
static int c_shmat_exec(void) {
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    if (id < 0) return -1;
    void *p = shmat(id, NULL, SHM_EXEC);
    int saved = errno;
    shmctl(id, IPC_RMID, NULL);
    errno = saved;
    return p == (void *)-1 ? -1 : 0;
}

static int c_personality_query(void) { return personality(0xffffffff) == -1 ? -1 : 0; }
static int c_personality_linux32(void) { return personality(PER_LINUX32) == -1 ? -1 : 0; }
static int c_sched_fifo(void) {
    struct sched_param sp = { .sched_priority = 1 };
    return sched_setscheduler(0, SCHED_FIFO, &sp);
}
static int c_setpriority(void) {
    errno = 0;
    int nice = getpriority(PRIO_PROCESS, 0);
    if (errno) return -1;
    return setpriority(PRIO_PROCESS, 0, nice);
}
static int c_setrlimit(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return -1;
    return setrlimit(RLIMIT_NOFILE, &rl);
}

static int with_fresh_file(int (*fn)(const char *)) {
    char path[64];
    if (fresh_file(path, sizeof path) < 0) return -1;
    int r = fn(path);
    int saved = errno;
    unlink(path);
    errno = saved;
    return r;
}
static int do_chmod_suid(const char *p) { return chmod(p, 04755); }
static int do_chmod_sgid(const char *p) { return chmod(p, 02755); }
static int do_chmod_plain(const char *p) { return chmod(p, 0600); }
static int do_chown_self(const char *p) { return chown(p, getuid(), getgid()); }
static int c_chmod_suid(void) { return with_fresh_file(do_chmod_suid); }
static int c_chmod_sgid(void) { return with_fresh_file(do_chmod_sgid); }
static int c_chmod_plain(void) { return with_fresh_file(do_chmod_plain); }
static int c_chown_self(void) { return with_fresh_file(do_chown_self); }
static int c_creat_suid(void) {
    char path[64];
    if (fresh_file(path, sizeof path) < 0) return -1;
    unlink(path);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 04755);
    int saved = errno;
    if (fd >= 0) { close(fd); unlink(path); }
    errno = saved;
    return fd < 0 ? -1 : 0;
}

/* Every call that sets a file's mode, with set-user-ID or set-group-ID bits: on a file
 * of the probe's own (where the kernel allows it), or creating one that is removed again. */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif
static int new_path(char *path, size_t size) {
    if (fresh_file(path, size) < 0) return -1;
    return unlink(path);
}
static int create_with(long (*fn)(const char *)) {
    char path[64];
    if (new_path(path, sizeof path) < 0) return -1;
    long r = fn(path);
    int saved = errno;
    if (r >= 0) { struct stat st; if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) rmdir(path); else unlink(path); }
    if (r > 2) close((int)r);
    errno = saved;
    return r < 0 ? -1 : 0;
}
static int do_fchmod_suid(const char *p) {
    int fd = open(p, O_RDONLY);
    if (fd < 0) return -1;
    int r = fchmod(fd, 04755), saved = errno;
    close(fd);
    errno = saved;
    return r;
}
static int do_fchmodat_sgid(const char *p) { return fchmodat(AT_FDCWD, p, 02755, 0); }
static int do_fchmodat2_suid(const char *p) { return rc(syscall(SYS_fchmodat2, AT_FDCWD, p, 04755, 0)); }
static int do_fchmodat2_sgid(const char *p) { return rc(syscall(SYS_fchmodat2, AT_FDCWD, p, 02755, AT_SYMLINK_NOFOLLOW)); }
static int do_fchmodat2_plain(const char *p) { return rc(syscall(SYS_fchmodat2, AT_FDCWD, p, 0600, 0)); }
static int c_fchmod_suid(void) { return with_fresh_file(do_fchmod_suid); }
static int c_fchmodat_sgid(void) { return with_fresh_file(do_fchmodat_sgid); }
static int c_fchmodat2_suid(void) { return with_fresh_file(do_fchmodat2_suid); }
static int c_fchmodat2_sgid(void) { return with_fresh_file(do_fchmodat2_sgid); }
static int c_fchmodat2_plain(void) { return with_fresh_file(do_fchmodat2_plain); }
static long new_open_suid(const char *p) { return syscall(SYS_open, p, O_CREAT | O_EXCL | O_WRONLY, 04755); }
static long new_openat_sgid(const char *p) { return syscall(SYS_openat, AT_FDCWD, p, O_CREAT | O_EXCL | O_WRONLY, 02755); }
static long new_creat_sgid(const char *p) { return syscall(SYS_creat, p, 02755); }
static long new_mkdir_suid(const char *p) { return syscall(SYS_mkdir, p, 04755); }
static long new_mkdirat_sgid(const char *p) { return syscall(SYS_mkdirat, AT_FDCWD, p, 02755); }
static long new_mknod_suid(const char *p) { return syscall(SYS_mknod, p, S_IFREG | 04755, 0); }
static long new_mknodat_sgid(const char *p) { return syscall(SYS_mknodat, AT_FDCWD, p, S_IFREG | 02755, 0); }
static long new_openat2_suid(const char *p) {
    struct { uint64_t flags, mode, resolve; } how = { O_CREAT | O_EXCL | O_WRONLY, 04755, 0 };
    return syscall(SYS_openat2, AT_FDCWD, p, &how, sizeof how);
}
/* An unnamed file with the mode (linkat could name it later): no O_CREAT in the flags. */
static long tmpfile_in_dir_of(const char *p, int at) {
    char dir[64];
    snprintf(dir, sizeof dir, "%s", p);
    *strrchr(dir, '/') = 0;
    return at ? syscall(SYS_openat, AT_FDCWD, dir, O_TMPFILE | O_WRONLY, 04755)
              : syscall(SYS_open, dir, O_TMPFILE | O_WRONLY, 04755);
}
static long new_open_tmpfile_suid(const char *p) { return tmpfile_in_dir_of(p, 0); }
static long new_openat_tmpfile_suid(const char *p) { return tmpfile_in_dir_of(p, 1); }
static int c_open_creat_suid(void) { return create_with(new_open_suid); }
static int c_openat_creat_sgid(void) { return create_with(new_openat_sgid); }
static int c_creat_sgid(void) { return create_with(new_creat_sgid); }
static int c_mkdir_suid(void) { return create_with(new_mkdir_suid); }
static int c_mkdirat_sgid(void) { return create_with(new_mkdirat_sgid); }
static int c_mknod_suid(void) { return create_with(new_mknod_suid); }
static int c_mknodat_sgid(void) { return create_with(new_mknodat_sgid); }
static int c_openat2_creat_suid(void) { return create_with(new_openat2_suid); }
static int c_open_tmpfile_suid(void) { return create_with(new_open_tmpfile_suid); }
static int c_openat_tmpfile_suid(void) { return create_with(new_openat_tmpfile_suid); }

/* Calls through the i386 (int $0x80) and x32 entry points, with up to four arguments. Pointers
 * are NULL: a filter answers before the kernel reads them, the kernel itself says EFAULT. */
static int i386_call4(long nr, long a, long b, long c, long d) {
#if defined(__x86_64__)
    long ret;
    __asm__ volatile ("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(0L) : "memory");
    if (ret < 0 && ret > -4096) { errno = (int)-ret; return -1; }
    return 0;
#else
    errno = ENOSYS;
    return -1;
#endif
}
static int x32_call4(long nr, long a, long b, long c, long d) { return rc(syscall(nr | 0x40000000L, a, b, c, d)); }
static int c_i386_chmod_suid(void) { return i386_call4(15, 0, 04755, 0, 0); }
static int c_i386_fchmodat2_suid(void) { return i386_call4(452, AT_FDCWD, 0, 04755, 0); }
static int c_i386_open_creat_suid(void) { return i386_call4(5, 0, O_CREAT | O_WRONLY, 04755, 0); }
static int c_i386_mprotect_x(void) { return i386_call4(125, 0, 4096, PROT_READ | PROT_EXEC, 0); }
static int c_i386_unshare_user(void) { return i386_call4(310, CLONE_NEWUSER, 0, 0, 0); }
static int c_i386_sched_fifo(void) { return i386_call4(156, 0, SCHED_FIFO, 0, 0); }
static int c_i386_personality_linux32(void) { return i386_call4(136, PER_LINUX32, 0, 0, 0); }
static int c_x32_chmod_suid(void) { return x32_call4(90, 0, 04755, 0, 0); }
static int c_x32_fchmodat2_suid(void) { return x32_call4(452, AT_FDCWD, 0, 04755, 0); }
static int c_x32_openat_creat_suid(void) { return x32_call4(257, AT_FDCWD, 0, O_CREAT | O_WRONLY, 04755); }
static int c_x32_mprotect_x(void) { return x32_call4(10, 0, 4096, PROT_READ | PROT_EXEC, 0); }
static int c_x32_sched_fifo(void) { return x32_call4(144, 0, SCHED_FIFO, 0, 0); }
/* A real-time policy through sched_setattr, whose policy sits in a structure. */
static int c_sched_setattr_fifo(void) {
    struct { uint32_t size, policy; uint64_t flags; int32_t nice; uint32_t priority; uint64_t runtime, deadline, period; }
        attr = { .size = 48, .policy = SCHED_FIFO, .priority = 1 };
    return rc(syscall(SYS_sched_setattr, 0, &attr, 0));
}

/* Checks CAP_SYS_TIME and changes nothing: no time, no zone. */
static int c_settimeofday(void) { return rc(syscall(SYS_settimeofday, NULL, NULL)); }
/* The monotonic clock cannot be set: EINVAL unless a filter answers first. */
static int c_clock_settime(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return clock_settime(CLOCK_MONOTONIC, &ts);
}
static int c_adjtimex_read(void) { struct timex tx = { .modes = 0 }; return adjtimex(&tx) < 0 ? -1 : 0; }

static int c_init_module(void) { return rc(syscall(SYS_init_module, NULL, 0, "")); }
static int c_delete_module(void) { return rc(syscall(SYS_delete_module, "brig_no_such_module", O_NONBLOCK)); }
static int c_syslog(void) { return klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0) < 0 ? -1 : 0; }
static int c_sethostname(void) {
    char name[256] = { 0 };
    if (gethostname(name, sizeof name - 1) < 0) return -1;
    return sethostname(name, strlen(name));
}
static int c_setdomainname(void) {
    char name[256] = { 0 };
    if (getdomainname(name, sizeof name - 1) < 0) return -1;
    return setdomainname(name, strlen(name));
}
static int c_swapon(void) { return swapon("/brig-no-such-swap", 0); }
static int c_swapoff(void) { return swapoff("/brig-no-such-swap"); }
/* Wrong magic: EINVAL after the capability check, never a reboot. */
static int c_reboot(void) { return rc(syscall(SYS_reboot, 0, 0, LINUX_REBOOT_CMD_CAD_OFF, NULL)); }
/* Invalid flags: EINVAL after the capability check. */
static int c_kexec_load(void) { return rc(syscall(SYS_kexec_load, 0, 0, NULL, 0xffff0000UL)); }
static int c_mount(void) { return mount("none", "/brig-no-such-dir", "tmpfs", 0, NULL); }
static int c_umount(void) { return umount2("/brig-no-such-dir", 0); }
static int c_chroot(void) { return chroot("/"); }
static int c_pivot_root(void) { return rc(syscall(SYS_pivot_root, "/brig-no-such-dir", "/brig-no-such-dir")); }
static int c_ioperm(void) { return ioperm(0x80, 1, 0); }
static int c_iopl(void) { return iopl(0); }
static int c_ptrace_traceme(void) { return ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 ? -1 : 0; }
static int c_bpf(void) { return rc(syscall(SYS_bpf, -1, NULL, 0)); }
static int c_perf_event_open(void) { return rc(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0)); }
static int c_setuid_self(void) { return setuid(getuid()); }
static int c_setgid_self(void) { return setgid(getgid()); }
static int c_setgroups_none(void) { return rc(syscall(SYS_setgroups, 0, NULL)); }
static int c_uselib(void) { return rc(syscall(SYS_uselib, NULL)); }
static int c_quotactl(void) { return rc(syscall(SYS_quotactl, 0, NULL, 0, NULL)); }
static int c_keyctl(void) { return rc(syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0)); }
static int c_io_uring_setup(void) { return rc(syscall(SYS_io_uring_setup, 0, NULL)); }
static int c_userfaultfd(void) {
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}
static int c_memfd_create(void) {
    int fd = (int)syscall(SYS_memfd_create, "brig", 0);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}
static int c_open_read(void) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}
/* getpid through the i386 entry point; its number there is 20. */
static int c_i386_getpid(void) { return i386_call4(20, 0, 0, 0, 0); }

struct probe { const char *name; call_fn fn; };
static const struct probe probes[] = {
    { "getppid", c_getppid },
    { "open-read", c_open_read },
    { "socket-inet", c_socket_inet },
    { "socket-inet6", c_socket_inet6 },
    { "socket-unix", c_socket_unix },
    { "socket-netlink", c_socket_netlink },
    { "socket-packet", c_socket_packet },
    { "unshare-user", c_unshare_user },
    { "unshare-net", c_unshare_net },
    { "unshare-ipc", c_unshare_ipc },
    { "unshare-uts", c_unshare_uts },
    { "unshare-mnt", c_unshare_mnt },
    { "unshare-pid", c_unshare_pid },
    { "unshare-cgroup", c_unshare_cgroup },
    { "clone-plain", c_clone_plain },
    { "clone-user", c_clone_user },
    { "clone-net", c_clone_net },
    { "clone-ipc", c_clone_ipc },
    { "clone-uts", c_clone_uts },
    { "clone-mnt", c_clone_mnt },
    { "clone-pid", c_clone_pid },
    { "clone3-plain", c_clone3_plain },
    { "setns-net", c_setns_net },
    { "mmap-wx", c_mmap_wx },
    { "mprotect-x", c_mprotect_x },
    { "pkey_mprotect-x", c_pkey_mprotect_x },
    { "shmat-exec", c_shmat_exec },
    { "personality-query", c_personality_query },
    { "personality-linux32", c_personality_linux32 },
    { "sched_setscheduler-fifo", c_sched_fifo },
    { "setpriority", c_setpriority },
    { "setrlimit", c_setrlimit },
    { "chmod-plain", c_chmod_plain },
    { "chmod-suid", c_chmod_suid },
    { "chmod-sgid", c_chmod_sgid },
    { "creat-suid", c_creat_suid },
    { "chown-self", c_chown_self },
    { "fchmod-suid", c_fchmod_suid },
    { "fchmodat-sgid", c_fchmodat_sgid },
    { "fchmodat2-suid", c_fchmodat2_suid },
    { "fchmodat2-sgid", c_fchmodat2_sgid },
    { "fchmodat2-plain", c_fchmodat2_plain },
    { "open-creat-suid", c_open_creat_suid },
    { "openat-creat-sgid", c_openat_creat_sgid },
    { "creat-sgid", c_creat_sgid },
    { "openat2-creat-suid", c_openat2_creat_suid },
    { "open-tmpfile-suid", c_open_tmpfile_suid },
    { "openat-tmpfile-suid", c_openat_tmpfile_suid },
    { "mkdir-suid", c_mkdir_suid },
    { "mkdirat-sgid", c_mkdirat_sgid },
    { "mknod-suid", c_mknod_suid },
    { "mknodat-sgid", c_mknodat_sgid },
    { "i386-chmod-suid", c_i386_chmod_suid },
    { "i386-fchmodat2-suid", c_i386_fchmodat2_suid },
    { "i386-open-creat-suid", c_i386_open_creat_suid },
    { "x32-chmod-suid", c_x32_chmod_suid },
    { "x32-fchmodat2-suid", c_x32_fchmodat2_suid },
    { "x32-openat-creat-suid", c_x32_openat_creat_suid },
    { "i386-mprotect-x", c_i386_mprotect_x },
    { "x32-mprotect-x", c_x32_mprotect_x },
    { "i386-unshare-user", c_i386_unshare_user },
    { "i386-sched_setscheduler-fifo", c_i386_sched_fifo },
    { "x32-sched_setscheduler-fifo", c_x32_sched_fifo },
    { "sched_setattr-fifo", c_sched_setattr_fifo },
    { "i386-personality-linux32", c_i386_personality_linux32 },
    { "settimeofday", c_settimeofday },
    { "clock_settime", c_clock_settime },
    { "adjtimex-read", c_adjtimex_read },
    { "init_module", c_init_module },
    { "delete_module", c_delete_module },
    { "syslog", c_syslog },
    { "sethostname", c_sethostname },
    { "setdomainname", c_setdomainname },
    { "swapon", c_swapon },
    { "swapoff", c_swapoff },
    { "reboot", c_reboot },
    { "kexec_load", c_kexec_load },
    { "mount", c_mount },
    { "umount2", c_umount },
    { "chroot", c_chroot },
    { "pivot_root", c_pivot_root },
    { "ioperm", c_ioperm },
    { "iopl", c_iopl },
    { "ptrace-traceme", c_ptrace_traceme },
    { "bpf", c_bpf },
    { "perf_event_open", c_perf_event_open },
    { "setuid-self", c_setuid_self },
    { "setgid-self", c_setgid_self },
    { "setgroups-none", c_setgroups_none },
    { "uselib", c_uselib },
    { "quotactl", c_quotactl },
    { "keyctl", c_keyctl },
    { "io_uring_setup", c_io_uring_setup },
    { "userfaultfd", c_userfaultfd },
    { "memfd_create", c_memfd_create },
    { "i386-getpid", c_i386_getpid },
};

/* Whether the v1 cpu cgroup this process is in gives real-time tasks no time (cpu.rt_runtime_us
   0, as systemd 252 leaves the cpu cgroups it makes for services beside one with a CPU setting):
   the kernel then refuses SCHED_FIFO with EPERM whatever a filter says, so the call cannot show
   what the filter does. */
static int no_rt_budget(void) {
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f) return 0;
    char line[4096];
    int zero = 0;
    while (fgets(line, sizeof line, f)) {
        char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
        if (!b) continue;
        *b = 0;
        char *path = b + 1;
        path[strcspn(path, "\n")] = 0;
        char controllers[256];
        snprintf(controllers, sizeof controllers, ",%s,", a + 1);
        if (!strstr(controllers, ",cpu,")) continue;
        char file[4400];
        snprintf(file, sizeof file, "/sys/fs/cgroup/%s%s/cpu.rt_runtime_us", a + 1, path);
        FILE *r = fopen(file, "r");
        long value = -1;
        if (r && fscanf(r, "%ld", &value) == 1 && value == 0) zero = 1;
        if (r) fclose(r);
    }
    fclose(f);
    return zero;
}

static const struct probe *find(const char *name) {
    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++)
        if (strcmp(probes[i].name, name) == 0) return &probes[i];
    return NULL;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 2 && strcmp(argv[1], "all") == 0) {
        argc = (int)(sizeof probes / sizeof *probes) + 1;
        argv = calloc((size_t)argc + 1, sizeof *argv);
        for (int i = 1; i < argc; i++) argv[i] = (char *)probes[i - 1].name;
    }
    printf("NoNewPrivs=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    printf("Seccomp=%d\n", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    for (int i = 1; i < argc; i++) {
        const struct probe *p = find(argv[i]);
        if (!p) { fprintf(stderr, "syscalls: unknown call %s\n", argv[i]); return 2; }
        pid_t child = fork();
        if (child < 0) { printf("%s=fork:%s\n", p->name, strerrorname_np(errno)); continue; }
        if (child == 0) {
            if (strstr(p->name, "fifo") && no_rt_budget()) { printf("%s=unobservable\n", p->name); _exit(0); }
            errno = 0;
            int r = p->fn();
            printf("%s=%s\n", p->name, r == 0 ? "ok" : (strerrorname_np(errno) ? strerrorname_np(errno) : "EUNKNOWN"));
            _exit(0);
        }
        int status = 0;
        waitpid(child, &status, 0);
        if (WIFSIGNALED(status)) {
            const char *signal = sigabbrev_np(WTERMSIG(status));
            if (signal) printf("%s=SIG%s\n", p->name, signal);
            else printf("%s=signal-%d\n", p->name, WTERMSIG(status));
        }
    }
    return 0;
}
"""#
}

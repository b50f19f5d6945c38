/// The C probe every issue-5 case runs: each call named on its command line (or
/// "all") is made in a child of its own, reported as ok, an errno name or the
/// signal that killed the child. Compiled with `cc` when the tests install it.
enum SyscallsProbe {
    static let name = "syscalls"

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

static int unshare_ns(int flag) { return unshare(flag); }
static int c_unshare_user(void) { return unshare_ns(CLONE_NEWUSER); }
static int c_unshare_net(void) { return unshare_ns(CLONE_NEWNET); }
static int c_unshare_ipc(void) { return unshare_ns(CLONE_NEWIPC); }
static int c_unshare_uts(void) { return unshare_ns(CLONE_NEWUTS); }
static int c_unshare_mnt(void) { return unshare_ns(CLONE_NEWNS); }
static int c_unshare_pid(void) { return unshare_ns(CLONE_NEWPID); }
static int c_unshare_cgroup(void) { return unshare_ns(CLONE_NEWCGROUP); }

static int clone_ns(unsigned long flags) {
    long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) return -1;
    if (pid == 0) _exit(0);
    waitpid((pid_t)pid, NULL, 0);
    return 0;
}
static int c_clone_user(void) { return clone_ns(CLONE_NEWUSER); }
static int c_clone_net(void) { return clone_ns(CLONE_NEWNET); }
static int c_clone_ipc(void) { return clone_ns(CLONE_NEWIPC); }
static int c_clone_uts(void) { return clone_ns(CLONE_NEWUTS); }
static int c_clone_mnt(void) { return clone_ns(CLONE_NEWNS); }
static int c_clone_pid(void) { return clone_ns(CLONE_NEWPID); }
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
static int c_i386_getpid(void) {
#if defined(__x86_64__)
    long ret;
    __asm__ volatile ("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
    if (ret < 0 && ret > -4096) { errno = (int)-ret; return -1; }
    return 0;
#else
    errno = ENOSYS;
    return -1;
#endif
}

struct probe { const char *name; call_fn fn; };
static const struct probe probes[] = {
    { "getppid", c_getppid }, { "open-read", c_open_read },
    { "socket-inet", c_socket_inet }, { "socket-inet6", c_socket_inet6 }, { "socket-unix", c_socket_unix },
    { "socket-netlink", c_socket_netlink }, { "socket-packet", c_socket_packet },
    { "unshare-user", c_unshare_user }, { "unshare-net", c_unshare_net }, { "unshare-ipc", c_unshare_ipc },
    { "unshare-uts", c_unshare_uts }, { "unshare-mnt", c_unshare_mnt }, { "unshare-pid", c_unshare_pid },
    { "unshare-cgroup", c_unshare_cgroup },
    { "clone-plain", c_clone_plain }, { "clone-user", c_clone_user }, { "clone-net", c_clone_net },
    { "clone-ipc", c_clone_ipc }, { "clone-uts", c_clone_uts }, { "clone-mnt", c_clone_mnt },
    { "clone-pid", c_clone_pid }, { "clone3-plain", c_clone3_plain }, { "setns-net", c_setns_net },
    { "mmap-wx", c_mmap_wx }, { "mprotect-x", c_mprotect_x }, { "pkey_mprotect-x", c_pkey_mprotect_x },
    { "shmat-exec", c_shmat_exec },
    { "personality-query", c_personality_query }, { "personality-linux32", c_personality_linux32 },
    { "sched_setscheduler-fifo", c_sched_fifo }, { "setpriority", c_setpriority }, { "setrlimit", c_setrlimit },
    { "chmod-plain", c_chmod_plain }, { "chmod-suid", c_chmod_suid }, { "chmod-sgid", c_chmod_sgid },
    { "creat-suid", c_creat_suid }, { "chown-self", c_chown_self },
    { "settimeofday", c_settimeofday }, { "clock_settime", c_clock_settime }, { "adjtimex-read", c_adjtimex_read },
    { "init_module", c_init_module }, { "delete_module", c_delete_module }, { "syslog", c_syslog },
    { "sethostname", c_sethostname }, { "setdomainname", c_setdomainname },
    { "swapon", c_swapon }, { "swapoff", c_swapoff }, { "reboot", c_reboot }, { "kexec_load", c_kexec_load },
    { "mount", c_mount }, { "umount2", c_umount }, { "chroot", c_chroot }, { "pivot_root", c_pivot_root },
    { "ioperm", c_ioperm }, { "iopl", c_iopl }, { "ptrace-traceme", c_ptrace_traceme },
    { "bpf", c_bpf }, { "perf_event_open", c_perf_event_open },
    { "setuid-self", c_setuid_self }, { "setgid-self", c_setgid_self }, { "setgroups-none", c_setgroups_none },
    { "uselib", c_uselib }, { "quotactl", c_quotactl }, { "keyctl", c_keyctl },
    { "io_uring_setup", c_io_uring_setup }, { "userfaultfd", c_userfaultfd }, { "memfd_create", c_memfd_create },
    { "i386-getpid", c_i386_getpid },
};

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

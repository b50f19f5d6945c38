/* syscall-probe OP...
 * Makes each system call named by OP and prints one line "OP ok" or "OP ERRNONAME".
 * Every call is harmless when it succeeds (no state of the host changes).
 *   getppid, read-zero, uname
 *   socket:FAMILY            socket(FAMILY, SOCK_DGRAM, 0)
 *   mmap-wx, mmap-rx, mprotect-x, mprotect-r, shmat-x
 *   unshare:FLAGS, clone:FLAGS (hex CLONE_NEW* flags; the child exits at once), clone3,
 *   setns:NSTYPE             setns(own net namespace fd, NSTYPE)
 *   personality:HEX          personality(HEX), then back to PER_LINUX
 *   sched:POLICY             sched_setscheduler(0, POLICY) with a valid priority
 *   chmod-suid, fchmod-suid, fchmodat-suid, fchmodat2-suid, chmod-plain, open-creat-suid, openat-creat-suid,
 *   creat-suid, openat2, open-plain, mkdir-suid
 *   sethostname (to its current name), adjtimex (read only), syslog (buffer size query),
 *   init_module, delete_module, iopl, ioperm, mount, swapon, reboot, _sysctl
 *   sys:NR[:A0[:A1[:A2]]]    syscall(NR, A0, A1, A2, 0, 0, 0) on x86-64, arguments in hex (default 0)
 *   x32:NR[:A0...]           the same through the x32 ABI
 *   i386:NR[:A0...]          the same through the i386 ABI (int $0x80)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static char scratch[64];

static long result(long r) { return r < 0 ? -errno : 0; }

static long i386_call(long nr, unsigned long a0, unsigned long a1, unsigned long a2) {
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a0), "c"(a1), "d"(a2), "S"(0), "D"(0) : "memory");
    return r < 0 && r > -4096 ? r : 0;
}

static const char *scratch_file(void) {
    snprintf(scratch, sizeof scratch, "/tmp/syscall-probe.%d", getpid());
    unlink(scratch);
    return scratch;
}

static long with_file(int (*op)(const char *)) {
    const char *path = scratch_file();
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    if (fd < 0) return -errno;
    close(fd);
    long r = op(path);
    unlink(path);
    return r;
}

static int do_chmod(const char *p) { return result(chmod(p, 04755)); }
static int do_chmod_plain(const char *p) { return result(chmod(p, 0755)); }
static int do_fchmodat(const char *p) { return result(fchmodat(AT_FDCWD, p, 02755, 0)); }
static int do_fchmodat2(const char *p) { return result(syscall(452 /* fchmodat2 */, AT_FDCWD, p, 04755, 0)); }
static int do_fchmod(const char *p) {
    int fd = open(p, O_RDONLY);
    long r = result(fchmod(fd, 04755));
    close(fd);
    return r;
}

static long probe(const char *op) {
    char buf[16];
    unsigned long x, a[3] = { 0, 0, 0 };
    if (!strcmp(op, "getppid")) return result(syscall(SYS_getppid));
    if (!strcmp(op, "uname")) { struct utsname u; return result(uname(&u)); }
    if (!strcmp(op, "read-zero")) {
        int fd = open("/dev/zero", O_RDONLY);
        long r = result(read(fd, buf, 1));
        close(fd);
        return r;
    }
    if (sscanf(op, "socket:%lu", &x) == 1) {
        int fd = socket((int)x, SOCK_DGRAM, 0);
        if (fd < 0) return -errno;
        close(fd);
        return 0;
    }
    if (!strcmp(op, "mmap-wx") || !strcmp(op, "mmap-rx")) {
        int prot = op[5] == 'w' ? PROT_WRITE | PROT_EXEC : PROT_READ | PROT_EXEC;
        void *p = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return -errno;
        munmap(p, 4096);
        return 0;
    }
    if (!strcmp(op, "mprotect-x") || !strcmp(op, "mprotect-r")) {
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        long r = result(mprotect(p, 4096, op[9] == 'x' ? PROT_READ | PROT_EXEC : PROT_READ));
        munmap(p, 4096);
        return r;
    }
    if (!strcmp(op, "shmat-x")) {
        int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
        if (id < 0) return -errno;
        void *p = shmat(id, NULL, SHM_EXEC);
        long r = p == (void *)-1 ? -errno : 0;
        if (!r) shmdt(p);
        shmctl(id, IPC_RMID, NULL);
        return r;
    }
    if (sscanf(op, "unshare:%lx", &x) == 1) {
        /* In a child, so the probe's own namespaces stay as they are. */
        pid_t pid = fork();
        if (pid == 0) _exit(unshare((int)x) < 0 ? errno : 0);
        int status;
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? -WEXITSTATUS(status) : -EINTR;
    }
    if (sscanf(op, "clone:%lx", &x) == 1) {
        long pid = syscall(SYS_clone, x | SIGCHLD, 0, 0, 0, 0);
        if (pid == 0) _exit(0);
        if (pid < 0) return -errno;
        waitpid(pid, NULL, 0);
        return 0;
    }
    if (!strcmp(op, "clone3")) {
        struct { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls; } a = { .exit_signal = SIGCHLD };
        long pid = syscall(SYS_clone3, &a, sizeof a);
        if (pid == 0) _exit(0);
        if (pid < 0) return -errno;
        waitpid(pid, NULL, 0);
        return 0;
    }
    if (sscanf(op, "setns:%lx", &x) == 1) {
        int fd = open("/proc/self/ns/net", O_RDONLY);
        long r = result(setns(fd, (int)x));
        close(fd);
        return r;
    }
    if (sscanf(op, "personality:%lx", &x) == 1) {
        long r = result(personality(x));
        personality(PER_LINUX);
        return r;
    }
    if (sscanf(op, "sched:%lu", &x) == 1) {
        struct sched_param p = { .sched_priority = (x == SCHED_FIFO || x == SCHED_RR) ? 1 : 0 };
        long r = result(sched_setscheduler(0, (int)x, &p));
        p.sched_priority = 0;
        sched_setscheduler(0, SCHED_OTHER, &p);
        return r;
    }
    if (!strcmp(op, "chmod-suid")) return with_file(do_chmod);
    if (!strcmp(op, "chmod-plain")) return with_file(do_chmod_plain);
    if (!strcmp(op, "fchmod-suid")) return with_file(do_fchmod);
    if (!strcmp(op, "fchmodat-suid")) return with_file(do_fchmodat);
    if (!strcmp(op, "fchmodat2-suid")) return with_file(do_fchmodat2);
    if (!strcmp(op, "open-creat-suid") || !strcmp(op, "openat-creat-suid") || !strcmp(op, "creat-suid") ||
        !strcmp(op, "open-plain")) {
        const char *path = scratch_file();
        long fd = !strcmp(op, "creat-suid") ? syscall(SYS_creat, path, 04755)
                : !strcmp(op, "open-creat-suid") ? syscall(SYS_open, path, O_CREAT | O_WRONLY, 04755)
                : !strcmp(op, "open-plain") ? syscall(SYS_open, path, O_CREAT | O_WRONLY, 0644)
                : syscall(SYS_openat, AT_FDCWD, path, O_CREAT | O_WRONLY, 02755);
        long r = fd < 0 ? -errno : 0;
        if (fd >= 0) close(fd);
        unlink(path);
        return r;
    }
    if (!strcmp(op, "openat2")) {
        struct { uint64_t flags, mode, resolve; } how = { O_RDONLY, 0, 0 };
        long fd = syscall(SYS_openat2, AT_FDCWD, "/dev/null", &how, sizeof how);
        if (fd < 0) return -errno;
        close(fd);
        return 0;
    }
    if (!strcmp(op, "mkdir-suid")) {
        const char *path = scratch_file();
        long r = result(mkdir(path, 04755));
        rmdir(path);
        return r;
    }
    if (!strcmp(op, "sethostname")) {
        char name[256] = "";
        gethostname(name, sizeof name);
        return result(sethostname(name, strlen(name)));
    }
    if (!strcmp(op, "adjtimex")) { struct timex t = { .modes = 0 }; return result(adjtimex(&t)); }
    if (!strcmp(op, "syslog")) return result(klogctl(10, NULL, 0));
    if (!strcmp(op, "init_module")) return result(syscall(SYS_init_module, NULL, 0, ""));
    if (!strcmp(op, "delete_module")) return result(syscall(SYS_delete_module, "brig_no_such_module", O_NONBLOCK));
    if (!strcmp(op, "iopl")) return result(syscall(SYS_iopl, 0));
    if (!strcmp(op, "ioperm")) return result(syscall(SYS_ioperm, 0, 0, 0));
    if (!strcmp(op, "mount")) return result(syscall(SYS_mount, "none", "/brig-no-such-dir", "tmpfs", 0, NULL));
    if (!strcmp(op, "swapon")) return result(syscall(SYS_swapon, "/brig-no-such-file", 0));
    if (!strcmp(op, "reboot")) return result(syscall(SYS_reboot, 0, 0, 0, NULL));
    if (!strcmp(op, "_sysctl")) return result(syscall(SYS__sysctl, NULL));
    if (sscanf(op, "sys:%lu:%lx:%lx:%lx", &x, &a[0], &a[1], &a[2]) >= 1) return result(syscall(x, a[0], a[1], a[2], 0, 0, 0));
    if (sscanf(op, "x32:%lu:%lx:%lx:%lx", &x, &a[0], &a[1], &a[2]) >= 1)
        return result(syscall(x | 0x40000000, a[0], a[1], a[2], 0, 0, 0));
    if (sscanf(op, "i386:%lu:%lx:%lx:%lx", &x, &a[0], &a[1], &a[2]) >= 1) return i386_call(x, a[0], a[1], a[2]);
    fprintf(stderr, "syscall-probe: unknown operation %s\n", op);
    exit(2);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        long r = probe(argv[i]);
        const char *name = r ? strerrorname_np((int)-r) : "ok";
        printf("%s %s\n", argv[i], name ? name : "?");
    }
    return 0;
}

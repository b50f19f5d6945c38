// Parent side of a run: signal forwarding and the process calls Swift's Glibc
// module does not export.
#define _GNU_SOURCE
#include "cjail.h"
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <malloc.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int forward_fd = -1;

static void on_signal(int sig) {
    int saved = errno;
    unsigned char byte = (unsigned char)sig;
    (void)write(forward_fd, &byte, 1);
    errno = saved;
}

int cjail_forward_also(int sig) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) < 0) return -errno;
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, sig);
    return pthread_sigmask(SIG_UNBLOCK, &mask, NULL) == 0 ? 0 : -EINVAL;
}

int cjail_forward_signals(int write_fd) {
    forward_fd = write_fd;
    // Whoever started us may have blocked them; cjail_forward_also unblocks each.
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        int r = cjail_forward_also(sigs[i]);
        if (r < 0) return r;
    }
    return 0;
}

int cjail_notify_socket(const char *path) {
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof addr.sun_path) return -ENAMETOOLONG;
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -errno;
    int one = 1;
    (void)unlink(path);
    if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || chmod(path, 0777) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

long cjail_notify_receive(int fd, char *buffer, unsigned long size, pid_t *sender) {
    union { struct cmsghdr align; char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 253)]; } control;
    struct iovec iov = { .iov_base = buffer, .iov_len = size - 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control };
    ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    if (n < 0) return -errno;
    *sender = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET) continue;
        if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(c), sizeof cred);
            *sender = cred.pid;
        } else if (c->cmsg_type == SCM_RIGHTS) {
            size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; i++) {
                int passed;
                memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof passed);
                close(passed);
            }
        }
    }
    // A message longer than the buffer is cut, as sd_notify messages this long are malformed anyway.
    size_t used = (size_t)n < size - 1 ? (size_t)n : size - 1;
    buffer[used] = 0;
    return (long)used;
}

pid_t cjail_peek_exited(void) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT | __WALL) < 0) return -errno;
    return info.si_pid;
}

long cjail_filesystem_type(int fd) {
    struct statfs fs;
    return fstatfs(fd, &fs) < 0 ? -errno : (long)fs.f_type;
}

int cjail_become_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ? -errno : 0;
}

int cjail_pidfd_open(pid_t pid) {
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    return fd < 0 ? -errno : fd;
}

void cjail_trim_heap(void) {
    (void)malloc_trim(0);
}

int cjail_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0 ? -errno : 0;
}

int cjail_effective_capabilities(uint64_t *mask) {
    struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capget, &header, data) < 0) return -errno;
    *mask = (uint64_t)data[1].effective << 32 | data[0].effective;
    return 0;
}

// Unshares the calling thread into new namespaces of the CLONE_NEWNET /
// CLONE_NEWIPC types asked for (loopback up in a network one) and opens an fd
// on each, which keeps it once the thread is gone.
int cjail_make_namespaces(int types, int *network_fd, int *ipc_fd) {
    static const int kinds[2] = { CLONE_NEWNET, CLONE_NEWIPC };
    static const char *const paths[2] = { "/proc/thread-self/ns/net", "/proc/thread-self/ns/ipc" };
    int *fds[2] = { network_fd, ipc_fd };
    *network_fd = *ipc_fd = -1;
    types &= CLONE_NEWNET | CLONE_NEWIPC;
    if (!types) return -EINVAL;
    if (unshare(types) < 0 || ((types & CLONE_NEWNET) && cjail_loopback_up() < 0)) return -errno;
    for (int i = 0; i < 2; i++) {
        if (!(types & kinds[i])) continue;
        *fds[i] = open(paths[i], O_RDONLY | O_CLOEXEC);
        if (*fds[i] < 0) {
            int e = errno;
            if (*network_fd >= 0) close(*network_fd);
            *network_fd = *ipc_fd = -1;
            return -e;
        }
    }
    return 0;
}

int cjail_remove_semaphores(int id) {
    return semctl(id, 0, IPC_RMID) < 0 ? -errno : 0;
}

// StandardInputData=: a sealed memfd that reads the data (cjail.h).
int cjail_data_fd(const void *data, size_t size) {
    int fd = memfd_create("data-fd", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return -errno;
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, (const char *)data + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { int e = n < 0 ? errno : EIO; close(fd); return -e; }
        done += (size_t)n;
    }
    if (lseek(fd, 0, SEEK_SET) != 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

// Whether every component of path is a directory or file rather than a symlink:
// 1 if so (or the walk ends at a missing component before meeting one), 0 if a
// symlink is on the way, -errno if the kernel cannot tell (no openat2).
int cjail_path_is_plain(const char *path) {
    struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS };
    int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
    if (fd >= 0) { close(fd); return 1; }
    if (errno == ELOOP) return 0;
    if (errno == ENOENT || errno == ENOTDIR) return 1;
    return -errno;
}

// The keeper: a process of brig's own that ends the run when brig ends, whatever ends brig
// (SIGKILL, the OOM killer, a crash). Forked once the jail runs, it leaves brig's session and
// descriptors, ignores the signals a terminal or a `kill` of every brig would send, waits on a
// pidfd of brig, then kills the run's cgroup and removes it once empty. Only system calls run
// here: the fork is of a multi-threaded process.
static void keeper_kill_listed(const char *procs) {
    char buf[4096];
    int fd = open(procs, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return;
    buf[n] = 0;
    long pid = 0;
    for (char *p = buf; *p; p++) {
        if (*p >= '0' && *p <= '9') { pid = pid * 10 + (*p - '0'); continue; }
        if (pid > 0) kill((pid_t)pid, SIGKILL);
        pid = 0;
    }
}

// Removes the cgroups below the directory `fd`, deepest first (brig listen's instances live below
// one cgroup of its own). One that still has processes stays, for the next attempt.
static void keeper_remove_below(int fd, int depth) {
    struct entry { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type; char name[]; };
    char buf[4096];
    long n;
    if (depth > 8) return;
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        for (long at = 0; at < n;) {
            struct entry *e = (struct entry *)(buf + at);
            at += e->reclen;
            if (e->type != DT_DIR || !strcmp(e->name, ".") || !strcmp(e->name, "..")) continue;
            int child = openat(fd, e->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (child >= 0) {
                keeper_remove_below(child, depth + 1);
                close(child);
            }
            unlinkat(fd, e->name, AT_REMOVEDIR);
        }
    }
}

int cjail_start_keeper(const char *cgroup, const char *cgroup_kill, const char *cgroup_procs, int owner_lock,
                       const char *v1_cgroups) {
    int brig = (int)syscall(SYS_pidfd_open, getpid(), 0);
    if (brig < 0) return -errno;
    pid_t pid = fork();
    if (pid != 0) {
        int e = errno;
        close(brig);
        if (pid < 0) return -e;
        // Held before anything could reap the keeper, so its pid is never mistaken for another.
        int keeper = (int)syscall(SYS_pidfd_open, pid, 0);
        if (keeper < 0) {
            e = errno;
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return -e;
        }
        fcntl(keeper, F_SETFD, FD_CLOEXEC);
        return keeper;
    }
    setsid();
    static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++) signal(ignored[i], SIG_IGN);
    if (dup2(brig, 0) < 0) _exit(1);
    // The run's owner lock stays held while the keeper lives (an OFD lock, shared with brig).
    int keep = 1;
    if (owner_lock >= 0 && dup2(owner_lock, 1) == 1) keep = 2;
    syscall(SYS_close_range, keep, ~0U, 0);
    struct pollfd p = { .fd = 0, .events = POLLIN };
    while (poll(&p, 1, -1) < 0 && errno == EINTR) {}
    int fd = open(cgroup_kill, O_WRONLY | O_CLOEXEC);
    int killed = fd >= 0 && write(fd, "1", 1) == 1;
    if (fd >= 0) close(fd);
    // A cgroup whose last process has gone can be removed; give the kernel up to ten seconds.
    for (int i = 0; i < 1000; i++) {
        int dir = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir >= 0) {
            keeper_remove_below(dir, 0);
            close(dir);
        }
        if (rmdir(cgroup) == 0 || errno == ENOENT) {
            // The run's cgroups in v1 hierarchies (a NUL-separated list ending with an empty
            // string) held the same processes, now gone.
            for (const char *v1 = v1_cgroups; v1 && *v1; v1 += strlen(v1) + 1) rmdir(v1);
            break;
        }
        if (!killed) keeper_kill_listed(cgroup_procs);
        usleep(10000);
    }
    _exit(0);
}

// Not waited for: the keeper's exit tears down its copy of brig's memory, which would delay
// brig's own exit; its zombie goes to whoever reaps brig's children (brig, or init after it).
void cjail_stop_keeper(int keeper) {
    syscall(SYS_pidfd_send_signal, keeper, SIGKILL, NULL, 0);
    close(keeper);
}

int cjail_create_locked(const char *directory, const char *path, const char *text) {
    int fd = open(directory, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) return -errno;
    size_t length = strlen(text);
    // Linked through /proc, which needs no CAP_DAC_READ_SEARCH (AT_EMPTY_PATH does).
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    if (flock(fd, LOCK_EX) < 0 || write(fd, text, length) != (ssize_t)length ||
        linkat(AT_FDCWD, self, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int cjail_setresuid(uid_t real, uid_t effective, uid_t saved) {
    return setresuid(real, effective, saved) < 0 ? -errno : 0;
}

// The child is born in the new user namespace (clone with CLONE_NEWUSER), so its maps can be
// written at once; it blocks every signal and waits for the SIGKILL that ends it, once its
// namespace is held by the descriptor, or brig's death (then nothing is left behind). Only
// system calls run there: the fork is of a multi-threaded process.
int cjail_mapping_userns(const char *uid_map, const char *gid_map) {
    pid_t parent = getpid();
    pid_t child = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (child < 0) return -errno;
    if (child == 0) {
        uint64_t all = ~(uint64_t)0;
        syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, sizeof all);
        syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (syscall(SYS_getppid) != parent) _exit(0);
        for (;;) pause();
    }
    char path[64];
    int r;
    snprintf(path, sizeof path, "/proc/%d/setgroups", (int)child);
    r = cj_write_file(path, "deny") == 0 ? 0 : -errno;
    if (r == 0) {
        snprintf(path, sizeof path, "/proc/%d/uid_map", (int)child);
        r = cj_write_file(path, uid_map) == 0 ? 0 : -errno;
    }
    if (r == 0) {
        snprintf(path, sizeof path, "/proc/%d/gid_map", (int)child);
        r = cj_write_file(path, gid_map) == 0 ? 0 : -errno;
    }
    if (r == 0) {
        snprintf(path, sizeof path, "/proc/%d/ns/user", (int)child);
        r = open(path, O_RDONLY | O_CLOEXEC);
        if (r < 0) r = -errno;
    }
    kill(child, SIGKILL);
    // Another thread's reaper may have collected it already (ECHILD): it is gone either way.
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {}
    return r;
}

// What systemd's is_idmapping_supported() takes for "not supported" rather than an error.
static int idmap_unsupported(int e) {
    return e == EOPNOTSUPP || e == ENOTTY || e == ENOSYS || e == EPERM || e == EACCES || e == EINVAL;
}

int cjail_idmap_supported(int dir_fd, int userns_fd) {
    int tree = (int)syscall(SYS_open_tree, dir_fd, "", AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0) return idmap_unsupported(errno) ? 0 : -errno;
    struct cj_mount_attr attr = {
        .attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODEV | MOUNT_ATTR_RDONLY,
        .userns_fd = (uint64_t)userns_fd,
    };
    int r = (int)syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr);
    int e = errno;
    close(tree);
    if (r == 0) return 1;
    return idmap_unsupported(e) ? 0 : -e;
}

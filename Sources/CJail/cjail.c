// The child side of a jail: executes a flat plan with system calls only.
// No malloc, no stdio, no locks: the parent may be multi-threaded, and after
// clone only this code runs until execve.
#define _GNU_SOURCE
#include "cjail.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif
#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define KEYCTL_LINK 8
#define KEY_SPEC_SESSION_KEYRING -3
#define KEY_SPEC_USER_KEYRING -4
#endif

// ---- small helpers (no libc state) -------------------------------------

static size_t cj_strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }

static int cj_write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        p += w; len -= (size_t)w;
    }
    return 0;
}

int cj_write_file(const char *path, const char *contents) {
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return -1;
    int r = cj_write_all(fd, contents, cj_strlen(contents));
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

// "path" equals "prefix" or lies below it.
static int cj_path_below(const char *path, const char *prefix) {
    size_t n = cj_strlen(prefix);
    while (n > 1 && prefix[n - 1] == '/') n--;
    if (n == 1 && prefix[0] == '/') return path[0] == '/';
    if (strncmp(path, prefix, n) != 0) return 0;
    return path[n] == 0 || path[n] == '/';
}

static int cj_path_equal(const char *a, const char *b) {
    return cj_path_below(a, b) && cj_path_below(b, a);
}

// Reads /proc/self/mountinfo into the scratch buffer; returns its length or -1.
static ssize_t cj_read_mountinfo(const struct cjail_plan *plan) {
    int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t len = 0;
    for (;;) {
        if (len + 1 >= plan->scratch_size) { close(fd); errno = E2BIG; return -1; }
        ssize_t r = read(fd, plan->scratch + len, plan->scratch_size - 1 - len);
        if (r < 0) { if (errno == EINTR) continue; int e = errno; close(fd); errno = e; return -1; }
        if (r == 0) break;
        len += (size_t)r;
    }
    close(fd);
    plan->scratch[len] = 0;
    return (ssize_t)len;
}

// Cuts the mount point (5th field) and the file system type (after " - ") out
// of one mountinfo line, in place, decoding the octal escapes of the path.
static int cj_parse_mountinfo_line(char *line, char **mount_point, char **fstype) {
    char *p = line;
    for (int field = 0; field < 4; field++) {
        while (*p && *p != ' ') p++;
        if (!*p) return -1;
        p++;
    }
    char *start = p, *out = p;
    while (*p && *p != ' ') {
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] && p[3]) {
            *out++ = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
            p += 4;
        } else {
            *out++ = *p++;
        }
    }
    if (!*p) return -1;
    p++;
    *out = 0;
    *mount_point = start;
    char *sep = strstr(p, " - ");
    if (!sep) return -1;
    p = sep + 3;
    *fstype = p;
    while (*p && *p != ' ') p++;
    *p = 0;
    return 0;
}

// Whether the scratch buffer holds the current mount table as loaded by
// cj_load_mounts(): only remount steps (which change no mount point) keep it.
// Thread-local because children share the parent's memory (see cjail_spawn) and
// run on their parent thread's TLS: children of different threads never share it.
static __thread int mounts_loaded;

// Reads /proc/self/mountinfo into the scratch buffer as records
// "mount point\0fstype\0", ended by an empty mount point. Each record is
// shorter than its line, so the records are packed in place.
static int cj_load_mounts(const struct cjail_plan *plan) {
    mounts_loaded = 0;
    if (cj_read_mountinfo(plan) < 0) return -1;
    char *line = plan->scratch, *out = plan->scratch;
    while (*line) {
        char *end = strchr(line, '\n');
        if (end) *end = 0;
        char *mp, *fstype;
        if (cj_parse_mountinfo_line(line, &mp, &fstype) == 0) {
            size_t a = cj_strlen(mp) + 1, b = cj_strlen(fstype) + 1;
            memmove(out, mp, a);
            memmove(out + a, fstype, b);
            out += a + b;
        }
        if (!end) break;
        line = end + 1;
    }
    *out = 0;
    mounts_loaded = 1;
    return 0;
}

static const char *cj_next_field(const char *s) { return s + cj_strlen(s) + 1; }

static int cj_is_mount_root(const struct statx *stx) {
    return (stx->stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx->stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

// 1 if path is the root of a mount, 0 if not (and *is_link tells whether it
// is a symlink, which a mount on it would follow), -1 on error.
static int cj_mount_point_state(const char *path, int *is_link) {
    struct statx stx;
    if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0) return -1;
    *is_link = S_ISLNK(stx.stx_mode);
    return cj_is_mount_root(&stx);
}

static int cj_is_mount_point(const char *path) {
    int is_link;
    return cj_mount_point_state(path, &is_link);
}

static int cj_setattr(const char *path, uint64_t set, uint64_t clr, unsigned flags) {
    struct cj_mount_attr attr = { .attr_set = set, .attr_clr = clr };
    return (int)syscall(SYS_mount_setattr, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | flags, &attr, sizeof attr);
}

// ---- steps that need more than one system call ------------------------

// Appends the decimal form of v to buf at *n.
static void cj_append_uint(char *buf, size_t *n, uint64_t v) {
    char digits[21];
    int k = 0;
    do { digits[k++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (k) buf[(*n)++] = digits[--k];
}

// A mount target opened without following a symlink in its last component, as
// systemd's mount_nofollow() does: the mount is then made on that very file,
// through its /proc/self/fd name, so a link put there after planning cannot
// redirect it (CJ_NOFOLLOW). A symlink there is ELOOP.
struct cj_target {
    int fd;
    char name[32];
};

// Names t->fd by its /proc/self/fd entry.
static void cj_name_target(struct cj_target *t) {
    size_t n = 14;
    memcpy(t->name, "/proc/self/fd/", n);
    cj_append_uint(t->name, &n, (unsigned)t->fd);
    t->name[n] = 0;
}

static int cj_open_target(const char *path, struct cj_target *t, struct statx *stx) {
    t->fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (t->fd < 0) return -1;
    int e = 0;
    if (statx(t->fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, stx) < 0) e = errno;
    else if (S_ISLNK(stx->stx_mode)) e = ELOOP;
    if (e) {
        close(t->fd);
        errno = e;
        return -1;
    }
    cj_name_target(t);
    return 0;
}

// mount(2) onto the opened target itself, which is closed after; errno is the mount's.
static int cj_mount_target(struct cj_target *t, const char *source, const char *fstype, unsigned long flags, const void *data) {
    int r = mount(source, t->name, fstype, flags, data);
    int e = errno;
    close(t->fd);
    errno = e;
    return r;
}

// mount(2), onto the target itself when the step says so (CJ_NOFOLLOW).
static int cj_mount_on(const struct cjail_step *s, const char *source, const char *target,
                       const char *fstype, unsigned long flags, const void *data) {
    if (!(s->flags & CJ_NOFOLLOW)) return mount(source, target, fstype, flags, data);
    struct cj_target t;
    struct statx stx;
    if (cj_open_target(target, &t, &stx) < 0) return -1;
    return cj_mount_target(&t, source, fstype, flags, data);
}

// Where the host's instance of an API file system is: what a user namespace that does not own
// the PID, network or cgroup namespace a fresh one would show binds instead (as systemd's
// mount_private_apivfs() does).
static const char *cj_host_instance(const char *fstype) {
    if (!strcmp(fstype, "proc")) return "/proc";
    if (!strcmp(fstype, "sysfs")) return "/sys";
    return "/sys/fs/cgroup";
}

// mkdir -p of every parent of path (in place: the string is restored).
static void cj_make_parents(char *path) {
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        (void)mkdir(path, 0755);
        *p = '/';
    }
}

// Moves the detached mount `mnt` onto `target` and closes it; errno is the move's.
static int cj_move_detached(int mnt, const char *target) {
    int r = (int)syscall(SYS_move_mount, mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
    int e = errno;
    close(mnt);
    errno = e;
    return r < 0 ? -1 : 0;
}

// A new instance of an API file system (s1: its type, also its source) with the MOUNT_ATTR_*
// flags in a, attached on s2 as systemd's mount_private_apivfs() attaches it: made detached
// (fsopen, fsconfig, fsmount) and moved there (move_mount). A move may stack it on a mount the
// user namespace is not allowed to unmount (one copied from the host into a mount namespace it
// owns, locked there), where mount(2) of the same superblock is refused with EBUSY. A kernel
// without the calls (ENOSYS) gets mount(2).
static int cj_fsmount(const struct cjail_step *s) {
    int fs = (int)syscall(SYS_fsopen, s->s1, FSOPEN_CLOEXEC);
    if (fs < 0) {
        if (errno != ENOSYS) return -1;
        unsigned long flags = ((s->a & MOUNT_ATTR_RDONLY) ? MS_RDONLY : 0) | ((s->a & MOUNT_ATTR_NOSUID) ? MS_NOSUID : 0)
            | ((s->a & MOUNT_ATTR_NODEV) ? MS_NODEV : 0) | ((s->a & MOUNT_ATTR_NOEXEC) ? MS_NOEXEC : 0);
        return cj_mount_on(s, s->s1, s->s2, s->s1, flags, NULL);
    }
    int mnt = -1, r = -1;
    if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", s->s1, 0) == 0
        && syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
        mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, (unsigned)s->a);
    int e = errno;
    close(fs);
    if (mnt < 0) { errno = e; return -1; }
    if (!(s->flags & CJ_NOFOLLOW)) return cj_move_detached(mnt, s->s2);
    struct cj_target t;
    struct statx stx;
    if (cj_open_target(s->s2, &t, &stx) == 0) {
        r = (int)syscall(SYS_move_mount, mnt, "", t.fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
        e = errno;
        close(t.fd);
    } else e = errno;
    close(mnt);
    errno = e;
    return r;
}

// The directory at `path` (absolute), each component made where missing, opened without following
// any symlink on the way: systemd's chase() with CHASE_PROHIBIT_SYMLINKS|CHASE_MKDIR_0755, as it
// finds a mount stack's mount points in the root being assembled. An O_PATH fd, or -1 with errno.
static int cj_open_directories(const char *path) {
    int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    char name[256];
    for (const char *p = path; fd >= 0 && *p;) {
        while (*p == '/') p++;
        size_t n = 0;
        while (p[n] && p[n] != '/') n++;
        if (n == 0) break;
        if (n >= sizeof name) { close(fd); errno = ENAMETOOLONG; return -1; }
        memcpy(name, p, n);
        name[n] = 0;
        p += n;
        if (mkdirat(fd, name, 0755) < 0 && errno != EEXIST) { int e = errno; close(fd); errno = e; return -1; }
        int next = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        struct stat st;
        if (next >= 0 && fstat(next, &st) < 0) e = errno;
        else if (next >= 0 && !S_ISDIR(st.st_mode)) e = S_ISLNK(st.st_mode) ? ELOOP : ENOTDIR;
        else if (next >= 0) e = 0;
        close(fd);
        if (e) { if (next >= 0) close(next); errno = e; return -1; }
        fd = next;
    }
    return fd;
}

// A bind mount whose target is missing gets one of the source's kind, as
// systemd's apply_one_mount() does, and is tried again.
static int cj_mount_making_target(const struct cjail_step *s) {
    if (s->flags & CJ_NO_SYMLINKS) {
        struct cj_target t = { .fd = cj_open_directories(s->s2) };
        if (t.fd < 0) return -1;
        cj_name_target(&t);
        return cj_mount_target(&t, s->s1, s->s3, (unsigned long)s->a, s->s4);
    }
    if (cj_mount_on(s, s->s1, s->s2, s->s3, (unsigned long)s->a, s->s4) == 0) return 0;
    if (errno != ENOENT) return -1;
    // A new file system (a type, no bind) gets a directory, as systemd's mount_tmpfs() makes one.
    int fresh = s->s3 != NULL && !((unsigned long)s->a & MS_BIND);
    struct stat st = { .st_mode = S_IFDIR };
    if (!fresh && stat(s->s1, &st) < 0) return -1;   // the source is missing: ENOENT stands
    char target[4096];
    size_t n = cj_strlen(s->s2);
    if (n >= sizeof target) { errno = ENAMETOOLONG; return -1; }
    memcpy(target, s->s2, n + 1);
    cj_make_parents(target);
    if (S_ISDIR(st.st_mode)) {
        if (mkdir(target, 0755) < 0 && errno != EEXIST) return -1;
    } else {
        int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0) return -1;
        close(fd);
    }
    return cj_mount_on(s, s->s1, s->s2, s->s3, (unsigned long)s->a, s->s4);
}

// Detaches every mount at or below prefix. mountinfo lists hidden (stacked)
// mounts too and a lazy unmount takes a mount's children along, so one pass
// normally clears the tree; another follows only when an unmount failed for a
// reason other than the mount being gone already.
static int cj_umount_below(const struct cjail_plan *plan, const char *prefix, int detach_covers) {
    if (detach_covers) {
        // Lazy unmounts of the mounts stacked at prefix; each takes its subtree along.
        while (umount2(prefix, MNT_DETACH) == 0) {}
        return (errno == EINVAL || errno == ENOENT) ? 0 : -1;
    }
    for (int pass = 0; pass < 32; pass++) {
        if (cj_load_mounts(plan) < 0) return -1;
        mounts_loaded = 0;
        int found = 0, doubtful = 0;
        for (const char *mp = plan->scratch; *mp; mp = cj_next_field(cj_next_field(mp))) {
            if (!cj_path_below(mp, prefix)) continue;
            if (umount2(mp, MNT_DETACH) == 0) found = 1;
            else if (errno != EINVAL && errno != ENOENT) doubtful = 1;
        }
        if (!found || !doubtful) return 0;
    }
    errno = EBUSY;
    return -1;
}

// Paths earlier steps of this child made mount points of, none of them a
// symlink: a recursive remount of one need not ask the kernel again (a statx each).
struct cj_mount_points {
    const char *paths[128];
    size_t count;
    // Where an API file system step (CJ_HOST_INSTANCE) kept the mount it found: its entry was
    // not applied, so its CJ_IF_MOUNTED remounts are passed over (systemd's MOUNT_SKIPPED).
    const char *kept[8];
    size_t kept_count;
};

static int cj_was_kept(const struct cj_mount_points *known, const char *path) {
    for (size_t i = 0; i < known->kept_count; i++)
        if (!strcmp(known->kept[i], path)) return 1;
    return 0;
}

// A fresh proc, sysfs or cgroup2 the user namespace may not mount (EPERM, EACCES: it owns not
// the namespace the instance would show), as systemd's mount_private_apivfs() falls back: a
// mount point at the target is kept as it is (and noted), else the host's instance is bound there.
static int cj_host_instance_fallback(const struct cjail_step *s, const char *fstype, const char *target,
                                     struct cj_mount_points *known) {
    if (!(s->flags & CJ_HOST_INSTANCE) || (errno != EPERM && errno != EACCES)) return -1;
    int is_link, r = cj_mount_point_state(target, &is_link);
    if (r < 0) return -1;
    if (r > 0 && !is_link) {
        if (known->kept_count < sizeof known->kept / sizeof *known->kept) known->kept[known->kept_count++] = target;
        return 0;
    }
    return cj_mount_on(s, cj_host_instance(fstype), target, NULL, MS_BIND | MS_REC, NULL);
}

static void cj_note_mount_point(struct cj_mount_points *known, const char *path) {
    if (known->count < sizeof known->paths / sizeof *known->paths) known->paths[known->count++] = path;
}

static int cj_is_known_mount_point(const struct cj_mount_points *known, const char *path) {
    for (size_t i = 0; i < known->count; i++)
        if (cj_path_equal(known->paths[i], path)) return 1;
    return 0;
}

// Sets/clears mount attributes on path and, if recursive, on every mount below
// it except those below a deny-listed path (the top itself is never skipped),
// the way systemd's bind_remount_recursive() walks the tree. The path must be a
// mount point: a recursive change of the mount that merely contains it would
// reach far more than asked.
static int cj_remount(const struct cjail_plan *plan, const struct cjail_step *s, const struct cj_mount_points *known) {
    if (!(s->flags & CJ_RECURSIVE)) return cj_setattr(s->s1, s->a, s->b, 0);
    if (!cj_is_known_mount_point(known, s->s1)) {
        int mp_state = cj_is_mount_point(s->s1);
        if (mp_state < 0) return -1;
        if (!mp_state) { errno = EINVAL; return -1; }
    }
    // Nothing to skip below: one call for the whole tree, if the kernel can.
    if ((!s->s2 || !*s->s2) && cj_setattr(s->s1, s->a, s->b, AT_RECURSIVE) == 0) return 0;
    if (!mounts_loaded && cj_load_mounts(plan) < 0) return -1;
    for (const char *mp = plan->scratch; *mp; mp = cj_next_field(cj_next_field(mp))) {
        const char *fstype = cj_next_field(mp);
        if (cj_path_below(mp, s->s1) && strcmp(fstype, "autofs") != 0) {
            int denied = 0;
            if (!cj_path_equal(mp, s->s1)) {
                for (const char *d = s->s2; *d; d += cj_strlen(d) + 1) {
                    if (cj_path_equal(d, s->s1) || !cj_path_below(d, s->s1)) continue;
                    if (cj_path_below(mp, d)) { denied = 1; break; }
                }
            }
            // A mount point may be hidden by a later mount; then the call
            // reaches the top one, which is what we want to change anyway.
            if (!denied && cj_setattr(mp, s->a, s->b, 0) < 0 && errno != ENOENT && errno != EACCES) return -1;
        }
    }
    return 0;
}

static int cj_inaccessible(const struct cjail_plan *plan, const struct cjail_step *s) {
    struct stat st;
    if (lstat(s->s1, &st) < 0) return -1;
    // Nothing can be mounted below a non-directory: at most on it.
    if (s->flags & CJ_NO_SUBMOUNTS) {}
    else if (S_ISDIR(st.st_mode)) (void)cj_umount_below(plan, s->s1, 0);
    else if (umount2(s->s1, MNT_DETACH) == 0 && lstat(s->s1, &st) < 0) return -1;
    const char *name;
    switch (st.st_mode & S_IFMT) {
    case S_IFDIR: name = "dir"; break;
    case S_IFREG: name = "reg"; break;
    case S_IFCHR: name = "chr"; break;
    case S_IFBLK: name = "blk"; break;
    case S_IFIFO: name = "fifo"; break;
    case S_IFSOCK: name = "sock"; break;
    default: errno = ELOOP; return -1;
    }
    char src[512];
    size_t n = cj_strlen(s->s2);
    if (n + 6 >= sizeof src) { errno = ENAMETOOLONG; return -1; }
    memcpy(src, s->s2, n);
    src[n] = '/';
    memcpy(src + n + 1, name, cj_strlen(name) + 1);
    return cj_mount_on(s, src, s->s1, NULL, MS_BIND, NULL);
}

static int cj_join(char *buf, size_t size, const char *a, const char *b) {
    size_t na = cj_strlen(a), nb = cj_strlen(b);
    if (na + nb + 1 > size) { errno = ENAMETOOLONG; return -1; }
    memcpy(buf, a, na);
    memcpy(buf + na, b, nb + 1);
    return 0;
}

// Creates a copy of a host device node under the staging /dev, plus its
// /dev/char/MAJ:MIN symlink; a source that is missing or not a device is
// skipped, as systemd does.
static int cj_clone_node(const char *dev, const char *name) {
    char src[64], dst[512];
    if (cj_join(src, sizeof src, "/dev/", name) < 0 || cj_join(dst, sizeof dst, dev, src + 4) < 0) return -1;
    struct stat st;
    if (stat(src, &st) < 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) return 0;
    mode_t old = umask(0);
    int r = mknod(dst, st.st_mode, st.st_rdev);
    umask(old);
    if (r < 0) return -1;
    char link[512], target[64];
    if (cj_join(link, sizeof link, dev, S_ISCHR(st.st_mode) ? "/char" : "/block") < 0) return 0;
    (void)mkdir(link, 0755);
    size_t n = cj_strlen(link);
    if (n + 32 >= sizeof link) return 0;
    link[n++] = '/';
    cj_append_uint(link, &n, major(st.st_rdev));
    link[n++] = ':';
    cj_append_uint(link, &n, minor(st.st_rdev));
    link[n] = 0;
    if (cj_join(target, sizeof target, "../", name) == 0) (void)symlink(target, link);
    return 0;
}

// systemd's base file system table (src/shared/base-filesystem.c) as x86-64 builds have it, in
// the forms releases gave it (table 0: 252 and 253, 1: 254 to 256, 2: 257 and later; an entry
// holds from `first` to `last`). Read from upstream's sources at each tag from 252 to 261.2: the
// flags 258 and later add change nothing on x86-64. 252 (Debian's build) and 262 are also
// compared with the running systemds; no 254 to 256 runs here.
// A symlink is made only when one of its targets exists (with `exists` in it, where named), the
// first that does. Made in a root of the service's own before anything is mounted in it; systemd
// passes over every failure there, and so does this.
struct cj_base_entry { const char *name; mode_t mode; const char *targets[3]; const char *exists; unsigned first, last; };
static const struct cj_base_entry cj_base_table[] = {
    { "bin", 0, { "usr/bin" }, NULL, 0, 2 },
    { "lib", 0, { "usr/lib" }, NULL, 0, 2 },
    { "root", 0750, { NULL }, NULL, 0, 2 },
    { "sbin", 0, { "usr/sbin" }, NULL, 0, 2 },
    { "usr", 0755, { NULL }, NULL, 0, 2 },
    { "var", 0755, { NULL }, NULL, 0, 2 },
    { "etc", 0755, { NULL }, NULL, 0, 2 },
    { "proc", 0755, { NULL }, NULL, 0, 0 },
    { "sys", 0755, { NULL }, NULL, 0, 0 },
    { "dev", 0755, { NULL }, NULL, 0, 0 },
    { "proc", 0555, { NULL }, NULL, 1, 2 },
    { "sys", 0555, { NULL }, NULL, 1, 2 },
    { "dev", 0555, { NULL }, NULL, 1, 2 },
    { "run", 0555, { NULL }, NULL, 1, 2 },
#if defined(__x86_64__)
    // Upstream 252 tries usr/lib/x86_64-linux-gnu first; the reference, Debian's 252 build, makes
    // the link only into usr/lib64 (RootDirectoryBaseFilesystemTests compare it).
    { "lib64", 0, { "usr/lib64" }, "ld-linux-x86-64.so.2", 0, 0 },
    { "lib64", 0, { "usr/lib/x86_64-linux-gnu", "usr/lib64", "usr/lib" }, "ld-linux-x86-64.so.2", 1, 1 },
    { "lib64", 0, { "usr/lib64", "usr/lib" }, "ld-linux-x86-64.so.2", 2, 2 },
#endif
};

static int cj_base_filesystem(const char *root, unsigned table) {
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    mode_t old = umask(0);
    for (size_t i = 0; i < sizeof cj_base_table / sizeof cj_base_table[0]; i++) {
        const struct cj_base_entry *e = &cj_base_table[i];
        if (table < e->first || table > e->last) continue;
        if (faccessat(fd, e->name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) continue;
        if (!e->targets[0]) { (void)mkdirat(fd, e->name, e->mode); continue; }
        for (size_t t = 0; t < 3 && e->targets[t]; t++) {
            if (faccessat(fd, e->targets[t], F_OK, AT_SYMLINK_NOFOLLOW) < 0) continue;
            if (e->exists) {
                char dir[48], path[80];
                if (cj_join(dir, sizeof dir, e->targets[t], "/") < 0 || cj_join(path, sizeof path, dir, e->exists) < 0) continue;
                if (faccessat(fd, path, F_OK, AT_SYMLINK_NOFOLLOW) < 0) continue;
            }
            (void)symlinkat(e->targets[t], fd, e->name);
            break;
        }
    }
    umask(old);
    close(fd);
    return 0;
}

// PrivateDevices=: a fresh tmpfs with the basic nodes, the host's pts/shm
// bound in, moved over the target (systemd's mount_private_dev()). The tmpfs
// is mounted on the shared staging directory itself: in this mount namespace
// only, so runs never create or remove directories on the host's file system.
// The planner knows these binds (MountEntry.privateDevBinds): keep them alike.
static int cj_private_dev(const struct cjail_plan *plan, const char *staging, const char *target, int detach_covers) {
    const char *dev = staging;
    char p[512];
    if (mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME, "mode=755,size=4m,nr_inodes=64k") < 0) return -1;
    if (cj_join(p, sizeof p, dev, "/pts") < 0) return -1;
    (void)mkdir(p, 0755);
    if (mount("/dev/pts", p, NULL, MS_BIND, NULL) < 0) return -1;
    struct stat st;
    if (lstat("/dev/ptmx", &st) == 0 && S_ISLNK(st.st_mode)) {
        if (cj_join(p, sizeof p, dev, "/ptmx") < 0 || symlink("pts/ptmx", p) < 0) return -1;
    } else if (cj_clone_node(dev, "ptmx") < 0) {
        return -1;
    }
    if (cj_join(p, sizeof p, dev, "/shm") < 0) return -1;
    (void)mkdir(p, 0755);
    if (mount("/dev/shm", p, NULL, MS_BIND, NULL) < 0) return -1;
    static const char *const optional_mounts[] = { "/mqueue", "/hugepages" };
    for (size_t i = 0; i < 2; i++) {
        char src[32];
        if (cj_join(p, sizeof p, dev, optional_mounts[i]) < 0 || cj_join(src, sizeof src, "/dev", optional_mounts[i]) < 0) return -1;
        (void)mkdir(p, 0755);
        (void)mount(src, p, NULL, MS_BIND, NULL);
    }
    if (cj_join(p, sizeof p, dev, "/log") == 0) (void)symlink("/run/systemd/journal/dev-log", p);
    static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
    for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++)
        if (cj_clone_node(dev, nodes[i]) < 0) return -1;
    if (cj_join(p, sizeof p, dev, "/core") == 0 && access("/proc/kcore", F_OK) == 0) (void)symlink("/proc/kcore", p);
    static const char *const links[][2] = {
        { "/fd", "/proc/self/fd" }, { "/stdin", "/proc/self/fd/0" },
        { "/stdout", "/proc/self/fd/1" }, { "/stderr", "/proc/self/fd/2" },
    };
    for (size_t i = 0; i < 4; i++)
        if (cj_join(p, sizeof p, dev, links[i][0]) == 0) (void)symlink(links[i][1], p);
    (void)mkdir(target, 0755);
    (void)cj_umount_below(plan, target, detach_covers);
    return mount(dev, target, NULL, MS_MOVE, NULL);
}

// ---- a bpffs that hands out BPF tokens (BPFDelegate*=) ------------------


// The helper CJ_BPFFS_HELPER forked, and our end of the socket it listens on. Thread-local as
// mounts_loaded is; every child clears it first (cj_child), so none reads another's.
static __thread struct { pid_t pid; int fd; } bpffs_helper;

// "0x" and the hexadecimal digits of v, as the kernel reads a delegation mask.
static void cj_format_hex(char out[19], uint64_t v) {
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    int k = 0;
    do { tmp[k++] = digits[v & 15]; v >>= 4; } while (v);
    out[0] = '0';
    out[1] = 'x';
    int n = 2;
    while (k) out[n++] = tmp[--k];
    out[n] = 0;
}

// Sets the four delegation options on a bpffs context and creates its superblock. The kernel
// lets only CAP_SYS_ADMIN in the initial user namespace do either (the options even when 0).
static int cj_bpffs_configure(int fs, const uint64_t masks[4]) {
    static const char *const keys[4] = { "delegate_cmds", "delegate_maps", "delegate_progs", "delegate_attachs" };
    for (int i = 0; i < 4; i++) {
        char hex[19];
        cj_format_hex(hex, masks[i]);
        if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, keys[i], hex, 0) < 0) return -1;
    }
    return (int)syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
}

// One descriptor passed over a socket (SCM_RIGHTS), or -1 (errno EPROTO at end-of-file).
static int cj_receive_fd(int sock) {
    char byte;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } control;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
    ssize_t r;
    while ((r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {}
    if (r <= 0) { if (r == 0) errno = EPROTO; return -1; }
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) { errno = EPROTO; return -1; }
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

static int cj_send_fd(int sock, int fd) {
    char byte = 0;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union { struct cmsghdr align; char buf[CMSG_SPACE(sizeof(int))]; } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    ssize_t r;
    while ((r = sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {}
    return r < 0 ? -1 : 0;
}

// Forked while we are still root of the initial user namespace: it waits for the bpffs context
// CJ_BPFFS opens once we are in our own, sets the masks on it and answers with an errno (0 for
// done). Should we fail before, our end closes (close-on-exec, or our exit) and it just exits.
static int cj_start_bpffs_helper(const uint64_t masks[4]) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return -1;
    pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) { int e = errno; close(sv[0]); close(sv[1]); errno = e; return -1; }
    if (pid == 0) {
        close(sv[0]);
        int fs = cj_receive_fd(sv[1]);
        if (fs < 0) _exit(0);
        int32_t e = cj_bpffs_configure(fs, masks) < 0 ? errno : 0;
        (void)cj_write_all(sv[1], &e, sizeof e);
        _exit(0);
    }
    close(sv[1]);
    bpffs_helper.pid = pid;
    bpffs_helper.fd = sv[0];
    return 0;
}

// Hands the context to the helper and takes its answer; the helper is gone afterwards, whatever
// happened (fs < 0: fsopen failed, the helper is only let go).
static int cj_bpffs_by_helper(int fs) {
    if (bpffs_helper.pid <= 0) {   // no CJ_BPFFS_HELPER step before: a planner bug
        if (fs >= 0) errno = ECHILD;
        return -1;
    }
    int32_t e = EPROTO;
    if (fs >= 0 && cj_send_fd(bpffs_helper.fd, fs) == 0) {
        ssize_t r;
        while ((r = read(bpffs_helper.fd, &e, sizeof e)) < 0 && errno == EINTR) {}
        if (r < 0) e = errno;
        else if (r != (ssize_t)sizeof e) e = EPROTO;
    } else if (fs >= 0) {
        e = errno;
    }
    close(bpffs_helper.fd);
    while (waitpid(bpffs_helper.pid, NULL, 0) < 0 && errno == EINTR) {}
    bpffs_helper.fd = -1;
    bpffs_helper.pid = 0;
    if (fs < 0) return -1;   // errno is still fsopen's: nothing above changed it on that path
    if (e) { errno = e; return -1; }
    return 0;
}

// A bpffs made with the mount API, as only that lets delegation options be set: the context is
// opened here, so that it belongs to our user namespace (a token is only taken from a bpffs of
// the taker's own user namespace), then configured, here or by the helper, and moved onto the target.
static int cj_bpffs(const struct cjail_step *s) {
    int fs = (int)syscall(SYS_fsopen, "bpf", FSOPEN_CLOEXEC);
    int r;
    if (s->a == 1) {
        int e = errno;
        r = cj_bpffs_by_helper(fs);
        if (fs < 0) errno = e;
    } else {
        r = fs < 0 ? -1 : cj_bpffs_configure(fs, s->data);
    }
    if (r == 0) {
        int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
        r = mnt < 0 ? -1 : cj_move_detached(mnt, s->s1);
    }
    if (fs >= 0) { int e = errno; close(fs); errno = e; }
    return r < 0 ? -1 : 0;
}

// Writes the id maps of a fresh user namespace. The writer must stay in the
// parent namespace, so a helper forked before the unshare does it. setgroups()
// is denied first unless `allow_setgroups` (a privileged writer may leave it).
static int cj_userns(const char *uid_map, const char *gid_map, int allow_setgroups) {
    int sync[2];
    if (pipe2(sync, O_CLOEXEC) < 0) return -1;
    pid_t self = getpid();
    pid_t helper = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (helper < 0) { int e = errno; close(sync[0]); close(sync[1]); errno = e; return -1; }
    if (helper == 0) {
        close(sync[1]);
        char c;
        if (read(sync[0], &c, 1) != 1) _exit(ECANCELED);
        char path[64], num[16];
        int n = 0;
        for (pid_t v = self; v > 0; v /= 10) num[n++] = (char)('0' + v % 10);
        memcpy(path, "/proc/", 6);
        for (int i = 0; i < n; i++) path[6 + i] = num[n - 1 - i];
        char *tail = path + 6 + n;
        memcpy(tail, "/setgroups", 11);
        if (!allow_setgroups && cj_write_file(path, "deny") < 0 && errno != ENOENT) _exit(errno);
        memcpy(tail, "/gid_map", 9);
        if (cj_write_file(path, gid_map) < 0) _exit(errno);
        memcpy(tail, "/uid_map", 9);
        if (cj_write_file(path, uid_map) < 0) _exit(errno);
        _exit(0);
    }
    close(sync[0]);
    int r = unshare(CLONE_NEWUSER);
    int e = errno;
    (void)write(sync[1], "x", r == 0 ? 1 : 0);
    close(sync[1]);
    int status = 0;
    while (waitpid(helper, &status, 0) < 0 && errno == EINTR) {}
    if (r < 0) { errno = e; return -1; }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errno = WIFEXITED(status) ? WEXITSTATUS(status) : ECHILD;
        return -1;
    }
    return 0;
}

int cjail_loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, "lo", 3);
    int r = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (r == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        r = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

// Replaces the inheritable set by its intersection with `keep` and `with`'s bits, leaving
// the effective and permitted sets as they are. Capabilities of the caller's inheritable set
// would otherwise come back in root's permitted set at execve.
static int cj_set_inheritable(uint64_t keep, uint64_t with) {
    struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) < 0) return -1;
    uint64_t inh = (((uint64_t)d[0].inheritable | ((uint64_t)d[1].inheritable << 32)) & keep) | with;
    d[0].inheritable = (uint32_t)inh;
    d[1].inheritable = (uint32_t)(inh >> 32);
    h.version = _LINUX_CAPABILITY_VERSION_3;
    h.pid = 0;
    return (int)syscall(SYS_capset, &h, d);
}

// Secure bits as systemd's exec_child() sets them: not at all where they already hold (keep-caps
// is set for a user change with ambient capabilities), else with CAP_SETPCAP raised into the
// effective set first where the permitted set has it (capability_gain_cap_setpcap()): the kernel
// refuses PR_SET_SECUREBITS without it.
static int cj_securebits(unsigned long bits) {
    int current = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
    if (current >= 0 && (unsigned long)current == bits) return 0;
    struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) == 0 && (d[CAP_SETPCAP / 32].permitted & (1u << (CAP_SETPCAP % 32)))) {
        d[CAP_SETPCAP / 32].effective |= 1u << (CAP_SETPCAP % 32);
        h.version = _LINUX_CAPABILITY_VERSION_3;
        h.pid = 0;
        (void)syscall(SYS_capset, &h, d);
    }
    return prctl(PR_SET_SECUREBITS, bits, 0, 0, 0);
}

// The ambient set becomes exactly `set` (each one must be permitted and inheritable).
static int cj_ambient(uint64_t set) {
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) return -1;
    for (unsigned cap = 0; cap < 64; cap++) {
        if (!(set & (UINT64_C(1) << cap))) continue;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) return -1;
    }
    return 0;
}

// A limit above what may be raised to (without CAP_SYS_RESOURCE, the current hard limit) is set
// as close as it can be, as systemd's setrlimit_closest() does: each value cut to that hard limit.
static int cj_setrlimit_closest(int resource, uint64_t soft, uint64_t hard) {
    struct rlimit wanted = { .rlim_cur = soft, .rlim_max = hard }, highest;
    if (setrlimit(resource, &wanted) == 0) return 0;
    if (errno != EPERM || getrlimit(resource, &highest) < 0) return -1;
    if (highest.rlim_max == RLIM_INFINITY) { errno = EPERM; return -1; }
    struct rlimit closest = {
        .rlim_cur = soft < highest.rlim_max ? soft : highest.rlim_max,
        .rlim_max = hard < highest.rlim_max ? hard : highest.rlim_max,
    };
    if (closest.rlim_cur == highest.rlim_cur && closest.rlim_max == highest.rlim_max) return 0;
    return setrlimit(resource, &closest);
}

static int cj_reset_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < _NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) (void)sigaction(sig, &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    return sigprocmask(SIG_SETMASK, &none, NULL);
}

// Set in the child when clone3 already placed it in its cgroup (thread-local,
// as mounts_loaded is).
static __thread int born_in_cgroup;

#define CJAIL_NAME_ENTRY(op, slots) [op] = #op,
#define CJAIL_SLOTS_ENTRY(op, slots) [op] = slots,
static const char *const cj_op_names[CJ_OP_END] = { CJAIL_OPS(CJAIL_NAME_ENTRY) };
static const char *const cj_op_slots[CJ_OP_END] = { CJAIL_OPS(CJAIL_SLOTS_ENTRY) };

// Replaces the mount at path by an id-mapped copy of it, made detached (open_tree), mapped
// (mount_setattr) and moved into its place, as systemd 257's remount_idmap_fd() does with an
// exec directory's bind: the copy is of that mount alone, and a mount below it keeps the old one
// busy (EBUSY), which refuses the start under systemd too. Nothing on the way follows a symlink
// in the last component.
static int cj_idmap_mount(const struct cjail_step *s) {
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, s->s1, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
    if (tree < 0) return -1;
    struct cj_mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP | s->b, .userns_fd = s->a };
    int r = (int)syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr);
    if (r == 0) r = umount2(s->s1, UMOUNT_NOFOLLOW);
    if (r == 0) return cj_move_detached(tree, s->s1);
    int e = errno;
    close(tree);
    errno = e;
    return -1;
}

const char *cjail_op_name(uint32_t op) { return op < CJ_OP_END ? cj_op_names[op] : NULL; }
const char *cjail_op_slots(uint32_t op) { return op < CJ_OP_END ? cj_op_slots[op] : NULL; }

// Every op of CJAIL_OPS has its case here: a new op without one does not compile.
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wswitch"
static int cj_run_step(const struct cjail_plan *plan, const struct cjail_step *s, struct cj_mount_points *known) {
    switch ((enum cjail_op)s->op) {
    case CJ_RESET_SIGNALS: return cj_reset_signals();
    case CJ_IGNORE_SIGNAL: {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_IGN;
        return sigaction((int)s->a, &sa, NULL);
    }
    case CJ_SETSID: return setsid() < 0 ? -1 : 0;
    case CJ_CGROUP_JOIN: return born_in_cgroup ? 0 : cj_write_file(s->s1, "0");
    case CJ_CLOSE_FDS: return (int)syscall(SYS_close_range, (unsigned)s->a, ~0U, CLOSE_RANGE_CLOEXEC);
    case CJ_DUP2:
        if (s->a == s->b) return fcntl((int)s->a, F_SETFD, 0);
        return dup2((int)s->a, (int)s->b) < 0 ? -1 : 0;
    case CJ_WRITE_FILE: return cj_write_file(s->s1, s->s2);
    case CJ_NICE: return setpriority(PRIO_PROCESS, 0, (int)(int64_t)s->a);
    case CJ_PERSONALITY: return personality((unsigned long)s->a) < 0 ? -1 : 0;
    case CJ_SCHEDULER: {
        struct sched_param param = { .sched_priority = (int)s->b };
        return (int)syscall(SYS_sched_setscheduler, 0, (int)s->a, &param);
    }
    case CJ_IOPRIO: return (int)syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)s->a);
    case CJ_TIMERSLACK: return prctl(PR_SET_TIMERSLACK, (unsigned long)s->a, 0, 0, 0);
    case CJ_PRCTL: {
        if (prctl((int)s->a, (unsigned long)s->b, (unsigned long)s->c, 0UL, 0UL) == 0) return 0;
        int e = errno;
        for (const int32_t *u = s->data; u && *u; u++)
            if (*u == e) return 0;
        errno = e;
        return -1;
    }
    case CJ_AFFINITY: return (int)syscall(SYS_sched_setaffinity, 0, (size_t)s->a, s->data);
    case CJ_MEMPOLICY: return (int)syscall(SYS_set_mempolicy, (int)s->a, s->data, (unsigned long)s->b);
    case CJ_UMASK: umask((mode_t)s->a); return 0;
    case CJ_RLIMIT: return cj_setrlimit_closest((int)s->a, s->b, s->c);
    case CJ_KEYRING:
        if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0) < 0) return -1;
        if (s->a == 1 && syscall(SYS_keyctl, KEYCTL_LINK, KEY_SPEC_USER_KEYRING, KEY_SPEC_SESSION_KEYRING, 0, 0) < 0) return -1;
        return 0;
    case CJ_UNSHARE: return unshare((int)s->a);
    case CJ_USERNS: return cj_userns(s->s1, s->s2, s->a == 1);
    case CJ_LOOPBACK_UP: return cjail_loopback_up();
    case CJ_SETNS: return setns((int)s->a, (int)s->b);
    case CJ_MOUNT:
        if (s->flags & CJ_MAKE_TARGET) return cj_mount_making_target(s);
        if (cj_mount_on(s, s->s1, s->s2, s->s3, (unsigned long)s->a, s->s4) == 0) return 0;
        return cj_host_instance_fallback(s, s->s3, s->s2, known);
    case CJ_FSMOUNT:
        if (cj_fsmount(s) == 0) return 0;
        return cj_host_instance_fallback(s, s->s1, s->s2, known);
    case CJ_BIND_SELF: {
        // The planner followed every symlink: one found now would lead the mount out of the
        // staging root (the path changed under us), so the step fails instead.
        if (s->flags & CJ_NOFOLLOW) {
            struct cj_target t;
            struct statx stx;
            if (cj_open_target(s->s1, &t, &stx) < 0) return -1;
            int r = cj_is_mount_root(&stx) ? 0 : mount(t.name, t.name, NULL, MS_BIND | MS_REC, NULL);
            int e = errno;
            close(t.fd);
            if (r < 0) { errno = e; return -1; }
        } else {
            int is_link, r = cj_mount_point_state(s->s1, &is_link);
            if (r < 0) return -1;
            if (is_link) { errno = ELOOP; return -1; }
            if (!r && mount(s->s1, s->s1, NULL, MS_BIND | MS_REC, NULL) < 0) return -1;
        }
        cj_note_mount_point(known, s->s1);
        return 0;
    }
    case CJ_UMOUNT_BELOW: return cj_umount_below(plan, s->s1, s->flags & CJ_DETACH_COVERS);
    case CJ_INACCESSIBLE:  // never on a symlink: cj_inaccessible refuses one
        if (cj_inaccessible(plan, s) < 0) return -1;
        cj_note_mount_point(known, s->s1);
        return 0;
    case CJ_BASE_FILESYSTEM: return cj_base_filesystem(s->s1, (unsigned)s->a);
    case CJ_PRIVATE_DEV: return cj_private_dev(plan, s->s1, s->s2, s->flags & CJ_DETACH_COVERS);
    case CJ_BPFFS_HELPER: return cj_start_bpffs_helper(s->data);
    case CJ_BPFFS: return cj_bpffs(s);
    case CJ_REMOUNT:
        if ((s->flags & CJ_IF_MOUNTED) && cj_was_kept(known, s->s1)) return 0;
        return cj_remount(plan, s, known);
    case CJ_MOVE_ROOT:
        if (chdir(s->s1) < 0 || mount(s->s1, "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0) return -1;
        return chdir("/");
    case CJ_CHROOT: return chroot(s->s1) < 0 ? -1 : chdir("/");
    case CJ_SETGROUPS: return (int)syscall(SYS_setgroups, (size_t)s->a, s->data);
    case CJ_SETGID: return (int)syscall(SYS_setresgid, (gid_t)s->a, (gid_t)s->a, (gid_t)s->a);
    case CJ_SETUID: return (int)syscall(SYS_setresuid, (uid_t)s->a, (uid_t)s->a, (uid_t)s->a);
    case CJ_KEEPCAPS: return prctl(PR_SET_KEEPCAPS, (unsigned long)s->a, 0, 0, 0);
    case CJ_BSET_LIMIT:
        for (unsigned cap = 0; cap <= (unsigned)s->b; cap++) {
            if (s->a & (UINT64_C(1) << cap)) continue;
            if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) return -1;
        }
        return cj_set_inheritable(s->a, 0);
    case CJ_INHERITABLE: return cj_set_inheritable(0, s->a);
    case CJ_AMBIENT: return cj_ambient(s->a);
    case CJ_SECUREBITS: return cj_securebits((unsigned long)s->a);
    case CJ_NO_NEW_PRIVS: return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    case CJ_CHDIR: return chdir(s->s1);
    case CJ_SECCOMP: {
        struct sock_fprog prog = { .len = (unsigned short)s->a, .filter = (struct sock_filter *)s->data };
        return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)s->b, &prog);
    }
    case CJ_ENV_PID: {
        char *entry = plan->envp[s->a];
        char *eq = strchr(entry, '=');
        uint64_t value = (unsigned)getpid();
        size_t room = 10;
        if (s->b) {
            int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
            if (fd < 0) return -1;
            struct stat st;
            int r = fstat(fd, &st);
            close(fd);
            if (r < 0) return -1;
            value = (uint64_t)st.st_ino;
            room = 20;
        }
        if (!eq || cj_strlen(eq + 1) < room) { errno = EINVAL; return -1; }
        size_t n = 0;
        cj_append_uint(eq + 1, &n, value);
        eq[1 + n] = 0;
        return 0;
    }
    case CJ_EXEC: return execve(s->s1, plan->argv, plan->envp);
    case CJ_IDMAP_MOUNT: return cj_idmap_mount(s);
    case CJ_OP_NONE:
    case CJ_OP_END:
        break;
    }
    errno = EINVAL;  // a number that is no op
    return -1;
}
#pragma GCC diagnostic pop

static _Noreturn void cj_child(const struct cjail_plan *plan, int report) {
    struct cj_mount_points known = { .count = 0 };
    bpffs_helper.pid = 0;
    bpffs_helper.fd = -1;
    for (size_t i = 0; i < plan->n_steps; i++) {
        const struct cjail_step *s = &plan->steps[i];
        if (s->op != CJ_REMOUNT) mounts_loaded = 0;  // any other step may change the mount table
        if (cj_run_step(plan, s, &known) == 0) continue;
        int e = errno;
        // WorkingDirectory=- passes over any failure of the chdir, as systemd's apply_working_directory() does.
        if ((s->flags & CJ_OPTIONAL) && (e == ENOENT || s->op == CJ_CHDIR)) continue;
        if ((s->flags & CJ_IF_PERMITTED) && (e == EPERM || e == EACCES)) continue;
        struct cjail_report r = { .step = (int32_t)i, .error = e };
        (void)cj_write_all(report, &r, sizeof r);
        _exit(s->exit_code);
    }
    // A plan must end in CJ_EXEC; running off its end is a bug in the planner.
    struct cjail_report r = { .step = (int32_t)plan->n_steps, .error = EINVAL };
    (void)cj_write_all(report, &r, sizeof r);
    _exit(203);
}

struct cj_start {
    const struct cjail_plan *plan;
    int report;
    int born_in_cgroup;
};

static _Noreturn void cj_child_start(struct cj_start *start) {
    born_in_cgroup = start->born_in_cgroup;
    cj_child(start->plan, start->report);
}

#if defined(__x86_64__)
// clone3 whose child starts on a stack of its own and calls start(arg), which
// never returns. Written out because glibc exports no clone3 wrapper, and after
// a raw syscall a child on a new stack has no frame to return to.
static long cj_clone3_on_stack(struct clone_args *args, void (*start)(struct cj_start *), struct cj_start *arg) {
    long ret;
    __asm__ volatile(
        "syscall\n\t"
        "test %%rax, %%rax\n\t"
        "jnz 1f\n\t"
        "xor %%ebp, %%ebp\n\t"
        "mov %[arg], %%rdi\n\t"
        "call *%[start]\n\t"
        "mov $60, %%eax\n\t"     // exit(127), should start ever return
        "mov $127, %%edi\n\t"
        "syscall\n\t"
        "1:\n\t"
        : "=a"(ret)
        : "a"((long)SYS_clone3), "D"(args), "S"(sizeof *args), [start] "r"(start), [arg] "r"(arg)
        : "rcx", "r11", "memory");
    return ret;
}
#endif

// The child's stack while it shares our memory; it only runs CJail's steps.
#define CJ_CHILD_STACK (256 * 1024)

// Each thread that spawns keeps its child stack for its next spawn, and unmaps it when it ends:
// an munmap per spawn made every thread of brig listen take a TLB shootdown per connection. The
// stack is only ever used while its thread waits for the child (CLONE_VFORK).
static pthread_key_t cj_stack_key;
static pthread_once_t cj_stack_once = PTHREAD_ONCE_INIT;

static void cj_stack_unmap(void *stack) { munmap(stack, CJ_CHILD_STACK); }
static void cj_stack_key_make(void) { (void)pthread_key_create(&cj_stack_key, cj_stack_unmap); }

static void *cj_child_stack(void) {
    (void)pthread_once(&cj_stack_once, cj_stack_key_make);
    void *stack = pthread_getspecific(cj_stack_key);
    if (stack) return stack;
    stack = mmap(NULL, CJ_CHILD_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack != MAP_FAILED && pthread_setspecific(cj_stack_key, stack) != 0) {
        munmap(stack, CJ_CHILD_STACK);
        return MAP_FAILED;
    }
    return stack;
}

pid_t cjail_spawn(const struct cjail_plan *plan, int *report_fd) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return -errno;
    // One byte written now makes the kernel allocate the pipe's page here, charged to us: the
    // child's report is then added to that page, so a child whose memory cgroup has no room
    // left (MemoryMax= below what a start needs) can still say which step failed.
    if (write(p[1], "", 1) != 1) { int e = errno; close(p[0]); close(p[1]); return -e; }
    struct cj_start start = { .plan = plan, .report = p[1], .born_in_cgroup = 0 };
    pid_t pid = -1;
#if defined(__x86_64__)
    // vfork-style: the child borrows our address space until its execve (or
    // exit), so no page tables are copied and neither side takes copy-on-write
    // faults afterwards. We are suspended meanwhile. Signals stay blocked until
    // the child has reset every handler: ours must never run on its stack.
    void *stack = cj_child_stack();
    if (stack != MAP_FAILED) {
        sigset_t all, saved;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &saved);
        struct clone_args args;
        memset(&args, 0, sizeof args);
        args.flags = CLONE_VM | CLONE_VFORK | plan->clone_flags;
        args.exit_signal = SIGCHLD;
        args.stack = (uint64_t)(uintptr_t)stack;
        args.stack_size = CJ_CHILD_STACK;
        // Born inside its cgroup when possible: moving a running process
        // between cgroups costs milliseconds, creating it there does not.
        if (plan->cgroup_fd >= 0) {
            args.flags |= CLONE_INTO_CGROUP;
            args.cgroup = (uint64_t)plan->cgroup_fd;
            start.born_in_cgroup = 1;
            pid = (pid_t)cj_clone3_on_stack(&args, cj_child_start, &start);
        }
        if (pid < 0) {
            args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
            args.cgroup = 0;
            start.born_in_cgroup = 0;
            pid = (pid_t)cj_clone3_on_stack(&args, cj_child_start, &start);
        }
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        if (pid < 0) errno = (int)-pid;
    }
#endif
    if (pid < 0) {
        // A raw fork-like clone: no atfork handlers of the (multi-threaded) parent run in the child.
        pid = (pid_t)syscall(SYS_clone, SIGCHLD | (long)plan->clone_flags, 0, 0, 0, 0);
        if (pid == 0) {
            close(p[0]);
            cj_child(plan, p[1]);
        }
    }
    if (pid < 0) { int e = errno; close(p[0]); close(p[1]); return -e; }
    close(p[1]);
    *report_fd = p[0];
    return pid;
}

int cjail_read_report(int report_fd, struct cjail_report *report) {
    char primed;
    ssize_t first;
    while ((first = read(report_fd, &primed, 1)) < 0 && errno == EINTR) {}
    if (first != 1) return first < 0 ? -errno : -EPROTO;
    size_t got = 0;
    while (got < sizeof *report) {
        ssize_t r = read(report_fd, (char *)report + got, sizeof *report - got);
        if (r < 0) { if (errno == EINTR) continue; return -errno; }
        if (r == 0) return got == 0 ? 0 : -EPROTO;
        got += (size_t)r;
    }
    return 1;
}

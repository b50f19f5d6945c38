#ifndef BRIG_CJAIL_H
#define BRIG_CJAIL_H

// CJail: the only code that runs between clone and execve.
//
// The parent (Swift) lays out a flat plan: an array of steps whose strings and
// blobs it owns and keeps alive. The child walks the steps in order, allocating
// nothing and calling nothing but system calls. The first failing step is
// reported as (step index, errno) over a close-on-exec pipe and the child exits
// with that step's systemd exit code; a successful execve closes the pipe, so
// the parent sees end-of-file.
//
// The child is cloned with CLONE_VM|CLONE_VFORK: until its execve it runs on the parent's
// memory, with the parent's thread-local storage, while the parent waits. Hence:
// - The plan (steps, strings, argv, envp) is laid out afresh for every spawn and not touched by
//   the parent until cjail_spawn returns: CJ_ENV_PID writes the child's pid into envp in place.
// - The child's thread-locals (mounts_loaded, born_in_cgroup, bpffs_helper) are the spawning
//   thread's: each child sets them before it reads them (mounts_loaded is cleared by every step but CJ_REMOUNT,
//   and a plan never starts with one), so nothing a child leaves there reaches the next.
// - errno is the parent's too: the parent reads nothing from it after cjail_spawn but what
//   cjail_spawn returns.
// ExecutorTests and OpContractTests hold these.

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/xattr.h>  // getxattr, for Swift: Glibc's module leaves it out (CgroupHome reads trusted.delegate)

// Every step the child can take, declared once: the enum below, the name table the tests and
// the plan printer's checks use (cjail_op_name), and the executor's switch, which the compiler
// holds to every op (-Werror=switch in cjail.c). X(op, slots the parent fills).
#define CJAIL_OPS(X) \
    X(CJ_RESET_SIGNALS, "default dispositions, empty signal mask") \
    X(CJ_IGNORE_SIGNAL, "a: signal number, set to SIG_IGN (IgnoreSIGPIPE=)") \
    X(CJ_SETSID, "") \
    X(CJ_CGROUP_JOIN, "s1: a cgroup.procs file; \"0\" is written (= self), unless born there (cgroup_fd)") \
    X(CJ_CLOSE_FDS, "mark every fd >= a close-on-exec") \
    X(CJ_DUP2, "a -> b (clears close-on-exec on b, even when a == b)") \
    X(CJ_WRITE_FILE, "s1: path, s2: contents") \
    X(CJ_NICE, "a: nice value (signed)") \
    X(CJ_PERSONALITY, "a: persona") \
    X(CJ_SCHEDULER, "a: policy (with SCHED_RESET_ON_FORK), b: priority") \
    X(CJ_IOPRIO, "a: class << 13 | data") \
    X(CJ_TIMERSLACK, "a: nanoseconds") \
    X(CJ_PRCTL, "a: option, b: arg2, c: arg3; data: errnos (int32, 0-terminated) meaning unsupported: then the step is passed over") \
    X(CJ_AFFINITY, "data: CPU mask (64-bit words), a: its size in bytes") \
    X(CJ_MEMPOLICY, "a: MPOL_* mode, data: node mask (64-bit words) or NULL, b: maxnode (bits)") \
    X(CJ_UMASK, "a: mask") \
    X(CJ_RLIMIT, "a: resource, b: soft, c: hard; above what may be raised to, as close as allowed") \
    X(CJ_KEYRING, "a: 0 private (new session keyring), 1 shared (also link the user keyring)") \
    X(CJ_UNSHARE, "a: CLONE_* flags") \
    X(CJ_USERNS, "s1: uid_map, s2: gid_map (written by a helper still outside the namespace), a: 1 leaves setgroups() allowed") \
    X(CJ_LOOPBACK_UP, "") \
    X(CJ_SETNS, "a: namespace fd, b: CLONE_NEW* type") \
    X(CJ_MOUNT, "s1 source, s2 target, s3 fstype, s4 data, a flags") \
    X(CJ_FSMOUNT, "s1: file system type (and source), s2: target, a: MOUNT_ATTR_* of the new mount; a new instance made detached (fsopen, fsmount) and moved onto the target (move_mount), over any mount there") \
    X(CJ_BASE_FILESYSTEM, "s1: a new root: the top directories and symlinks systemd's base_filesystem_create() makes there, each where missing, every failure passed over; a: the release's table (0: 252, 1: 254, 2: 257)") \
    X(CJ_BIND_SELF, "s1: make the path a mount point (bind onto itself) unless it is one") \
    X(CJ_UMOUNT_BELOW, "s1: detach every mount at or below the path") \
    X(CJ_INACCESSIBLE, "s1: path, s2: directory of inaccessible nodes (dir, reg, chr, blk, fifo, sock)") \
    X(CJ_PRIVATE_DEV, "s1: staging directory, s2: target (/dev)") \
    X(CJ_BPFFS_HELPER, "data: delegation masks (uint64_t[4]: commands, maps, program types, attach types): forks a helper that stays outside the user namespace the next steps enter, to set them on the bpffs context of the later CJ_BPFFS and create it (only CAP_SYS_ADMIN in the initial user namespace may)") \
    X(CJ_BPFFS, "s1: target, data: delegation masks (uint64_t[4]), a: 1 has the CJ_BPFFS_HELPER helper set them: a bpffs context opened here (owned by our user namespace), the masks set (delegate_cmds, _maps, _progs, _attachs), created, mounted detached and moved onto the target") \
    X(CJ_REMOUNT, "s1: path, a: MOUNT_ATTR_* to set, b: to clear, s2: deny list (NUL-separated, empty-terminated); flag CJ_RECURSIVE: also every submount not below a deny-listed path") \
    X(CJ_MOVE_ROOT, "s1: new root (already a mount point): move it onto / and chroot") \
    X(CJ_CHROOT, "s1") \
    X(CJ_SETGROUPS, "data: gid_t[], a: count") \
    X(CJ_SETGID, "a") \
    X(CJ_SETUID, "a") \
    X(CJ_KEEPCAPS, "a: 0/1") \
    X(CJ_BSET_LIMIT, "a: capability mask to keep in the bounding and inheritable sets, b: last capability number") \
    X(CJ_INHERITABLE, "a: the inheritable set (effective and permitted unchanged)") \
    X(CJ_AMBIENT, "a: the ambient set (everything else is lowered)") \
    X(CJ_SECUREBITS, "a") \
    X(CJ_NO_NEW_PRIVS, "") \
    X(CJ_CHDIR, "s1") \
    X(CJ_SECCOMP, "data: struct sock_filter[], a: instruction count, b: SECCOMP_FILTER_FLAG_*") \
    X(CJ_ENV_PID, "a: index of an envp entry \"NAME=\" followed by room for 10 digits: our pid goes there; b: 1 for the inode number of a pidfd on us instead (room for 20 digits)") \
    X(CJ_EXEC, "s1: path (argv/envp come from the plan)") \
    X(CJ_IDMAP_MOUNT, "s1: a mount point, replaced by a copy of it id-mapped through the user namespace fd a, with the MOUNT_ATTR_* b set too (a mount below: EBUSY)")

enum cjail_op {
    CJ_OP_NONE = 0,
#define CJAIL_ENUM_ENTRY(op, slots) op,
    CJAIL_OPS(CJAIL_ENUM_ENTRY)
#undef CJAIL_ENUM_ENTRY
    CJ_OP_END,  // one past the last op
};

// The op's name ("CJ_MOUNT") and what its slots hold, or NULL for a number that is no op.
const char *cjail_op_name(uint32_t op);
const char *cjail_op_slots(uint32_t op);

enum cjail_flag {
    CJ_OPTIONAL = 1,   // a missing path (ENOENT) skips the step, like systemd's "-" prefix (CJ_CHDIR: any error)
    CJ_RECURSIVE = 2,
    CJ_MAKE_TARGET = 4, // CJ_MOUNT: a missing target is created (directory, or file for a file source; a
                        //  directory for a new file system, s3 set without MS_BIND), then retried
    CJ_NO_SUBMOUNTS = 8, // CJ_INACCESSIBLE: the parent knows nothing is mounted at or below the path
    CJ_DETACH_COVERS = 16, // CJ_UMOUNT_BELOW, CJ_PRIVATE_DEV: every mount below descends from one at
                           //  the path, so detaching those takes all along (no mount table to read)
    CJ_NOFOLLOW = 32,  // CJ_MOUNT, CJ_BIND_SELF, CJ_INACCESSIBLE: the target is opened without following a
                       //  symlink in its last component and the mount made on that file (ELOOP on a link)
    CJ_HOST_INSTANCE = 64, // CJ_MOUNT or CJ_FSMOUNT of proc, sysfs or cgroup2: refused for lack of privilege (EPERM,
                           //  EACCES), a mount point at the target is kept as it is, else the host's own
                           //  instance is bound there
    CJ_IF_MOUNTED = 128,   // CJ_REMOUNT: passed over where a CJ_HOST_INSTANCE step kept the mount at s1
    CJ_NO_SYMLINKS = 256,  // CJ_MOUNT with CJ_MAKE_TARGET: every component of the target is a directory,
                           //  made (0755) where missing, none a symlink (ELOOP), and the mount is made on it
    CJ_IF_PERMITTED = 512, // a refusal for lack of privilege (EPERM, EACCES) skips the step, as systemd passes
                           //  over OOMScoreAdjust= where a container forbids it
};

struct cjail_step {
    uint32_t op;
    uint32_t flags;
    int32_t exit_code;  // systemd's exit status when this step fails
    int32_t reserved;
    uint64_t a, b, c;
    const char *s1, *s2, *s3, *s4;
    const void *data;
};

struct cjail_plan {
    const struct cjail_step *steps;
    size_t n_steps;
    char *const *argv;
    char *const *envp;
    char *scratch;       // for reading /proc/self/mountinfo in the child
    size_t scratch_size;
    int cgroup_fd;       // >= 0: the child is created inside this cgroup (clone3 CLONE_INTO_CGROUP)
    uint64_t clone_flags; // namespaces the child is born in (CLONE_NEWPID: it is their PID 1)
};

struct cjail_report {
    int32_t step;
    int32_t error;
};

// Forks a child that executes the plan. Returns its pid, or -errno. On success
// *report_fd is the read end of the report pipe (close-on-exec).
pid_t cjail_spawn(const struct cjail_plan *plan, int *report_fd);

// Reads the child's report (after the byte cjail_spawn put first): 0 when the execve
// succeeded (end-of-file), 1 when a step failed (*report filled in), -errno on a read error.
int cjail_read_report(int report_fd, struct cjail_report *report);

// Parent side: makes SIGINT, SIGTERM, SIGHUP and SIGQUIT write their number
// (one byte) to write_fd instead of killing us, so the run loop can forward them.
int cjail_forward_signals(int write_fd);
// One more signal written to the same descriptor (brig listen's SIGUSR1); 0 or -errno.
int cjail_forward_also(int sig);

// Forks brig's keeper, which, once brig has ended for any reason, kills the run's cgroup
// (through cgroup.kill, or its cgroup.procs one by one) and removes the directory (and the
// cgroups below it: brig listen's instances below the one cgroup it keeps), then the run's v1
// cgroups (`v1_cgroups`: NUL-separated, ending with an empty string; may be NULL). It keeps
// `owner_lock` (a descriptor of brig's, or -1) open, holding the run's lock while it lives; the
// lock file stays for the next start, which removes what else the run made. A pidfd on the
// keeper (close-on-exec), or -errno.
int cjail_start_keeper(const char *cgroup, const char *cgroup_kill, const char *cgroup_procs, int owner_lock,
                       const char *v1_cgroups);
// Ends a keeper whose run ended normally (without waiting for it to be gone).
void cjail_stop_keeper(int keeper);

// sd_notify(3): a datagram socket bound at `path` (mode 0777: a service of any user may send),
// with SO_PASSCRED so each message says which process sent it.
int cjail_notify_socket(const char *path);  // fd or -errno
// One message into `buffer` (NUL-terminated, so at most size-1 bytes), its sender's pid in
// *sender (0 if the kernel named none). Descriptors passed along are closed. Length or -errno.
long cjail_notify_receive(int fd, char *buffer, unsigned long size, pid_t *sender);
// A child of ours that has exited, left unreaped (waitid with WNOWAIT): its pid, 0 if none, or -errno.
pid_t cjail_peek_exited(void);
int cjail_become_subreaper(void);   // 0 or -errno
// A new file at `path` (mode 0600, in `directory`) that appears already locked (flock) and
// holding `text`: made unnamed (O_TMPFILE), then linked in, so no one ever sees it empty or
// unlocked. Its descriptor (close-on-exec), or -errno; -EEXIST if `path` exists.
int cjail_create_locked(const char *directory, const char *path, const char *text);
// The data of the open regular file `from` into `to` (empty, at offset 0): a reflink where the
// file system shares extents, else copy_file_range, else read and write. 0 or -errno.
int cjail_copy_data(int from, int to);
// Every extended attribute of `from` set on `to`; those the destination refuses (EOPNOTSUPP,
// EPERM, EACCES) are left out. 0 or -errno.
int cjail_copy_xattrs(int from, int to);
int cjail_setresuid(uid_t real, uid_t effective, uid_t saved); // 0 or -errno (not in Swift's Glibc)
int cjail_pidfd_open(pid_t pid);     // fd or -errno
long cjail_filesystem_type(int fd);  // fstatfs(fd)'s f_type, or -errno
int cjail_pipe(int fds[2]);          // close-on-exec, non-blocking; 0 or -errno
int cjail_remove_semaphores(int id); // semctl(IPC_RMID), which Swift cannot call (variadic)
int cjail_effective_capabilities(uint64_t *mask); // capget of this process; 0 or -errno
void cjail_trim_heap(void);          // malloc_trim(0): freed heap back to the kernel (not in Swift's Glibc)

// Project ids and quotas (quota.c). Each returns 0 or -errno.
// FS_IOC_FSGETXATTR: the inode's extended flags and project id (either pointer may be NULL).
int cjail_project_get(int fd, uint32_t *flags, uint32_t *project);
// The inode's project id, and on a directory FS_XFLAG_PROJINHERIT; nothing when both are so already.
int cjail_project_set(int fd, uint32_t project);
// One project's quota as Q_GETQUOTA reports it (blocks of 1024 bytes, bytes, inodes).
struct cjail_project_quota {
    uint64_t block_hard, block_soft, space, inode_hard, inode_soft, inodes, block_grace, inode_grace;
    int complete;
};
int cjail_project_quota_get(int fd, uint32_t project, struct cjail_project_quota *quota);
// Q_SETQUOTA of the limits alone (QIF_LIMITS); a limit of 0 is none.
int cjail_project_quota_set(int fd, uint32_t project, uint64_t block_hard, uint64_t block_soft,
                            uint64_t inode_hard, uint64_t inode_soft);

// Brings "lo" up in the caller's network namespace; 0 or -1 with errno.
int cjail_loopback_up(void);

// Moves the calling thread, which should be one of its own, into new namespaces
// of the CLONE_NEWNET / CLONE_NEWIPC types asked for and returns close-on-exec
// fds on them (-1 where none was asked for); 0 or -errno. A network namespace
// comes with loopback up.
int cjail_make_namespaces(int types, int *network_fd, int *ipc_fd);
int cjail_attach_device_program(int cgroup_fd, const void *insns, unsigned count); // 0 or -errno
int cjail_device_programs_attached(int cgroup_fd); // count or -errno
int cjail_path_is_plain(const char *path); // 1 no symlink on the way, 0 one, -errno unknown
// A close-on-exec descriptor that reads `size` bytes of `data` and nothing else: a sealed memfd
// at offset 0 (StandardInputData=, as systemd's acquire_data_fd()); -errno on failure.
int cjail_data_fd(const void *data, size_t size);

// bpf.c: maps and programs for the cgroup network filters (fd, 0, or -errno).
int cjail_bpf_map_create(unsigned type, unsigned key_size, unsigned value_size, unsigned max_entries, unsigned flags);
int cjail_bpf_map_update(int map_fd, const void *key, const void *value);
int cjail_bpf_map_lookup(int map_fd, const void *key, void *value);
int cjail_bpf_map_next_key(int map_fd, const void *key, void *next_key); // key NULL: the first; -ENOENT after the last
int cjail_bpf_raw_tracepoint_open(const char *name, int prog_fd); // attached while the returned fd is open
int cjail_bpf_prog_load(unsigned type, unsigned expected_attach_type, const void *insns, unsigned count,
                        char *log, unsigned log_size);
int cjail_bpf_prog_attach(int cgroup_fd, int prog_fd, unsigned attach_type); // with BPF_F_ALLOW_MULTI
int cjail_bpf_obj_get(const char *path);   // a pinned object's fd
int cjail_bpf_obj_pin(int fd, const char *path); // pins an object (tests make pinned programs with it)
int cjail_bpf_prog_type(int prog_fd);      // BPF_PROG_TYPE_* of a program

// Id-mapped mounts (systemd 257's exec directories). A user namespace with these maps, made by a
// short-lived child brig reaps at once; a close-on-exec fd on it, or -errno.
int cjail_mapping_userns(const char *uid_map, const char *gid_map);
// Whether the file system of the directory `dir_fd` takes an id-mapping through `userns_fd`
// (tried on a detached copy of it): 1, 0 when it does not or the kernel cannot, or -errno.
int cjail_idmap_supported(int dir_fd, int userns_fd);

#endif

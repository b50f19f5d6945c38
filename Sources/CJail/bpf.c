// The bpf() calls of brig's cgroup programs (the device policy, the IP firewall, socket
// binding, interface filter, pinned programs) and of brig harden's tracing programs: maps,
// loading, attaching. The
// instructions themselves are emitted in Swift. Each returns -errno on failure.
#define _GNU_SOURCE
#include "cjail.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *attr) {
    return syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

int cjail_bpf_map_create(unsigned type, unsigned key_size, unsigned value_size, unsigned max_entries,
                         unsigned flags) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_type = type;
    attr.key_size = key_size;
    attr.value_size = value_size;
    attr.max_entries = max_entries;
    attr.map_flags = flags;
    int fd = (int)sys_bpf(BPF_MAP_CREATE, &attr);
    return fd < 0 ? -errno : fd;
}

int cjail_bpf_map_update(int map_fd, const void *key, const void *value) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_fd = (uint32_t)map_fd;
    attr.key = (uint64_t)(uintptr_t)key;
    attr.value = (uint64_t)(uintptr_t)value;
    attr.flags = BPF_ANY;
    return sys_bpf(BPF_MAP_UPDATE_ELEM, &attr) < 0 ? -errno : 0;
}

// A map command on one key: the value (or the next key, which shares its field) goes to `out`.
static int map_element(int cmd, int map_fd, const void *key, void *out) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_fd = (uint32_t)map_fd;
    attr.key = (uint64_t)(uintptr_t)key;
    attr.value = (uint64_t)(uintptr_t)out;
    return sys_bpf(cmd, &attr) < 0 ? -errno : 0;
}

int cjail_bpf_map_lookup(int map_fd, const void *key, void *value) {
    return map_element(BPF_MAP_LOOKUP_ELEM, map_fd, key, value);
}

int cjail_bpf_map_next_key(int map_fd, const void *key, void *next_key) {
    return map_element(BPF_MAP_GET_NEXT_KEY, map_fd, key, next_key);
}

int cjail_bpf_raw_tracepoint_open(const char *name, int prog_fd) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.raw_tracepoint.name = (uint64_t)(uintptr_t)name;
    attr.raw_tracepoint.prog_fd = (uint32_t)prog_fd;
    int fd = (int)sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &attr);
    return fd < 0 ? -errno : fd;
}

int cjail_bpf_prog_load(unsigned type, unsigned expected_attach_type, const void *insns, unsigned count,
                        char *log, unsigned log_size) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.prog_type = type;
    attr.expected_attach_type = expected_attach_type;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.insn_cnt = count;
    attr.license = (uint64_t)(uintptr_t)"GPL";
    if (log && log_size) {
        log[0] = 0;
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = log_size;
        attr.log_level = 1;
    }
    int fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd < 0 && errno == ENOSPC && log) {
        // The verifier's log did not fit; the program is still worth an answer without it.
        return cjail_bpf_prog_load(type, expected_attach_type, insns, count, NULL, 0);
    }
    return fd < 0 ? -errno : fd;
}

int cjail_bpf_prog_attach(int cgroup_fd, int prog_fd, unsigned attach_type) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.target_fd = (uint32_t)cgroup_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = attach_type;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    return sys_bpf(BPF_PROG_ATTACH, &attr) < 0 ? -errno : 0;
}

int cjail_bpf_obj_get(const char *path) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.pathname = (uint64_t)(uintptr_t)path;
    int fd = (int)sys_bpf(BPF_OBJ_GET, &attr);
    return fd < 0 ? -errno : fd;
}

int cjail_bpf_prog_type(int prog_fd) {
    struct bpf_prog_info info;
    memset(&info, 0, sizeof info);
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.info.bpf_fd = (uint32_t)prog_fd;
    attr.info.info_len = sizeof info;
    attr.info.info = (uint64_t)(uintptr_t)&info;
    return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) < 0 ? -errno : (int)info.type;
}

int cjail_bpf_obj_pin(int fd, const char *path) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.bpf_fd = (uint32_t)fd;
    attr.pathname = (uint64_t)(uintptr_t)path;
    return sys_bpf(BPF_OBJ_PIN, &attr) < 0 ? -errno : 0;
}

// Loads a cgroup/device eBPF program and attaches it to a cgroup (v2) directory, next to any
// others (BPF_F_ALLOW_MULTI). Returns 0 or -errno.
int cjail_attach_device_program(int cgroup_fd, const void *insns, unsigned count) {
    int prog = cjail_bpf_prog_load(BPF_PROG_TYPE_CGROUP_DEVICE, 0, insns, count, NULL, 0);
    if (prog < 0) return prog;
    int r = cjail_bpf_prog_attach(cgroup_fd, prog, BPF_CGROUP_DEVICE);
    close(prog);  // the cgroup keeps the program while attached
    return r;
}

// How many device programs are attached to the cgroup directory itself (not inherited from
// above). Returns the count or -errno.
int cjail_device_programs_attached(int cgroup_fd) {
    union bpf_attr query;
    memset(&query, 0, sizeof query);
    query.query.target_fd = (uint32_t)cgroup_fd;
    query.query.attach_type = BPF_CGROUP_DEVICE;
    return sys_bpf(BPF_PROG_QUERY, &query) < 0 ? -errno : (int)query.query.prog_cnt;
}

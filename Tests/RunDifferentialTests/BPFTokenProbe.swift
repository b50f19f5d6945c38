/// A C probe for BPFDelegate*=: prints the file system options of the top mount on /sys/fs/bpf
/// (`bpffs bpf none rw,delegate_cmds=...`), then `token E`, the errno name (or "ok") of
/// BPF_TOKEN_CREATE from that bpffs, and, given a token, `map E` for an array map created with it.
/// Static, so that it runs in systemd-oracle-next's root too.
enum BPFTokenProbe {
    static let name = "bpftokenprobe"
    static var path: String { ProbeInstaller.directory + "/" + name }

    static let source = #"""
/* bpftokenprobe: may this process take a BPF token from /sys/fs/bpf, and make a map with it? */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* BPF_TOKEN_CREATE and BPF_F_TOKEN_FD (Linux 6.9), spelled out for older headers. */
enum { CMD_MAP_CREATE = 0, CMD_TOKEN_CREATE = 36, MAP_TYPE_ARRAY = 2, F_TOKEN_FD = 1 << 16 };
struct map_create {
    uint32_t type, key_size, value_size, max_entries, flags, inner_map_fd, numa_node;
    char name[16];
    uint32_t ifindex, btf_fd, btf_key_type_id, btf_value_type_id, btf_vmlinux_value_type_id;
    uint64_t map_extra;
    int32_t value_type_btf_obj_fd, token_fd;
};

static const char *name(int e) {
    switch (e) {
    case 0: return "ok";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINVAL: return "EINVAL";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    default: { static char buf[16]; snprintf(buf, sizeof buf, "E%d", e); return buf; }
    }
}

int main(void) {
    /* The last line for /sys/fs/bpf is the top mount; its fields after " - " are the file system's. */
    char line[4096], top[4096] = "none";
    FILE *f = fopen("/proc/self/mountinfo", "r");
    while (f && fgets(line, sizeof line, f)) {
        char *sep = strstr(line, " - ");
        if (!sep || !strstr(line, " /sys/fs/bpf ")) continue;
        line[strcspn(line, "\n")] = 0;
        snprintf(top, sizeof top, "%s", sep + 3);
    }
    printf("bpffs %s\n", top);
    int fs = open("/sys/fs/bpf", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    uint32_t create[2] = { 0, (uint32_t)fs };
    int token = fs < 0 ? -1 : (int)syscall(SYS_bpf, CMD_TOKEN_CREATE, create, sizeof create);
    printf("token %s\n", name(token < 0 ? errno : 0));
    if (token < 0) return 0;
    struct map_create m = { .type = MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8, .max_entries = 1,
                            .flags = F_TOKEN_FD, .token_fd = token };
    int map = (int)syscall(SYS_bpf, CMD_MAP_CREATE, &m, sizeof m);
    printf("map %s\n", name(map < 0 ? errno : 0));
    return 0;
}
"""#
}

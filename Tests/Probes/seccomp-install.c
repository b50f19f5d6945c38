/* seccomp-install FILE CMD [ARG]...
 * Test helper standing in for the jail's last step: reads a BPF program (an array of
 * struct sock_filter) from FILE, sets no_new_privs, installs the program with
 * seccomp(SECCOMP_SET_MODE_FILTER) and executes CMD under it.
 * Exit 228 (systemd's "seccomp" status) if installing fails, 203 if exec fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s FILE CMD [ARG]...\n", argv[0]);
        return 2;
    }
    int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0 || st.st_size % sizeof(struct sock_filter)) {
        fprintf(stderr, "seccomp-install: %s: not a BPF program\n", argv[1]);
        return 228;
    }
    struct sock_filter *code = malloc(st.st_size);
    if (!code || read(fd, code, st.st_size) != st.st_size) {
        fprintf(stderr, "seccomp-install: cannot read %s\n", argv[1]);
        return 228;
    }
    close(fd);
    struct sock_fprog prog = { .len = st.st_size / sizeof(struct sock_filter), .filter = code };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
        fprintf(stderr, "seccomp-install: %s\n", strerror(errno));
        return 228;
    }
    execv(argv[2], argv + 2);
    fprintf(stderr, "seccomp-install: exec %s: %s\n", argv[2], strerror(errno));
    return 203;
}

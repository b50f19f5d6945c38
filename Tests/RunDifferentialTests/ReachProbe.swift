/// A C probe for what one process can do to another: each argument `LABEL=PID` prints
/// `LABEL signal E ptrace E vm-read E mem E`, the errno name (or "ok") of kill(PID, 0),
/// ptrace(PTRACE_ATTACH), process_vm_readv and open("/proc/PID/mem"). A read the kernel allows
/// fails with EFAULT, on an address no process maps; an attach that succeeds is detached at once.
enum ReachProbe {
    static let name = "reachprobe"
    static var path: String { ProbeInstaller.directory + "/" + name }

    static let source = #"""
/* reachprobe: may this process signal, trace or read the memory of another? */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

\#(ProbeInstaller.errnoNameFunction)

static int attach(pid_t pid) {
    if (ptrace(PTRACE_ATTACH, pid, 0, 0) < 0) return errno;
    waitpid(pid, NULL, __WALL);
    ptrace(PTRACE_DETACH, pid, 0, 0);
    return 0;
}

static int read_memory(pid_t pid) {
    char byte;
    struct iovec local = { &byte, 1 }, remote = { (void *)16, 1 };
    return process_vm_readv(pid, &local, 1, &remote, 1, 0) < 0 ? errno : 0;
}

static int open_memory(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    close(fd);
    return 0;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) return 2;
        pid_t pid = (pid_t)atoi(eq + 1);
        *eq = 0;
        printf("%s signal %s", argv[i], name(kill(pid, 0) < 0 ? errno : 0));
        printf(" ptrace %s", name(attach(pid)));
        printf(" vm-read %s", name(read_memory(pid)));
        printf(" mem %s\n", name(open_memory(pid)));
    }
    return 0;
}
"""#
}

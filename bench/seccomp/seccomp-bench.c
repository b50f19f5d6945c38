/* seccomp-bench [N] [ROUNDS]
 * Times N (default 10 million) getppid() calls, N one-byte read()s of /dev/zero and
 * N mprotect(PROT_READ) calls (a call filters check arguments of, under
 * MemoryDenyWriteExecute=), ROUNDS times each (default 3), and prints the median
 * nanoseconds per call:
 *   getppid NS
 *   read NS
 *   mprotect NS
 *   mount ERRNO     (whether a refused call is refused: shows a filter is installed)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, n, sizeof *v, compare);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10000000;
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    if (n <= 0 || rounds <= 0 || rounds > 100) return 2;
    double ppid[100], rd[100], mp[100];
    void *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int fd = open("/dev/zero", O_RDONLY);
    char c;
    if (fd < 0) { perror("/dev/zero"); return 1; }
    for (int r = 0; r < rounds; r++) {
        double t0 = now();
        for (long i = 0; i < n; i++) syscall(SYS_getppid);
        double t1 = now();
        for (long i = 0; i < n; i++)
            if (read(fd, &c, 1) != 1) { perror("read"); return 1; }
        double t2 = now();
        for (long i = 0; i < n; i++)
            if (mprotect(page, 4096, PROT_READ) < 0) { perror("mprotect"); return 1; }
        double t3 = now();
        ppid[r] = (t1 - t0) / n;
        rd[r] = (t2 - t1) / n;
        mp[r] = (t3 - t2) / n;
    }
    printf("getppid %.1f\nread %.1f\nmprotect %.1f\n", median(ppid, rounds), median(rd, rounds), median(mp, rounds));
    long m = syscall(SYS_mount, "none", "/brig-no-such-dir", "tmpfs", 0, NULL);
    printf("mount %s\n", m < 0 ? strerrorname_np(errno) : "ok");
    return 0;
}

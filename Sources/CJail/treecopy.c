// Copying one file's data and extended attributes, for RootEphemeral='s copy of a root
// directory (TreeCopy.swift walks the tree). Swift's Glibc module exports neither FICLONE nor
// copy_file_range.
#define _GNU_SOURCE
#include "cjail.h"

#include <errno.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/xattr.h>
#include <unistd.h>

int cjail_copy_data(int from, int to) {
    // A reflink shares the extents: no data moves where the file system can (btrfs, xfs).
    if (ioctl(to, FICLONE, from) == 0) return 0;
    for (;;) {
        ssize_t n = copy_file_range(from, NULL, to, NULL, 1 << 30, 0);
        if (n == 0) return 0;
        if (n > 0) continue;
        if (errno == EINTR) continue;
        if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) return -errno;
        break;
    }
    // Where the kernel copies nothing itself: read and write, from wherever copy_file_range stopped.
    char buffer[65536];
    for (;;) {
        ssize_t n = read(from, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        if (n == 0) return 0;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(to, buffer + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return -errno;
            done += w;
        }
    }
}

int cjail_copy_xattrs(int from, int to) {
    ssize_t size = flistxattr(from, NULL, 0);
    if (size < 0) return (errno == ENOTSUP || errno == EOPNOTSUPP) ? 0 : -errno;
    if (size == 0) return 0;
    char *names = malloc((size_t)size);
    if (!names) return -ENOMEM;
    size = flistxattr(from, names, (size_t)size);
    if (size < 0) { int e = errno; free(names); return -e; }
    int result = 0;
    for (char *name = names; name < names + size; name += strlen(name) + 1) {
        ssize_t length = fgetxattr(from, name, NULL, 0);
        if (length < 0) continue;           // gone meanwhile, or not readable: left out
        char *value = malloc(length > 0 ? (size_t)length : 1);
        if (!value) { result = -ENOMEM; break; }
        length = fgetxattr(from, name, value, (size_t)length);
        // A destination that takes no such attribute (another file system, a namespace this
        // process may not write) leaves it out, as systemd's copy does.
        if (length >= 0 && fsetxattr(to, name, value, (size_t)length, 0) != 0
            && errno != ENOTSUP && errno != EOPNOTSUPP && errno != EPERM && errno != EACCES && result == 0)
            result = -errno;
        free(value);
    }
    free(names);
    return result;
}

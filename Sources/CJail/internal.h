// What the C files of CJail share with each other and not with Swift (cjail.h is that contract).
#ifndef CJAIL_INTERNAL_H
#define CJAIL_INTERNAL_H

#include <stdint.h>

// mount_setattr(2)'s argument, which the C library's headers do not declare.
struct cj_mount_attr { uint64_t attr_set, attr_clr, propagation, userns_fd; };

// Writes all of `contents` to the file `path` (an id map, a cgroup or proc file); 0, or -1 with
// errno. Safe in the vfork child: no allocation, no libc state.
int cj_write_file(const char *path, const char *contents);

#endif

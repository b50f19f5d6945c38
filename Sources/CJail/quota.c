// Project ids and project quotas of a directory tree, by descriptor: the ioctls and quotactl
// calls Swift's Glibc module cannot make (both are variadic or take kernel structures).
#define _GNU_SOURCE
#include "cjail.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/quota.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif

int cjail_project_get(int fd, uint32_t *flags, uint32_t *project) {
    struct fsxattr attributes;
    if (ioctl(fd, FS_IOC_FSGETXATTR, &attributes) < 0) return -errno;
    if (flags) *flags = attributes.fsx_xflags;
    if (project) *project = attributes.fsx_projid;
    return 0;
}

int cjail_project_set(int fd, uint32_t project) {
    struct fsxattr attributes;
    struct stat st;
    if (ioctl(fd, FS_IOC_FSGETXATTR, &attributes) < 0 || fstat(fd, &st) < 0) return -errno;
    int directory = S_ISDIR(st.st_mode);
    if (attributes.fsx_projid == project && (!directory || (attributes.fsx_xflags & FS_XFLAG_PROJINHERIT))) return 0;
    attributes.fsx_projid = project;
    // What is made below a directory later takes its project id.
    if (directory) attributes.fsx_xflags |= FS_XFLAG_PROJINHERIT;
    return ioctl(fd, FS_IOC_FSSETXATTR, &attributes) < 0 ? -errno : 0;
}

// quotactl_fd() (Linux 5.14), else quotactl() on the file system's block device.
static int project_quotactl(int fd, int command, uint32_t project, struct dqblk *block) {
    int cmd = QCMD(command, PRJQUOTA);
    if (syscall(SYS_quotactl_fd, fd, cmd, project, block) == 0) return 0;
    if (errno != ENOSYS) return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0) return -errno;
    if (major(st.st_dev) == 0) return -ENODEV;
    char device[64];
    snprintf(device, sizeof device, "/dev/block/%u:%u", major(st.st_dev), minor(st.st_dev));
    return quotactl(cmd, device, (int)project, (caddr_t)block) < 0 ? -errno : 0;
}

int cjail_project_quota_get(int fd, uint32_t project, struct cjail_project_quota *quota) {
    struct dqblk block;
    memset(&block, 0, sizeof block);
    int r = project_quotactl(fd, Q_GETQUOTA, project, &block);
    if (r < 0) return r;
    quota->block_hard = block.dqb_bhardlimit;
    quota->block_soft = block.dqb_bsoftlimit;
    quota->space = block.dqb_curspace;
    quota->inode_hard = block.dqb_ihardlimit;
    quota->inode_soft = block.dqb_isoftlimit;
    quota->inodes = block.dqb_curinodes;
    quota->block_grace = block.dqb_btime;
    quota->inode_grace = block.dqb_itime;
    // Whether every field came back (QIF_ALL).
    quota->complete = (block.dqb_valid & QIF_ALL) == QIF_ALL;
    return 0;
}

int cjail_project_quota_set(int fd, uint32_t project, uint64_t block_hard, uint64_t block_soft,
                            uint64_t inode_hard, uint64_t inode_soft) {
    struct dqblk block = {
        .dqb_bhardlimit = block_hard, .dqb_bsoftlimit = block_soft,
        .dqb_ihardlimit = inode_hard, .dqb_isoftlimit = inode_soft,
        .dqb_valid = QIF_LIMITS,
    };
    return project_quotactl(fd, Q_SETQUOTA, project, &block);
}

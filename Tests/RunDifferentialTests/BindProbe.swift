/// A static C probe for the socket-bind and interface differential: it runs under systemd 262
/// (systemd-oracle-next), whose root has no Python and another C library, as well as under brig.
/// Each argument is one attempt, printed as "ACTION ok" or "ACTION ERRNO":
/// `bind/4|6/tcp|udp/PORT` (bind to 127.0.0.1 or ::1) and `udp/IPV4/PORT` (send one datagram).
/// `device/4|6|unix` instead prints the interface a new datagram socket is bound to
/// (SO_BINDTODEVICE, BindNetworkInterface=), "-" for none; `owner/TYPE` whether the process's
/// own user namespace owns its namespace of that type (NS_GET_USERNS), "own" or "other".
enum BindProbe {
    static let name = "bindprobe-" + String(source.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }, radix: 16)
    static var path: String { ProbeInstaller.directory + "/" + name }

    static let source = #"""
/* bindprobe: one socket attempt per argument, reported by errno name. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

\#(ProbeInstaller.errnoNameFunction)

static int attempt(char *action) {
    char copy[256];
    snprintf(copy, sizeof copy, "%s", action);
    char *kind = strtok(copy, "/"), *a = strtok(NULL, "/"), *b = strtok(NULL, "/"), *c = strtok(NULL, "/");
    if (!kind || !a || !b) return EINVAL;
    if (!strcmp(kind, "bind") && c) {
        int v6 = !strcmp(a, "6"), udp = !strcmp(b, "udp");
        int fd = socket(v6 ? AF_INET6 : AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
        if (fd < 0) return errno;
        int r;
        if (v6) {
            struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_port = htons((unsigned short)atoi(c)), .sin6_addr = IN6ADDR_LOOPBACK_INIT };
            r = bind(fd, (struct sockaddr *)&s, sizeof s);
        } else {
            struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(c)) };
            s.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            r = bind(fd, (struct sockaddr *)&s, sizeof s);
        }
        int e = r < 0 ? errno : 0;
        close(fd);
        return e;
    }
    if (!strcmp(kind, "udp")) {
        int fd = socket(AF_INET, SOCK_DGRAM, 0);
        if (fd < 0) return errno;
        struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(b)) };
        if (inet_pton(AF_INET, a, &s.sin_addr) != 1) { close(fd); return EINVAL; }
        int e = sendto(fd, "probe", 5, 0, (struct sockaddr *)&s, sizeof s) < 0 ? errno : 0;
        close(fd);
        return e;
    }
    return EINVAL;
}

static const char *device(const char *family) {
    static char bound[IFNAMSIZ + 1];
    int fd = socket(!strcmp(family, "6") ? AF_INET6 : !strcmp(family, "unix") ? AF_UNIX : AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return name(errno);
    socklen_t size = IFNAMSIZ;
    memset(bound, 0, sizeof bound);
    int r = getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, bound, &size);
    int e = r < 0 ? errno : 0;
    close(fd);
    return e ? name(e) : bound[0] ? bound : "-";
}

static const char *owner(const char *type) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/ns/%s", type);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return name(errno);
    int owning = ioctl(fd, _IO(0xb7, 0x1) /* NS_GET_USERNS */);
    int e = errno;
    close(fd);
    if (owning < 0) return e == EPERM ? "other" : name(e);   // owned by an ancestor of ours
    struct stat theirs, ours;
    int r = fstat(owning, &theirs) == 0 && stat("/proc/self/ns/user", &ours) == 0;
    close(owning);
    return r && theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev ? "own" : "other";
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *outcome = !strncmp(argv[i], "device/", 7) ? device(argv[i] + 7)
            : !strncmp(argv[i], "owner/", 6) ? owner(argv[i] + 6) : name(attempt(argv[i]));
        printf("%s %s\n", argv[i], outcome);
    }
    return 0;
}
"""#
}

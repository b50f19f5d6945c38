/// The shell probe every jail differential case runs under both runners. It prints one
/// "key=value" line per observation; see Observations for how lines compare.
enum ObserveProbe {
    /// Named after its source, as SyscallsProbe is: a worktree with another version of the probe
    /// installs its own beside this one instead of replacing it under a running test.
    static let name = "observe-" + String(source.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }, radix: 16)

    static let source = #"""
#!/bin/sh
# observe: what a process sees of its jail, one "key=value" line per observation.
# Only what legitimately differs between two faithful runners is normalised:
# dynamic uids/gids, the invocation id, pids and the transient unit's name
# (namespace ids are printed as they are; the test compares them with PID 1's).
# Arguments: extra paths to examine besides the standard list.
list() { LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'; }
yn() { if "$@" >/dev/null 2>&1; then echo yes; else echo no; fi; }
dyn() { for i in "$@"; do if [ "$i" -ge 61184 ] 2>/dev/null && [ "$i" -le 65519 ]; then echo dynamic; else echo "$i"; fi; done; }

# The environment first, before this script sets anything (cg is not exported). The memory
# pressure file is named by the cgroup, which differs per runner: it must be the process's own.
cg=$(sed -n 's/^0:://p' /proc/self/cgroup); [ "$cg" = / ] && cg=
env | LC_ALL=C sort | awk -v own="MEMORY_PRESSURE_WATCH=/sys/fs/cgroup$cg/memory.pressure" \
    '{ print ($0 == own ? "MEMORY_PRESSURE_WATCH=<own cgroup>/memory.pressure" : $0) }' | sed -e 's/^INVOCATION_ID=[0-9a-f]\{32\}$/INVOCATION_ID=<id>/' \
    -e 's/^SYSTEMD_EXEC_PID=[0-9]*$/SYSTEMD_EXEC_PID=<pid>/' -e 's/^LISTEN_PID=[0-9]*$/LISTEN_PID=<pid>/' \
    -e 's/^LISTEN_PIDFDID=[0-9]*$/LISTEN_PIDFDID=<id>/' \
    -e 's/^\(USER\|LOGNAME\)=\(run-u[0-9]*\|run-p[0-9]*-i[0-9]*\|brig-run-[0-9]*\)$/\1=<transient-unit>/' -e 's/^/env:/'

echo "uid=$(dyn "$(id -u)")"
echo "gid=$(dyn "$(id -g)")"
echo "uid-is-gid=$([ "$(id -u)" = "$(id -g)" ] && echo yes || echo no)"
echo "groups=$(dyn $(id -G) | list)"
echo "uid-map=$(awk '{ print $1 ":" $2 ":" $3 }' /proc/self/uid_map | list)"
echo "setgroups=$(cat /proc/self/setgroups)"
for f in CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp; do
  echo "$f=$(sed -n "s/^$f:[[:space:]]*//p" /proc/self/status)"
done
echo "umask=$(umask)"
echo "nice=$(cut -d' ' -f19 /proc/self/stat)"
echo "oom-score-adj=$(cat /proc/self/oom_score_adj)"
echo "cwd=$(pwd -P)"
awk 'NR > 1 { n = substr($0, 1, 26); sub(/ +$/, "", n); gsub(/ /, "-", n)
              split(substr($0, 27), v, " +"); print "limit:" n "=" v[1] " " v[2] }' /proc/self/limits

# ro/rw, nosuid, nodev and noexec of the mount that holds a path: of the mounts whose
# mount point is the longest prefix of the path, the last one listed (the top one).
mountopts() {
  awk -v p="$1" '{
      m = $5; gsub(/\\040/, " ", m)
      if (m == "/" || p == m || index(p, m "/") == 1) if (length(m) >= best) { best = length(m); o = $6 }
    } END {
      n = split(o, a, ","); r = a[1]
      for (i = 2; i <= n; i++) if (a[i] == "nosuid" || a[i] == "nodev" || a[i] == "noexec") r = r "," a[i]
      print r
    }' /proc/self/mountinfo
}
for p in / /usr /usr/local /etc /home /root /tmp /var /var/tmp /var/lib /var/lib/private /run /boot /opt /srv /mnt \
         /proc/sys /proc/sysrq-trigger /proc/kcore /proc/kmsg /proc/kallsyms /sys /sys/fs/cgroup /sys/kernel/debug \
         /dev/shm /dev/kmsg /dev/mqueue "$@"; do
  if [ -e "$p" ] || [ -L "$p" ]; then
    echo "path:$p:visible=yes"
    echo "path:$p:stat=$(stat -c '%F %a' "$p") $(dyn $(stat -c '%u %g' "$p") | tr '\n' ':' | sed 's/:$//')"
    if [ -d "$p" ]; then
      echo "path:$p:readable=$(yn ls -A "$p")"
      echo "path:$p:writable=$(yn sh -c 'f=$(mktemp -p "$1" .brig-observe.XXXXXX) && rm -f "$f"' - "$p")"
    else
      echo "path:$p:readable=$(yn sh -c ': < "$1"' - "$p")"
      echo "path:$p:writable=$([ -w "$p" ] && echo yes || echo no)"
    fi
    echo "path:$p:mount=$(mountopts "$p")"
  else
    echo "path:$p:visible=no"
  fi
done
# The test puts these markers into the runners' shared /tmp and /var/tmp.
echo "tmp-marker=$([ -e /tmp/brig-diff-marker ] && echo present || echo absent)"
echo "var-tmp-marker=$([ -e /var/tmp/brig-diff-marker ] && echo present || echo absent)"
# A kernel tunable written with the value it already has.
echo "tunable-write=$(yn sh -c 'v=$(cat /proc/sys/vm/swappiness) && echo "$v" > /proc/sys/vm/swappiness')"

echo "dev=$(ls -A /dev | list)"
echo "dev-null-usable=$(yn sh -c 'echo x > /dev/null')"
echo "net-sys=$(ls /sys/class/net 2>/dev/null | list)"
echo "net-ns=$(sed -n 's/^ *\([^:]*\):.*/\1/p' /proc/self/net/dev | list)"
echo "net-up=$(ip -o link show up 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | list)"
# The hostname set to what it already is: changeable or not, nothing changes.
echo "hostname-changeable=$(yn sh -c 'hostname "$(hostname)"')"
# Namespace ids: the test tells its runners' PID 1's own from a private one.
for ns in cgroup ipc mnt net pid time user uts; do echo "ns:$ns=$(readlink /proc/self/ns/$ns)"; done
# Whether the process's own user namespace owns each of the others (DelegateNamespaces=).
\#(BindProbe.path) owner/cgroup owner/ipc owner/mnt owner/net owner/pid owner/uts | sed 's|^owner/\([a-z]*\) |ns-owner:\1=|'
echo "proc-pid1=$([ -e /proc/1 ] && echo visible || echo invisible)"
echo "proc-pid1-status=$(yn cat /proc/1/status)"
echo "proc-other-users=$(stat -c %u /proc/[0-9]* 2>/dev/null | awk -v me="$(id -u)" '$1 != me { n++ } END { print (n ? "visible" : "none") }')"
echo "proc-entries=$(ls /proc | grep -v '^[0-9]*$' | list)"
# Memory settings made before execve (MemoryKSM=, MemoryTHP=), kept by every process after it.
echo "ksm-merge-any=$(sed -n 's/^ksm_merge_any: //p' /proc/$$/ksm_stat 2>/dev/null)"
echo "thp-enabled=$(sed -n 's/^THP_enabled:[[:space:]]*//p' /proc/$$/status)"
# The descriptors passed from 3 on ($LISTEN_FDS: sockets, OpenFile=): what each is, how it is
# open (fdinfo's octal flags) and the size of the file behind it.
i=3
while [ "$i" -lt $((3 + ${LISTEN_FDS:-0})) ]; do
  what=$(readlink /proc/$$/fd/$i | sed 's/^\(socket\|pipe\):\[[0-9]*\]$/\1/')
  echo "passed-fd:$i=$what flags=$(sed -n 's/^flags:[[:space:]]*//p' /proc/$$/fdinfo/$i) size=$(stat -L -c %s /proc/$$/fd/$i 2>/dev/null)"
  i=$((i + 1))
done
# What is mounted on /sys/fs/bpf, the top mount (PrivateBPF=): file system type and source.
echo "bpf-mount=$(awk '$5 == "/sys/fs/bpf" { for (i = 7; $i != "-"; i++) ; m = $(i + 1) " " $(i + 2) } END { print (m ? m : "none") }' /proc/self/mountinfo)"
"""#
}

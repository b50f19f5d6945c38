import Foundation

/// The probe every conformance and differential test runs inside a jail. It
/// prints what a process can observe, one normalised fact per line, so the
/// same probe under brig and under systemd can be compared line by line.
/// Installed where every jail can read it (not /tmp, /root or /home).
enum Probe {
    static let directory = "/usr/local/libexec/brig-tests"
    static let path = directory + "/probe"

    static let script = #"""
#!/bin/sh
# brig test probe: what does this process see? One fact per line.
dyn() { if [ "$1" -ge 61184 ] && [ "$1" -le 65519 ]; then echo dynamic; else echo "$1"; fi; }
echo "uid $(dyn "$(id -u)")"
echo "gid $(dyn "$(id -g)")"
echo "groups $(for g in $(id -G); do dyn "$g"; done | sort -n | tr '\n' ' ')"
for f in CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp; do grep "^$f:" /proc/self/status | tr -d '\t'; done
echo "umask $(umask)"
echo "cwd $(pwd)"
# Mount flags of the mount that holds a path: the last listed mount point that is its longest prefix.
flags() {
  awk -v p="$1" '{
      m = $5; gsub(/\\040/, " ", m)
      if (m == "/" || p == m || index(p, m "/") == 1) { if (length(m) >= best) { best = length(m); o = $6 } }
    } END {
      n = split(o, a, ","); r = a[1]
      for (i = 2; i <= n; i++) if (a[i] == "nosuid" || a[i] == "nodev" || a[i] == "noexec") r = r "," a[i]
      print r
    }' /proc/self/mountinfo
}
for p in / /etc /usr /var /var/lib /home /root /run/user /tmp /var/tmp /boot /efi /opt /srv \
         /proc/sys /proc/sys/kernel/hostname /proc/kcore /proc/kallsyms /proc/kmsg /proc/acpi /proc/irq /proc/sysrq-trigger \
         /sys /sys/fs/cgroup/unified /sys/kernel/debug /sys/fs/bpf /usr/lib/modules /dev/kmsg /dev/shm /dev/pts /dev/null; do
  if [ -e "$p" ] || [ -L "$p" ]; then t=$(stat -c '%F %a %U:%G' "$p" 2>/dev/null | tr ' ' _); else t=missing; fi
  case "$t" in missing) echo "path $p missing" ;; *) echo "path $p $t $(flags "$p")" ;; esac
done
echo "devices $(ls /dev 2>/dev/null | grep -v -E '^(mqueue|hugepages|log|console|core|initctl)$' | sort | tr '\n' ' ')"
echo "net $(ls /sys/class/net 2>/dev/null | sort | tr '\n' ' ')"
echo "lo $(cat /sys/class/net/lo/flags 2>/dev/null)"
for ns in net uts ipc user mnt; do
  if [ "$(readlink /proc/self/ns/$ns)" = "$(readlink /proc/$PPID/ns/$ns 2>/dev/null)" ]; then echo "ns $ns shared"; else echo "ns $ns private"; fi
done
if [ -r /proc/1/status ]; then echo "proc-pid1 visible"; else echo "proc-pid1 hidden"; fi
if [ -e /proc/meminfo ]; then echo "proc-meminfo present"; else echo "proc-meminfo absent"; fi
if ( : > /tmp/.brig-probe.$$ ) 2>/dev/null; then rm -f /tmp/.brig-probe.$$; echo "tmp writable"; else echo "tmp read-only"; fi
if ( : > /etc/.brig-probe.$$ ) 2>/dev/null; then rm -f /etc/.brig-probe.$$; echo "etc writable"; else echo "etc read-only"; fi
if ( : > /var/lib/.brig-probe.$$ ) 2>/dev/null; then rm -f /var/lib/.brig-probe.$$; echo "varlib writable"; else echo "varlib read-only"; fi
if ls /root >/dev/null 2>&1; then echo "root-home listable"; else echo "root-home denied"; fi
echo "env-path ${PATH:-unset}"
if [ "$(dyn "$(id -u)")" = dynamic ]; then echo "env-user (dynamic) $([ "$USER" = "$LOGNAME" ] && echo same)"; else echo "env-user ${USER:-unset} ${LOGNAME:-unset}"; fi
echo "nofile $(ulimit -n) $(ulimit -Hn)"
echo "nice $(cut -d' ' -f19 /proc/self/stat)"
echo "oom-score-adj $(cat /proc/self/oom_score_adj)"
"""#

    /// Writes the probe (once per test process) and returns its path.
    static func install() throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if (try? String(contentsOfFile: path, encoding: .utf8)) != script {
            try script.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        return path
    }
}

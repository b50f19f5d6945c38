# Sourced by bench/soak and bench/sigkill: the brig they measure, and what runs may leave behind.

# $brig: BRIG=path, or the release build (built here).
if [ -z "${BRIG:-}" ]; then
  swift build -c release --static-swift-stdlib --product brig >/dev/null
  brig=$(swift build -c release --static-swift-stdlib --show-bin-path)/brig
else
  brig=$BRIG
fi

# Zombies that are brig's or a brig's children (other users' zombies are not counted).
brig_zombies() {
  ps -eo pid=,ppid=,stat=,comm= | awk '{ comm[$1] = $4; parent[$1] = $2; stat[$1] = $3 }
    END { n = 0; for (p in stat) if (stat[p] ~ /^Z/ && (comm[p] == "brig" || comm[parent[p]] == "brig")) n++; print n }'
}

# One line of NAME=COUNT: cgroups under brig's directories in every hierarchy, entries of
# /proc/self/mountinfo, BPF programs and maps (bpftool), brig's zombies, open files system-wide,
# run records in /run/brig/runs, private /tmp directories, dynamic-user and managed-range leases, credential
# mounts, and processes whose command line holds $1.
leftover_counts() {
  local cgroups=0 d
  for d in /sys/fs/cgroup/*/brig /sys/fs/cgroup/brig; do
    [ -d "$d" ] && cgroups=$((cgroups + $(find "$d" -mindepth 1 -type d -name 'run-*' 2>/dev/null | wc -l)))
  done
  local progs maps
  progs=$(bpftool prog list 2>/dev/null | grep -c '^[0-9]*:' || true)
  maps=$(bpftool map list 2>/dev/null | grep -c '^[0-9]*:' || true)
  echo "cgroups=$cgroups mounts=$(wc -l </proc/self/mountinfo) bpf_progs=$progs bpf_maps=$maps" \
       "zombies=$(brig_zombies) files=$(cut -f1 /proc/sys/fs/file-nr)" \
       "runs=$(ls /run/brig/runs 2>/dev/null | wc -l)" \
       "private_tmp=$(ls -d /tmp/brig-private-* /var/tmp/brig-private-* 2>/dev/null | wc -l)" \
       "leases=$(ls /run/brig/dynamic-uid /run/brig/managed-uid-range 2>/dev/null | grep -c '^[0-9]' || true)" \
       "credential_mounts=$(grep -c ' /run/credentials/' /proc/self/mountinfo || true)" \
       "processes=$(pgrep -fc "$1" || true)"
}

# "left behind: NAME=+N ..." from two lines of leftover_counts.
leftover_difference() {
  paste -d' ' <(tr ' ' '\n' <<<"$1") <(tr ' ' '\n' <<<"$2") |
    awk -F'[ =]' '{ printf "%s%s=%+d", (NR > 1 ? " " : "left behind: "), $1, $4 - $2 } END { print "" }'
}

#!/bin/sh
# Writes one systemd release's facts under reference/, from the release itself, so that the
# generators never look outside the repository:
#   reference/syscall-groups-vN.txt   the syscall filter groups, as `systemd-analyze syscall-filter`
#                                     prints them, reduced to names (comment lines dropped)
#   reference/exposure-checks-vN.tsv  json_field, weight and range of every row of
#                                     `systemd-analyze security`, sorted by json_field
#
# Usage:
#   scripts/release-facts.sh analyzer N CMD...   an installed release: CMD is its systemd-analyze
#       (e.g. `systemd-analyze`, or `scripts/systemd-oracle-next analyze`)
#   scripts/release-facts.sh source N DIR        a checkout of systemd at the release's tag: read
#       src/shared/seccomp-util.c's group table (@known holds only what the table names: systemd's
#       build adds the rest from kernel headers) and src/analyze/analyze-security.c's assessor table
# Review `git diff reference/`, then run scripts/generate-syscall-data.sh,
# scripts/generate-release-data.sh and scripts/check-generated.
set -eu
mode=$1 n=$2; shift 2
ref=$(cd "$(dirname "$0")/.." && pwd)/reference
groups=$ref/syscall-groups-v$n.txt checks=$ref/exposure-checks-v$n.tsv
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

case $mode in
analyzer)
  "$@" --version | head -1 > "$tmp/version"
  what="$(cat "$tmp/version"), as its systemd-analyze prints them"
  "$@" syscall-filter --no-pager 2>/dev/null | awk '/^[ \t]*#/ || /^[ \t]*$/ { next } { print }' > "$tmp/groups"
  # A unit that sets nothing: every row is listed, with its weight and range.
  printf '[Service]\nExecStart=/bin/true\n' > "$tmp/facts-probe.service"
  (cd "$tmp" && SYSTEMD_COLORS=0 SYSTEMD_ANALYZE_DEBUG=1 "$@" security --offline=true --json=short ./facts-probe.service 2>/dev/null) |
    grep '^\[' | tr '{' '\n' | awk '
      { f = $0; sub(/.*"json_field":"/, "", f); sub(/".*/, "", f)
        w = $0; sub(/.*"weight":/, "", w); sub(/[,}].*/, "", w)
        r = $0; sub(/.*"range":/, "", r); sub(/[,}].*/, "", r)
        if (index($0, "\"json_field\"")) print f "\t" w "\t" r }' | LC_ALL=C sort > "$tmp/checks"
  ;;
source)
  dir=$1
  what="systemd's source at $(git -C "$dir" describe --tags 2>/dev/null || echo "$dir") (src/shared/seccomp-util.c, src/analyze/analyze-security.c)"
  awk '
    /^const SyscallFilterSet syscall_filter_sets/ { inside = 1; next }
    inside && /^};/ { exit }
    inside && /\.name = "/ { g = $0; sub(/.*\.name = "/, "", g); sub(/".*/, "", g); print g; next }
    inside && /^[ \t]*"[^"]*\\0"/ { m = $0; sub(/^[ \t]*"/, "", m); sub(/\\0".*/, "", m); print "    " m }
  ' "$dir/src/shared/seccomp-util.c" > "$tmp/groups"
  awk '
    /security_assessor_table\[\] = \{/ { inside = 1; next }
    inside && /^};/ { exit }
    inside && /\.json_field = "/ { f = $0; sub(/.*\.json_field = "/, "", f); sub(/",.*/, "", f) }
    inside && /\.weight = / { w = $0; gsub(/[^0-9]/, "", w) }
    inside && /\.range = / { r = $0; gsub(/[^0-9]/, "", r); print f "\t" w "\t" r }
  ' "$dir/src/analyze/analyze-security.c" | LC_ALL=C sort > "$tmp/checks"
  ;;
*) echo "usage: $0 analyzer N CMD... | source N DIR" >&2; exit 2 ;;
esac

[ -s "$tmp/groups" ] && [ "$(wc -l < "$tmp/checks")" -ge 80 ] || { echo "release-facts: nothing read for $n" >&2; exit 1; }
{ printf '# Syscall filter groups of systemd %s, from %s.\n' "$n" "$what"
  printf '# Group name at the left margin, its members indented below it; a member that begins with @ is another group.\n'
  cat "$tmp/groups"; } > "$groups"
{ printf '# The rows of systemd-analyze security in systemd %s (sorted by json_field), from %s.\n' "$n" "$what"
  printf 'json_field\tweight\trange\n'
  cat "$tmp/checks"; } > "$checks"
echo "$groups ($(grep -c '^@' "$groups") groups), $checks ($(($(wc -l < "$checks") - 2)) rows)"

#!/bin/sh
# Re-reads, from this machine, the facts under reference/ that come from installed software, so
# that the generators never have to look outside the repository:
#   - syscall names and numbers per ABI from the kernel's uapi headers (linux-libc-dev),
#   - errno names and values from the C library's <errno.h> (libc6-dev),
#   - every directive systemd accepts, from `systemd --dump-configuration-items` (systemd 252).
# Run it from anywhere, review `git diff reference/`, then run the generators and scripts/check-generated.
# The syscall groups and exposure-checks.tsv are not refreshed here: see reference/README.md.
set -eu
cd "$(dirname "$0")/.."
asm=/usr/include/x86_64-linux-gnu/asm

# "name number" for every __NR_ define of one uapi header, in the header's order.
numbers() {
  awk '/^#define __NR_/ { n = $NF; sub(/\)$/, "", n); print substr($2, 6), n }' "$asm/$1" > "reference/$2"
}
numbers unistd_64.h syscall-numbers-x86_64.txt
numbers unistd_32.h syscall-numbers-i386.txt
numbers unistd_x32.h syscall-numbers-x32.txt

# "NAME VALUE" for every E* macro, VALUE a number or the name it aliases, in the preprocessor's order.
echo '#include <errno.h>' | cc -E -dM - |
  awk '/^#define[ \t]+E[^ _]+[ \t]+/ { print $2, $3 }' > reference/errno-names.txt

/lib/systemd/systemd --dump-configuration-items > reference/systemd-252-configuration-items.txt

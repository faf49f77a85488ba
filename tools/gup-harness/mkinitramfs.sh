#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the test initramfs for one architecture.
#
# usage: mkinitramfs.sh ARCH OUTDIR
#
# Contents: /init (tools/gup-harness/init.c), busybox-static where the
# host has it for ARCH, every program of our client test folder
# (tools/testing/selftests/gup_clients, statically linked; one with a
# "// ARCH:" line for the architectures it names only) with the lines of
# its tests.list whose program was built, then upstream's mm selftests
# (upstream-selftests.sh) in /tests/vm with upstream-selftests.list, both
# lists making /tests/list.
# Output: OUTDIR/initramfs.cpio.gz.
set -euo pipefail
arch=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
clients=$repo/tools/testing/selftests/gup_clients

case $arch in
x86_64) cc=gcc busybox=/bin/busybox ;;
arm64) cc=aarch64-linux-gnu-gcc busybox= ;;
i386) cc=i686-linux-gnu-gcc busybox= ;;
arm) cc=arm-linux-gnueabihf-gcc busybox= ;;
powerpc) cc=powerpc64-linux-gnu-gcc busybox= ;;
s390) cc=s390x-linux-gnu-gcc busybox= ;;
mips) cc=mips64el-linux-gnuabi64-gcc busybox= ;;
riscv) cc=riscv64-linux-gnu-gcc busybox= ;;
*) echo "mkinitramfs: unknown arch '$arch'" >&2; exit 1 ;;
esac

root=$out/initramfs
bin=$out/userspace
rm -rf "$root"
mkdir -p "$root/bin" "$root/tests" "$bin"

# Static programs are rebuilt only when their source (or the clients'
# shared util.h) is newer.
build() {
	local src=$1 dst=$2
	shift 2
	if [ ! -x "$dst" ] || [ "$src" -nt "$dst" ] ||
	   [ "$clients/util.h" -nt "$dst" ]; then
		$cc -static -O2 -Wall -Werror -o "$dst" "$src" "$@"
	fi
}
build "$here/init.c" "$bin/init"
cp "$bin/init" "$root/init"
for src in "$clients"/*.c; do
	name=$(basename "$src" .c)
	# "// ARCH: x86_64 ...": built for those architectures only (the host
	# has the program's libraries for them alone).
	only=$(sed -n 's|^// ARCH: ||p' "$src")
	if [ -n "$only" ] && ! grep -qw -- "$arch" <<<"$only"; then
		continue
	fi
	libs=$(sed -n 's|^// LIBS: ||p' "$src")
	build "$src" "$bin/$name" $libs
	cp "$bin/$name" "$root/tests/$name"
done
# The list keeps the lines whose program was built.
while IFS= read -r line; do
	prog=$(cut -f3 <<<"$line")
	case $line in
	'#'* | '') ;;
	*) [ -f "$root/tests/${prog%% *}" ] || continue ;;
	esac
	printf '%s\n' "$line"
done < "$clients/tests.list" > "$root/tests/list"
# Then upstream's own mm selftests, built from the pristine tree.  x86_64
# runs the whole list.  Elsewhere upstream-selftests.sh builds only the
# programs that drive GUP (the host has no static libcap or libnuma for
# other architectures), and the list keeps the lines whose program was
# built and that need neither busybox nor the x86_64 pmem device
# (/mnt/dax): no vm-setup-* line.
"$here/upstream-selftests.sh" "$out/upstream-vm" "$arch" "$cc" >/dev/null
mkdir -p "$root/tests/vm"
cp -a "$out/upstream-vm/." "$root/tests/vm/"
if [ "$arch" = x86_64 ]; then
	cat "$here/upstream-selftests.list" >> "$root/tests/list"
else
	while read -r name secs prog args; do
		case "$name $prog $args" in
		'#'* | ' '* | vm-setup-* | */bin/busybox* | */mnt/dax*) continue ;;
		esac
		# needs-hugetlb (see init.c) comes before the program
		exe=$prog
		[ "$prog" = needs-hugetlb ] && exe=${args%% *}
		[ -f "$root/tests/$exe" ] || continue
		printf '%s\t%s\t%s\n' "$name" "$secs" "$prog${args:+ $args}" >> "$root/tests/list"
	done < "$here/upstream-selftests.list"
fi
if [ -n "$busybox" ] && [ -x "$busybox" ]; then
	cp "$busybox" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
fi
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet --reproducible) | gzip -n -1 > "$out/initramfs.cpio.gz"
echo "mkinitramfs: $out/initramfs.cpio.gz ($(ls "$root/tests" | wc -l) test files)"

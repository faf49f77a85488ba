#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the pristine tree's own mm selftests (tools/testing/selftests/vm
# of Linux 6.1) as static programs, to run in the guest next to ours.
#
# usage: upstream-selftests.sh OUTDIR [ARCH CC]
#
# ARCH is x86_64 (the default, built with gcc) or any other architecture
# of the harness, built with the cross compiler CC.  Only x86_64 gets
# every program: the static libcap and libnuma that mlock-random-test,
# memfd_secret and ksm_tests link against, and the busybox the list's
# setup lines use, are the host's.  The other architectures get the
# programs that drive GUP and need neither: gup_test, madv_populate,
# map_populate and mlock2-tests.  The programs are compiled straight
# from build/src/upstream, which is only read: the objects go to OUTDIR
# and nothing is written into the source tree.  The
# uapi headers the selftests expect (what their lib.mk takes from
# usr/include) are installed once per architecture, out of tree, into
# build/out/headers-x86 (x86_64) or build/out/headers-ARCH.
# A program is rebuilt only when one of its sources is newer than it.
# What runs, with which arguments, is upstream-selftests.list; the
# programs it leaves out are built too, for running by hand.
set -euo pipefail
out=$1 arch=${2:-x86_64} cc=${3:-gcc}
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$here/../.." && pwd)/build
upstream=$build/src/upstream
vm=$upstream/tools/testing/selftests/vm

hdr=$build/out/headers-${arch/x86_64/x86}
[ -d "$vm" ] || { echo "upstream-selftests: no $vm (unpack first)" >&2; exit 1; }

# headers_install with O= writes only below O; the kbuild lock keeps it
# from racing a kernel build (the machine has two cores).
if [ ! -e "$hdr/usr/include/linux/userfaultfd.h" ]; then
	mkdir -p "$hdr"
	flock "$build/.kbuild.lock" make -s -C "$upstream" O="$hdr" ARCH="$arch" \
		HOSTCC="ccache gcc" headers_install
fi

mkdir -p "$out"
# The flags of the selftests' own Makefile and lib.mk, plus -static for
# the initramfs and -O2: the guest is emulated and the byte loops of the
# hugetlb tests are slow at -O0.
cflags=(-static -O2 -Wall -I "$upstream" -isystem "$hdr/usr/include")

# NAME EXTRA_SOURCES... -- LIBS...
prog() {
	local name=$1 srcs=() libs=() s newest
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do srcs+=("$vm/$1"); shift; done
	[ $# -gt 0 ] && shift
	libs=("$@")
	srcs=("$vm/$name.c" "${srcs[@]}")
	newest=0
	for s in "${srcs[@]}"; do
		[ "$s" -nt "$out/$name" ] && newest=1
	done
	if [ ! -x "$out/$name" ] || [ $newest = 1 ]; then
		$cc "${cflags[@]}" -o "$out/$name" "${srcs[@]}" -lrt -lpthread "${libs[@]}"
	fi
}

prog gup_test
prog madv_populate vm_util.c
prog map_populate
prog mlock2-tests
if [ "$arch" != x86_64 ]; then
	echo "upstream-selftests: $(find "$out" -maxdepth 1 -type f | wc -l) programs in $out"
	exit 0
fi
prog map_hugetlb
prog map_fixed_noreplace
prog mlock-random-test -- -lcap
prog hugepage-mmap
prog hugepage-shm
prog hugepage-mremap
prog hugetlb-madvise
prog memfd_secret -- -lcap
prog ksm_tests -- -lnuma
prog userfaultfd vm_util.c
prog khugepaged vm_util.c
prog split_huge_page_test vm_util.c
prog mremap_test
prog mremap_dontunmap
prog soft-dirty vm_util.c
prog compaction_test
prog hmm-tests
echo "upstream-selftests: $(find "$out" -maxdepth 1 -type f | wc -l) programs in $out"

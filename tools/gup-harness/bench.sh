#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The GUP benchmark: our GUP core against pristine 6.1, same QEMU, boots
# alternating pristine, ours, pristine, ours, ...
#
# usage: bench.sh [--no-build] [--count]
#
# Builds both kernels with common.config + bench.config (no lockdep, KASAN,
# KCOV, DEBUG_VM; CONFIG_GUP_TEST and CONFIG_GUP_BENCH on), one initramfs
# whose only test is gup_bench (tools/testing/selftests/gup_bench), boots
# the kernels alternately and hands the consoles to bench.py, which prints
# the median tables and writes $BENCH_DIR/bench.csv and sweep.csv.
#
# Layouts: under QEMU TCG the same code runs up to 1.5x faster or slower
# depending on where it is linked (measured: moving the code after
# mm/gup_fast.o by 1088 bytes made the unchanged floor loop 1.5x slower).
# So each kernel is built once per padding in BENCH_LAYOUTS
# (CONFIG_GUP_BENCH_PAD, identical in both kernels; the series links the
# floor and its padding just before mm/gup.o, so the padding moves all
# GUP code and gup_test.o), and the medians pool all layouts.  With at
# least as many layouts as rounds, the layouts are dealt out to the
# rounds (layout i to round i mod BENCH_ROUNDS), so that nine boots of
# each kernel sample nine placements (three placements, each booted
# three times, let one unlucky placement of a one-page path move the
# median by 20%); with fewer, every round boots every layout.
#
# Settings (environment):
#   BENCH_ROUNDS   rounds (3); a round boots pristine and ours at each of
#                  its layouts
#   BENCH_LAYOUTS  paddings in bytes, one build of each kernel per padding
#                  ("0 448 1040 1360 1824 2320 2736 3184 3648": about a
#                  ninth of a page apart)
#   BENCH_REPS     timed repetitions of each scenario per boot (5)
#   BENCH_SIZE     MiB of each matrix region (256)
#   BENCH_SWEEP    largest MiB of the THP size sweep (8192; 0: none); the
#                  guest caps it at what its memory allows
#   BENCH_MEMORY   guest memory (10G if the host has 14 GiB available,
#                  else 4G)
#   BENCH_ARCH     x86_64 (default) or arm64: the guest architecture, both
#                  kernels built for it and booted under its QEMU
#   BENCH_DIR      results (build/bench; build/bench-arm64 for arm64)
#   BENCH_TREE_OURS, BENCH_TREE_BASE   source trees (build/src/ours, base)
#   BENCH_FRAGMENTS  config fragments (configs/common.config bench.config,
#                  with configs/arm64.config between them for arm64)
#   BENCH_APPEND   more kernel command line words for the bench boots
#
# --count (make bench-count): instead of timing, count the guest kernel
# instructions each gup_test/gup_floor ioctl executes, with a QEMU TCG
# plugin of ours (tcg_count.c, built here).  Unlike time under TCG, the
# counts do not depend on the host's load or on the code's placement, so
# one boot of each kernel at layout 0 is enough (BENCH_COUNT_PAD picks
# another padding: the page changes it also counts do depend on the
# layout); both boot with one CPU and nokaslr (the plugin finds its
# markers through System.map).
# bench_count.py prints the table and writes $BENCH_DIR/count/count.csv;
# bench_profile.py CMD MEM NR then splits one scenario's count per
# function of both kernels (from the plugin's .hits files).
#
# The guest runs with movablecore=0 (appended to boot.py's command line):
# a production machine has no ZONE_MOVABLE, and with one FOLL_LONGTERM
# would time page migration rather than pinning.  It also runs with
# norandmaps: with a randomised mmap base the shape of the maple tree, and
# so the cost of the VMA lookup in every slow call, changes from boot to
# boot (two counting boots of one pristine kernel: mtree_load 174 and 184
# instructions per call).  Hugetlb pages are reserved by gup_bench itself
# through /proc/sys/vm/nr_hugepages.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$repo/build
rounds=${BENCH_ROUNDS:-3}
read -r -a layouts <<< "${BENCH_LAYOUTS:-0 448 1040 1360 1824 2320 2736 3184 3648}"
reps=${BENCH_REPS:-5}
size=${BENCH_SIZE:-256}
sweep=${BENCH_SWEEP:-8192}
arch=${BENCH_ARCH:-x86_64}
# tag: build/out/KIND-TAG-bench; image: the boot image, kept as
# KIND-PAD.EXT; getppid: the syscall gup_bench ends each counting window
# with (see tcg_count.c's stop=).
case $arch in
x86_64) tag=x86 image=arch/x86/boot/bzImage cc=gcc getppid=__x64_sys_getppid
	arch_fragment= ;;
arm64) tag=arm64 image=arch/arm64/boot/Image cc=aarch64-linux-gnu-gcc
	getppid=__arm64_sys_getppid arch_fragment=$here/configs/arm64.config ;;
*) echo "bench: BENCH_ARCH must be x86_64 or arm64, not '$arch'" >&2; exit 2 ;;
esac
ext=${image##*/}
dir=${BENCH_DIR:-$build/bench$([ "$arch" = x86_64 ] || echo "-$arch")}
tree_ours=${BENCH_TREE_OURS:-$build/src/ours}
tree_base=${BENCH_TREE_BASE:-$build/src/base}
read -r -a fragments <<< "${BENCH_FRAGMENTS:-$here/configs/common.config $arch_fragment $here/configs/bench.config}"
avail_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
if [ -z "${BENCH_MEMORY:-}" ]; then
	if [ "$avail_kb" -ge $((14 << 20)) ]; then BENCH_MEMORY=10G; else BENCH_MEMORY=4G; fi
fi
build_kernels=1
count=0
for arg in "$@"; do
	case $arg in
	--no-build) build_kernels=0 ;;
	--count) count=1 ;;
	*) echo "usage: bench.sh [--no-build] [--count]" >&2; exit 2 ;;
	esac
done
# Instruction counts do not depend on the layout: one is enough.  They
# repeat exactly; five repetitions leave room for one that bench_count.py
# has to skip (its window lacks one of the handler's four clock reads).
if [ $count = 1 ]; then
	layouts=("${BENCH_COUNT_PAD:-0}")
	reps=${BENCH_REPS:-5}
fi

say() { printf '==> %s\n' "$*"; }
start=$(date +%s)
mkdir -p "$dir/console"

# kernel NAME TREE PAD: build one bench kernel in build/out/NAME-TAG-bench
# (incrementally: only the padding changes between layouts) and keep its
# image as $dir/kernels/NAME-PAD.EXT.
kernel() {
	local out=$build/out/$1-$tag-bench img=$dir/kernels/$1-$3.$ext
	if [ $build_kernels = 1 ]; then
		say "build $1 bench kernel, layout $3, in ${out#"$repo"/} (log: ${out#"$repo"/}.log)"
		echo "CONFIG_GUP_BENCH_PAD=$3" > "$dir/kernels/pad.config"
		"$here/kbuild.sh" "$2" "$out" "$arch" "${fragments[@]}" "$dir/kernels/pad.config" \
			> "$out.log" 2>&1 || {
			tail -n 30 "$out.log" | sed 's/^/  | /'
			echo "bench: kernel build failed" >&2
			exit 1
		}
		cp "$out/$image" "$img"
		cp "$out/System.map" "${img%."$ext"}.System.map"
	fi
	[ -f "$img" ] || { echo "bench: no $img (build without --no-build first)" >&2; exit 1; }
}
mkdir -p "$dir/kernels"
for pad in "${layouts[@]}"; do
	kernel base "$tree_base" "$pad"
	kernel ours "$tree_ours" "$pad"
done

# One initramfs for both kernels: init and gup_bench, nothing else.
say "initramfs with gup_bench"
root=$dir/initramfs
rm -rf "$root"
mkdir -p "$root/tests"
$cc -static -O2 -Wall -Werror -o "$root/init" "$here/init.c"
$cc -static -O2 -Wall -Werror -I "$build/src/upstream/mm" -o "$root/tests/gup_bench" \
	"$repo/tools/testing/selftests/gup_bench/gup_bench.c"
timeout=$((600 + size * 4 + sweep / 4))
verbose=$([ $count = 1 ] && echo "-v " || true)
echo "gup_bench $timeout ./gup_bench $verbose-r $reps -s $size -S $sweep" > "$root/tests/list"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet --reproducible) | gzip -n -1 > "$dir/initramfs.cpio.gz"

# boot KERNEL N PAD: boot N of KERNEL at layout PAD, progress every 20 s.
boot() {
	local name=$1 rnd=$2 pad=$3 kind log pid n last t0
	t0=$(date +%s)
	kind=$([ "$name" = pristine ] && echo base || echo ours)
	log=$dir/console/$name-$rnd.console
	# one guest at a time on this machine: wait for other boots to end
	flock "$build/.boot.lock" python3 "$here/boot.py" --arch "$arch" --kernel "$dir/kernels/$kind-$pad.$ext" \
		--initrd "$dir/initramfs.cpio.gz" --kunit-py "$build/src/upstream/tools/testing/kunit/kunit.py" \
		--log "$log" --label "bench-$name-$rnd" --suite none-at-all --memory "$BENCH_MEMORY" \
		--append "movablecore=0 norandmaps ${BENCH_APPEND:-}" --timeout $((timeout + 300)) > "$dir/console/$name-$rnd.boot" 2>&1 &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		sleep 20
		if [ ! -s "$log" ]; then
			printf '    %s boot %d (layout %s): %4ds, waiting for the boot lock or the guest\n' \
				"$name" "$rnd" "$pad" $(( $(date +%s) - t0 ))
			continue
		fi
		n=$(grep -c '^GUPBENCH \(matrix\|sweep\)' "$log" 2>/dev/null || true)
		last=$(grep '^GUPBENCH \(matrix\|sweep\)' "$log" 2>/dev/null | tail -n 1 | cut -d' ' -f2-5 || true)
		printf '    %s boot %d (layout %s): %4ds, %s samples%s\n' "$name" "$rnd" "$pad" \
			$(( $(date +%s) - t0 )) "${n:-0}" "${last:+ (last: $last)}"
	done
	if ! wait $pid; then
		sed 's/^/  | /' "$dir/console/$name-$rnd.boot" | tail -n 30
		echo "bench: $name boot $rnd (layout $pad) failed (console: $log)" >&2
		return 1
	fi
}

# count_boot KERNEL: one boot of KERNEL (base or ours) under tcg_count.so.
count_boot() {
	local kind=$1 map=$dir/kernels/$1-${layouts[0]}.System.map sym plugin t0
	t0=$(date +%s)
	sym() { awk -v s="$1" '$3 == s { print $1 }' "$map"; }
	# the address of the symbol after $1 (in address order): where $1 ends
	sym_end() { sort "$map" | awk -v s="$1" 'f { print $1; exit } $3 == s { f = 1 }'; }
	plugin="$dir/count/tcg_count.so,start=$(sym gup_test_ioctl):$(sym gup_floor_ioctl)"
	plugin+=",end=$(sym_end gup_test_ioctl):$(sym_end gup_floor_ioctl)"
	plugin+=",split=$(sym ktime_get),stop=$(sym "$getppid"),out=$dir/count/$kind.win"
	plugin+=",hits=$dir/count/$kind.hits"
	# bench_profile.py reads the hits against this map
	cp "$map" "$dir/count/$kind.System.map"
	say "count instructions: $kind kernel, one boot (log: ${dir#"$repo"/}/count/$kind.console)"
	flock "$build/.boot.lock" python3 "$here/boot.py" --arch "$arch" --kernel "$dir/kernels/$kind-${layouts[0]}.$ext" \
		--initrd "$dir/initramfs.cpio.gz" --kunit-py "$build/src/upstream/tools/testing/kunit/kunit.py" \
		--log "$dir/count/$kind.console" --label "count-$kind" --suite none-at-all \
		--memory "$BENCH_MEMORY" --smp 1 --plugin "$plugin" \
		--append "movablecore=0 norandmaps nokaslr ${BENCH_APPEND:-}" --timeout $((2 * timeout + 300)) \
		> "$dir/count/$kind.boot" 2>&1 || {
		tail -n 30 "$dir/count/$kind.boot" | sed 's/^/  | /'
		echo "bench: $kind counting boot failed" >&2
		return 1
	}
	echo "    $kind: $(grep -c '^window' "$dir/count/$kind.win") windows in $(( $(date +%s) - t0 )) s"
}

if [ $count = 1 ]; then
	mkdir -p "$dir/count"
	rm -f "$dir"/count/*.win "$dir"/count/*.console "$dir"/count/*.hits
	gcc -shared -fPIC -O2 -Wall -Werror -o "$dir/count/tcg_count.so" "$here/tcg_count.c"
	status=0
	count_boot base || status=1
	count_boot ours || status=1
	[ $status = 0 ] && { python3 "$here/bench_count.py" --out "$dir/count" \
		"$dir/count/base.console" "$dir/count/base.win" \
		"$dir/count/ours.console" "$dir/count/ours.win" || status=1; }
	echo "bench took $(( $(date +%s) - start )) s"
	exit $status
fi

deal=$([ ${#layouts[@]} -ge "$rounds" ] && echo 1 || echo 0)
say "boot pristine and ours alternately, $rounds rounds of layouts ${layouts[*]}$([ $deal = 1 ] && echo " dealt out to the rounds"), -m $BENCH_MEMORY, $reps reps of $size MiB, sweep to $sweep MiB"
rm -f "$dir"/console/*.console
status=0
n=0
for rnd in $(seq 1 "$rounds"); do
	for i in "${!layouts[@]}"; do
		[ $deal = 1 ] && [ $((i % rounds)) != $((rnd - 1)) ] && continue
		n=$((n + 1))
		for name in pristine ours; do
			boot "$name" "$n" "${layouts[$i]}" || status=1
		done
	done
done

say "results"
python3 "$here/bench.py" --out "$dir" "$dir"/console/*.console || status=1
echo "bench took $(( $(date +%s) - start )) s"
exit $status

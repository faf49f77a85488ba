#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The driver behind the top-level Makefile.
#
# usage: harness.sh run|check|check-pristine|coverage|arm64|i386|arm|powerpc|s390|mips|riscv|build|lint|series|bench|bench-count
#
# Stages report "RESULT LABEL PASSED FAILED" lines into $results; a stage
# that cannot run at all (build error, missing package) counts as one
# failure with a one-line reason.  check always ends with the plain line
# "N passed, N failed" and exits non-zero if anything failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$repo/build
src=$build/src
kunit_py=$src/upstream/tools/testing/kunit/kunit.py
configs=$here/configs
results=$build/results
SUITE=${SUITE:-}
mkdir -p "$results"

say() { printf '==> %s\n' "$*"; }
fail_stage() {	# LABEL REASON
	echo "RESULT $1 0 1" >> "$results/current"
	echo "  FAIL  $1: $2"
}

prepare() {
	say "dependencies"
	"$here/deps.sh" || return 1
	say "pristine tree"
	"$here/unpack.sh" "$build" || return 1
	say "apply the series"
	python3 "$here/apply.py" --repo "$repo" --upstream "$src/upstream" \
		--tree "$src/ours" --kind ours || return 1
	python3 "$here/apply.py" --repo "$repo" --upstream "$src/upstream" \
		--tree "$src/base" --kind base || return 1
}

# The object a C file of ours builds into: apply.py splices
# memory_insert_page.c into memory.c.
object_of() {
	case $1 in
	mm/memory_insert_page.c) echo mm/memory.o ;;
	*) echo "${1%.c}.o" ;;
	esac
}

# The files make coverage measures: the GUP core and vm_insert_page.
coverage_files="mm/gup.c mm/gup_fast.c mm/memory_insert_page.c"

# kernel KIND ARCH PROFILE [VARIANT]: build $src/KIND for ARCH with
# PROFILE's config (and configs/ARCH-VARIANT.config) into $kout.  The
# coverage profile is the debug one plus configs/coverage.config, with
# gcov counters in the objects of $coverage_files.
kernel() {
	local kind=$1 arch=$2 profile=$3 variant=${4:-} extra=() frags f o vars=
	local out=$build/out/$kind-${arch/x86_64/x86}${variant:+-$variant}
	[ "$profile" = debug ] || out=$out-$profile
	kout=$out
	frags=("$configs/$profile.config")
	if [ "$profile" = coverage ]; then
		frags=("$configs/debug.config" "$configs/coverage.config")
		# GCOV_PROFILE_<name>.o applies in every directory: test which
		# (arch/x86/boot has a memory.o too)
		for f in $coverage_files; do
			o=$(object_of "$f")
			vars+="GCOV_PROFILE_${o##*/}=\$(if \$(filter ${o%/*},\$(obj)),y)"$'\n'
		done
	fi
	extra=("$configs/$arch.config")
	[ -z "$variant" ] || extra+=("$configs/$arch-$variant.config")
	say "build $kind kernel ($arch, $profile config) in ${out#$repo/}"
	mkdir -p "$out"
	KBUILD_MAKEVARS=$vars "$here/kbuild.sh" "$src/$kind" "$out" "$arch" \
		"$configs/common.config" "${frags[@]}" "${extra[@]}" > "$out.log" 2>&1 || {
		tail -n 30 "$out.log" | sed 's/^/  | /'
		return 1
	}
}

# guest LABEL ARCH IMAGE INITRD [BOOT.PY ARG...]: boot under QEMU, run the
# KUnit suites ($SUITE) and the initramfs's tests, report into $results.
guest() {
	local label=$1 arch=$2 image=$3 initrd=$4
	shift 4
	python3 "$here/boot.py" --arch "$arch" --kernel "$image" --initrd "$initrd" \
		--kunit-py "$kunit_py" --log "$build/out/$label.console" --label "$label" \
		--suite "$SUITE" "$@" | tee -a "$results/current" | grep -v '^RESULT'
}

# boot KIND ARCH [VARIANT]: build, make the initramfs, boot, collect
# results.  Our kernel's console must also be free of kernel warnings
# (boot.py --clean-log).
boot() {
	local kind=$1 arch=$2 variant=${3:-} out image clean=
	local label=$1-${2/x86_64/x86}${3:+-$3}
	[ "$kind" = ours ] && clean=1
	kernel "$kind" "$arch" debug "$variant" || { fail_stage "$label" "kernel build failed (see $build/out/$label.log)"; return 1; }
	out=$kout
	"$here/mkinitramfs.sh" "$arch" "$out" > "$out/initramfs.log" 2>&1 || {
		tail -n 20 "$out/initramfs.log" | sed 's/^/  | /'
		fail_stage "$label" "initramfs build failed"
		return 1
	}
	image=$(sed -n 's/^kbuild: //p' "$out.log" | tail -n 1)
	say "boot $label under QEMU: KUnit${SUITE:+ ($SUITE)}, then userspace tests"
	guest "$label" "$arch" "$image" "$out/initramfs.cpio.gz" \
		${variant:+--variant "$variant"} ${clean:+--clean-log}
}

# four_level: the x86_64 kernel that boot() built, booted again with
# no5lvl, KUnit only.  QEMU's CPU has LA57, so that guest pages with five
# levels; most x86_64 machines run the same kernel with four, the P4D
# level folded away at run time (p4d_offset() hands back the PGD entry).
# The initramfs lists no userspace test.
four_level() {
	local out=$build/out/ours-x86 label=ours-x86-4level image root
	image=$(sed -n 's/^kbuild: //p' "$out.log" | tail -n 1)
	[ -f "$image" ] || { fail_stage "$label" "no x86_64 kernel image"; return 1; }
	root=$out/initramfs-kunit
	rm -rf "$root"
	mkdir -p "$root/tests"
	cp "$out/initramfs/init" "$root/init"
	: > "$root/tests/list"
	(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$root.cpio.gz"
	say "boot $label under QEMU (no5lvl): KUnit only"
	guest "$label" x86_64 "$image" "$root.cpio.gz" --append no5lvl --clean-log
}

# coverage: the x86_64 debug kernel with gcov counters in our objects,
# booted with every test and then gcov_dump.c, which copies the counters
# out through the console; coverage.py turns them into per-line counts of
# our files in build/coverage.
coverage() {
	local label=ours-x86-coverage out image root f pairs=()
	kernel ours x86_64 coverage || { fail_stage "$label" "kernel build failed (see $build/out/$label.log)"; return 1; }
	out=$kout root=$kout/initramfs
	image=$(sed -n 's/^kbuild: //p' "$out.log" | tail -n 1)
	if ! "$here/mkinitramfs.sh" x86_64 "$out" > "$out/initramfs.log" 2>&1 ||
	   ! gcc -static -O2 -Wall -Werror -o "$root/tests/gcov_dump" "$here/gcov_dump.c"; then
		fail_stage "$label" "initramfs build failed (see $out/initramfs.log)"
		return 1
	fi
	printf 'gcov-dump\t300\t./gcov_dump\n' >> "$root/tests/list"
	(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$out/initramfs.cpio.gz"
	say "boot $label under QEMU: KUnit${SUITE:+ ($SUITE)}, userspace tests, gcov_dump"
	guest "$label" x86_64 "$image" "$out/initramfs.cpio.gz" --clean-log
	say "line and branch coverage of our files (annotated in build/coverage)"
	for f in $coverage_files; do pairs+=("$f=$(object_of "$f")"); done
	python3 "$here/coverage.py" --console "$build/out/$label.console" --objdir "$out" \
		--tree "$src/ours" --repo "$repo" --out "$build/coverage" "${pairs[@]}" | sed 's/^/  /' ||
		fail_stage coverage "coverage.py found no counters"
}

lint() {
	local f passed=0 failed=0 cp=$src/upstream/scripts/checkpatch.pl
	local kd=$src/upstream/scripts/kernel-doc
	say "checkpatch --strict and kernel-doc on our C files"
	while IFS= read -r f; do
		if "$cp" --strict --no-tree --quiet --show-types -f "$repo/$f" > "$results/checkpatch.tmp" 2>&1 ||
		   ! grep -q '^ERROR' "$results/checkpatch.tmp"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			echo "  FAIL  checkpatch $f"; grep -A3 '^ERROR' "$results/checkpatch.tmp" | sed 's/^/  | /'
		fi
		case $f in mm/*.c|lib/*.c|arch/*.c)
			if [ -z "$("$kd" -none "$repo/$f" 2>&1)" ]; then passed=$((passed + 1)); else
				failed=$((failed + 1)); echo "  FAIL  kernel-doc $f"
				"$kd" -none "$repo/$f" 2>&1 | head -5 | sed 's/^/  | /'
			fi ;;
		esac
	done < <(cd "$repo" && git ls-files --cached --others --exclude-standard \
		 'mm/*.[ch]' 'include/*.h' 'lib/*.[ch]' 'arch/*.[ch]' 'tools/testing/*.c')
	echo "  lint: $passed passed, $failed failed"
	echo "RESULT lint $passed $failed" >> "$results/current"
}

# our_objects: fill files=() with our C files that the x86 debug kernel
# builds and objs=() with their objects; fails when there are none.
our_objects() {
	local f obj out=$build/out/ours-x86
	files=() objs=()
	while IFS= read -r f; do
		obj=$(object_of "$f")
		[ -f "$out/$obj" ] || continue
		files+=("$f")
		objs+=("$obj")
	done < <(cd "$repo" && git ls-files --cached --others --exclude-standard \
		 'mm/*.c' 'lib/*.c' 'arch/*.c')
	[ ${#objs[@]} -gt 0 ]
}

# sparse (make C=2) on the objects of our C files that the x86 debug
# kernel builds; sparse_check.py attributes its reports to our files.
sparse_run() {
	local out=$build/out/ours-x86 files objs
	say "sparse (make C=2) on our objects"
	our_objects || {
		fail_stage sparse "no object of ours in ${out#"$repo"/}"
		return 1
	}
	flock "$build/.kbuild.lock" make -s -C "$src/ours" O="$out" ARCH=x86_64 \
		CC="ccache gcc" HOSTCC="ccache gcc" C=2 "${objs[@]}" \
		> "$results/sparse.log" 2>&1 || {
		tail -n 20 "$results/sparse.log" | sed 's/^/  | /'
		fail_stage sparse "make C=2 failed"
		return 1
	}
	python3 "$here/sparse_check.py" "$src/ours" "$results/sparse.log" "${files[@]}" \
		> "$results/sparse.result" || {
		fail_stage sparse "sparse_check.py failed"
		return 1
	}
	tee -a "$results/current" < "$results/sparse.result" | grep -v '^RESULT'
	tail -n 1 "$results/current" | awk '{ printf "  sparse: %d passed, %d failed\n", $3, $4 }'
}

# compile_only ARCH [VARIANT]: compile the objects of our_objects() in a
# kernel for ARCH (configs/ARCH.config and ARCH-VARIANT.config), without
# linking or booting it; one test each.  kbuild.sh goes on past a failed
# object (make -k), and make names each one in an "Error" line.
compile_only() {
	local arch=$1 variant=${2:-} files objs obj failed=0 out log
	local label=compile-$1${2:+-$2}
	out=$build/out/ours-$arch${variant:+-$variant}
	log=$out.compile.log
	say "compile our objects for $arch${variant:+ ($variant)} in ${out#"$repo"/}"
	our_objects || {
		fail_stage "$label" "no object of ours in build/out/ours-x86 to compile"
		return 1
	}
	mkdir -p "$out"
	if ! KBUILD_TARGETS="${objs[*]}" "$here/kbuild.sh" "$src/ours" "$out" "$arch" \
		"$configs/common.config" "$configs/debug.config" "$configs/$arch.config" \
		${variant:+"$configs/$arch-$variant.config"} > "$log" 2>&1; then
		for obj in "${objs[@]}"; do
			grep -q "[: ]$obj\] Error" "$log" || continue
			failed=$((failed + 1))
			echo "  FAIL  $label $obj (see ${log#"$repo"/})"
		done
		grep -m 5 'error' "$log" | sed 's/^/  | /'
		if [ $failed -eq 0 ]; then
			fail_stage "$label" "kbuild failed before any object (see ${log#"$repo"/})"
			return 1
		fi
	fi
	echo "  $label: $((${#objs[@]} - failed)) passed, $failed failed"
	echo "RESULT $label $((${#objs[@]} - failed)) $failed" >> "$results/current"
}

total() {
	awk '$1 == "RESULT" { p += $3; f += $4 } END { printf "%d passed, %d failed\n", p, f; exit f > 0 }' \
		"$results/current"
}

start=$(date +%s)
: > "$results/current"

# arch_target ARCH PACKAGES VARIANT...: the body of an architecture's
# target: prepare the trees, install PACKAGES (a space-separated list,
# possibly empty), boot ours once per VARIANT ("" for configs/ARCH.config
# alone), then print the totals.
arch_target() {
	local arch=$1 packages=$2 variant
	shift 2
	prepare || { fail_stage setup "could not prepare the trees"; total; exit 1; }
	if [ -n "$packages" ]; then
		# shellcheck disable=SC2086 # one word per package
		"$here/deps.sh" $packages ||
			{ fail_stage setup "could not install the $arch packages"; total; exit 1; }
	fi
	for variant in "$@"; do
		boot ours "$arch" "$variant"
	done
	total
}
case ${1:-} in
run)
	prepare || { fail_stage setup "could not prepare the trees"; total; exit 1; }
	boot ours x86_64
	if [ -f "$build/out/ours-x86.console" ]; then
		say "KUnit results (kunit.py parse)"
		python3 "$kunit_py" parse "$build/out/ours-x86.console" | sed 's/^\[[0-9:]*\] //'
	fi
	total ;;
check)
	prepare || { fail_stage setup "could not prepare the trees"; total; exit 1; }
	lint
	boot ours x86_64 && four_level
	sparse_run
	# No THP, hugetlb or HAVE_FAST_GUP: compiled only (40 s cold);
	# make arm boots it.
	compile_only arm
	# The only hugepd architecture, with page table sizes that are
	# variables; compiled only (20 s cold), make powerpc boots it.
	compile_only powerpc
	# Two page table levels, highmem page tables, 32-bit unsigned long:
	# compiled only.  Booting it too took a cold check to 44 minutes,
	# whether its kernel was built after the x86_64 guest or beside it
	# (two cores): make i386 boots it, with and without PAE.
	compile_only i386
	echo "check took $(( $(date +%s) - start )) s"
	total ;;
coverage)
	prepare || { fail_stage setup "could not prepare the trees"; total; exit 1; }
	coverage
	total ;;
check-pristine)
	prepare || { fail_stage setup "could not prepare the trees"; total; exit 1; }
	boot base x86_64
	total ;;
arm64) arch_target arm64 "" "" 3level 64k ;;
i386) arch_target i386 "" "" pae ;;
arm) arch_target arm "" "" lpae ;;
# make check needs only the compiler (it compiles for powerpc).
powerpc) arch_target powerpc "libc6-dev-ppc64-cross qemu-system-ppc" "" radix ;;
s390) arch_target s390 "gcc-s390x-linux-gnu libc6-dev-s390x-cross qemu-system-misc" "" ;;
mips) arch_target mips "gcc-mips64el-linux-gnuabi64 libc6-dev-mips64el-cross qemu-system-mips" "" 16k ;;
riscv) arch_target riscv "gcc-riscv64-linux-gnu libc6-dev-riscv64-cross qemu-system-misc" "" ;;
build)
	prepare && kernel ours x86_64 debug ;;
lint)
	lint
	total ;;
bench)
	prepare || exit 1
	"$here/bench.sh" ;;
bench-count)
	prepare || exit 1
	"$here/bench.sh" --count ;;
series)
	prepare && python3 "$here/series.py" --repo "$repo" --upstream "$src/upstream" \
		--out "$build/series" ;;
*)
	echo "harness: unknown command '${1:-}' (run, check, check-pristine, coverage, arm64, i386, arm, powerpc, s390, mips, riscv, build, lint, series, bench, bench-count)" >&2
	exit 2 ;;
esac

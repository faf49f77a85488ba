# SPDX-License-Identifier: GPL-2.0
#
# Drives the GUP series: the pristine Linux 6.1 tree is a dependency
# (Debian's linux-source-6.1, unpacked under build/), the series is applied
# to a copy of it, built, booted under QEMU and tested.
#
#   make run             install, unpack, apply, build, boot, KUnit results
#   make check           everything: lint, KUnit and userspace tests
#   make check-pristine  the same tests on the pristine kernel (plus tests)
#   make coverage        make check's x86_64 boot on a kernel with gcov in
#                        our objects; line and branch coverage of our files
#                        in build/coverage
#   make arm64           build and test our kernel for arm64 (4, 3 and 2
#                        levels, the last with 64K pages)
#   make i386            build and test our kernel for 32-bit x86 (2 levels,
#                        and 3 with PAE)
#   make arm             build and test our kernel for 32-bit Arm (2 levels
#                        without fast GUP, and 3 with LPAE)
#   make powerpc         build and test our kernel for 64-bit big-endian
#                        POWER (hash MMU with hugepd hugetlb pages)
#   make s390            build and test our kernel for s390 (page table
#                        levels that grow at run time)
#   make mips            build and test our kernel for 64-bit MIPS, 4K
#                        pages (cache aliases: no lockless walk) and 16K
#   make riscv           build and test our kernel for 64-bit RISC-V
#                        (no lockless walk in 6.1, Sv57 page tables)
#   make series          write the series as git format-patch into build/
#   make bench           pristine against ours on a production config,
#                        alternating boots; tables and CSV in build/bench
#   make bench-count     the same matrix, counting guest kernel
#                        instructions instead of time; build/bench/count
#                        (both: BENCH_ARCH=arm64 for 64-bit Arm guests,
#                        results in build/bench-arm64)
#   make SUITE=mm_gup run    only the KUnit suites matching a glob
#   make clean           remove build outputs (keeps the unpacked trees)
#   make distclean       remove build/ entirely

H := tools/gup-harness/harness.sh

.PHONY: run check check-pristine coverage arm64 i386 arm powerpc s390 mips riscv build lint series bench bench-count clean distclean

run check check-pristine coverage arm64 i386 arm powerpc s390 mips riscv build lint series bench bench-count:
	@$(H) $@

clean:
	rm -rf build/out build/results build/series

distclean:
	rm -rf build

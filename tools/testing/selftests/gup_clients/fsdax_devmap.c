// SPDX-License-Identifier: GPL-2.0
/*
 * Devmap pages under GUP.  ext2 mounted -o dax on /dev/pmem0 (a legacy
 * pmem device, memmap=SIZE!START, whose struct pages are ZONE_DEVICE)
 * maps file pages straight into user space with devmap page table
 * entries; GUP has to hold the device's dev_pagemap for them, on the fast
 * and on the slow path, and must refuse FOLL_LONGTERM on such a mapping
 * (a long-term pin would stop the file system from ever moving or freeing
 * the blocks).  Each run makes a fresh file system, a file of written
 * blocks followed by a hole, maps it MAP_SHARED, proves the mapping is DAX
 * (statx's STATX_ATTR_DAX, and a mapped page frame lies in the pmem range
 * of /proc/iomem), runs one sub-test and unmounts:
 *
 *   odirect     O_DIRECT from /dev/ram0 into the mapping (written blocks
 *               and the hole) and to /dev/ram0 from it (written blocks and
 *               the hole), every byte checked on both sides;
 *   process_vm  process_vm_readv/writev of a child's mapping of the file,
 *               checked by the child, through the file and by the parent;
 *   longterm    IORING_REGISTER_BUFFERS (pin_user_pages(FOLL_LONGTERM)) of
 *               the mapping fails with EOPNOTSUPP, and of buffers half
 *               anonymous and half DAX as the partial pin implies, while
 *               anonymous buffers register in the same ring;
 *   mount       (then "umount") the setup alone, for gup_test -f.
 *
 * ext2 has no DAX huge page fault (its allocations are not aligned), so
 * the entries are 4 KiB ptes; the setup prints how many page faults
 * touching 2 MiB of the mapping took.  Without /dev/pmem0 the test fails
 * on x86_64 (the harness gives it one) and is skipped elsewhere.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define PMEM "/dev/pmem0"
#define RAM "/dev/ram0"
#define MNT_PARENT "/mnt"
#define MNT "/mnt/dax"
#define FILE_PATH MNT "/data"
#define MKFS_LOG "/tmp/fsdax_devmap.mkfs"
#define MB (1024 * 1024UL)
#define FILE_LEN (12 * MB)	/* the file: written blocks, then a hole */
#define DATA_LEN (8 * MB)	/* the written part, pattern DATA_SEED */
#define DATA_SEED 1
#define PROBE_OFF (4 * MB)	/* 2 MiB touched by the setup only */
#define PROBE_LEN (2 * MB)
#define IO_LEN MB

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

static size_t page;
static unsigned long pmem_first, pmem_last;	/* page frames */

/* What the file holds at @off before any sub-test changed it. */
static unsigned char file_byte(unsigned long off)
{
	return off < DATA_LEN ? pattern(off, DATA_SEED) : 0;
}

/*
 * Where @p (@len bytes at file offset @off) first differs from the file's
 * original content, or -1.
 */
static long orig_diff(const unsigned char *p, size_t len, unsigned long off)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != file_byte(off + i))
			return i;
	return -1;
}

static long zero_diff(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return i;
	return -1;
}

/* Run @argv with output to MKFS_LOG; returns its exit status or -1. */
static int run_quiet(char *const argv[])
{
	int status, fd;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		fd = open(MKFS_LOG, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void print_log(const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		printf("  | %s", line);
	if (f)
		fclose(f);
}

/* The page frames of the pmem device, from /proc/iomem (root only). */
static int find_pmem_range(void)
{
	unsigned long start, end;
	char line[256];
	FILE *f = fopen("/proc/iomem", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strstr(line, "Persistent Memory"))
			continue;
		if (sscanf(line, " %lx-%lx", &start, &end) == 2 && end > start) {
			pmem_first = start / page;
			pmem_last = end / page;
			break;
		}
	}
	if (f)
		fclose(f);
	return pmem_last ? 0 : -1;
}

static int in_pmem(unsigned long pfn)
{
	return pfn && pfn >= pmem_first && pfn <= pmem_last;
}

/*
 * The first and last page of [@p, @p + @len) must be mapped to page frames
 * of the pmem device, as they are after GUP faulted them in.
 */
static void check_pmem_backed(const char *what, const unsigned char *p, size_t len)
{
	unsigned long a = pfn_of(p), b = pfn_of(p + len - 1);

	if (!in_pmem(a) || !in_pmem(b))
		fail("%s: expected page frames in pmem (%#lx-%#lx), seen %#lx and %#lx",
		     what, pmem_first, pmem_last, a, b);
}

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

struct dax {
	int mounted;
	int fd;
	unsigned char *map;	/* FILE_LEN bytes, 2 MiB aligned */
};

/* The file, mapped MAP_SHARED at a 2 MiB aligned address. */
static unsigned char *map_file(int fd)
{
	unsigned char *area, *p;
	unsigned long a;

	area = mmap(NULL, FILE_LEN + 2 * MB, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		return NULL;
	a = ((unsigned long)area + 2 * MB - 1) & ~(2 * MB - 1);
	p = mmap((void *)a, FILE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Make the file system, the file and its mapping; 0, 1 (failed) or 4 (skip). */
static int setup(struct dax *d)
{
	static char * const mkfs[] = { "/bin/busybox", "mke2fs", "-F", "-b", "4096", PMEM, NULL };
	struct statx stx;
	unsigned char *buf;
	unsigned long off;
	long faults, bad;
	struct stat st;
	int ret;

	if (stat(PMEM, &st)) {
#ifdef __x86_64__
		printf("FAIL: %s: %s (expected the legacy pmem device of memmap=SIZE!START)\n",
		       PMEM, strerror(errno));
		return 1;
#else
		printf("SKIP: %s: %s (no pmem device on this architecture)\n", PMEM,
		       strerror(errno));
		return 4;
#endif
	}
	if (find_pmem_range()) {
		printf("FAIL: no \"Persistent Memory\" range in /proc/iomem\n");
		return 1;
	}
	printf("note: pmem page frames %#lx-%#lx\n", pmem_first, pmem_last);
	umount2(MNT, 0);	/* left over by a run that was killed */
	ret = run_quiet(mkfs);
	if (ret) {
		printf("FAIL: busybox mke2fs -b 4096 %s: exit status %d, output:\n", PMEM, ret);
		print_log(MKFS_LOG);
		return 1;
	}
	mkdir(MNT_PARENT, 0755);
	mkdir(MNT, 0755);
	if (mount(PMEM, MNT, "ext2", 0, "dax")) {
		printf("FAIL: mount -t ext2 -o dax %s %s: %s\n", PMEM, MNT, strerror(errno));
		return 1;
	}
	d->mounted = 1;

	d->fd = open(FILE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);
	buf = malloc(MB);
	if (d->fd < 0 || !buf) {
		printf("FAIL: creating %s: %s\n", FILE_PATH, strerror(errno));
		return 1;
	}
	for (off = 0; off < DATA_LEN; off += MB) {
		pattern_fill(buf, MB, off, DATA_SEED);
		if (pwrite(d->fd, buf, MB, off) != (ssize_t)MB) {
			printf("FAIL: writing %s at %lu: %s\n", FILE_PATH, off, strerror(errno));
			return 1;
		}
	}
	free(buf);
	if (ftruncate(d->fd, FILE_LEN)) {
		printf("FAIL: ftruncate %s: %s\n", FILE_PATH, strerror(errno));
		return 1;
	}
	if (statx(AT_FDCWD, FILE_PATH, 0, STATX_BASIC_STATS, &stx)) {
		printf("FAIL: statx %s: %s\n", FILE_PATH, strerror(errno));
		return 1;
	}
	if (!(stx.stx_attributes_mask & STATX_ATTR_DAX) ||
	    !(stx.stx_attributes & STATX_ATTR_DAX)) {
		printf("FAIL: %s: expected STATX_ATTR_DAX, seen attributes %#llx (mask %#llx)\n",
		       FILE_PATH, (unsigned long long)stx.stx_attributes,
		       (unsigned long long)stx.stx_attributes_mask);
		return 1;
	}
	printf("ok: %s on ext2 -o dax is DAX (statx)\n", FILE_PATH);

	d->map = map_file(d->fd);
	if (!d->map) {
		printf("FAIL: mmap of %s: %s\n", FILE_PATH, strerror(errno));
		return 1;
	}
	/* The probe: read 2 MiB from user space, counting the page faults. */
	faults = minor_faults();
	bad = orig_diff(d->map + PROBE_OFF, PROBE_LEN, PROBE_OFF);
	faults = minor_faults() - faults;
	if (bad >= 0) {
		printf("FAIL: the mapping at %lu: expected %#x, seen %#x\n", PROBE_OFF + bad,
		       file_byte(PROBE_OFF + bad), d->map[PROBE_OFF + bad]);
		return 1;
	}
	if (!in_pmem(pfn_of(d->map + PROBE_OFF))) {
		printf("FAIL: the mapping: expected a pmem page frame, seen %#lx\n",
		       pfn_of(d->map + PROBE_OFF));
		return 1;
	}
	printf("ok: the mapping shows the file, page frame %#lx is pmem\n",
	       pfn_of(d->map + PROBE_OFF));
	printf("note: reading 2 MiB (2 MiB aligned) took %ld page fault(s): %s\n", faults,
	       faults == 1 ? "a pmd mapping" : "4 KiB ptes");
	return 0;
}

/* Unmap and unmount; a failure if the file system stays mounted. */
static void teardown(struct dax *d)
{
	if (d->map)
		munmap(d->map, FILE_LEN);
	if (d->fd >= 0)
		close(d->fd);
	if (d->mounted && umount2(MNT, 0))
		fail("umount %s: %s", MNT, strerror(errno));
}

static int dev_io(int write, int fd, void *p, size_t len, off_t off, const char *what)
{
	ssize_t n = write ? pwrite(fd, p, len, off) : pread(fd, p, len, off);

	if (n != (ssize_t)len) {
		fail("%s: O_DIRECT %s of %zu bytes at %lld returned %zd (%s)", what,
		     write ? "pwrite" : "pread", len, (long long)off, n,
		     n < 0 ? strerror(errno) : "short");
		return -1;
	}
	return 0;
}

/*
 * The file from @off (@len bytes), read through the file system: @seed's
 * pattern (or zeroes if @seed is 0) there, and a page of the original
 * content on each side.
 */
static void check_file(int fd, unsigned long off, size_t len, unsigned int seed,
		       const char *what)
{
	unsigned long from = off > page ? off - page : 0;
	unsigned long to = off + len + page < FILE_LEN ? off + len + page : FILE_LEN;
	unsigned char *buf = malloc(to - from);
	long bad;

	if (!buf || pread(fd, buf, to - from, from) != (ssize_t)(to - from)) {
		fail("%s: pread of the file: %s", what, strerror(errno));
		free(buf);
		return;
	}
	bad = seed ? pattern_diff(buf + off - from, len, off, seed) :
		     zero_diff(buf + off - from, len);
	if (bad >= 0)
		fail("%s: file byte %lu: expected %#x, seen %#x", what, off + bad,
		     seed ? pattern(off + bad, seed) : 0, buf[off - from + bad]);
	bad = orig_diff(buf, off - from, from);
	if (bad < 0) {
		bad = orig_diff(buf + off + len - from, to - off - len, off + len);
		if (bad >= 0)
			bad += off + len - from;
	}
	if (bad >= 0)
		fail("%s: file byte %lu outside the I/O changed: expected %#x, seen %#x",
		     what, from + bad, file_byte(from + bad), buf[bad]);
	free(buf);
}

/*
 * O_DIRECT write of IO_LEN bytes from the mapping at file offset @off to
 * ram0 (slot @slot, first filled with junk), read back: the file's bytes.
 */
static void from_dax(struct dax *d, int ram, unsigned char *anon, unsigned long off,
		     int slot, const char *what)
{
	unsigned char *p = d->map + off;
	off_t dev_off = (off_t)slot * IO_LEN;
	long bad;

	memset(anon, 0x5a, IO_LEN);
	if (dev_io(1, ram, anon, IO_LEN, dev_off, what) ||
	    dev_io(1, ram, p, IO_LEN, dev_off, what) ||
	    dev_io(0, ram, anon, IO_LEN, dev_off, what))
		return;
	bad = orig_diff(anon, IO_LEN, off);
	if (bad >= 0)
		fail("%s: byte %ld: expected %#x, seen %#x", what, bad, file_byte(off + bad),
		     anon[bad]);
	else
		printf("ok: %s: %lu bytes on ram0 as in the file\n", what, IO_LEN);
	if (off < DATA_LEN)	/* a hole maps the zero page */
		check_pmem_backed(what, p, IO_LEN);
}

/*
 * O_DIRECT read of IO_LEN bytes of pattern @seed from ram0 (slot @slot)
 * into the mapping at file offset @off: the process and the file see them.
 */
static void into_dax(struct dax *d, int ram, unsigned char *anon, unsigned long off,
		     int slot, unsigned int seed, const char *what)
{
	unsigned char *p = d->map + off;
	off_t dev_off = (off_t)slot * IO_LEN;
	long bad;

	pattern_fill(anon, IO_LEN, off, seed);
	if (dev_io(1, ram, anon, IO_LEN, dev_off, what) ||
	    dev_io(0, ram, p, IO_LEN, dev_off, what))
		return;
	bad = pattern_diff(p, IO_LEN, off, seed);
	if (bad >= 0)
		fail("%s: byte %ld: expected %#x, seen %#x", what, bad,
		     pattern(off + bad, seed), p[bad]);
	else
		printf("ok: %s: %lu bytes in the mapping\n", what, IO_LEN);
	check_file(d->fd, off, IO_LEN, seed, what);
	check_pmem_backed(what, p, IO_LEN);
}

/* Each range of the mapping is touched by GUP first. */
static void sub_odirect(struct dax *d)
{
	unsigned char *anon = map_anon(IO_LEN, 0);
	int ram = open(RAM, O_RDWR | O_DIRECT);

	if (ram < 0 || !anon) {
		fail("open %s O_DIRECT: %s", RAM, strerror(errno));
		return;
	}
	from_dax(d, ram, anon, 1536, 0, "O_DIRECT write from written blocks");
	into_dax(d, ram, anon, 2 * MB + 2560, 1, 2, "O_DIRECT read into written blocks");
	/* GUP's write fault allocates the blocks. */
	into_dax(d, ram, anon, DATA_LEN + 3584, 2, 3, "O_DIRECT read into the hole");
	from_dax(d, ram, anon, DATA_LEN + 2 * MB, 3, "O_DIRECT write from the hole");
	close(ram);
	munmap(anon, IO_LEN);
}

/* The child's side: map the file, publish the address, check what came. */
#define PV_R1 (7 * 512UL)		/* read from written blocks */
#define PV_R1_LEN (MB + 1000)
#define PV_R2 (10 * MB + 5)		/* read from the hole: zeroes */
#define PV_R2_LEN 200000UL
#define PV_W1 (2 * MB + 100)		/* written into written blocks */
#define PV_W1_LEN (MB + 333)
#define PV_W2 (8 * MB + 77)		/* written into the hole */
#define PV_W2_LEN 300000UL

static int child_check(unsigned char *m, unsigned long off, size_t len,
		       unsigned int seed)
{
	long bad = pattern_diff(m + off, len, off, seed);

	if (bad >= 0) {
		printf("FAIL: child: byte %lu of its mapping: expected %#x, seen %#x\n",
		       off + bad, pattern(off + bad, seed), m[off + bad]);
		return 1;
	}
	if (orig_diff(m + off - 1, 1, off - 1) >= 0 ||
	    orig_diff(m + off + len, 1, off + len) >= 0) {
		printf("FAIL: child: the bytes around %lu+%zu changed\n", off, len);
		return 1;
	}
	return 0;
}

static int child_side(int fd, int to_parent, int from_parent)
{
	unsigned char *m = mmap(NULL, FILE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	unsigned long addr = (unsigned long)m;
	char go;

	if (m == MAP_FAILED)
		addr = 0;
	if (write(to_parent, &addr, sizeof(addr)) != sizeof(addr) || !addr)
		return 2;
	if (read(from_parent, &go, 1) != 1)
		return 3;
	if (child_check(m, PV_W1, PV_W1_LEN, 4) || child_check(m, PV_W2, PV_W2_LEN, 5))
		return 1;
	printf("ok: child: its mapping holds what process_vm_writev wrote\n");
	return 0;
}

/*
 * One local buffer @buf against two ranges of the child's mapping at
 * @caddr; returns the total length.
 */
static size_t pv_iovecs(struct iovec *local, struct iovec remote[2],
			unsigned char *buf, unsigned long caddr,
			unsigned long off1, size_t len1,
			unsigned long off2, size_t len2)
{
	local->iov_base = buf;
	local->iov_len = len1 + len2;
	remote[0].iov_base = (void *)(caddr + off1);
	remote[0].iov_len = len1;
	remote[1].iov_base = (void *)(caddr + off2);
	remote[1].iov_len = len2;
	return len1 + len2;
}

static void sub_process_vm(struct dax *d)
{
	struct iovec local, remote[2];
	int to_parent[2], from_parent[2], status;
	unsigned long caddr = 0;
	unsigned char *buf;
	long bad, bad2;
	size_t total;
	ssize_t n;
	pid_t pid;

	buf = malloc(PV_R1_LEN + PV_R2_LEN + PV_W1_LEN + PV_W2_LEN);
	if (!buf || pipe(to_parent) || pipe(from_parent)) {
		fail("process_vm setup: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (!pid)
		_exit(child_side(d->fd, to_parent[1], from_parent[0]));
	if (pid < 0 || read(to_parent[0], &caddr, sizeof(caddr)) != sizeof(caddr) ||
	    !caddr) {
		fail("the child did not map the file");
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return;
	}

	/* Read written blocks and the hole, never touched by the child. */
	total = pv_iovecs(&local, remote, buf, caddr, PV_R1, PV_R1_LEN,
			  PV_R2, PV_R2_LEN);
	memset(buf, 0x5a, total);
	n = process_vm_readv(pid, &local, 1, remote, 2, 0);
	if (n != (ssize_t)total) {
		fail("process_vm_readv of the child's mapping: expected %zu, returned %zd (%s)",
		     total, n, n < 0 ? strerror(errno) : "short");
	} else {
		bad = orig_diff(buf, PV_R1_LEN, PV_R1);
		if (bad >= 0)
			fail("process_vm_readv: file byte %lu: expected %#x, seen %#x",
			     PV_R1 + bad, file_byte(PV_R1 + bad), buf[bad]);
		bad2 = zero_diff(buf + PV_R1_LEN, PV_R2_LEN);
		if (bad2 >= 0)
			fail("process_vm_readv of the hole: byte %ld: expected 0, seen %#x",
			     bad2, buf[PV_R1_LEN + bad2]);
		if (bad < 0 && bad2 < 0)
			printf("ok: process_vm_readv of the child's DAX mapping: %zu bytes\n",
			       total);
	}

	/* Write into written blocks and into the hole (allocating them). */
	total = pv_iovecs(&local, remote, buf, caddr, PV_W1, PV_W1_LEN,
			  PV_W2, PV_W2_LEN);
	pattern_fill(buf, PV_W1_LEN, PV_W1, 4);
	pattern_fill(buf + PV_W1_LEN, PV_W2_LEN, PV_W2, 5);
	n = process_vm_writev(pid, &local, 1, remote, 2, 0);
	if (n != (ssize_t)total)
		fail("process_vm_writev into the child's mapping: expected %zu, returned %zd (%s)",
		     total, n, n < 0 ? strerror(errno) : "short");
	else
		printf("ok: process_vm_writev wrote %zu bytes into the child's DAX mapping\n",
		       total);

	if (write(from_parent[1], "g", 1) != 1 || waitpid(pid, &status, 0) != pid)
		fail("waiting for the child: %s", strerror(errno));
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("the child: expected exit status 0, seen status %#x", status);
	check_file(d->fd, PV_W1, PV_W1_LEN, 4, "process_vm_writev");
	check_file(d->fd, PV_W2, PV_W2_LEN, 5, "process_vm_writev into the hole");
	bad = pattern_diff(d->map + PV_W2, PV_W2_LEN, PV_W2, 5);
	if (bad >= 0)
		fail("the parent's mapping at %lu: expected %#x, seen %#x", PV_W2 + bad,
		     pattern(PV_W2 + bad, 5), d->map[PV_W2 + bad]);
	else
		printf("ok: the file and the parent's mapping hold what was written\n");
	free(buf);
}

static const char *err_name(int e)
{
	if (!e)
		return "success";
	if (e == EOPNOTSUPP)
		return "EOPNOTSUPP";
	if (e == EFAULT)
		return "EFAULT";
	if (e == EINVAL)
		return "EINVAL";
	return strerror(e);
}

/* Register @len bytes at @p as the ring's one buffer; returns 0 or errno. */
static int register_buf(int ring, void *p, size_t len)
{
	struct iovec iov = { p, len };
	int e;

	if (!syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS, &iov, 1)) {
		syscall(__NR_io_uring_register, ring, IORING_UNREGISTER_BUFFERS, NULL, 0);
		return 0;
	}
	e = errno;
	return e ? e : -1;
}

static void expect_register(int ring, void *p, size_t len, int want, const char *what)
{
	int e = register_buf(ring, p, len);

	if (e != want)
		fail("IORING_REGISTER_BUFFERS of %s: expected %s, seen %s", what,
		     err_name(want), err_name(e));
	else
		printf("ok: IORING_REGISTER_BUFFERS of %s: %s\n", what, err_name(e));
}

static void sub_longterm(struct dax *d)
{
	struct io_uring_params params;
	unsigned char *anon, *mixed;
	struct stat st0, st1;
	int ring;

	memset(&params, 0, sizeof(params));
	ring = syscall(__NR_io_uring_setup, 4, &params);
	anon = map_anon(64 * 1024, 0);
	mixed = map_anon(4 * page, 0);
	if (ring < 0 || !anon || !mixed) {
		fail("io_uring_setup or mmap: %s", strerror(errno));
		return;
	}
	memset(anon, 0x33, 64 * 1024);
	expect_register(ring, anon, 64 * 1024, 0, "64 KiB of anonymous memory");

	/* The whole buffer is DAX: refused, touched by the process or not. */
	expect_register(ring, d->map + PROBE_OFF, 256 * 1024, EOPNOTSUPP,
			"256 KiB of the DAX mapping (faulted in)");
	/*
	 * io_uring refuses file-backed buffers by itself too, but only after
	 * pinning them.  GUP refuses FOLL_LONGTERM on fsdax before faulting
	 * anything: an untouched page stays unmapped, the hole unallocated.
	 */
	expect_register(ring, d->map + MB, 256 * 1024, EOPNOTSUPP,
			"256 KiB of the DAX mapping (never touched)");
	if (pfn_of(d->map + MB))
		fail("refused registration: expected no fault, but the DAX page %#lx is mapped now",
		     pfn_of(d->map + MB));
	if (fstat(d->fd, &st0))
		fail("fstat: %s", strerror(errno));
	expect_register(ring, d->map + DATA_LEN + 4 * page, 4 * page, EOPNOTSUPP,
			"the hole of the DAX file");
	if (fstat(d->fd, &st1) || st1.st_blocks != st0.st_blocks)
		fail("refused registration of the hole: expected %lld blocks, seen %lld",
		     (long long)st0.st_blocks, (long long)st1.st_blocks);

	/*
	 * An anonymous page, then a DAX page: GUP pins the first and stops
	 * at the DAX one, and a partial pin is EFAULT for io_uring (had the
	 * DAX page been pinned too, the mixed VMAs would be EINVAL).
	 */
	if (mmap(mixed + 2 * page, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 d->fd, 0) == MAP_FAILED) {
		fail("mapping DAX pages after anonymous ones: %s", strerror(errno));
	} else {
		memset(mixed, 0x44, 2 * page);
		expect_register(ring, mixed + page, 2 * page, EFAULT,
				"an anonymous page then a DAX page");
		/* A DAX page first: refused before anything is pinned. */
		if (mmap(mixed, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 d->fd, 2 * page) == MAP_FAILED ||
		    mmap(mixed + 2 * page, 2 * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) {
			fail("mapping anonymous pages after DAX ones: %s", strerror(errno));
		} else {
			memset(mixed + 2 * page, 0x55, 2 * page);
			expect_register(ring, mixed + page, 2 * page, EOPNOTSUPP,
					"a DAX page then an anonymous page");
		}
	}

	/* The refusals left the ring usable. */
	expect_register(ring, anon + 100, 32 * 1024, 0,
			"anonymous memory after the refusals");
	munmap(mixed, 4 * page);
	munmap(anon, 64 * 1024);
	close(ring);
}

/*
 * "mount": leave the file system mounted with GT_FILE, GT_LEN bytes of
 * written blocks, for upstream's gup_test -f; its directory exists only
 * on the DAX file system, so gup_test fails if this did.  "umount" ends it.
 */
#define GT_DIR MNT "/gup_test"
#define GT_FILE GT_DIR "/file"
#define GT_LEN (16 * MB)

static void sub_mount(struct dax *d)
{
	unsigned char *zero = calloc(1, MB);
	unsigned long off;
	int fd;

	if (!zero || mkdir(GT_DIR, 0755)) {
		fail("mkdir %s: %s", GT_DIR, strerror(errno));
		return;
	}
	fd = open(GT_FILE, O_RDWR | O_CREAT | O_TRUNC, 0600);
	for (off = 0; fd >= 0 && off < GT_LEN; off += MB)
		if (pwrite(fd, zero, MB, off) != (ssize_t)MB)
			break;
	if (fd < 0 || off != GT_LEN) {
		fail("writing %s: %s", GT_FILE, strerror(errno));
	} else {
		printf("ok: %s: %lu bytes for gup_test, %s stays mounted\n", GT_FILE,
		       GT_LEN, MNT);
		d->mounted = 0;	/* teardown leaves it mounted */
	}
	if (fd >= 0)
		close(fd);
	free(zero);
}

int main(int argc, char **argv)
{
	struct dax d = { .fd = -1 };
	const char *sub = argc > 1 ? argv[1] : "";
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page = getpagesize();
	if (!strcmp(sub, "umount")) {
		if (umount2(MNT, 0))
			fail("umount %s: %s", MNT, strerror(errno));
		return finish("fsdax_devmap umount");
	}
	if (strcmp(sub, "odirect") && strcmp(sub, "process_vm") && strcmp(sub, "longterm") &&
	    strcmp(sub, "mount")) {
		printf("usage: %s odirect|process_vm|longterm|mount|umount\n", argv[0]);
		return 2;
	}
	ret = setup(&d);
	if (ret == 4)
		return 4;
	if (ret)
		failures++;
	else if (!strcmp(sub, "odirect"))
		sub_odirect(&d);
	else if (!strcmp(sub, "process_vm"))
		sub_process_vm(&d);
	else if (!strcmp(sub, "longterm"))
		sub_longterm(&d);
	else if (!failures)
		sub_mount(&d);
	teardown(&d);
	return finish("fsdax_devmap");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * O_DIRECT on a block device pins the user buffer for the duration of the
 * I/O (iov_iter_get_pages / pin_user_pages_fast) and the device copies
 * straight to or from those pages.  Move data between /dev/ram0 and
 * buffers made of small pages, transparent huge pages and hugetlb pages,
 * in every combination, and check every byte both ways.  Destination
 * buffers are never touched before the read, so the pin has to fault them
 * in; a write from a never-touched buffer must put zeroes on the device.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/fs.h>

#include "util.h"

#define DEVICE "/dev/ram0"
#define IO_LEN (1024 * 1024UL)
#define MAX_HUGE (32 * 1024 * 1024UL)	/* larger huge pages are not tried */

enum { SMALL, THP, HUGETLB, NR_TYPES };
static const char * const type_name[NR_TYPES] = { "4k", "thp", "hugetlb" };

struct buf {
	char *map;	/* what mmap returned */
	size_t maplen;
	char *io;	/* IO_LEN bytes of I/O start here */
	char *region;	/* start of the page (or huge page) holding io */
	size_t regionlen;
};

static size_t page_size, thp_size, huge_size;
static int have[NR_TYPES];

/* The shared pattern with bit 0 set: never zero, unlike untouched memory. */
static unsigned char nz_pattern(unsigned long i, unsigned int seed)
{
	return pattern(i, seed) | 1;
}

static void fill(char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = nz_pattern(i, seed);
}

/* Returns the index of the first wrong byte, or -1. */
static long compare(const char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] != nz_pattern(i, seed))
			return i;
	return -1;
}

static long first_nonzero(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return i;
	return -1;
}

static int alloc_buf(int type, struct buf *b)
{
	unsigned long aligned;

	memset(b, 0, sizeof(*b));
	switch (type) {
	case SMALL:
		b->maplen = IO_LEN + 2 * page_size;
		b->map = mmap(NULL, b->maplen, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b->map == MAP_FAILED)
			break;
		madvise(b->map, b->maplen, MADV_NOHUGEPAGE);
		b->region = b->map;
		b->regionlen = b->maplen;
		b->io = b->map + 3 * 512;	/* starts and ends mid-page */
		return 0;
	case THP:
		b->maplen = 2 * thp_size;
		b->map = mmap(NULL, b->maplen, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b->map == MAP_FAILED)
			break;
		aligned = ((unsigned long)b->map + thp_size - 1) & ~(thp_size - 1);
		b->region = (char *)aligned;
		b->regionlen = thp_size;
		if (madvise(b->region, thp_size, MADV_HUGEPAGE))
			fail("madvise(MADV_HUGEPAGE): %s", strerror(errno));
		b->io = b->region + 3 * page_size + 512;
		return 0;
	case HUGETLB:
		b->maplen = huge_size;
		b->map = mmap(NULL, b->maplen, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (b->map == MAP_FAILED)
			break;
		b->region = b->map;
		b->regionlen = huge_size;
		b->io = b->map + 5 * page_size + 1024;
		return 0;
	}
	fail("mmap of a %s buffer: %s", type_name[type], strerror(errno));
	return -1;
}

static void free_buf(struct buf *b)
{
	munmap(b->map, b->maplen);
}

static int dev_write(int fd, const char *p, size_t len, off_t off, const char *what)
{
	ssize_t n = pwrite(fd, p, len, off);

	if (n != (ssize_t)len) {
		fail("%s: O_DIRECT pwrite of %zu bytes at %lld returned %zd (%s)",
		     what, len, (long long)off, n, n < 0 ? strerror(errno) : "short");
		return -1;
	}
	return 0;
}

static int dev_read(int fd, char *p, size_t len, off_t off, const char *what)
{
	ssize_t n = pread(fd, p, len, off);

	if (n != (ssize_t)len) {
		fail("%s: O_DIRECT pread of %zu bytes at %lld returned %zd (%s)",
		     what, len, (long long)off, n, n < 0 ? strerror(errno) : "short");
		return -1;
	}
	return 0;
}

/* Nothing outside the I/O range of a fresh destination may have changed. */
static void check_margins(struct buf *b, const char *what)
{
	long before = b->io - b->region;
	long after = b->region + b->regionlen - (b->io + IO_LEN);
	long bad;

	bad = first_nonzero(b->region, before);
	if (bad >= 0)
		fail("%s: byte %ld before the I/O range changed: expected 0, seen %#x",
		     what, before - bad, (unsigned char)b->region[bad]);
	bad = first_nonzero(b->io + IO_LEN, after);
	if (bad >= 0)
		fail("%s: byte %ld after the I/O range changed: expected 0, seen %#x",
		     what, bad, (unsigned char)b->io[IO_LEN + bad]);
}

static void roundtrip(int fd, int src_type, int dst_type, unsigned int seed, off_t off)
{
	struct buf src, dst;
	char what[64];
	long bad;

	snprintf(what, sizeof(what), "%s -> ram0 -> %s", type_name[src_type],
		 type_name[dst_type]);
	if (alloc_buf(src_type, &src))
		return;
	if (alloc_buf(dst_type, &dst)) {
		free_buf(&src);
		return;
	}
	fill(src.io, IO_LEN, seed);
	if (!dev_write(fd, src.io, IO_LEN, off, what) &&
	    !dev_read(fd, dst.io, IO_LEN, off, what)) {
		bad = compare(dst.io, IO_LEN, seed);
		if (bad >= 0)
			fail("%s: byte %ld: expected %#x, seen %#x", what, bad,
			     nz_pattern(bad, seed), (unsigned char)dst.io[bad]);
		else
			printf("ok: %s, %lu bytes intact%s\n", what, IO_LEN,
			       dst_type == THP && smaps_kb(dst.io, "AnonHugePages:") > 0 ?
			       " (destination THP-backed)" : "");
		check_margins(&dst, what);
		if (compare(src.io, IO_LEN, seed) >= 0)
			fail("%s: the source buffer changed during the write", what);
	}
	free_buf(&dst);
	free_buf(&src);
}

/* A write from never-touched memory stores zeroes. */
static void zero_source(int fd, int type, off_t off)
{
	struct buf src, dst;
	char what[64];
	long bad;

	snprintf(what, sizeof(what), "untouched %s -> ram0", type_name[type]);
	if (alloc_buf(type, &src))
		return;
	if (alloc_buf(SMALL, &dst)) {
		free_buf(&src);
		return;
	}
	memset(dst.io, 0x5a, IO_LEN);
	if (!dev_write(fd, src.io, IO_LEN, off, what) &&
	    !dev_read(fd, dst.io, IO_LEN, off, what)) {
		bad = first_nonzero(dst.io, IO_LEN);
		if (bad >= 0)
			fail("%s: byte %ld: expected 0, seen %#x", what, bad,
			     (unsigned char)dst.io[bad]);
		else
			printf("ok: %s wrote %lu zero bytes\n", what, IO_LEN);
	}
	free_buf(&dst);
	free_buf(&src);
}

/* One preadv/pwritev whose segments live in different kinds of memory. */
static void mixed_vector(int fd, off_t off)
{
	struct buf b[NR_TYPES];
	struct iovec wv[NR_TYPES], rv[NR_TYPES];
	size_t seg = IO_LEN / 4, total = 0;
	int t, n = 0, ok = 1;
	unsigned int seed = 4242;
	ssize_t ret;

	for (t = 0; t < NR_TYPES; t++) {
		if (!have[t])
			continue;
		if (alloc_buf(t, &b[t]))
			return;
		/* written from the second half of each buffer, read into the first */
		wv[n].iov_base = b[t].io + IO_LEN / 2;
		wv[n].iov_len = seg;
		rv[n].iov_base = b[t].io;
		rv[n].iov_len = seg;
		fill(b[t].io + IO_LEN / 2, seg, seed + n);
		n++;
		total += seg;
	}
	ret = pwritev(fd, wv, n, off);
	if (ret != (ssize_t)total)
		fail("mixed pwritev: expected %zu, returned %zd (%s)", total, ret,
		     ret < 0 ? strerror(errno) : "short");
	ret = preadv(fd, rv, n, off);
	if (ret != (ssize_t)total)
		fail("mixed preadv: expected %zu, returned %zd (%s)", total, ret,
		     ret < 0 ? strerror(errno) : "short");
	for (t = 0; t < n; t++) {
		long bad = compare(rv[t].iov_base, seg, seed + t);

		if (bad >= 0) {
			fail("mixed preadv segment %d byte %ld: expected %#x, seen %#x",
			     t, bad, nz_pattern(bad, seed + t),
			     ((unsigned char *)rv[t].iov_base)[bad]);
			ok = 0;
		}
	}
	if (ok && ret == (ssize_t)total)
		printf("ok: pwritev/preadv over %d kinds of memory, %zu bytes\n", n, total);
	for (t = 0; t < NR_TYPES; t++)
		if (have[t])
			free_buf(&b[t]);
}

int main(void)
{
	unsigned long long devsize = 0;
	unsigned int seed = 1;
	int fd, s, d, slots, slot = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = getpagesize();
	thp_size = thp_pmd_size();
	huge_size = read_ulong("/proc/meminfo", "Hugepagesize:") * 1024;
	have[SMALL] = 1;
	have[THP] = thp_size && thp_size <= MAX_HUGE;
	have[HUGETLB] = huge_size && huge_size <= MAX_HUGE &&
			read_ulong("/proc/meminfo", "HugePages_Free:") >= 2;
	if (!have[THP])
		printf("note: no usable THP size (%zu), THP buffers not tried\n", thp_size);
	if (!have[HUGETLB])
		printf("note: no usable hugetlb pages (size %zu, free %lu), not tried\n",
		       huge_size, read_ulong("/proc/meminfo", "HugePages_Free:"));

	fd = open(DEVICE, O_RDWR | O_DIRECT);
	if (fd < 0 && errno == ENOENT) {
		printf("SKIP: %s does not exist (no brd)\n", DEVICE);
		return 4;
	}
	if (fd < 0) {
		printf("FAIL: open %s O_DIRECT: %s\n", DEVICE, strerror(errno));
		return 1;
	}
	if (ioctl(fd, BLKGETSIZE64, &devsize) || devsize < 2 * IO_LEN) {
		printf("FAIL: %s size: expected at least %lu bytes, seen %llu\n",
		       DEVICE, 2 * IO_LEN, devsize);
		return 1;
	}
	slots = devsize / IO_LEN;

	for (s = 0; s < NR_TYPES; s++)
		for (d = 0; d < NR_TYPES; d++)
			if (have[s] && have[d])
				roundtrip(fd, s, d, seed++, (off_t)(slot++ % slots) * IO_LEN);
	for (s = 0; s < NR_TYPES; s++)
		if (have[s])
			zero_source(fd, s, (off_t)(slot++ % slots) * IO_LEN);
	mixed_vector(fd, (off_t)(slot++ % slots) * IO_LEN);
	close(fd);

	return finish("odirect_ram");
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers the GUP client tests share: counting failed checks and the
 * program's verdict, a byte pattern to fill buffers with and check them
 * against, numbers read from /proc and /sys, the smaps field and the page
 * frame of an address, the pins held and the pages in ZONE_MOVABLE,
 * anonymous mappings.  Static inline: each program includes it and gets
 * its own copy of what it uses.
 */
#ifndef GUP_CLIENTS_UTIL_H
#define GUP_CLIENTS_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Checks that failed so far in this process (finish() uses it). */
static int failures;

/* Report a failed check, saying what was expected and what was seen. */
#define fail(fmt, ...) do {					\
	printf("FAIL: " fmt "\n", ##__VA_ARGS__);		\
	failures++;						\
} while (0)

/* Print the verdict of program @name; returns its exit status. */
static inline int finish(const char *name)
{
	if (failures) {
		printf("%s: %d failure(s)\n", name, failures);
		return 1;
	}
	printf("%s: all checks passed\n", name);
	return 0;
}

/* Byte @i of the pattern numbered @seed (a multiplicative hash). */
static inline unsigned char pattern(unsigned long i, unsigned int seed)
{
	unsigned int x = (unsigned int)i * 2654435761u + seed * 0x9e3779b9u;

	x ^= x >> 15;
	return (unsigned char)(x >> 7);
}

/* Write bytes @from..@from + @len - 1 of pattern @seed at @p. */
static inline void pattern_fill(void *p, size_t len, unsigned long from,
				unsigned int seed)
{
	unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = pattern(from + i, seed);
}

/*
 * Where @p (@len bytes) first differs from bytes @from.. of pattern @seed:
 * an index into @p, or -1 if it matches.
 */
static inline long pattern_diff(const void *p, size_t len, unsigned long from,
				unsigned int seed)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != pattern(from + i, seed))
			return i;
	return -1;
}

/*
 * Compare @len bytes at @got with @want: report the first difference as a
 * failure, or the match as "ok".  Returns 1 when they match.
 */
static inline int same_bytes(const char *what, const void *got, const void *want,
			     size_t len)
{
	const unsigned char *g = got, *w = want;
	size_t i;

	for (i = 0; i < len; i++) {
		if (g[i] != w[i]) {
			fail("%s: byte %zu: expected %#x, seen %#x", what, i, w[i], g[i]);
			return 0;
		}
	}
	printf("ok: %s: %zu bytes as expected\n", what, len);
	return 1;
}

/*
 * A number from the text file @path: the first line's if @key is NULL,
 * else the one after @key on the (last) line starting with @key.  0 if
 * there is none.
 */
static inline unsigned long read_ulong(const char *path, const char *key)
{
	char line[256];
	unsigned long v = 0;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (!key) {
			v = strtoul(line, NULL, 10);
			break;
		}
		if (!strncmp(line, key, strlen(key)))
			v = strtoul(line + strlen(key), NULL, 10);
	}
	if (f)
		fclose(f);
	return v;
}

/* The PMD-size transparent huge page size, 0 if there is none. */
static inline size_t thp_pmd_size(void)
{
	return read_ulong("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", NULL);
}

/*
 * Field @field (e.g. "AnonHugePages:", in kB) of the mapping that holds
 * @addr in /proc/self/smaps, or -1 if not found.
 */
static inline long smaps_kb(const void *addr, const char *field)
{
	unsigned long start, end, a = (unsigned long)addr;
	size_t flen = strlen(field);
	char line[512];
	int inside = 0;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			inside = a >= start && a < end;
		else if (inside && !strncmp(line, field, flen))
			kb = strtol(line + flen, NULL, 10);
	}
	if (f)
		fclose(f);
	return kb;
}

/* The page frame mapped at @addr (root only), or 0 if none or unknown. */
static inline unsigned long pfn_of(const void *addr)
{
	unsigned long long entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	off_t off = (unsigned long)addr / getpagesize() * sizeof(entry);

	if (fd < 0)
		return 0;
	if (pread(fd, &entry, sizeof(entry), off) != sizeof(entry))
		entry = 0;
	close(fd);
	return (entry >> 63) ? entry & ((1ULL << 55) - 1) : 0;
}

/* Write @text to the file @path; 0 when all of it was written, else -1. */
static inline int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Check that the count @got of @what is @want. */
static inline void expect_count(const char *what, long got, long want)
{
	if (got != want)
		fail("%s: expected %ld, got %ld", what, want, got);
	else
		printf("ok: %s: %ld\n", what, got);
}

/*
 * FOLL_PIN pins held in the whole system now: nr_foll_pin_acquired less
 * nr_foll_pin_released, exact (the per-CPU deltas are folded in first).
 * A page that a long-term pin migrated was pinned twice and released once.
 */
static inline long pins_held(void)
{
	if (write_text("/proc/sys/vm/stat_refresh", "1"))
		fail("writing /proc/sys/vm/stat_refresh: %s", strerror(errno));
	return read_ulong("/proc/vmstat", "nr_foll_pin_acquired ") -
	       read_ulong("/proc/vmstat", "nr_foll_pin_released ");
}

/*
 * How many of the @n pages at @p are mapped to page frames of ZONE_MOVABLE
 * (the guest has one node; its span is read from /proc/zoneinfo).
 */
static inline unsigned long in_movable(const char *p, unsigned long n)
{
	unsigned long i, v, pfn, start = 0, span = 0, count = 0;
	char line[256];
	int inside = 0;
	FILE *f = fopen("/proc/zoneinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Node ", 5))
			inside = !!strstr(line, "zone  Movable");
		else if (inside && sscanf(line, " spanned %lu", &v) == 1)
			span = v;
		else if (inside && sscanf(line, " start_pfn: %lu", &v) == 1)
			start = v;
	}
	if (f)
		fclose(f);
	for (i = 0; i < n; i++) {
		pfn = pfn_of(p + i * getpagesize());
		count += pfn && pfn >= start && pfn < start + span;
	}
	return count;
}

/* A private anonymous read-write mapping (@flags added), NULL on failure. */
static inline void *map_anon(size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * @len bytes of private anonymous memory starting on a @thp boundary and
 * advised MADV_HUGEPAGE, so that touching it can fault huge pages in;
 * NULL on failure.  The mapping is exactly that: munmap(p, @len).
 */
static inline char *map_thp(size_t len, size_t thp)
{
	char *raw = map_anon(len + thp, 0), *p;
	size_t head;

	if (!raw)
		return NULL;
	p = (char *)(((unsigned long)raw + thp - 1) & ~(thp - 1));
	head = p - raw;
	if (head)
		munmap(raw, head);
	munmap(p + len, thp - head);
	madvise(p, len, MADV_HUGEPAGE);
	return p;
}

/* A shared mapping of a new memfd (tmpfs) of @len bytes, NULL on failure. */
static inline char *map_memfd(const char *name, size_t len)
{
	int fd = syscall(SYS_memfd_create, name, 0);
	char *p = MAP_FAILED;

	if (fd >= 0 && !ftruncate(fd, len))
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (fd >= 0)
		close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/*
 * A page of secret memory (memfd_secret()), mapped shared and written
 * once, for checking that GUP refuses it.  NULL when there is none: if
 * the kernel or architecture has no memfd_secret() it says so and the
 * caller skips; any other failure counts as a failed check.
 */
static inline char *map_secretmem(size_t page)
{
	char *p = MAP_FAILED;
	int fd = -1;

#ifdef SYS_memfd_secret
	fd = syscall(SYS_memfd_secret, 0);
#else
	errno = EOPNOTSUPP;
#endif
	if (fd < 0) {
		printf("secretmem: memfd_secret: %s, part skipped\n", strerror(errno));
		return NULL;
	}
	if (!ftruncate(fd, page))
		p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		fail("secretmem: mapping a page: %s", strerror(errno));
	else
		p[0] = 1;
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

#endif /* GUP_CLIENTS_UTIL_H */

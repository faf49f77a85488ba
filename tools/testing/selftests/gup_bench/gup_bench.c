// SPDX-License-Identifier: GPL-2.0
/*
 * The guest side of the GUP benchmark (tools/gup-harness/bench.sh).
 *
 * Drives mm/gup_test.c (/sys/kernel/debug/gup_test) and the floor of
 * mm/gup_floor.c (/sys/kernel/debug/gup_floor) itself and prints the
 * times the kernel measured around the get and the put phase of every
 * call, one line each:
 *
 *   GUPBENCH matrix CMD MEM NR REP GET_US PUT_US PAGES
 *   GUPBENCH sweep CMD thp BYTES REP GET_US PUT_US PAGES
 *
 * CMD is gup-fast, pin-fast, gup-slow, pin-slow, pin-longterm or floor;
 * MEM is 4k (private anonymous, MADV_NOHUGEPAGE), thp (private anonymous,
 * 2 MiB aligned, MADV_HUGEPAGE), hugetlb (MAP_HUGETLB, 2 MiB pages) or
 * shared (MAP_SHARED anonymous, i.e. shmem); NR is the pages per call.
 * Every region is populated by writing each page before any timing, and
 * every call passes FOLL_WRITE, as gup_test -w does: the pinners that
 * matter (O_DIRECT reads, RDMA, io_uring fixed buffers, vfio) pin for
 * write, and it keeps the read-only unsharing of anonymous pages out of
 * the numbers.  Each scenario is run once untimed before its repetitions.
 *
 * Each pin call is checked against /proc/vmstat (folded through
 * /proc/sys/vm/stat_refresh, outside the timing): nr_foll_pin_acquired
 * must grow by exactly the pages of the range, and nr_foll_pin_released
 * by as many.  Any failed call or check prints "GUPBENCH error ..." and
 * makes the exit status 1.
 *
 * usage: gup_bench [-v] [-r REPS] [-s MIB] [-S MAX_SWEEP_MIB]
 *   -v  print "GUPBENCH call CMD MEM NR REP" before every ioctl, warm-up
 *       included, and call getppid() after it (the instruction counting
 *       mode pairs the lines with the windows its QEMU plugin recorded,
 *       from the ioctl handler to that getppid(); the sweep gives MEM
 *       "sweep" and NR as the size in bytes)
 *   -r  repetitions of each scenario (5)
 *   -s  size of each matrix region in MiB (256)
 *   -S  largest size of the sweep in MiB (0: no sweep); it is capped at
 *       what MemAvailable allows, and runs pin-fast and pin-slow on THP
 *       in one call for each power of two from 1 MiB up
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gup_test.h"	/* from the pristine tree's mm/, at build time */

/* Must match mm/gup_floor.c. */
#define GUP_FLOOR_BENCHMARK	_IOWR('g', 64, struct gup_test)

#define FOLL_WRITE	0x01	/* the kernel's value, as gup_test passes it */
#define PAGE		4096UL
#define HPAGE		(2UL << 20)
#define MIB		(1024UL * 1024)

enum cmd_id { GUP_FAST, PIN_FAST, GUP_SLOW, PIN_SLOW, PIN_LONGTERM, FLOOR,
	      NR_CMDS };

static const struct {
	const char *name;
	unsigned long ioctl;
	int pins;
} cmds[NR_CMDS] = {
	[GUP_FAST] = { "gup-fast", GUP_FAST_BENCHMARK, 0 },
	[PIN_FAST] = { "pin-fast", PIN_FAST_BENCHMARK, 1 },
	[GUP_SLOW] = { "gup-slow", GUP_BASIC_TEST, 0 },
	[PIN_SLOW] = { "pin-slow", PIN_BASIC_TEST, 1 },
	[PIN_LONGTERM] = { "pin-longterm", PIN_LONGTERM_BENCHMARK, 1 },
	[FLOOR] = { "floor", GUP_FLOOR_BENCHMARK, 0 },
};

enum mem_id { MEM_4K, MEM_THP, MEM_HUGETLB, MEM_SHARED, NR_MEMS };

static const char * const mem_names[NR_MEMS] = {
	"4k", "thp", "hugetlb", "shared"
};

static int gup_fd, floor_fd, errors, verbose;
/* What the next one_call() is, for -v: "MEM NR REP". */
static char call_tag[64];

static void bench_error(const char *fmt, ...)
{
	va_list ap;

	printf("GUPBENCH error ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	errors++;
}

/* Value of one "NAME VALUE" line of a /proc file, -1 if missing. */
static long long proc_value(const char *path, const char *name)
{
	char line[256];
	size_t len = strlen(name);
	long long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, len) &&
		    (line[len] == ' ' || line[len] == ':')) {
			val = strtoll(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

static int write_long(const char *path, long val)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fprintf(f, "%ld\n", val) < 0;
	return fclose(f) || ret ? -1 : 0;
}

/*
 * The vmstat counters keep per-CPU deltas that /proc/vmstat does not add
 * in; writing stat_refresh folds them, so that the pin counts are exact.
 */
static void fold_vmstat(void)
{
	if (write_long("/proc/sys/vm/stat_refresh", 1))
		bench_error("setup writing /proc/sys/vm/stat_refresh failed");
}

/* AnonHugePages, in kB, of the mapping that starts at @addr. */
static long thp_kb(void *addr)
{
	char line[256], want[32];
	long kb = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, '-') < strchr(line, ' '))
			in = !strncmp(line, want, strlen(want));
		else if (in && !strncmp(line, "AnonHugePages:", 14))
			kb = strtol(line + 14, NULL, 10);
	}
	fclose(f);
	return kb;
}

/**
 * struct region - one populated memory region
 * @map: what mmap() returned
 * @map_len: its length
 * @addr: the aligned start used for the calls
 * @size: bytes used for the calls
 */
struct region {
	char *map;
	size_t map_len;
	char *addr;
	size_t size;
};

static long hugetlb_saved = -1;

/* Make sure @n free 2 MiB hugetlb pages exist; 0 on success. */
static int hugetlb_reserve(long n)
{
	long total = proc_value("/proc/meminfo", "HugePages_Total");
	long free = proc_value("/proc/meminfo", "HugePages_Free");

	if (total < 0 || free < 0)
		return -1;
	if (free >= n)
		return 0;
	if (hugetlb_saved < 0)
		hugetlb_saved = total;
	if (write_long("/proc/sys/vm/nr_hugepages", total + n - free))
		return -1;
	free = proc_value("/proc/meminfo", "HugePages_Free");
	return free >= n ? 0 : -1;
}

static void hugetlb_restore(void)
{
	if (hugetlb_saved >= 0 &&
	    write_long("/proc/sys/vm/nr_hugepages", hugetlb_saved))
		bench_error("setup hugetlb restoring nr_hugepages to %ld failed",
			    hugetlb_saved);
	hugetlb_saved = -1;
}

/* Map and populate @size bytes of kind @mem; 0 on success. */
static int region_make(struct region *r, enum mem_id mem, size_t size)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	size_t i, extra = 0;

	memset(r, 0, sizeof(*r));
	switch (mem) {
	case MEM_THP:
		extra = HPAGE;
		break;
	case MEM_HUGETLB:
		if (hugetlb_reserve(size / HPAGE)) {
			bench_error("setup hugetlb cannot get %zu free huge pages",
				    size / HPAGE);
			return -1;
		}
		flags |= MAP_HUGETLB;
		break;
	case MEM_SHARED:
		flags = MAP_SHARED | MAP_ANONYMOUS;
		break;
	default:
		break;
	}
	r->map_len = size + extra;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (r->map == MAP_FAILED) {
		bench_error("setup %s mmap of %zu bytes: %s", mem_names[mem],
			    r->map_len, strerror(errno));
		r->map = NULL;
		return -1;
	}
	r->addr = (char *)(((uintptr_t)r->map + extra) & ~(uintptr_t)(HPAGE - 1));
	if (mem != MEM_THP)
		r->addr = r->map;
	r->size = size;
	if (mem == MEM_4K && madvise(r->map, r->map_len, MADV_NOHUGEPAGE))
		bench_error("setup 4k MADV_NOHUGEPAGE: %s", strerror(errno));
	if (mem == MEM_THP && madvise(r->map, r->map_len, MADV_HUGEPAGE))
		bench_error("setup thp MADV_HUGEPAGE: %s", strerror(errno));
	for (i = 0; i < size; i += PAGE)
		r->addr[i] = 1;
	return 0;
}

static void region_free(struct region *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	r->map = NULL;
}

/**
 * one_call() - one ioctl over a region, checked
 * @c: the command
 * @addr: start of the range
 * @size: its length
 * @nr: pages per call
 * @get_us: the get time
 * @put_us: the put time
 *
 * Return: 0, or -1 after printing what went wrong.
 */
static int one_call(enum cmd_id c, char *addr, size_t size, unsigned int nr,
		    unsigned long long *get_us, unsigned long long *put_us)
{
	struct gup_test gt = {
		.addr = (uintptr_t)addr,
		.size = size,
		.nr_pages_per_call = nr,
		.gup_flags = FOLL_WRITE,
	};
	long long acq0 = 0, rel0 = 0, acq, rel;
	int fd = c == FLOOR ? floor_fd : gup_fd;
	int ret;

	if (cmds[c].pins) {
		fold_vmstat();
		acq0 = proc_value("/proc/vmstat", "nr_foll_pin_acquired");
		rel0 = proc_value("/proc/vmstat", "nr_foll_pin_released");
	}
	if (verbose)
		printf("GUPBENCH call %s %s\n", cmds[c].name, call_tag);
	ret = ioctl(fd, cmds[c].ioctl, &gt);
	/* -v: a system call no other process makes ends the counted window */
	if (verbose)
		getppid();
	if (ret) {
		bench_error("%s size=%zu nr=%u ioctl: %s", cmds[c].name, size, nr,
			    strerror(errno));
		return -1;
	}
	if (gt.size != size) {
		bench_error("%s size=%zu nr=%u covered %llu bytes", cmds[c].name,
			    size, nr, (unsigned long long)gt.size);
		return -1;
	}
	if (cmds[c].pins) {
		fold_vmstat();
		acq = proc_value("/proc/vmstat", "nr_foll_pin_acquired") - acq0;
		rel = proc_value("/proc/vmstat", "nr_foll_pin_released") - rel0;
		if (acq != (long long)(size / PAGE) || rel != acq) {
			bench_error("%s size=%zu nr=%u pins: want %zu, saw %lld+%lld",
				    cmds[c].name, size, nr, size / PAGE, acq, rel);
			return -1;
		}
	}
	*get_us = gt.get_delta_usec;
	*put_us = gt.put_delta_usec;
	return 0;
}

static void run_matrix(int reps, size_t size)
{
	static const unsigned int nrs[] = { 1, 512 };
	unsigned long long get_us, put_us;
	struct region r;
	int m, n, c, rep;

	for (m = 0; m < NR_MEMS; m++) {
		if (region_make(&r, m, size))
			continue;
		if (m == MEM_THP)
			printf("GUPBENCH info thp-before %ld kB of %zu kB are THP\n",
			       thp_kb(r.map), size >> 10);
		fflush(stdout);
		for (n = 0; n < 2; n++) {
			/* rep 0 is the untimed warm-up */
			for (rep = 0; rep <= reps; rep++) {
				snprintf(call_tag, sizeof(call_tag), "%s %u %d",
					 mem_names[m], nrs[n], rep);
				for (c = 0; c < NR_CMDS; c++) {
					if (one_call(c, r.addr, r.size, nrs[n],
						     &get_us, &put_us) || !rep)
						continue;
					printf("GUPBENCH matrix %s %s %u %d %llu %llu %zu\n",
					       cmds[c].name, mem_names[m],
					       nrs[n], rep, get_us, put_us,
					       r.size / PAGE);
				}
				fflush(stdout);
			}
		}
		if (m == MEM_THP)
			printf("GUPBENCH info thp-after %ld kB of %zu kB are THP\n",
			       thp_kb(r.map), size >> 10);
		region_free(&r);
		if (m == MEM_HUGETLB)
			hugetlb_restore();
	}
}

static void run_sweep(int reps, size_t max)
{
	static const enum cmd_id which[] = { PIN_FAST, PIN_SLOW };
	unsigned long long get_us, put_us;
	long long avail_kb = proc_value("/proc/meminfo", "MemAvailable");
	size_t size, cap;
	struct region r;
	int c, rep;

	/* keep 768 MiB for the kernel's page array and everything else */
	cap = avail_kb > 0 ? (size_t)avail_kb << 10 : 0;
	cap = cap > 768 * MIB ? cap - 768 * MIB : 0;
	while (max > MIB && max > cap)
		max >>= 1;
	if (max < MIB) {
		bench_error("sweep MemAvailable %lld kB leaves no room", avail_kb);
		return;
	}
	printf("GUPBENCH info sweep-max %zu bytes (MemAvailable %lld kB)\n",
	       max, avail_kb);
	if (region_make(&r, MEM_THP, max))
		return;
	printf("GUPBENCH info sweep-thp %ld kB of %zu kB are THP\n",
	       thp_kb(r.map), max >> 10);
	fflush(stdout);
	for (size = MIB; size <= max; size <<= 1) {
		for (rep = 0; rep <= reps; rep++) {
			snprintf(call_tag, sizeof(call_tag), "sweep %zu %d",
				 size, rep);
			for (c = 0; c < 2; c++) {
				if (one_call(which[c], r.addr, size, size / PAGE,
					     &get_us, &put_us) || !rep)
					continue;
				printf("GUPBENCH sweep %s thp %zu %d %llu %llu %zu\n",
				       cmds[which[c]].name, size, rep, get_us,
				       put_us, size / PAGE);
			}
			fflush(stdout);
		}
	}
	region_free(&r);
}

int main(int argc, char **argv)
{
	size_t size = 256 * MIB, sweep_max = 0;
	int reps = 5, opt;

	while ((opt = getopt(argc, argv, "vr:s:S:")) != -1) {
		switch (opt) {
		case 'v':
			verbose = 1;
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		case 's':
			size = strtoul(optarg, NULL, 0) * MIB;
			break;
		case 'S':
			sweep_max = strtoul(optarg, NULL, 0) * MIB;
			break;
		default:
			fprintf(stderr, "usage: %s [-v] [-r REPS] [-s MIB] [-S MAX_SWEEP_MIB]\n",
				argv[0]);
			return 2;
		}
	}
	if (reps < 1 || size < HPAGE || size % HPAGE) {
		fprintf(stderr, "gup_bench: need -r >= 1 and -s a multiple of 2\n");
		return 2;
	}
	gup_fd = open("/sys/kernel/debug/gup_test", O_RDWR);
	floor_fd = open("/sys/kernel/debug/gup_floor", O_RDWR);
	if (gup_fd < 0 || floor_fd < 0) {
		printf("GUPBENCH error setup no gup_test or gup_floor: %s\n",
		       strerror(errno));
		return 4;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("GUPBENCH info start reps=%d size=%zu sweep-max=%zu\n", reps,
	       size, sweep_max);
	run_matrix(reps, size);
	if (sweep_max)
		run_sweep(reps, sweep_max);
	printf("GUPBENCH info end errors=%d\n", errors);
	return errors ? 1 : 0;
}

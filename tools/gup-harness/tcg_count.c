// SPDX-License-Identifier: GPL-2.0
/*
 * A QEMU TCG plugin that counts the guest kernel instructions executed
 * inside marked windows, for the counting mode of the GUP benchmark
 * (bench.sh --count).  Time under TCG swings with the host's load and
 * with where code is linked; the number of instructions a call executes
 * does neither, so it gives ratios that repeat exactly.
 *
 * Arguments (-plugin tcg_count.so,start=A:B,split=C,stop=D,out=FILE),
 * addresses in hex, from the kernel's System.map (boot with nokaslr):
 *   start  a window opens when a block at one of these addresses runs
 *          (the benchmark ioctl handlers); the window records which one
 *   split  each time a block at this address runs inside a window, the
 *          running counts are noted (ktime_get: the benchmark handlers
 *          read the clock before and after the get and the put phase)
 *   end    where the start functions end, in the same order: then a split
 *          counts only if the block run just before it lies in one of
 *          them, i.e. the handler itself called, not an interrupt or
 *          another task that happened to read the clock meanwhile
 *   stop   the window closes when a block at this address runs (the
 *          system call entry: the next system call after the ioctl)
 *   out    where the windows are written when QEMU exits, one a line:
 *          "window START_INDEX INSNS BLOCKS PAGES NSPLIT
 *          [INSNS BLOCKS PAGES]..." with every count relative to the
 *          window's opening
 *   hits   (optional) where to write, for each window in turn, the
 *          blocks that ran between its first and second split (the get
 *          phase), one a line: "hits WINDOW ADDRESS INSNS RUNS ENTRIES
 *          REACH", ENTRIES being the runs that came from another page and
 *          REACH the sum, over all runs, of the distance in bytes from the
 *          block run before, capped at a page; WINDOW counts from 0 in
 *          the order of the out file
 *
 * PAGES counts the blocks whose code lies on another page than the block
 * run before them: TCG chains blocks directly only within a page, so each
 * of those goes through QEMU's block lookup, which costs more than most
 * blocks do.  Which jumps cross a page depends on where the code was
 * linked; REACH / 4096 is what ENTRIES would be on average over all
 * placements of the code relative to page boundaries (a jump of d bytes
 * crosses one with probability d / 4096).  Only blocks at kernel
 * addresses are counted.  Counts are per QEMU, not per vCPU: run the
 * guest with one CPU.
 *
 * tcg_plugin_api.h declares the part of QEMU 7.2's plugin interface used
 * here, so that building the plugin needs no QEMU sources.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcg_plugin_api.h"

__attribute__((visibility("default")))
int qemu_plugin_version = TCG_PLUGIN_API_VERSION;

#define KERNEL_BASE	0xffff800000000000ULL
#define MAX_STARTS	4
#define MAX_SPLITS	8

enum { C_INSNS, C_BLOCKS, C_PAGES, NR_COUNTS };

struct window {
	int start;			/* index into starts[] */
	uint64_t at_close[NR_COUNTS];
	int nsplit;
	uint64_t split[MAX_SPLITS][NR_COUNTS];
};

/* What a translated kernel block is, for its execution callback. */
struct block {
	uint64_t va;
	uint64_t insns;
	int mark;			/* see marker_of() */
	size_t window;			/* hits: the window runs counts for */
	uint64_t runs, entries;		/* hits: in that window's get phase */
	uint64_t reach;			/* hits: capped jump distances, summed */
};

static uint64_t starts[MAX_STARTS], ends[MAX_STARTS], split_addr, stop_addr;
static int nstarts, nends;
static const char *out_path, *hits_path;

static uint64_t counts[NR_COUNTS];	/* running kernel counts */
static uint64_t opened[NR_COUNTS];
static uint64_t last_va;		/* the block run before this one */
static struct window cur;
static int in_window;

static struct window *done;
static size_t ndone, cap;

/* hits: the blocks run in the open window's get phase, and the file. */
static struct block **hit;
static size_t nhit, hit_cap;
static FILE *hits_file;

static void *grow(void *array, size_t *cap, size_t size)
{
	*cap = *cap ? 2 * *cap : 256;
	array = realloc(array, *cap * size);
	if (!array) {
		fprintf(stderr, "tcg_count: out of memory\n");
		exit(1);
	}
	return array;
}

/* Which marker a block is: start index, or one of these. */
enum { MARK_SPLIT = -1, MARK_STOP = -2, MARK_NONE = -3 };

static void since_open(uint64_t *out)
{
	int c;

	for (c = 0; c < NR_COUNTS; c++)
		out[c] = counts[c] - opened[c];
}

static void on_start(int start)
{
	/* A window that never closed leaves no hits behind. */
	while (nhit)
		hit[--nhit]->window = 0;
	memset(&cur, 0, sizeof(cur));
	cur.start = start;
	memcpy(opened, counts, sizeof(opened));
	in_window = 1;
}

/* Was the block before this one in a start function (if we know them)? */
static int called_by_handler(void)
{
	int i;

	if (nends != nstarts)
		return 1;
	for (i = 0; i < nstarts; i++)
		if (last_va >= starts[i] && last_va < ends[i])
			return 1;
	return 0;
}

static void on_split(void)
{
	if (!in_window || cur.nsplit == MAX_SPLITS || !called_by_handler())
		return;
	since_open(cur.split[cur.nsplit++]);
}

/* The hits of the window closing now, which becomes done[ndone]. */
static void write_hits(void)
{
	size_t i;

	for (i = 0; hits_file && i < nhit; i++)
		fprintf(hits_file, "hits %zu 0x%llx %llu %llu %llu %llu\n",
			ndone, (unsigned long long)hit[i]->va,
			(unsigned long long)hit[i]->insns,
			(unsigned long long)hit[i]->runs,
			(unsigned long long)hit[i]->entries,
			(unsigned long long)hit[i]->reach);
	nhit = 0;
}

/* Count a run of @b, @reach bytes from the last block, in the get phase. */
static void note_hit(struct block *b, int entered, uint64_t reach)
{
	/* window is ndone + 1 so that 0 means "never counted" */
	if (b->window != ndone + 1) {
		if (nhit == hit_cap)
			hit = grow(hit, &hit_cap, sizeof(*hit));
		hit[nhit++] = b;
		b->window = ndone + 1;
		b->runs = 0;
		b->entries = 0;
		b->reach = 0;
	}
	b->runs++;
	b->entries += entered;
	b->reach += reach;
}

static void on_stop(void)
{
	if (!in_window)
		return;
	in_window = 0;
	since_open(cur.at_close);
	if (ndone == cap)
		done = grow(done, &cap, sizeof(*done));
	write_hits();
	done[ndone++] = cur;
}

static int marker_of(uint64_t va)
{
	int i;

	for (i = 0; i < nstarts; i++)
		if (va == starts[i])
			return i;
	if (va == split_addr)
		return MARK_SPLIT;
	if (va == stop_addr)
		return MARK_STOP;
	return MARK_NONE;
}

/* Runs before every kernel block: markers first, then the counts. */
static void on_block(unsigned int vcpu, void *udata)
{
	struct block *b = udata;
	int entered = (b->va >> 12) != (last_va >> 12);

	if (b->mark >= 0)
		on_start(b->mark);
	else if (b->mark == MARK_SPLIT)
		on_split();
	else if (b->mark == MARK_STOP)
		on_stop();
	counts[C_INSNS] += b->insns;
	counts[C_BLOCKS]++;
	counts[C_PAGES] += entered;
	if (hits_file && in_window && cur.nsplit == 1) {
		uint64_t d = b->va > last_va ? b->va - last_va : last_va - b->va;

		note_hit(b, entered, d < 4096 ? d : 4096);
	}
	last_va = b->va;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t va = qemu_plugin_tb_vaddr(tb);
	struct block *b;

	if (va < KERNEL_BASE)
		return;
	/* Kept for the life of QEMU: the block may run until then. */
	b = malloc(sizeof(*b));
	if (!b) {
		fprintf(stderr, "tcg_count: out of memory\n");
		exit(1);
	}
	b->va = va;
	b->insns = qemu_plugin_tb_n_insns(tb);
	b->mark = marker_of(va);
	b->window = 0;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block,
					     QEMU_PLUGIN_CB_NO_REGS, b);
}

static void print_counts(FILE *f, const uint64_t *c)
{
	fprintf(f, " %llu %llu %llu", (unsigned long long)c[C_INSNS],
		(unsigned long long)c[C_BLOCKS], (unsigned long long)c[C_PAGES]);
}

static void write_windows(qemu_plugin_id_t id, void *udata)
{
	FILE *f = fopen(out_path, "w");
	size_t i;
	int s;

	if (!f) {
		perror(out_path);
		return;
	}
	for (i = 0; i < ndone; i++) {
		fprintf(f, "window %d", done[i].start);
		print_counts(f, done[i].at_close);
		fprintf(f, " %d", done[i].nsplit);
		for (s = 0; s < done[i].nsplit; s++)
			print_counts(f, done[i].split[s]);
		fputc('\n', f);
	}
	fclose(f);
	if (hits_file)
		fclose(hits_file);
}

static int parse_args(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		char *v = strchr(argv[i], '=');

		if (!v)
			return -1;
		v++;
		if (!strncmp(argv[i], "start=", 6)) {
			while (*v && nstarts < MAX_STARTS) {
				starts[nstarts++] = strtoull(v, &v, 16);
				if (*v == ':')
					v++;
			}
		} else if (!strncmp(argv[i], "end=", 4)) {
			while (*v && nends < MAX_STARTS) {
				ends[nends++] = strtoull(v, &v, 16);
				if (*v == ':')
					v++;
			}
		} else if (!strncmp(argv[i], "split=", 6)) {
			split_addr = strtoull(v, NULL, 16);
		} else if (!strncmp(argv[i], "stop=", 5)) {
			stop_addr = strtoull(v, NULL, 16);
		} else if (!strncmp(argv[i], "out=", 4)) {
			out_path = v;
		} else if (!strncmp(argv[i], "hits=", 5)) {
			hits_path = v;
		} else {
			return -1;
		}
	}
	return nstarts && stop_addr && out_path ? 0 : -1;
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info,
			int argc, char **argv)
{
	if (parse_args(argc, argv)) {
		fprintf(stderr,
			"tcg_count: need start=ADDR[:ADDR],stop=ADDR,out=FILE[,split=ADDR][,end=ADDR[:ADDR]][,hits=FILE]\n");
		return -1;
	}
	if (hits_path) {
		hits_file = fopen(hits_path, "w");
		if (!hits_file) {
			perror(hits_path);
			return -1;
		}
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, write_windows, NULL);
	return 0;
}

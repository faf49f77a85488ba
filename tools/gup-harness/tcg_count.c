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
 *   stop   the window closes when a block at this address runs (the
 *          system call entry: the next system call after the ioctl)
 *   out    where the windows are written when QEMU exits, one a line:
 *          "window START_INDEX INSNS BLOCKS NSPLIT [INSNS BLOCKS]..."
 *          with every count relative to the window's opening
 *
 * Only blocks at kernel addresses are counted.  Counts are per QEMU, not
 * per vCPU: run the guest with one CPU.
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

struct window {
	int start;			/* index into starts[] */
	uint64_t insns, blocks;		/* at the close */
	int nsplit;
	uint64_t split[MAX_SPLITS][2];	/* insns, blocks at each split */
};

static uint64_t starts[MAX_STARTS], split_addr, stop_addr;
static int nstarts;
static const char *out_path;

static uint64_t insns, blocks;		/* running kernel counts */
static uint64_t open_insns, open_blocks;
static struct window cur;
static int in_window;

static struct window *done;
static size_t ndone, cap;

/* Which marker a block is: start index, or one of these. */
enum { MARK_SPLIT = -1, MARK_STOP = -2, MARK_NONE = -3 };

static void on_start(unsigned int vcpu, void *udata)
{
	memset(&cur, 0, sizeof(cur));
	cur.start = (int)(intptr_t)udata;
	open_insns = insns;
	open_blocks = blocks;
	in_window = 1;
}

static void on_split(unsigned int vcpu, void *udata)
{
	if (!in_window || cur.nsplit == MAX_SPLITS)
		return;
	cur.split[cur.nsplit][0] = insns - open_insns;
	cur.split[cur.nsplit][1] = blocks - open_blocks;
	cur.nsplit++;
}

static void on_stop(unsigned int vcpu, void *udata)
{
	if (!in_window)
		return;
	in_window = 0;
	cur.insns = insns - open_insns;
	cur.blocks = blocks - open_blocks;
	if (ndone == cap) {
		cap = cap ? 2 * cap : 256;
		done = realloc(done, cap * sizeof(*done));
		if (!done) {
			fprintf(stderr, "tcg_count: out of memory\n");
			exit(1);
		}
	}
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

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t va = qemu_plugin_tb_vaddr(tb);
	int mark;

	if (va < KERNEL_BASE)
		return;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &insns,
						 qemu_plugin_tb_n_insns(tb));
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &blocks, 1);
	mark = marker_of(va);
	if (mark >= 0)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_start,
						     QEMU_PLUGIN_CB_NO_REGS,
						     (void *)(intptr_t)mark);
	else if (mark == MARK_SPLIT)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_split,
						     QEMU_PLUGIN_CB_NO_REGS,
						     NULL);
	else if (mark == MARK_STOP)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_stop,
						     QEMU_PLUGIN_CB_NO_REGS,
						     NULL);
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
		fprintf(f, "window %d %llu %llu %d", done[i].start,
			(unsigned long long)done[i].insns,
			(unsigned long long)done[i].blocks, done[i].nsplit);
		for (s = 0; s < done[i].nsplit; s++)
			fprintf(f, " %llu %llu",
				(unsigned long long)done[i].split[s][0],
				(unsigned long long)done[i].split[s][1]);
		fputc('\n', f);
	}
	fclose(f);
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
		} else if (!strncmp(argv[i], "split=", 6)) {
			split_addr = strtoull(v, NULL, 16);
		} else if (!strncmp(argv[i], "stop=", 5)) {
			stop_addr = strtoull(v, NULL, 16);
		} else if (!strncmp(argv[i], "out=", 4)) {
			out_path = v;
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
			"tcg_count: need start=ADDR[:ADDR],stop=ADDR,out=FILE[,split=ADDR]\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, write_windows, NULL);
	return 0;
}

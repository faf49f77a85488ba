// SPDX-License-Identifier: GPL-2.0
/*
 * KCOV's trace buffer is vmalloc memory mapped into the process with
 * vm_insert_page(), one page at a time, and written by the kernel while
 * the process reads it.  Map the buffer twice, trace a few system calls
 * and check that the count and the program counters the kernel stored are
 * plausible (non-zero, in bounds, kernel text addresses) and the same
 * through both mappings.  A mapping of the wrong size is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kcov.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define COVER_WORDS (256 * 1024)

#ifdef __s390x__
/* The address of @name in /proc/kallsyms, or 0. */
static unsigned long kallsyms_addr(const char *name)
{
	char line[256], sym[128];
	unsigned long addr = 0, a;
	FILE *f = fopen("/proc/kallsyms", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %*c %127s", &a, sym) == 2 &&
		    !strcmp(sym, name)) {
			addr = a;
			break;
		}
	if (f)
		fclose(f);
	return addr;
}
#endif

static int kernel_text(unsigned long pc)
{
#if defined(__x86_64__)
	return pc >= 0xffffffff80000000UL;
#elif defined(__aarch64__)
	return (pc >> 48) == 0xffff;
#elif defined(__s390x__)
	/*
	 * The kernel has an address space of its own on s390, its text low
	 * in it (1 MiB up without KASLR): ask kallsyms where it is.
	 */
	static unsigned long stext, etext;

	if (!etext) {
		stext = kallsyms_addr("_stext");
		etext = kallsyms_addr("_etext");
	}
	return pc >= stext && pc < etext;
#else
	return (long)pc < 0;
#endif
}

/* Trace @what between enable and disable; check what was recorded. */
static void trace(int fd, unsigned long *cover, unsigned long *cover2,
		  const char *what, void (*work)(void))
{
	unsigned long n0, n, i, bad = 0;

	if (ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC)) {
		fail("KCOV_ENABLE: %s", strerror(errno));
		return;
	}
	__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
	work();
	n0 = __atomic_load_n(&cover[0], __ATOMIC_RELAXED);
	if (ioctl(fd, KCOV_DISABLE, 0))
		fail("KCOV_DISABLE: %s", strerror(errno));
	/* The count includes the way into KCOV_DISABLE; nothing changes now. */
	n = __atomic_load_n(&cover[0], __ATOMIC_RELAXED);

	if (n0 == 0 || n < n0 || n > COVER_WORDS - 1) {
		fail("%s: expected between 1 and %d PCs, seen %lu (%lu with KCOV_DISABLE)",
		     what, COVER_WORDS - 1, n0, n);
		return;
	}
	for (i = 1; i <= n; i++)
		if (!kernel_text(cover[i]) && !bad++)
			fail("%s: PC %lu of %lu: expected a kernel text address, seen %#lx",
			     what, i, n, cover[i]);
	if (cover2[0] != n || memcmp(cover, cover2, (n + 1) * sizeof(*cover))) {
		fail("%s: the second mapping of the buffer shows other data (count %lu vs %lu)",
		     what, cover2[0], n);
		bad++;
	}
	if (!bad)
		printf("ok: %s: %lu PCs (%lu with KCOV_DISABLE), all kernel text, %s\n",
		       what, n0, n, "same in both mappings");
}

static void some_getpids(void)
{
	int i;

	for (i = 0; i < 10; i++)
		syscall(SYS_getpid);
}

static void read_dev_null(void)
{
	char c;
	int fd = open("/dev/null", O_RDONLY);

	if (fd >= 0) {
		if (read(fd, &c, 1) != 0)
			fail("read of /dev/null: expected 0");
		close(fd);
	}
}

int main(void)
{
	size_t len = COVER_WORDS * sizeof(unsigned long);
	unsigned long *cover, *cover2;
	void *bad;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open("/sys/kernel/debug/kcov", O_RDWR);
	if (fd < 0 && errno == ENOENT) {
		printf("SKIP: no /sys/kernel/debug/kcov (no CONFIG_KCOV or no debugfs)\n");
		return 4;
	}
	if (fd < 0) {
		printf("FAIL: open /sys/kernel/debug/kcov: %s\n", strerror(errno));
		return 1;
	}
	if (ioctl(fd, KCOV_INIT_TRACE, COVER_WORDS)) {
		printf("FAIL: KCOV_INIT_TRACE %d: %s\n", COVER_WORDS, strerror(errno));
		return 1;
	}
	bad = mmap(NULL, len / 2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (bad != MAP_FAILED || errno != EINVAL)
		fail("mmap of half the buffer: expected EINVAL, seen %s",
		     bad == MAP_FAILED ? strerror(errno) : "success");
	else
		printf("ok: mmap of half the buffer fails with EINVAL\n");
	cover = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	cover2 = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (cover == MAP_FAILED || cover2 == MAP_FAILED) {
		printf("FAIL: mmap of the buffer: %s\n", strerror(errno));
		return 1;
	}

	trace(fd, cover, cover2, "10 getpid calls", some_getpids);
	trace(fd, cover, cover2, "open, read and close of /dev/null", read_dev_null);

	munmap(cover2, len);
	munmap(cover, len);
	close(fd);
	return finish("kcov_trace");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * An ELF core dump reads the dying process' memory page by page through
 * get_dump_page(), a get_user_pages() that leaves holes where nothing is
 * mapped.  A child fills heap, anonymous private, anonymous shared,
 * transparent huge page and hugetlb memory with distinct patterns, tells
 * the parent where they are and aborts; the parent finds each pattern in
 * the core file at the offset the PT_LOAD headers give for its address.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/elf.h>

#include "util.h"

#define PATTERN_LEN (64 * 1024)
#define CORE_PATTERN "/tmp/core.%p"
#define MAX_HUGE (32 * 1024 * 1024UL)

/* The core file has the dumping process' own ELF class. */
#if __SIZEOF_LONG__ == 8
typedef struct elf64_hdr core_ehdr;
typedef struct elf64_phdr core_phdr;
#else
typedef struct elf32_hdr core_ehdr;
typedef struct elf32_phdr core_phdr;
#endif

enum { HEAP, ANON, SHARED, THP, HUGETLB, NR_REGIONS };
static const char * const region_name[NR_REGIONS] = {
	"heap", "anonymous private", "anonymous shared", "THP", "hugetlb private",
};

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* In the child: fill the regions, publish their addresses, abort. */
static void run_child(int out)
{
	unsigned long where[NR_REGIONS] = { 0 };
	size_t thp = read_ulong("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", NULL);
	size_t huge = read_ulong("/proc/meminfo", "Hugepagesize:") * 1024;
	char *p;
	int r;
	size_t i;

	/* anonymous private and shared, hugetlb private, ELF headers */
	write_file("/proc/self/coredump_filter", "0x33");
	p = malloc(PATTERN_LEN);	/* below the mmap threshold: the brk heap */
	where[HEAP] = (unsigned long)p;
	p = mmap(NULL, 4 * PATTERN_LEN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	where[ANON] = p == MAP_FAILED ? 0 : (unsigned long)p + PATTERN_LEN + 100;
	p = mmap(NULL, 2 * PATTERN_LEN, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	where[SHARED] = p == MAP_FAILED ? 0 : (unsigned long)p + 8;
	if (thp && thp <= MAX_HUGE) {
		p = mmap(NULL, 2 * thp, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
			p = (char *)(((unsigned long)p + thp - 1) & ~(thp - 1));
			madvise(p, thp, MADV_HUGEPAGE);
			memset(p, 1, thp);
			where[THP] = (unsigned long)p + thp / 2 + 24;
		}
	}
	if (huge && huge <= MAX_HUGE && read_ulong("/proc/meminfo", "HugePages_Free:")) {
		p = mmap(NULL, huge, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (p != MAP_FAILED)
			where[HUGETLB] = (unsigned long)p + huge - PATTERN_LEN - 40;
	}
	for (r = 0; r < NR_REGIONS; r++)
		for (i = 0; where[r] && i < PATTERN_LEN; i++)
			((char *)where[r])[i] = pattern(i, r + 1);
	if (write(out, where, sizeof(where)) != sizeof(where))
		_exit(3);
	abort();
}

/* The file offset holding @addr in the core, or -1. */
static long core_offset(const char *core, size_t size, unsigned long addr, size_t len)
{
	const core_ehdr *eh = (const void *)core;
	int i;

	for (i = 0; i < eh->e_phnum; i++) {
		const core_phdr *ph = (const void *)(core + eh->e_phoff +
						      (size_t)i * eh->e_phentsize);

		if ((const char *)(ph + 1) > core + size)
			break;
		if (ph->p_type != PT_LOAD || addr < ph->p_vaddr ||
		    addr + len > ph->p_vaddr + ph->p_memsz)
			continue;
		if (addr + len > ph->p_vaddr + ph->p_filesz)
			return -2;	/* in the segment, but not dumped */
		return ph->p_offset + (addr - ph->p_vaddr);
	}
	return -1;
}

static void check_core(const char *path, unsigned long *where)
{
	char *core, *want;
	struct stat st;
	long off;
	int fd, r;
	size_t i;

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fail("no core file %s: %s", path, strerror(errno));
		return;
	}
	fstat(fd, &st);
	core = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (st.st_size < (off_t)sizeof(core_ehdr) || core == MAP_FAILED) {
		fail("core file %s: size %lld, cannot map it", path, (long long)st.st_size);
		return;
	}
	if (memcmp(core, ELFMAG, SELFMAG) || ((core_ehdr *)core)->e_type != ET_CORE) {
		fail("core file %s: expected an ELF ET_CORE header", path);
		return;
	}
	printf("ok: %s is an ELF core of %lld bytes\n", path, (long long)st.st_size);
	want = malloc(PATTERN_LEN);
	for (r = 0; r < NR_REGIONS; r++) {
		if (!where[r]) {
			printf("note: no %s region in the child, not checked\n", region_name[r]);
			continue;
		}
		for (i = 0; i < PATTERN_LEN; i++)
			want[i] = pattern(i, r + 1);
		off = core_offset(core, st.st_size, where[r], PATTERN_LEN);
		if (off == -1) {
			fail("%s pattern at %#lx: no PT_LOAD covers it", region_name[r], where[r]);
		} else if (off == -2) {
			fail("%s pattern at %#lx: its PT_LOAD was not dumped",
			     region_name[r], where[r]);
		} else if (off + PATTERN_LEN > st.st_size) {
			fail("%s pattern at %#lx: offset %ld beyond the file end %lld",
			     region_name[r], where[r], off, (long long)st.st_size);
		} else if (memcmp(core + off, want, PATTERN_LEN)) {
			char *found = memmem(core, st.st_size, want, PATTERN_LEN);

			for (i = 0; core[off + i] == want[i]; i++)
				;
			fail("%s pattern at %#lx, core offset %ld, byte %zu:",
			     region_name[r], where[r], off, i);
			printf("  expected %#x, seen %#x (pattern %s)\n", (unsigned char)want[i],
			       (unsigned char)core[off + i],
			       found ? "found elsewhere in the core" : "nowhere in the core");
		} else {
			printf("ok: %s pattern of %d bytes at core offset %ld\n",
			       region_name[r], PATTERN_LEN, off);
		}
	}
	free(want);
	munmap(core, st.st_size);
}

int main(void)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	unsigned long where[NR_REGIONS];
	char old_pattern[256] = "", path[64];
	int pipefd[2], status, fd;
	ssize_t n;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open("/proc/sys/kernel/core_pattern", O_RDONLY);
	if (fd < 0 && errno == ENOENT) {
		printf("SKIP: no /proc/sys/kernel/core_pattern (no CONFIG_COREDUMP)\n");
		return 4;
	}
	if (fd < 0 || read(fd, old_pattern, sizeof(old_pattern) - 1) < 0) {
		printf("FAIL: reading core_pattern: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	if (write_file("/proc/sys/kernel/core_pattern", CORE_PATTERN)) {
		printf("FAIL: setting core_pattern: %s\n", strerror(errno));
		return 1;
	}
	if (setrlimit(RLIMIT_CORE, &unlimited))
		fail("setrlimit(RLIMIT_CORE): %s", strerror(errno));
	if (pipe(pipefd))
		return 2;

	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		run_child(pipefd[1]);
	}
	close(pipefd[1]);
	n = read(pipefd[0], where, sizeof(where));
	if (waitpid(pid, &status, 0) != pid) {
		fail("waitpid: %s", strerror(errno));
	} else if (n != sizeof(where)) {
		fail("the child did not report its regions (status %#x)", status);
	} else if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT ||
		   !WCOREDUMP(status)) {
		fail("expected the child to die of SIGABRT with a core, status %#x", status);
	} else {
		printf("ok: the child died of SIGABRT and dumped core\n");
		snprintf(path, sizeof(path), "/tmp/core.%d", pid);
		check_core(path, where);
		unlink(path);
	}
	write_file("/proc/sys/kernel/core_pattern", old_pattern);

	return finish("coredump_pattern");
}

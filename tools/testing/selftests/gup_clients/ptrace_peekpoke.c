// SPDX-License-Identifier: GPL-2.0
/*
 * PTRACE_PEEKDATA and PTRACE_POKEDATA go through access_process_vm(), which
 * looks the tracee's pages up with get_user_pages_remote(), FOLL_FORCE
 * included: a debugger may write into read-only private mappings, which
 * must break copy-on-write and leave the file (and so every other mapping
 * of it, the tracer's own included) alone.  Peek and poke a traced child's
 * data, rodata and text, a word straddling two pages, a page it never
 * touched and a hole; the child checks what it sees, the parent that its
 * own copies did not change.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/* ptrace moves a word: the low half of these on 32-bit machines. */
#define WORD(x)		((unsigned long)(x##ULL))
#define INITIAL_VALUE	WORD(0x1234567800abcdef)
#define CHILD_VALUE	WORD(0x0badc0de0badc0de)
#define POKE_DATA	WORD(0x5555aaaa5555aaaa)
#define POKE_RODATA	WORD(0x0123456789abcdef)
#define POKE_STRADDLE	WORD(0x7766554433221100)
#define POKE_FRESH	WORD(0x1f2e3d4c5b6a7988)

static unsigned long data_word = INITIAL_VALUE;
const unsigned long rodata_words[2] = { WORD(0xfeedfacecafebeef), WORD(0x2468ace013579bdf) };

/*
 * Never called in the child after its text was poked.  Its first word lies
 * within it or the padding after it: functions are at least 16 byte aligned
 * on x86_64, and this one is longer than a word on arm64.
 */
int text_target(int x)
{
	return x * 3 + 7;
}

static size_t page;
static char *buf;	/* 3 pages: two the child fills, one it never touches, */
			/* then a hole of one page */
static unsigned long text_orig;
/* Load a word from memory, whatever the compiler knows about it. */
static unsigned long read_word(const void *addr)
{
	unsigned long v;

	asm("" : "+r" (addr));
	memcpy(&v, addr, sizeof(v));
	return v;
}

static void child_check(const char *what, unsigned long seen, unsigned long want)
{
	if (seen != want) {
		printf("FAIL: the child's %s: expected %#lx, seen %#lx\n", what, want, seen);
		failures++;
	} else {
		printf("ok: the child sees the %s as %#lx\n", what, seen);
	}
}

static int run_child(void)
{
	size_t i;

	for (i = 0; i < 2 * page; i++)
		buf[i] = (char)(i * 7 + 3);
	data_word = CHILD_VALUE;
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL)) {
		printf("FAIL: PTRACE_TRACEME: %s\n", strerror(errno));
		return 2;
	}
	raise(SIGSTOP);
	/* The parent has poked everything by now. */
	child_check("poked data word", read_word(&data_word), POKE_DATA);
	child_check("poked rodata word",
		    read_word(&rodata_words[0]), POKE_RODATA);
	child_check("unpoked neighbouring rodata word",
		    read_word(&rodata_words[1]), rodata_words[1]);
	child_check("poked text word", read_word((void *)text_target), ~text_orig);
	child_check("poked page-straddling word", read_word(buf + page - 3), POKE_STRADDLE);
	child_check("poked word in an untouched page", read_word(buf + 2 * page + 40), POKE_FRESH);
	for (i = 0; i < 2 * page; i++) {
		if (i >= page - 3 && i < page - 3 + sizeof(long))
			continue;
		if (buf[i] != (char)(i * 7 + 3)) {
			printf("FAIL: the child's buffer byte %zu: expected %#x, seen %#x\n",
			       i, (unsigned char)(i * 7 + 3), (unsigned char)buf[i]);
			failures++;
			break;
		}
	}
	return failures ? 1 : 0;
}

static unsigned long peek(pid_t pid, const void *addr, const char *what, unsigned long want)
{
	unsigned long v;

	errno = 0;
	v = ptrace(PTRACE_PEEKDATA, pid, (void *)addr, NULL);
	if (errno)
		fail("PEEKDATA %s: %s", what, strerror(errno));
	else if (v != want)
		fail("PEEKDATA %s: expected %#lx, seen %#lx", what, want, v);
	else
		printf("ok: PEEKDATA %s gives %#lx\n", what, v);
	return v;
}

static void poke(pid_t pid, const void *addr, const char *what, unsigned long val)
{
	if (ptrace(PTRACE_POKEDATA, pid, (void *)addr, (void *)val))
		fail("POKEDATA %s: %s", what, strerror(errno));
	else
		peek(pid, addr, what, val);
}

static void expect_eio(long ret, const char *what)
{
	if (ret != -1 || errno != EIO)
		fail("%s: expected -1 EIO, seen %ld (%s)", what, ret,
		     ret == -1 ? strerror(errno) : "no error");
	else
		printf("ok: %s fails with EIO\n", what);
}

int main(void)
{
	unsigned long straddle;
	int (*fn)(int) = text_target;
	int status;
	long ret;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page = getpagesize();
	buf = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		printf("FAIL: mmap: %s\n", strerror(errno));
		return 1;
	}
	munmap(buf + 3 * page, page);
	text_orig = read_word((void *)text_target);

	pid = fork();
	if (pid < 0) {
		printf("FAIL: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0)
		_exit(run_child());

	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status) ||
	    WSTOPSIG(status) != SIGSTOP) {
		printf("FAIL: expected the child to stop with SIGSTOP, status %#x\n", status);
		kill(pid, SIGKILL);
		return 1;
	}

	peek(pid, (void *)&data_word, "data word", CHILD_VALUE);
	poke(pid, (void *)&data_word, "data word", POKE_DATA);
	peek(pid, &rodata_words[0], "rodata word", rodata_words[0]);
	poke(pid, &rodata_words[0], "rodata word", POKE_RODATA);
	peek(pid, &rodata_words[1], "neighbouring rodata word", rodata_words[1]);
	peek(pid, (void *)text_target, "text word", text_orig);
	poke(pid, (void *)text_target, "text word", ~text_orig);
	memcpy(&straddle, buf + page - 3, sizeof(straddle));	/* same as the child's */
	{
		unsigned long want = 0;
		size_t i;

		for (i = 0; i < sizeof(want); i++)
			((unsigned char *)&want)[i] = (unsigned char)((page - 3 + i) * 7 + 3);
		peek(pid, buf + page - 3, "page-straddling word", want);
	}
	poke(pid, buf + page - 3, "page-straddling word", POKE_STRADDLE);
	peek(pid, buf + 2 * page + 40, "word in an untouched page", 0);
	poke(pid, buf + 2 * page + 40, "word in an untouched page", POKE_FRESH);

	errno = 0;
	ret = ptrace(PTRACE_PEEKDATA, pid, buf + 3 * page, NULL);
	expect_eio(ret, "PEEKDATA of a hole");
	ret = ptrace(PTRACE_POKEDATA, pid, buf + 3 * page, (void *)1UL);
	expect_eio(ret, "POKEDATA of a hole");

	if (ptrace(PTRACE_CONT, pid, NULL, NULL))
		fail("PTRACE_CONT: %s", strerror(errno));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("the child's own checks: expected exit status 0, seen status %#x", status);

	/* None of it may have reached the tracer's memory or the executable. */
	if (read_word(&data_word) != INITIAL_VALUE)
		fail("the parent's data word: expected %#lx, seen %#lx",
		     INITIAL_VALUE, read_word(&data_word));
	if (read_word(&rodata_words[0]) != WORD(0xfeedfacecafebeef))
		fail("the parent's rodata word: expected %#lx, seen %#lx",
		     WORD(0xfeedfacecafebeef), rodata_words[0]);
	if (read_word((void *)text_target) != text_orig)
		fail("the parent's text word: expected %#lx, seen %#lx", text_orig,
		     read_word((void *)text_target));
	asm("" : "+r" (fn));
	ret = fn(5);
	if (ret != 22)
		fail("the parent's text_target(5): expected 22, seen %ld", ret);
	if (memcmp(&straddle, buf + page - 3, sizeof(straddle)))
		fail("the parent's page-straddling word changed");
	if (read_word(buf + 2 * page + 40))
		fail("the parent's untouched page: expected 0, seen %#lx",
		     read_word(buf + 2 * page + 40));

	return finish("ptrace_peekpoke");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A process-shared futex is keyed by what backs the address, which
 * get_futex_key() finds with get_user_pages_fast(): the inode and page
 * index for shared memory, the mm and address for private anonymous
 * memory.  A child sleeps in FUTEX_WAIT on shared anonymous memory, on a
 * tmpfs file it maps itself at another address, and on shared hugetlb
 * memory (a word deep inside the huge page); the parent stores 1 and
 * FUTEX_WAKE must wake exactly that one sleeper, which must then see the
 * 1.  On private anonymous memory the two words are different futexes and
 * the wake must find nobody.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define FILE_PATH "/tmp/futex_shared.dat"
#define MAX_HUGE (32 * 1024 * 1024UL)

struct result {
	long ret;
	int err;
	unsigned int seen;
};

static struct result *res;	/* shared with the children */
static size_t page;
static long futex(unsigned int *uaddr, int op, unsigned int val,
		  const struct timespec *timeout)
{
	return syscall(SYS_futex, uaddr, op, val, timeout, NULL, 0);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read /proc/@pid/@name into @buf (NUL-terminated); its length or <= 0. */
static ssize_t read_proc(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n > 0)
		buf[n] = '\0';
	return n;
}

/* Is @pid asleep inside the futex system call? */
static int in_futex_sleep(pid_t pid)
{
	char buf[256], *p;
	long nr;

	if (read_proc(pid, "stat", buf, sizeof(buf)) <= 0)
		return 0;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] != 'S')
		return 0;
	if (read_proc(pid, "syscall", buf, sizeof(buf)) <= 0)
		return 0;
	nr = strtol(buf, &p, 10);
	return p != buf && nr == SYS_futex;
}

/*
 * Run one case: the child waits on @child_word (or on the word at @file_off
 * of FILE_PATH, mapped afresh in the child, when @file_off is not -1), the
 * parent wakes @parent_word.  @shared says whether they are the same futex.
 */
static void run_case(const char *name, unsigned int *parent_word,
		     unsigned int *child_word, long file_off, int shared)
{
	struct timespec timeout = { shared ? 10 : 1, 0 };
	double t0, woken = 0;
	int status = 0, asleep = 0, i;
	long ret;
	pid_t pid;

	*parent_word = 0;
	memset(res, 0, sizeof(*res));
	pid = fork();
	if (pid == 0) {
		if (file_off >= 0) {
			int fd = open(FILE_PATH, O_RDWR);
			char *map = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
					 MAP_SHARED, fd, 0);

			if (fd < 0 || map == MAP_FAILED)
				_exit(2);
			child_word = (unsigned int *)(map + file_off);
		}
		res->ret = futex(child_word, FUTEX_WAIT, 0, &timeout);
		res->err = errno;
		res->seen = *child_word;
		_exit(0);
	}
	if (pid < 0) {
		fail("%s: fork: %s", name, strerror(errno));
		return;
	}
	for (i = 0; i < 5000 && !asleep; i++) {
		asleep = in_futex_sleep(pid);
		if (!asleep)
			usleep(1000);
	}
	if (!asleep)
		fail("%s: the child never went to sleep in FUTEX_WAIT", name);

	*parent_word = 1;
	t0 = now();
	ret = futex(parent_word, FUTEX_WAKE, 1, NULL);
	if (ret != (shared ? 1 : 0))
		fail("%s: FUTEX_WAKE: expected %d woken, returned %ld (%s)", name,
		     shared, ret, ret < 0 ? strerror(errno) : "");
	else
		printf("ok: %s: FUTEX_WAKE woke %ld\n", name, ret);

	for (i = 0; i < 15000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			woken = now() - t0;
			break;
		}
		usleep(1000);
	}
	if (!woken) {
		fail("%s: the child still waits 15 s after the wake", name);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fail("%s: the child: expected exit status 0, seen %#x", name, status);
		return;
	}
	if (shared) {
		if (res->ret != 0)
			fail("%s: the child's FUTEX_WAIT: expected 0, returned %ld (%s)",
			     name, res->ret, strerror(res->err));
		else if (res->seen != 1)
			fail("%s: the child after waking: expected the word to be 1, seen %u",
			     name, res->seen);
		else	/* ret 0, not ETIMEDOUT: the wake, not the clock, ended it */
			printf("ok: %s: the child woke after %.3f s and saw 1\n", name, woken);
	} else {
		if (res->ret != -1 || res->err != ETIMEDOUT)
			fail("%s: the child's FUTEX_WAIT: expected -1 ETIMEDOUT, returned %ld (%s)",
			     name, res->ret, strerror(res->err));
		else if (res->seen != 0)
			fail("%s: the child's private word: expected 0, seen %u",
			     name, res->seen);
		else
			printf("ok: %s: the child timed out and its word stayed 0\n", name);
	}
}

static unsigned long meminfo_value(const char *key)
{
	char line[256];
	unsigned long v = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = strtoul(line + strlen(key), NULL, 10);
	if (f)
		fclose(f);
	return v;
}

int main(void)
{
	size_t huge;
	char *map;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page = getpagesize();
	res = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED)
		return 2;

	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		fail("shared anonymous mmap: %s", strerror(errno));
	else
		run_case("shared anonymous", (void *)(map + page + 12),
			 (void *)(map + page + 12), -1, 1);

	fd = open(FILE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 4 * page)) {
		fail("creating %s: %s", FILE_PATH, strerror(errno));
	} else {
		map = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			fail("file mmap: %s", strerror(errno));
		else
			run_case("tmpfs file, mapped twice", (void *)(map + 2 * page + 40),
				 NULL, 2 * page + 40, 1);
		close(fd);
		unlink(FILE_PATH);
	}

	huge = meminfo_value("Hugepagesize:") * 1024;
	if (!huge || huge > MAX_HUGE || !meminfo_value("HugePages_Free:")) {
		printf("note: no usable hugetlb pages, hugetlb case not run\n");
	} else {
		map = mmap(NULL, huge, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (map == MAP_FAILED)
			fail("shared hugetlb mmap: %s", strerror(errno));
		else
			run_case("shared hugetlb", (void *)(map + 5 * page + 16),
				 (void *)(map + 5 * page + 16), -1, 1);
	}

	map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		fail("private anonymous mmap: %s", strerror(errno));
	else
		run_case("private anonymous (different futexes)", (void *)(map + 64),
			 (void *)(map + 64), -1, 0);

	return finish("futex_shared");
}

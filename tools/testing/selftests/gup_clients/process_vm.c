// SPDX-License-Identifier: GPL-2.0
/*
 * process_vm_readv() and process_vm_writev() pin the other process' pages
 * with pin_user_pages_remote() and copy through them.  A child publishes a
 * buffer (part of it filled, part of it never touched, followed by a hole)
 * and a read-only page; the parent reads and writes them with vectors whose
 * segments start and end mid-page, and the child checks its own memory
 * against the parent's model of it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define NPAGES 16	/* the child's buffer */
#define TOUCHED 12	/* pages the child fills before publishing */

static size_t page;
/* util.h's pattern, never zero: a zero byte would look untouched. */
static unsigned char nz_pattern(unsigned long i, unsigned int seed)
{
	return pattern(i, seed) | 1;
}

struct shared_info {
	unsigned long buf;	/* NPAGES pages, a hole after them */
	unsigned long ro;	/* one read-only page of zeroes */
};

static int read_full(int fd, void *p, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, (char *)p + done, len - done);
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

static int write_full(int fd, const void *p, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, (const char *)p + done, len - done);
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

static int run_child(int to_parent, int from_parent)
{
	size_t len = NPAGES * page, i;
	struct shared_info info;
	char *buf, *model;

	buf = mmap(NULL, len + page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	info.ro = (unsigned long)mmap(NULL, page, PROT_READ,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	model = malloc(len);
	if (buf == MAP_FAILED || info.ro == (unsigned long)MAP_FAILED || !model) {
		printf("the child: allocation failed\n");
		return 2;
	}
	munmap(buf + len, page);	/* the hole */
	for (i = 0; i < TOUCHED * page; i++)
		buf[i] = nz_pattern(i, 1);
	info.buf = (unsigned long)buf;
	if (write_full(to_parent, &info, sizeof(info)))
		return 2;
	/* The parent is done with us once it sends its model of our buffer. */
	if (read_full(from_parent, model, len)) {
		printf("the child: no model from the parent\n");
		return 2;
	}
	for (i = 0; i < len; i++) {
		if (buf[i] != model[i]) {
			printf("FAIL: the child: byte %zu (page %zu): expected %#x, seen %#x\n",
			       i, i / page, (unsigned char)model[i], (unsigned char)buf[i]);
			return 1;
		}
	}
	printf("ok: the child sees all %d pages as the parent wrote them\n", NPAGES);
	return 0;
}

static void expect_ret(const char *what, ssize_t ret, ssize_t want, int want_errno)
{
	if (ret == want && (want >= 0 || errno == want_errno))
		printf("ok: %s returned %zd%s%s\n", what, ret, want < 0 ? " errno " : "",
		       want < 0 ? strerror(errno) : "");
	else if (want >= 0)
		fail("%s: expected %zd, returned %zd (%s)", what, want, ret,
		     ret < 0 ? strerror(errno) : "");
	else
		fail("%s: expected -1 (%s), returned %zd (%s)", what, strerror(want_errno),
		     ret, ret < 0 ? strerror(errno) : "");
}

/* @got holds @len bytes of the child's buffer starting at offset @off. */
static void compare(const char *what, const char *got, const char *model,
		    unsigned long off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (got[i] != model[off + i]) {
			fail("%s: byte %lu of the child buffer: expected %#x, seen %#x",
			     what, off + i, (unsigned char)model[off + i],
			     (unsigned char)got[i]);
			return;
		}
	}
	printf("ok: %s: %zu bytes as expected\n", what, len);
}

static void parent(pid_t pid, struct shared_info *info, char *model)
{
	unsigned long b = info->buf;
	size_t len = NPAGES * page, i;
	struct iovec lv[3], rv[3];
	char *local = malloc(len * 2);
	ssize_t ret;

	if (!local) {
		fail("malloc");
		return;
	}
	/* The model: pattern in the touched pages, zeroes in the rest. */
	for (i = 0; i < len; i++)
		model[i] = i < TOUCHED * page ? nz_pattern(i, 1) : 0;

	/* 1. Read 9 pages' worth from two unaligned remote ranges into three
	 * local segments whose boundaries fall elsewhere.
	 */
	memset(local, 0xee, len * 2);
	rv[0].iov_base = (void *)(b + 100);
	rv[0].iov_len = 5 * page;
	rv[1].iov_base = (void *)(b + 6 * page + 33);
	rv[1].iov_len = 4 * page;
	lv[0].iov_base = local;
	lv[0].iov_len = 1000;
	lv[1].iov_base = local + 1000;
	lv[1].iov_len = 3 * page + 7;
	lv[2].iov_base = local + 1000 + 3 * page + 7;
	lv[2].iov_len = 9 * page - 1000 - 3 * page - 7;
	ret = process_vm_readv(pid, lv, 3, rv, 2, 0);
	expect_ret("readv of 9 pages in 2 remote segments", ret, 9 * page, 0);
	compare("readv remote segment 0", local, model, 100, 5 * page);
	compare("readv remote segment 1", local + 5 * page, model, 6 * page + 33, 4 * page);

	/* 2. Never-touched remote pages read as zeroes. */
	lv[0].iov_base = local;
	lv[0].iov_len = (NPAGES - TOUCHED) * page;
	rv[0].iov_base = (void *)(b + TOUCHED * page);
	rv[0].iov_len = lv[0].iov_len;
	memset(local, 0xee, lv[0].iov_len);
	ret = process_vm_readv(pid, lv, 1, rv, 1, 0);
	expect_ret("readv of untouched pages", ret, lv[0].iov_len, 0);
	compare("readv of untouched pages", local, model, TOUCHED * page, lv[0].iov_len);

	/* 3. A remote range running into the hole stops at the hole. */
	lv[0].iov_base = local;
	lv[0].iov_len = 3 * page;
	rv[0].iov_base = (void *)(b + (NPAGES - 2) * page);
	rv[0].iov_len = 3 * page;
	ret = process_vm_readv(pid, lv, 1, rv, 1, 0);
	expect_ret("readv running into a hole", ret, 2 * page, 0);

	/* 4. A remote range inside the hole copies nothing. */
	rv[0].iov_base = (void *)(b + len);
	rv[0].iov_len = page;
	ret = process_vm_readv(pid, lv, 1, rv, 1, 0);
	expect_ret("readv of a hole", ret, -1, EFAULT);

	/* 5. Write a second pattern across touched and untouched pages, with
	 * two local segments feeding three remote ones.
	 */
	for (i = 0; i < 6 * page; i++)
		local[i] = nz_pattern(i, 2);
	lv[0].iov_base = local;
	lv[0].iov_len = 2 * page + 11;
	lv[1].iov_base = local + 2 * page + 11;
	lv[1].iov_len = 4 * page - 11;
	rv[0].iov_base = (void *)(b + 10 * page + 5);	/* touched and untouched */
	rv[0].iov_len = 3 * page;
	rv[1].iov_base = (void *)(b + page + 1);
	rv[1].iov_len = 2 * page;
	rv[2].iov_base = (void *)(b + 14 * page + 77);	/* untouched only */
	rv[2].iov_len = page;
	ret = process_vm_writev(pid, lv, 2, rv, 3, 0);
	expect_ret("writev of 6 pages into 3 remote segments", ret, 6 * page, 0);
	memcpy(model + 10 * page + 5, local, 3 * page);
	memcpy(model + page + 1, local + 3 * page, 2 * page);
	memcpy(model + 14 * page + 77, local + 5 * page, page);

	/* 6. A write running into the hole stops at the hole. */
	for (i = 0; i < 2 * page; i++)
		local[i] = nz_pattern(i, 3);
	lv[0].iov_base = local;
	lv[0].iov_len = 2 * page;
	rv[0].iov_base = (void *)(b + (NPAGES - 1) * page);
	rv[0].iov_len = 2 * page;
	ret = process_vm_writev(pid, lv, 1, rv, 1, 0);
	expect_ret("writev running into a hole", ret, page, 0);
	memcpy(model + (NPAGES - 1) * page, local, page);

	/* 7. Read-only memory cannot be written (no FOLL_FORCE here) ... */
	rv[0].iov_base = (void *)info->ro;
	rv[0].iov_len = page;
	lv[0].iov_len = page;
	ret = process_vm_writev(pid, lv, 1, rv, 1, 0);
	expect_ret("writev into a read-only page", ret, -1, EFAULT);
	/* ... and still reads as zeroes. */
	memset(local, 0xee, page);
	ret = process_vm_readv(pid, lv, 1, rv, 1, 0);
	expect_ret("readv of the read-only page", ret, page, 0);
	for (i = 0; i < page; i++) {
		if (local[i]) {
			fail("read-only page byte %zu: expected 0, seen %#x", i,
			     (unsigned char)local[i]);
			break;
		}
	}

	/* 8. Read the whole buffer back and compare it with the model. */
	lv[0].iov_base = local;
	lv[0].iov_len = len;
	rv[0].iov_base = (void *)b;
	rv[0].iov_len = len;
	ret = process_vm_readv(pid, lv, 1, rv, 1, 0);
	expect_ret("readv of the whole buffer", ret, len, 0);
	compare("readv after the writes", local, model, 0, len);
	free(local);
}

int main(void)
{
	int to_parent[2], to_child[2], status;
	struct shared_info info;
	char *model;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page = getpagesize();
	model = malloc(NPAGES * page);
	if (!model || pipe(to_parent) || pipe(to_child)) {
		printf("FAIL: setup: %s\n", strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		printf("FAIL: fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(to_parent[0]);
		close(to_child[1]);
		_exit(run_child(to_parent[1], to_child[0]));
	}
	close(to_parent[1]);
	close(to_child[0]);
	if (read_full(to_parent[0], &info, sizeof(info))) {
		printf("FAIL: the child did not publish its buffer\n");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 1;
	}
	parent(pid, &info, model);
	/* Sending the model tells the child to check its memory and exit. */
	if (write_full(to_child[1], model, NPAGES * page))
		fail("sending the model to the child");
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("the child's own check: expected exit status 0, seen %#x", status);

	return finish("process_vm");
}

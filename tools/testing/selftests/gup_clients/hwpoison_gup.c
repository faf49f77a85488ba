// SPDX-License-Identifier: GPL-2.0
/*
 * GUP meeting a page with a memory failure.  MADV_HWPOISON makes the
 * kernel treat one page of an anonymous buffer as broken hardware: the
 * page is unmapped and a poison entry left in its place, so that every
 * later access to the address faults with VM_FAULT_HWPOISON.  Callers of
 * GUP must then see an error for that page only:
 * - MADV_POPULATE_READ/WRITE (FOLL_HWPOISON) report it as EHWPOISON;
 * - process_vm_readv() (pin_user_pages_remote()) and vmsplice()
 *   (get_user_pages_fast()) stop short of it, or fail with EFAULT when it
 *   is the first page asked for;
 * - /proc/self/mem (get_user_pages_remote()) fails the read with EIO.
 * The pages around it keep their data.  Skipped (exit status 4) when the
 * kernel has no memory failure handling (MADV_HWPOISON refused).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util.h"

#define NPAGES 4	/* the buffer; page BAD is poisoned */
#define BAD 1
#define SEED 41		/* util.h's pattern the buffer is filled with */

static size_t page;

/* @what returned @ret; expect -1 with errno @want. */
static void expect_errno(const char *what, long ret, int want)
{
	if (ret != -1 || errno != want)
		fail("%s: expected -1 with errno %d (%s), got %ld (errno %d)",
		     what, want, strerror(want), ret, ret == -1 ? errno : 0);
	else
		printf("ok: %s: %s\n", what, strerror(want));
}

/* @what returned @ret; expect exactly @want. */
static void expect_ret(const char *what, long ret, long want)
{
	if (ret != want)
		fail("%s: expected %ld, got %ld (errno %d)", what, want, ret,
		     ret < 0 ? errno : 0);
	else
		printf("ok: %s: %ld\n", what, ret);
}

static void check_populate(char *buf)
{
	char *bad = buf + BAD * page;

	expect_errno("MADV_POPULATE_READ of the poisoned page",
		     madvise(bad, page, MADV_POPULATE_READ), EHWPOISON);
	expect_errno("MADV_POPULATE_WRITE of the poisoned page",
		     madvise(bad, page, MADV_POPULATE_WRITE), EHWPOISON);
	expect_errno("MADV_POPULATE_READ of the whole buffer",
		     madvise(buf, NPAGES * page, MADV_POPULATE_READ), EHWPOISON);
	expect_ret("MADV_POPULATE_WRITE of the pages after it",
		   madvise(bad + page, (NPAGES - BAD - 1) * page,
			   MADV_POPULATE_WRITE), 0);
}

static void check_process_vm(char *buf)
{
	char *copy = malloc(NPAGES * page);
	struct iovec local = { copy, NPAGES * page }, remote;

	if (!copy) {
		fail("malloc");
		return;
	}
	memset(copy, 0, NPAGES * page);
	remote.iov_base = buf;
	remote.iov_len = NPAGES * page;
	expect_ret("process_vm_readv across the poisoned page",
		   process_vm_readv(getpid(), &local, 1, &remote, 1, 0),
		   BAD * page);
	if (pattern_diff(copy, BAD * page, 0, SEED) >= 0)
		fail("process_vm_readv: the pages before the poison differ");
	remote.iov_base = buf + BAD * page;
	remote.iov_len = page;
	expect_errno("process_vm_readv of the poisoned page",
		     process_vm_readv(getpid(), &local, 1, &remote, 1, 0),
		     EFAULT);
	free(copy);
}

static void check_vmsplice(char *buf)
{
	struct iovec iov = { buf, NPAGES * page };
	int fds[2];

	if (pipe(fds)) {
		fail("pipe: %s", strerror(errno));
		return;
	}
	expect_ret("vmsplice across the poisoned page",
		   vmsplice(fds[1], &iov, 1, 0), BAD * page);
	close(fds[0]);
	close(fds[1]);
	if (pipe(fds)) {
		fail("pipe: %s", strerror(errno));
		return;
	}
	iov.iov_base = buf + BAD * page;
	iov.iov_len = page;
	expect_errno("vmsplice of the poisoned page",
		     vmsplice(fds[1], &iov, 1, 0), EFAULT);
	close(fds[0]);
	close(fds[1]);
}

static void check_proc_mem(char *buf)
{
	int fd = open("/proc/self/mem", O_RDONLY);
	char *copy = malloc(page);

	if (fd < 0 || !copy) {
		fail("/proc/self/mem: %s", strerror(errno));
		goto out;
	}
	expect_ret("/proc/self/mem read before the poisoned page",
		   pread(fd, copy, page, (unsigned long)buf), page);
	if (pattern_diff(copy, page, 0, SEED) >= 0)
		fail("/proc/self/mem: the page before the poison differs");
	expect_errno("/proc/self/mem read of the poisoned page",
		     pread(fd, copy, page, (unsigned long)(buf + BAD * page)),
		     EIO);
out:
	if (fd >= 0)
		close(fd);
	free(copy);
}

int main(void)
{
	char *buf;

	page = getpagesize();
	buf = map_anon(NPAGES * page, 0);
	if (!buf) {
		fail("mmap: %s", strerror(errno));
		return finish("hwpoison_gup");
	}
	pattern_fill(buf, NPAGES * page, 0, SEED);
	if (madvise(buf + BAD * page, page, MADV_HWPOISON)) {
		printf("hwpoison_gup: MADV_HWPOISON: %s, skipped\n",
		       strerror(errno));
		return 4;
	}

	check_populate(buf);
	check_process_vm(buf);
	check_vmsplice(buf);
	check_proc_mem(buf);
	/* Read directly: the pages around the poison are intact. */
	if (pattern_diff(buf, BAD * page, 0, SEED) >= 0)
		fail("the pages before the poison lost their data");
	if (pattern_diff(buf + (BAD + 1) * page, (NPAGES - BAD - 1) * page,
			 (BAD + 1) * page, SEED) >= 0)
		fail("the pages after the poison lost their data");
	return finish("hwpoison_gup");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vmsplice() into a pipe takes references on the user pages
 * (iov_iter_get_pages, get_user_pages_fast() underneath) and queues the
 * pages themselves as pipe buffers.  Splice vectors whose segments start
 * and end mid-page, read them back with read(), with vmsplice() in the
 * other direction and by splicing into a tmpfs file; push 1 MiB of a THP
 * backed buffer through a pipe in pieces; splice never-touched read-only
 * memory (zeroes) and a hole (EFAULT).  What a reader sees after the
 * buffer changed between vmsplice() and read() is not fixed (the pipe may
 * hold the very page): each byte must be the old or the new value.
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

#define FILE_PATH "/tmp/vmsplice_roundtrip.dat"
#define BIG_LEN (1024 * 1024UL)
#define MAX_HUGE (32 * 1024 * 1024UL)

static size_t page;

static ssize_t read_full(int fd, char *p, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, p + done, len - done);
		if (n <= 0)
			return n < 0 ? n : (ssize_t)done;
		done += n;
	}
	return done;
}

/* Splice three unaligned segments; return their concatenation in @want. */
static ssize_t splice_segments(int pfd, char *buf, char *want)
{
	struct iovec iov[3] = {
		{ buf + 100, 2 * page },
		{ buf + 3 * page + 7, page + 50 },
		{ buf + 5 * page, 2 * page - 1 },
	};
	size_t total = 0;
	int i;

	for (i = 0; i < 3; i++) {
		memcpy(want + total, iov[i].iov_base, iov[i].iov_len);
		total += iov[i].iov_len;
	}
	return vmsplice(pfd, iov, 3, 0) == (ssize_t)total ? (ssize_t)total : -1;
}

static void unaligned_vectors(char *buf, char *want, char *got)
{
	struct iovec out;
	int pfd[2], fd;
	ssize_t total;

	/* read() */
	if (pipe(pfd))
		return;
	total = splice_segments(pfd[1], buf, want);
	if (total < 0) {
		fail("vmsplice of 3 segments: %s", strerror(errno));
		return;
	}
	memset(got, 0, total);
	if (read_full(pfd[0], got, total) != total)
		fail("read from the pipe: expected %zd bytes", total);
	else
		same_bytes("vmsplice of 3 unaligned segments, read()", got, want, total);

	/* vmsplice() from the pipe into user memory */
	total = splice_segments(pfd[1], buf, want);
	memset(got, 0, total);
	out.iov_base = got;
	out.iov_len = total;
	if (total < 0 || vmsplice(pfd[0], &out, 1, 0) != total)
		fail("vmsplice round trip: %s", strerror(errno));
	else
		same_bytes("vmsplice in, vmsplice out", got, want, total);

	/* splice() into a tmpfs file */
	fd = open(FILE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);
	total = splice_segments(pfd[1], buf, want);
	if (fd < 0 || total < 0 || splice(pfd[0], NULL, fd, NULL, total, 0) != total) {
		fail("vmsplice then splice to %s: %s", FILE_PATH, strerror(errno));
	} else {
		memset(got, 0, total);
		if (pread(fd, got, total, 0) != total)
			fail("pread of %s: %s", FILE_PATH, strerror(errno));
		else
			same_bytes("vmsplice, splice to a tmpfs file, pread", got, want, total);
	}
	if (fd >= 0)
		close(fd);
	unlink(FILE_PATH);
	close(pfd[0]);
	close(pfd[1]);
}

/* 1 MiB from a THP-backed buffer, in as many pieces as the pipe takes. */
static void big(void)
{
	size_t thp = thp_pmd_size(), in = 0, out = 0, i, len;
	int pfd[2], calls = 0;
	char *buf, *got;
	struct iovec iov;
	ssize_t n;

	if (!thp || thp > MAX_HUGE || thp < BIG_LEN)
		thp = BIG_LEN;
	buf = map_thp(thp, thp);
	got = malloc(BIG_LEN);
	if (!buf || !got || pipe2(pfd, O_NONBLOCK)) {
		fail("setting up the 1 MiB splice: %s", strerror(errno));
		return;
	}
	for (i = 0; i < BIG_LEN; i++)
		buf[i] = pattern(i, 7);
	while (out < BIG_LEN && calls < 100000) {
		calls++;
		if (in < BIG_LEN) {
			iov.iov_base = buf + in;
			iov.iov_len = BIG_LEN - in;
			n = vmsplice(pfd[1], &iov, 1, SPLICE_F_NONBLOCK);
			if (n > 0)
				in += n;
			else if (n < 0 && errno != EAGAIN)
				break;
		}
		len = in - out;
		if (!len)
			continue;
		n = read(pfd[0], got + out, len);
		if (n > 0)
			out += n;
		else if (n < 0 && errno != EAGAIN)
			break;
	}
	if (out != BIG_LEN)
		fail("1 MiB through a pipe: moved %zu of %lu bytes (%s)", out, BIG_LEN,
		     strerror(errno));
	else
		printf("ok: 1 MiB went through the pipe in %d steps\n", calls);
	for (i = 0; i < out; i++) {
		if (got[i] != (char)pattern(i, 7)) {
			fail("1 MiB splice: byte %zu: expected %#x, seen %#x", i,
			     pattern(i, 7), (unsigned char)got[i]);
			break;
		}
	}
	if (out == BIG_LEN && i == out)
		printf("ok: 1 MiB splice: all bytes intact\n");
	close(pfd[0]);
	close(pfd[1]);
	free(got);
	munmap(buf, thp);
}

/* The buffer changes after vmsplice(): each byte read is old or new. */
static void modified_after(char *buf, char *got)
{
	struct iovec iov = { buf + page, page };
	size_t i, old = 0, new = 0;
	int pfd[2];

	if (pipe(pfd))
		return;
	memset(buf + page, 'o', page);
	if (vmsplice(pfd[1], &iov, 1, 0) != (ssize_t)page) {
		fail("vmsplice of one page: %s", strerror(errno));
		return;
	}
	memset(buf + page, 'n', page);
	if (read_full(pfd[0], got, page) != (ssize_t)page) {
		fail("read of one page from the pipe");
		return;
	}
	for (i = 0; i < page; i++) {
		if (got[i] == 'o') {
			old++;
		} else if (got[i] == 'n') {
			new++;
		} else {
			fail("changed after vmsplice: byte %zu: expected 'o' or 'n', seen %#x",
			     i, (unsigned char)got[i]);
			break;
		}
	}
	if (i == page)
		printf("ok: buffer changed after vmsplice: %s %zu old and %zu new bytes\n",
		       "the reader saw", old, new);
	close(pfd[0]);
	close(pfd[1]);
}

static void zero_and_hole(char *got)
{
	char *ro = mmap(NULL, 3 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iovec iov;
	int pfd[2];
	size_t i;
	ssize_t n;

	if (ro == MAP_FAILED || pipe(pfd))
		return;
	munmap(ro + 2 * page, page);
	iov.iov_base = ro + 10;
	iov.iov_len = page + 10;
	n = vmsplice(pfd[1], &iov, 1, 0);
	memset(got, 0x77, iov.iov_len);
	if (n != (ssize_t)iov.iov_len || read_full(pfd[0], got, n) != n) {
		fail("vmsplice of never-touched read-only memory: expected %zu, returned %zd (%s)",
		     iov.iov_len, n, n < 0 ? strerror(errno) : "short");
	} else {
		for (i = 0; i < iov.iov_len && !got[i]; i++)
			;
		if (i != iov.iov_len)
			fail("never-touched read-only memory: byte %zu: expected 0, seen %#x",
			     i, (unsigned char)got[i]);
		else
			printf("ok: never-touched read-only memory splices as %zu zero bytes\n",
			       iov.iov_len);
	}
	iov.iov_base = ro + 2 * page;
	iov.iov_len = page;
	n = vmsplice(pfd[1], &iov, 1, 0);
	if (n != -1 || errno != EFAULT)
		fail("vmsplice of a hole: expected -1 EFAULT, returned %zd (%s)", n,
		     n < 0 ? strerror(errno) : "no error");
	else
		printf("ok: vmsplice of a hole fails with EFAULT\n");
	close(pfd[0]);
	close(pfd[1]);
	munmap(ro, 2 * page);
}

int main(void)
{
	char *buf, *want, *got;
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page = getpagesize();
	buf = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	want = malloc(8 * page);
	got = malloc(8 * page);
	if (buf == MAP_FAILED || !want || !got)
		return 2;
	for (i = 0; i < 8 * page; i++)
		buf[i] = pattern(i, 1);

	unaligned_vectors(buf, want, got);
	big();
	modified_after(buf, got);
	zero_and_hole(got);

	return finish("vmsplice_roundtrip");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Writes through /proc/self/mem use get_user_pages_remote() with
 * FOLL_FORCE | FOLL_WRITE.  Into a read-only private file mapping that must
 * break copy-on-write: the process sees the new bytes, the file and other
 * mappings of it do not, and the mapping stays read-only.  Into a read-only
 * shared file mapping the force is refused (EIO from /proc/PID/mem, which
 * turns GUP's EFAULT into "nothing copied") and nothing changes.
 */
#define _GNU_SOURCE
/* /proc/self/mem offsets are addresses, above 2 GiB on 32-bit machines. */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

#define FILE_PATH "/tmp/proc_mem_cow.dat"

static size_t page;

static unsigned char orig_byte(size_t i)
{
	return (unsigned char)(i * 13 + 5) | 0x80;
}

static unsigned char new_byte(size_t i)
{
	return (unsigned char)(i * 7 + 1) & 0x7f;
}

/* The permission string of the mapping holding @addr in /proc/self/maps. */
static void perms_of(void *addr, char perms[5])
{
	unsigned long start, end, a = (unsigned long)addr;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	strcpy(perms, "????");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) == 3 &&
		    a >= start && a < end)
			break;
	if (f)
		fclose(f);
}

static void mem_write(int mem, const char *src, size_t len, char *addr,
		      const char *what)
{
	ssize_t n = pwrite(mem, src, len, (off_t)(unsigned long)addr);

	if (n != (ssize_t)len)
		fail("%s: /proc/self/mem write of %zu bytes returned %zd (%s)", what,
		     len, n, n < 0 ? strerror(errno) : "short");
	else
		printf("ok: %s: /proc/self/mem wrote %zu bytes\n", what, len);
}

static void mem_write_refused(int mem, char *addr, const char *what)
{
	char junk[64];
	ssize_t n;

	memset(junk, 0x11, sizeof(junk));
	n = pwrite(mem, junk, sizeof(junk), (off_t)(unsigned long)addr);
	if (n != -1 || errno != EIO)
		fail("%s: expected the /proc/self/mem write to fail with EIO, returned %zd (%s)",
		     what, n, n < 0 ? strerror(errno) : "no error");
	else
		printf("ok: %s: /proc/self/mem write refused with EIO\n", what);
}

int main(void)
{
	char *orig, *model, *priv, *priv2, *shared, *shared_rw, *anon, *back;
	size_t len, i;
	char perms[5];
	int fd, fd_rw, mem;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page = getpagesize();
	len = 2 * page;
	orig = malloc(len);
	model = malloc(len);
	back = malloc(len);
	if (!orig || !model || !back)
		return 2;
	for (i = 0; i < len; i++)
		orig[i] = orig_byte(i);

	fd_rw = open(FILE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd_rw < 0 || pwrite(fd_rw, orig, len, 0) != (ssize_t)len) {
		printf("FAIL: creating %s: %s\n", FILE_PATH, strerror(errno));
		return 1;
	}
	fd = open(FILE_PATH, O_RDONLY);
	mem = open("/proc/self/mem", O_RDWR);
	if (fd < 0 || mem < 0) {
		printf("FAIL: open: %s\n", strerror(errno));
		return 1;
	}
	priv = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	shared = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	shared_rw = mmap(NULL, len, PROT_READ, MAP_SHARED, fd_rw, 0);
	anon = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (priv == MAP_FAILED || shared == MAP_FAILED || shared_rw == MAP_FAILED ||
	    anon == MAP_FAILED) {
		printf("FAIL: mmap: %s\n", strerror(errno));
		return 1;
	}

	/* Private file mapping: page 0 faulted in first, page 1 never touched. */
	if (priv[0] != orig[0])
		fail("the private mapping before any write: expected %#x, seen %#x",
		     (unsigned char)orig[0], (unsigned char)priv[0]);
	memcpy(model, orig, len);
	for (i = 0; i < len; i++)
		back[i] = new_byte(i);
	mem_write(mem, back, 100, priv + 50, "private page 0");
	memcpy(model + 50, back, 100);
	mem_write(mem, back + 200, 128, priv + page - 64, "private, straddling into page 1");
	memcpy(model + page - 64, back + 200, 128);
	same_bytes("the private mapping after the writes", priv, model, len);

	memset(back, 0, len);
	if (pread(mem, back, len, (off_t)(unsigned long)priv) != (ssize_t)len)
		fail("reading the private mapping back through /proc/self/mem: %s",
		     strerror(errno));
	else
		same_bytes("the private mapping read through /proc/self/mem", back, model, len);

	memset(back, 0, len);
	if (pread(fd, back, len, 0) != (ssize_t)len)
		fail("pread of the file: %s", strerror(errno));
	else
		same_bytes("the file after the private writes", back, orig, len);
	priv2 = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (priv2 == MAP_FAILED)
		fail("second private mmap: %s", strerror(errno));
	else
		same_bytes("a second private mapping of the file", priv2, orig, len);
	same_bytes("a shared mapping of the file", shared, orig, len);
	perms_of(priv, perms);
	if (strcmp(perms, "r--p"))
		fail("the private mapping's permissions: expected r--p, seen %s", perms);
	else
		printf("ok: the private mapping is still r--p\n");

	/* Shared file mappings without PROT_WRITE refuse the forced write. */
	mem_write_refused(mem, shared + 10, "shared mapping of an O_RDONLY file");
	mem_write_refused(mem, shared_rw + page - 20,
			  "read-only shared mapping of an O_RDWR file");
	same_bytes("the O_RDONLY shared mapping after the refused write", shared, orig, len);
	same_bytes("the O_RDWR shared mapping after the refused write", shared_rw, orig, len);
	memset(back, 0, len);
	if (pread(fd, back, len, 0) != (ssize_t)len)
		fail("pread of the file: %s", strerror(errno));
	else
		same_bytes("the file after the refused writes", back, orig, len);

	/* A read-only private anonymous page is written the same way. */
	for (i = 0; i < 64; i++)
		back[i] = new_byte(i + 1000);
	mem_write(mem, back, 64, anon + page + 8, "read-only private anonymous page");
	memset(model, 0, len);
	memcpy(model + page + 8, back, 64);
	same_bytes("the read-only anonymous mapping after the write", anon, model, len);

	unlink(FILE_PATH);
	return finish("proc_mem_cow");
}

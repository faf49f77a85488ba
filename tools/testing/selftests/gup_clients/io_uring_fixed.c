// SPDX-License-Identifier: GPL-2.0
/*
 * IORING_REGISTER_BUFFERS pins user buffers long-term
 * (pin_user_pages(FOLL_WRITE | FOLL_LONGTERM), which may migrate them out
 * of ZONE_MOVABLE first) and later I/O goes to the pinned pages with no
 * further lookup.  Register buffers of small pages (one never touched
 * before), a transparent huge page, a hugetlb page and a shared tmpfs
 * mapping; READ_FIXED into them from a file and check what the process
 * sees; then change them from userspace and WRITE_FIXED them out, which
 * shows the pinned pages are the pages mapped.  The kernel must also tell
 * apart the VMAs of a buffer that spans anonymous and file memory.
 * Raw system calls, no liburing: the same source builds for arm64.
 *
 * "io_uring_fixed hugetlb" registers a hugetlb buffer instead of the
 * others.  Pristine 6.1 fails that when the huge page sits in ZONE_MOVABLE
 * (movablecore=): follow_hugetlb_page() cannot take a FOLL_LONGTERM pin
 * on a movable page, warns and returns ENOMEM before the pages could be
 * migrated, so it is a separate test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util.h"

#define DATA_PATH "/tmp/io_uring_fixed.dat"
#define OUT_PATH "/tmp/io_uring_fixed.out"
#define SHM_PATH "/tmp/io_uring_fixed.shm"
#define SMALL_LEN (64 * 1024 + 300)
#define MAX_IO (1024 * 1024UL)
#define MAX_HUGE (32 * 1024 * 1024UL)
#define DATA_LEN (4 * 1024 * 1024UL)

struct ring {
	int fd;
	unsigned int *sq_head, *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

enum { SMALL, UNTOUCHED, THP, HUGETLB, SHMEM, NR_BUFS };
static const char * const buf_name[NR_BUFS] = {
	"small pages", "never-touched small pages", "THP", "hugetlb", "shared tmpfs",
};

static struct iovec bufs[NR_BUFS];
static int wanted[NR_BUFS];
static size_t page;

static int ring_setup(struct ring *r, unsigned int entries)
{
	struct io_uring_params p;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	r->fd = syscall(__NR_io_uring_setup, entries, &p);
	if (r->fd < 0)
		return -1;
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		  IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		  IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		       IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED)
		return -1;
	r->sq_head = (void *)(sq + p.sq_off.head);
	r->sq_tail = (void *)(sq + p.sq_off.tail);
	r->sq_mask = (void *)(sq + p.sq_off.ring_mask);
	r->sq_array = (void *)(sq + p.sq_off.array);
	r->cq_head = (void *)(cq + p.cq_off.head);
	r->cq_tail = (void *)(cq + p.cq_off.tail);
	r->cq_mask = (void *)(cq + p.cq_off.ring_mask);
	r->cqes = (void *)(cq + p.cq_off.cqes);
	return 0;
}

/* Submit one fixed-buffer operation and return its completion result. */
static int ring_rw(struct ring *r, int opcode, int fd, void *addr, unsigned int len,
		   off_t off, int buf_index)
{
	unsigned int tail = *r->sq_tail, idx = tail & *r->sq_mask, head;
	struct io_uring_sqe *sqe = &r->sqes[idx];
	struct io_uring_cqe *cqe;
	int res;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = opcode;
	sqe->fd = fd;
	sqe->addr = (unsigned long)addr;
	sqe->len = len;
	sqe->off = off;
	sqe->buf_index = buf_index;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -1000 - errno;
	head = *r->cq_head;
	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return -2000;	/* no completion */
	cqe = &r->cqes[head & *r->cq_mask];
	res = cqe->res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

static const char *res_str(int res)
{
	static char s[64];

	if (res <= -2000)
		return "no completion";
	if (res <= -1000)
		snprintf(s, sizeof(s), "io_uring_enter: %s", strerror(-1000 - res));
	else
		snprintf(s, sizeof(s), "%s", res < 0 ? strerror(-res) : "short");
	return s;
}

static void note_pfn(int b, const char *when)
{
	unsigned long pfn = pfn_of(bufs[b].iov_base);

	printf("note: %s buffer: page frame %#lx %s, %s\n", buf_name[b], pfn, when,
	       !pfn ? "unknown zone" : in_movable(bufs[b].iov_base, 1) ?
	       "in ZONE_MOVABLE" : "not in ZONE_MOVABLE");
}

static void alloc_bufs(int shm_fd)
{
	size_t thp = thp_pmd_size();
	size_t huge = read_ulong("/proc/meminfo", "Hugepagesize:") * 1024;
	char *p;

	p = wanted[SMALL] ? map_anon(SMALL_LEN + 2 * page, 0) : NULL;
	if (p) {
		memset(p, 0x33, SMALL_LEN + 2 * page);
		bufs[SMALL].iov_base = p + 100;	/* unaligned start and end */
		bufs[SMALL].iov_len = SMALL_LEN;
	}
	p = wanted[UNTOUCHED] ? map_anon(SMALL_LEN, 0) : NULL;
	if (p) {
		bufs[UNTOUCHED].iov_base = p;
		bufs[UNTOUCHED].iov_len = SMALL_LEN;
	}
	if (wanted[THP] && thp && thp <= MAX_HUGE) {
		p = map_thp(thp, thp);
		if (p) {
			memset(p, 0x44, thp);
			bufs[THP].iov_base = p;
			bufs[THP].iov_len = thp;
			printf("note: THP buffer: AnonHugePages %ld kB before registering\n",
			       smaps_kb(p, "AnonHugePages:"));
		}
	}
	if (wanted[HUGETLB] && huge && huge <= MAX_HUGE &&
	    read_ulong("/proc/meminfo", "HugePages_Free:")) {
		p = map_anon(huge, MAP_HUGETLB);
		if (p) {
			memset(p, 0x55, huge);
			bufs[HUGETLB].iov_base = p;
			bufs[HUGETLB].iov_len = huge;
		} else {
			fail("hugetlb mmap: %s", strerror(errno));
		}
	}
	if (wanted[SHMEM]) {
		p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
		if (p != MAP_FAILED) {
			bufs[SHMEM].iov_base = p + 8;
			bufs[SHMEM].iov_len = 3 * page;
		}
	}
}

/* A buffer whose first page is anonymous and second a file: EINVAL. */
static void mixed_vma_buffer(struct ring *r, int shm_fd)
{
	struct iovec iov;
	char *p = map_anon(2 * page, 0);
	long ret;

	if (!p || mmap(p + page, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		       shm_fd, 0) == MAP_FAILED) {
		fail("setting up the anonymous + file buffer: %s", strerror(errno));
		return;
	}
	p[0] = 1;
	iov.iov_base = p + page / 2;
	iov.iov_len = page;
	ret = syscall(__NR_io_uring_register, r->fd, IORING_REGISTER_BUFFERS, &iov, 1);
	if (ret != -1 || errno != EINVAL)
		fail("registering a buffer over anonymous and file memory: %s, returned %ld (%s)",
		     "expected -1 EINVAL", ret, ret < 0 ? strerror(errno) : "no error");
	else
		printf("ok: a buffer spanning anonymous and file memory is refused with EINVAL\n");
	if (!ret)
		syscall(__NR_io_uring_register, r->fd, IORING_UNREGISTER_BUFFERS, NULL, 0);
	munmap(p, 2 * page);
}

static void read_fixed(struct ring *r, int fd, int b, size_t skip, unsigned int seed)
{
	unsigned char *addr = (unsigned char *)bufs[b].iov_base + skip;
	size_t len = bufs[b].iov_len - skip;
	off_t off = 3 * 4096 + skip;
	long bad;
	int res;

	if (len > MAX_IO)
		len = MAX_IO;
	res = ring_rw(r, IORING_OP_READ_FIXED, fd, addr, len, off, b);
	if (res != (int)len) {
		fail("READ_FIXED of %zu bytes into the %s buffer (+%zu): %d (%s)", len,
		     buf_name[b], skip, res, res_str(res));
		return;
	}
	bad = pattern_diff(addr, len, off, seed);
	if (bad >= 0)
		fail("READ_FIXED into the %s buffer (+%zu): byte %ld: expected %#x, seen %#x",
		     buf_name[b], skip, bad, pattern(off + bad, seed), addr[bad]);
	else
		printf("ok: READ_FIXED put %zu bytes into the %s buffer (+%zu)\n", len,
		       buf_name[b], skip);
}

static void write_fixed(struct ring *r, int fd, int b, unsigned int seed)
{
	unsigned char *addr = bufs[b].iov_base;
	size_t len = bufs[b].iov_len, i;
	unsigned char *back;
	long bad;
	int res;

	if (len > MAX_IO)
		len = MAX_IO;
	/* Written through the process' own mapping after the pin was taken. */
	for (i = 0; i < len; i++)
		addr[i] = pattern(i, seed);
	res = ring_rw(r, IORING_OP_WRITE_FIXED, fd, addr, len, 0, b);
	if (res != (int)len) {
		fail("WRITE_FIXED of %zu bytes from the %s buffer: %d (%s)", len,
		     buf_name[b], res, res_str(res));
		return;
	}
	back = malloc(len);
	if (!back || pread(fd, back, len, 0) != (ssize_t)len) {
		fail("reading back %s: %s", OUT_PATH, strerror(errno));
		free(back);
		return;
	}
	bad = pattern_diff(back, len, 0, seed);
	if (bad >= 0)
		fail("WRITE_FIXED from the %s buffer: file byte %ld: expected %#x, seen %#x",
		     buf_name[b], bad, pattern(bad, seed), back[bad]);
	else
		printf("ok: WRITE_FIXED wrote what the process stored in the %s buffer\n",
		       buf_name[b]);
	free(back);
}

int main(int argc, char **argv)
{
	int data_fd, out_fd, shm_fd, b, res, real[NR_BUFS];
	unsigned char *tmp;
	struct ring r;
	size_t i;
	long ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page = getpagesize();
	for (b = 0; b < NR_BUFS; b++)
		wanted[b] = argc > 1 && !strcmp(argv[1], "hugetlb") ? b == HUGETLB : b != HUGETLB;
	if (ring_setup(&r, 8)) {
		if (errno == ENOSYS) {
			printf("SKIP: io_uring_setup: no io_uring in this kernel\n");
			return 4;
		}
		printf("FAIL: setting up the ring: %s\n", strerror(errno));
		return 1;
	}

	data_fd = open(DATA_PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);
	out_fd = open(OUT_PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);
	shm_fd = open(SHM_PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);
	tmp = malloc(DATA_LEN);
	if (data_fd < 0 || out_fd < 0 || shm_fd < 0 || !tmp) {
		printf("FAIL: creating the files: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < DATA_LEN; i++)
		tmp[i] = pattern(i, 1);
	if (pwrite(data_fd, tmp, DATA_LEN, 0) != (ssize_t)DATA_LEN ||
	    ftruncate(shm_fd, 4 * page)) {
		printf("FAIL: writing %s: %s\n", DATA_PATH, strerror(errno));
		return 1;
	}

	if (!wanted[HUGETLB])
		mixed_vma_buffer(&r, shm_fd);
	alloc_bufs(shm_fd);
	if (wanted[HUGETLB] && !bufs[HUGETLB].iov_base && !failures) {
		printf("SKIP: no hugetlb pages of a usable size\n");
		return 4;
	}
	for (b = THP; b <= HUGETLB; b++)
		if (bufs[b].iov_base)
			note_pfn(b, "before registering");
	for (b = 0; b < NR_BUFS; b++) {
		real[b] = !!bufs[b].iov_base;
		if (real[b])
			continue;
		/* Every slot needs a buffer: a page of small memory. */
		if (wanted[b])
			printf("note: no %s buffer, slot %d is one small page\n", buf_name[b], b);
		bufs[b].iov_base = map_anon(page, 0);
		bufs[b].iov_len = page;
	}
	ret = syscall(__NR_io_uring_register, r.fd, IORING_REGISTER_BUFFERS, bufs, NR_BUFS);
	if (ret) {
		printf("FAIL: IORING_REGISTER_BUFFERS of %d buffers: expected 0, seen %s\n",
		       NR_BUFS, strerror(errno));
		return 1;
	}
	printf("ok: registered %d buffers\n", NR_BUFS);
	for (b = THP; b <= HUGETLB; b++)
		if (real[b])
			note_pfn(b, "after registering");
	if (real[THP])
		printf("note: THP buffer: AnonHugePages %ld kB after registering\n",
		       smaps_kb(bufs[THP].iov_base, "AnonHugePages:"));

	for (b = 0; b < NR_BUFS; b++) {
		if (!real[b])
			continue;
		read_fixed(&r, data_fd, b, 0, 1);
		if (bufs[b].iov_len > 3 * page)	/* from inside the buffer */
			read_fixed(&r, data_fd, b, (bufs[b].iov_len < MAX_IO ?
						    bufs[b].iov_len : MAX_IO) / 2 + 40, 1);
	}
	/* The shared tmpfs buffer is the file: the read landed there too. */
	if (real[SHMEM]) {
		size_t len = bufs[SHMEM].iov_len;

		if (pread(shm_fd, tmp, len, 8) != (ssize_t)len)
			fail("pread of %s: %s", SHM_PATH, strerror(errno));
		else if (pattern_diff(tmp, len, 3 * 4096, 1) >= 0)
			fail("the tmpfs file behind the shared buffer lacks the data read into it");
		else
			printf("ok: the tmpfs file behind the shared buffer holds %s\n",
			       "the data read into it");
	}

	for (b = 0; b < NR_BUFS; b++)
		if (real[b])
			write_fixed(&r, out_fd, b, 10 + b);

	/* A range outside the registered buffer is refused. */
	b = wanted[HUGETLB] ? HUGETLB : SMALL;
	res = ring_rw(&r, IORING_OP_READ_FIXED, data_fd,
		      (char *)bufs[b].iov_base + bufs[b].iov_len - 10, 100, 0, b);
	if (res != -EFAULT)
		fail("READ_FIXED past the end of a registered buffer: %s %d (EFAULT), seen %d",
		     "expected", -EFAULT, res);
	else
		printf("ok: READ_FIXED past the end of a registered buffer fails with EFAULT\n");

	ret = syscall(__NR_io_uring_register, r.fd, IORING_UNREGISTER_BUFFERS, NULL, 0);
	if (ret)
		fail("IORING_UNREGISTER_BUFFERS: %s", strerror(errno));
	close(r.fd);
	unlink(DATA_PATH);
	unlink(OUT_PATH);
	unlink(SHM_PATH);

	return finish("io_uring_fixed");
}

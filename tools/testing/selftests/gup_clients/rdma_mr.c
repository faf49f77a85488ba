// SPDX-License-Identifier: GPL-2.0
/*
 * RDMA memory registration as a GUP client.  ibv_reg_mr() makes the
 * kernel's ib_umem_get() pin every page of a user range with
 * pin_user_pages_fast(FOLL_LONGTERM, and FOLL_WRITE when the region may
 * be written), and from then on RDMA reads and writes reach the region
 * through the pinned pages only: the page tables are never looked at
 * again.  So what a peer reads and writes is exactly the page the pin
 * returned.
 *
 * The guest has no network card; the software RoCE driver (rdma_rxe) runs
 * on the loopback device, and two connected queue pairs of one process
 * play both ends.  rxe moves the data with the CPU, through the kernel
 * mapping of the pinned pages.  On each buffer, registered for remote
 * reads and writes:
 * - small pages (the region starting and ending inside a page), a range
 *   never touched before (the pin faults it in), a transparent huge page
 *   and a small one, shared tmpfs and (argument "hugetlb") a hugetlb page
 *   and a small one, from another mapping: an RDMA read
 *   sees what the process wrote before the registration and after it, and
 *   the process sees what an RDMA write put there, on the first, a middle
 *   and the last two pages;
 * - no pinned page stays in ZONE_MOVABLE, the registration holds one pin
 *   per page and deregistering drops them all;
 * - fork() after the registration: the child's writes do not reach the
 *   region and the parent's do;
 * - a read-only mapping registers for remote reads only, and reads as
 *   zeros; registering it writable fails with EFAULT, and so does any
 *   registration of secretmem.
 *
 * Pristine 6.1 cannot take a FOLL_LONGTERM pin on a hugetlb page in
 * ZONE_MOVABLE (see io_uring_fixed.c), so "hugetlb" is a run of its own.
 * Built for x86_64 only: the host has libibverbs for it alone.  Skipped
 * (exit status 4) when the kernel has no RDMA.
 */
// ARCH: x86_64
// LIBS: -Wl,--no-warnings -lrxe-rdmav34 -libverbs -lnl-route-3 -lnl-3 -lpthread
/*
 * (--no-warnings: libnl's name lookups, which this program never makes,
 * draw glibc's warning about static linking.)
 */
#define _GNU_SOURCE
#define RDMA_STATIC_PROVIDERS rxe	/* link the rxe provider in, see verbs.h */
#include <errno.h>
#include <infiniband/verbs.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <rdma/rdma_netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define RXE_NAME "rxe_lo"
#define NPAGES 16		/* small-page buffers */
#define SEED_BEFORE 61		/* written by the process before registering */
#define SEED_AFTER 62		/* ... after it */
#define SEED_PEER 63		/* written by an RDMA write */
#define SEED_CHILD 64		/* written by a child after fork() */

#define ACCESS_RW (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ | \
		   IBV_ACCESS_REMOTE_WRITE)

static size_t page;
static struct ibv_context *ctx;
static struct ibv_pd *pd;
static struct ibv_cq *cq;
static struct ibv_qp *qp[2];	/* qp[0] posts, qp[1] is its peer */
static union ibv_gid gid;
static int gid_index = -1;
static char *sink, *source;	/* scratch pages, registered once */
static struct ibv_mr *scratch_mr;

/* Bring the loopback device up; rxe takes its address (127.0.0.1) as GID. */
static int lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s = socket(AF_INET, SOCK_DGRAM, 0), ret = -1;

	if (s >= 0 && !ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	if (ret)
		fail("bringing lo up: %s", strerror(errno));
	if (s >= 0)
		close(s);
	return ret;
}

/* Append a string attribute to the netlink message at @nh. */
static void nl_put_str(struct nlmsghdr *nh, int type, const char *str)
{
	struct nlattr *a = (void *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));
	size_t len = strlen(str) + 1;

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, str, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/*
 * What "rdma link add rxe_lo type rxe netdev lo" does: an RDMA netlink
 * NEWLINK request.  0 if the device is there now (made here or before),
 * -1 with errno set if not; EPROTONOSUPPORT: the kernel has no RDMA.
 */
static int rxe_add(void)
{
	union {
		struct nlmsghdr nh;
		char buf[256];
	} req = { .nh = {
		.nlmsg_len = NLMSG_HDRLEN,
		.nlmsg_type = RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, RDMA_NLDEV_CMD_NEWLINK),
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
	} };
	char reply[512];
	struct nlmsgerr *err = NLMSG_DATA((struct nlmsghdr *)reply);
	int s = socket(AF_NETLINK, SOCK_RAW, NETLINK_RDMA), ret = -1;
	ssize_t n;

	nl_put_str(&req.nh, RDMA_NLDEV_ATTR_DEV_NAME, RXE_NAME);
	nl_put_str(&req.nh, RDMA_NLDEV_ATTR_LINK_TYPE, "rxe");
	nl_put_str(&req.nh, RDMA_NLDEV_ATTR_NDEV_NAME, "lo");
	if (s < 0 || send(s, &req, req.nh.nlmsg_len, 0) < 0)
		goto out;
	n = recv(s, reply, sizeof(reply), 0);
	if (n < (ssize_t)NLMSG_SPACE(sizeof(*err)))
		goto out;
	errno = -err->error;
	ret = !err->error || errno == EEXIST ? 0 : -1;
out:
	if (s >= 0)
		close(s);
	return ret;
}

/* Open RXE_NAME; NULL if there is no such device. */
static struct ibv_context *open_rxe(void)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *c = NULL;
	int i;

	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), RXE_NAME))
			c = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	return c;
}

/* Find the GID that stands for 127.0.0.1 (IPv4-mapped), waiting for it. */
static int find_gid(void)
{
	static const unsigned char want[16] = { [10] = 0xff, [11] = 0xff,
					   [12] = 127, [15] = 1 };
	struct ibv_port_attr port;
	int tries, i;

	for (tries = 0; tries < 50; tries++) {
		if (!ibv_query_port(ctx, 1, &port) && port.state == IBV_PORT_ACTIVE) {
			for (i = 0; i < port.gid_tbl_len; i++) {
				if (ibv_query_gid(ctx, 1, i, &gid))
					break;
				if (!memcmp(gid.raw, want, sizeof(want)))
					return gid_index = i;
			}
		}
		usleep(100000);
	}
	fail("%s: no active port with the GID of 127.0.0.1", RXE_NAME);
	return -1;
}

static struct ibv_qp *make_qp(void)
{
	struct ibv_qp_init_attr init = {
		.send_cq = cq, .recv_cq = cq, .qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_recv_wr = 4,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};

	return ibv_create_qp(pd, &init);
}

/* Take @q through INIT and RTR to RTS, connected to the queue pair @peer. */
static int connect_qp(struct ibv_qp *q, uint32_t peer)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .port_num = 1,
		.qp_access_flags = ACCESS_RW,
	};

	if (ibv_modify_qp(q, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT |
			  IBV_QP_ACCESS_FLAGS))
		return -1;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = IBV_MTU_1024;
	a.dest_qp_num = peer;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 12;
	a.ah_attr.is_global = 1;
	a.ah_attr.grh.dgid = gid;
	a.ah_attr.grh.sgid_index = gid_index;
	a.ah_attr.grh.hop_limit = 1;
	a.ah_attr.port_num = 1;
	if (ibv_modify_qp(q, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
			  IBV_QP_MIN_RNR_TIMER))
		return -1;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 1;
	return ibv_modify_qp(q, &a, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
			     IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC);
}

/* The device, its protection domain, a CQ, two connected QPs, scratch pages. */
static int setup(void)
{
	ctx = open_rxe();
	if (!ctx) {
		fail("no device %s: %s", RXE_NAME, strerror(errno));
		return -1;
	}
	if (find_gid() < 0)
		return -1;
	pd = ibv_alloc_pd(ctx);
	cq = pd ? ibv_create_cq(ctx, 8, NULL, NULL, 0) : NULL;
	qp[0] = cq ? make_qp() : NULL;
	qp[1] = qp[0] ? make_qp() : NULL;
	if (!qp[1] || connect_qp(qp[0], qp[1]->qp_num) ||
	    connect_qp(qp[1], qp[0]->qp_num)) {
		fail("setting up two connected queue pairs: %s", strerror(errno));
		return -1;
	}
	sink = map_anon(2 * page, 0);
	source = sink ? sink + page : NULL;
	scratch_mr = sink ? ibv_reg_mr(pd, sink, 2 * page, ACCESS_RW) : NULL;
	if (!scratch_mr) {
		fail("registering the scratch pages: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * qp[0] runs RDMA @op (read or write) of @len bytes (at most a page)
 * between the scratch page @local and @remote, in the region @mr; 0 once
 * it completed.
 */
static int rdma(enum ibv_wr_opcode op, char *local, char *remote, size_t len,
		struct ibv_mr *mr)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)local, .length = len, .lkey = scratch_mr->lkey,
	};
	struct ibv_send_wr wr = {
		.sg_list = &sge, .num_sge = 1, .opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = (uintptr_t)remote, .rkey = mr->rkey },
	}, *bad;
	struct timespec t0, t;
	struct ibv_wc wc;
	int n;

	if (ibv_post_send(qp[0], &wr, &bad)) {
		fail("ibv_post_send: %s", strerror(errno));
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		n = ibv_poll_cq(cq, 1, &wc);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (n == 0 && t.tv_sec - t0.tv_sec < 10);
	if (n != 1 || wc.status != IBV_WC_SUCCESS) {
		fail("RDMA %s: %s", op == IBV_WR_RDMA_READ ? "read" : "write",
		     n == 1 ? ibv_wc_status_str(wc.status) : "no completion in 10 s");
		return -1;
	}
	return 0;
}

/*
 * An RDMA read of @len bytes (at most a page) at @p, in @mr: are they
 * @from.. of pattern @seed (0: zeros)?
 */
static void expect_peer_reads(const char *what, char *p, size_t len, struct ibv_mr *mr,
			      unsigned long from, unsigned int seed)
{
	char want[page];

	if (seed)
		pattern_fill(want, len, from, seed);
	else
		memset(want, 0, len);
	memset(sink, 0xa5, len);
	if (!rdma(IBV_WR_RDMA_READ, sink, p, len, mr))
		same_bytes(what, sink, want, len);
}

/* An RDMA write of bytes @from.. of SEED_PEER to @p (@len): does @p show it? */
static void expect_process_reads(const char *what, char *p, size_t len,
				 struct ibv_mr *mr, unsigned long from)
{
	char want[page];

	pattern_fill(source, len, from, SEED_PEER);
	memcpy(want, source, len);
	if (!rdma(IBV_WR_RDMA_WRITE, source, p, len, mr))
		same_bytes(what, p, want, len);
}

/*
 * Register @len bytes at @buf (@name) for remote reads and writes, check
 * its first, middle and last two pages both ways, then deregister it.
 * @filled: the process wrote SEED_BEFORE all over it before (else it was
 * never touched).  The region starts @trim bytes into @buf and ends
 * @trim bytes before its end, but still spans every page (@trim is less
 * than a page).
 */
static void check_buffer(const char *name, char *buf, size_t len, int filled,
			 size_t trim)
{
	unsigned long n = len / page, pick[4] = { 0, n / 2, n - 2, n - 1 }, off, end;
	unsigned long movable = in_movable(buf, n);
	long held = pins_held();
	struct ibv_mr *mr;
	char what[160];
	int k;

	mr = ibv_reg_mr(pd, buf + trim, len - 2 * trim, ACCESS_RW);
	if (!mr) {
		fail("%s: ibv_reg_mr: %s", name, strerror(errno));
		return;
	}
	snprintf(what, sizeof(what), "%s: pins the registration holds", name);
	expect_count(what, pins_held() - held, n);
	snprintf(what, sizeof(what), "%s: pinned pages in ZONE_MOVABLE (%lu before)", name,
		 movable);
	expect_count(what, in_movable(buf, n), 0);
	for (k = 0; k < 4; k++) {
		/* The part of the page that is in the region. */
		off = pick[k] == 0 ? trim : pick[k] * page;
		end = pick[k] == n - 1 ? len - trim : (pick[k] + 1) * page;
		snprintf(what, sizeof(what), "%s: page %lu: an RDMA read sees what was there",
			 name, pick[k]);
		expect_peer_reads(what, buf + off, end - off, mr, off,
				  filled ? SEED_BEFORE : 0);
		pattern_fill(buf + off, end - off, off, SEED_AFTER);
		snprintf(what, sizeof(what), "%s: page %lu: an RDMA read sees a later write",
			 name, pick[k]);
		expect_peer_reads(what, buf + off, end - off, mr, off, SEED_AFTER);
		snprintf(what, sizeof(what), "%s: page %lu: the process sees an RDMA write",
			 name, pick[k]);
		expect_process_reads(what, buf + off, end - off, mr, off);
	}
	if (ibv_dereg_mr(mr))
		fail("%s: ibv_dereg_mr: %s", name, strerror(errno));
	snprintf(what, sizeof(what), "%s: pins left after deregistering", name);
	expect_count(what, pins_held() - held, 0);
}

static void check_small(void)
{
	size_t len = NPAGES * page;
	char *buf = map_anon(len, 0), *fresh = map_anon(len, 0);

	if (!buf || !fresh) {
		fail("mmap: %s", strerror(errno));
		return;
	}
	pattern_fill(buf, len, 0, SEED_BEFORE);
	check_buffer("small pages", buf, len, 1, 100);
	check_buffer("never-touched pages", fresh, len, 0, 0);
	munmap(buf, len);
	munmap(fresh, len);
}

/*
 * The huge buffers' regions take one small page after the huge page.
 * 6.1's rxe keeps a region's pages in blocks of 256, and after a copy
 * that touches the last page of the last block, rxe_mr_copy() reads the
 * pointer to the block after it, past the end of its array (a KASAN
 * slab-out-of-bounds report).  With the extra page, the last block is
 * not full.  It also makes one pin call cross from a huge page into a
 * small one.
 */
static void check_thp(void)
{
	size_t thp = thp_pmd_size();
	char *buf = thp ? map_thp(thp + page, thp) : NULL;

	if (!buf) {
		printf("THP: none here, part skipped\n");
		return;
	}
	pattern_fill(buf, thp + page, 0, SEED_BEFORE);
	if (smaps_kb(buf, "AnonHugePages:") < (long)(thp >> 10))
		printf("THP: the buffer got no huge page, part skipped\n");
	else
		check_buffer("THP", buf, thp + page, 1, 0);
	munmap(buf, thp + page);
}

static void check_shmem(void)
{
	size_t len = NPAGES * page;
	char *buf = map_memfd("rdma_mr", len);

	if (!buf) {
		fail("a shared memfd mapping: %s", strerror(errno));
		return;
	}
	pattern_fill(buf, len, 0, SEED_BEFORE);
	check_buffer("shared tmpfs", buf, len, 1, 0);
	munmap(buf, len);
}

/*
 * 0 when checked; 4 when the guest has no hugetlb page to spare.  The
 * region is a hugetlb page and a small page in the mapping after it (see
 * check_thp()), so the pin crosses into another VMA.
 */
static int check_hugetlb(void)
{
	size_t len = read_ulong("/proc/meminfo", "Hugepagesize:") << 10;
	char *raw = len ? mmap(NULL, 3 * len, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : MAP_FAILED;
	char *buf = (char *)(((uintptr_t)raw + len - 1) & ~(uintptr_t)(len - 1));
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;

	if (raw == MAP_FAILED ||
	    mmap(buf, len, PROT_READ | PROT_WRITE, flags | MAP_HUGETLB, -1, 0) != buf) {
		printf("hugetlb: no page (%s), skipped\n", strerror(errno));
		if (raw != MAP_FAILED)
			munmap(raw, 3 * len);
		return 4;
	}
	if (mmap(buf + len, page, PROT_READ | PROT_WRITE, flags, -1, 0) != buf + len) {
		fail("hugetlb: mmap of the page after it: %s", strerror(errno));
	} else {
		pattern_fill(buf, len + page, 0, SEED_BEFORE);
		check_buffer("hugetlb", buf, len + page, 1, 0);
	}
	munmap(raw, 3 * len);
	return 0;
}

/* A child writes the registered pages after fork(): RDMA must not see it. */
static void check_fork(void)
{
	size_t len = 4 * page;
	char *buf = map_anon(len, 0);
	struct ibv_mr *mr = buf ? ibv_reg_mr(pd, buf, len, ACCESS_RW) : NULL;
	int status = -1;
	pid_t pid;

	if (!mr) {
		fail("fork: registering the buffer: %s", strerror(errno));
		return;
	}
	pattern_fill(buf, page, 0, SEED_BEFORE);
	pid = fork();
	if (pid == 0) {
		pattern_fill(buf, page, 0, SEED_CHILD);
		_exit(pattern_diff(buf, page, 0, SEED_CHILD) < 0 ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status)
		fail("fork: the child failed (status %#x)", status);
	expect_peer_reads("fork: an RDMA read does not see the child's write", buf, page,
			  mr, 0, SEED_BEFORE);
	pattern_fill(buf, page, 0, SEED_AFTER);
	expect_peer_reads("fork: an RDMA read sees the parent's write", buf, page, mr, 0,
			  SEED_AFTER);
	expect_process_reads("fork: the parent sees an RDMA write", buf, page, mr, 0);
	if (ibv_dereg_mr(mr))
		fail("fork: ibv_dereg_mr: %s", strerror(errno));
	munmap(buf, len);
}

/* Register @len bytes at @buf with @access: NULL and EFAULT expected. */
static void expect_refused(const char *what, char *buf, size_t len, int access)
{
	struct ibv_mr *mr = ibv_reg_mr(pd, buf, len, access);

	if (mr) {
		fail("%s: registered, EFAULT expected", what);
		ibv_dereg_mr(mr);
	} else if (errno != EFAULT) {
		fail("%s: expected EFAULT, got %s", what, strerror(errno));
	} else {
		printf("ok: %s: EFAULT\n", what);
	}
}

/* A read-only mapping: writable registration refused, remote reads see zeros. */
static void check_read_only(void)
{
	size_t len = 4 * page;
	char *buf = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long held = pins_held();
	struct ibv_mr *mr;

	if (buf == MAP_FAILED) {
		fail("mmap: %s", strerror(errno));
		return;
	}
	expect_refused("read-only: a writable registration", buf, len, ACCESS_RW);
	mr = ibv_reg_mr(pd, buf, len, IBV_ACCESS_REMOTE_READ);
	if (!mr) {
		fail("read-only: a registration for remote reads: %s", strerror(errno));
	} else {
		expect_peer_reads("read-only: an RDMA read sees zeros", buf + page, page, mr,
				  0, 0);
		if (ibv_dereg_mr(mr))
			fail("read-only: ibv_dereg_mr: %s", strerror(errno));
	}
	expect_count("read-only: pins still held afterwards", pins_held() - held, 0);
	munmap(buf, len);
}

static void check_secretmem(void)
{
	char *buf = map_secretmem(page);

	if (buf) {
		expect_refused("secretmem: a registration", buf, page, ACCESS_RW);
		munmap(buf, page);
	}
}

int main(int argc, char **argv)
{
	int hugetlb = argc > 1 && !strcmp(argv[1], "hugetlb"), ret = 0;

	page = getpagesize();
	if (lo_up())
		return finish("rdma_mr");
	if (rxe_add()) {
		if (errno == EPROTONOSUPPORT) {
			printf("rdma_mr: the kernel has no RDMA, skipped\n");
			return 4;
		}
		fail("adding %s on lo: %s", RXE_NAME, strerror(errno));
		return finish("rdma_mr");
	}
	if (setup())
		return finish("rdma_mr");
	if (hugetlb) {
		ret = check_hugetlb();
	} else {
		check_small();
		check_thp();
		check_shmem();
		check_fork();
		check_read_only();
		check_secretmem();
	}
	return failures ? finish("rdma_mr") : ret ? ret : finish("rdma_mr");
}

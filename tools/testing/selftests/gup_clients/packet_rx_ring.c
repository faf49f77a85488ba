// SPDX-License-Identifier: GPL-2.0
/*
 * An AF_PACKET receive ring is kernel memory mapped into the process with
 * vm_insert_page(), page by page, blocks of several pages being compound
 * allocations.  Set up a TPACKET_V3 ring on the loopback device, map it
 * twice, send frames of many sizes to lo from a second packet socket and
 * find every frame, once, with its payload intact, by walking the ring's
 * blocks; both mappings must show the same bytes.  A mapping of the wrong
 * size is refused.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define PROTO 0x88b5	/* IEEE 802 local experimental ethertype */
#define NFRAMES 200
#define NBLOCKS 8
#define MAGIC 0x47555052u

static size_t page;
static struct tpacket_req3 req;
static char *ring, *ring2;
static int seen[NFRAMES], nseen, cur;

static size_t frame_payload_len(unsigned int seq)
{
	return 46 + (seq * 397) % 1450;	/* 46 .. 1495 bytes */
}

/* Check one received frame; returns its sequence number or -1. */
static int check_frame(const unsigned char *f, unsigned int len, unsigned int snap)
{
	const struct ethhdr *eh = (const void *)f;
	const unsigned char *pl = f + sizeof(*eh);
	unsigned int magic, seq;
	size_t plen, i;

	if (snap != len || len < sizeof(*eh) + 8) {
		fail("frame of length %u captured %u bytes: expected all of it", len, snap);
		return -1;
	}
	if (ntohs(eh->h_proto) != PROTO) {
		fail("frame with ethertype %#x: expected %#x", ntohs(eh->h_proto), PROTO);
		return -1;
	}
	memcpy(&magic, pl, 4);
	memcpy(&seq, pl + 4, 4);
	if (magic != MAGIC || seq >= NFRAMES) {
		fail("frame header: expected magic %#x and a sequence below %d, seen %#x, %u",
		     MAGIC, NFRAMES, magic, seq);
		return -1;
	}
	plen = frame_payload_len(seq);
	if (len != sizeof(*eh) + plen) {
		fail("frame %u: expected length %zu, seen %u", seq, sizeof(*eh) + plen, len);
		return -1;
	}
	for (i = 8; i < plen; i++) {
		if (pl[i] != pattern(i, seq)) {
			fail("frame %u: payload byte %zu: expected %#x, seen %#x", seq, i,
			     pattern(i, seq), pl[i]);
			return -1;
		}
	}
	return seq;
}

/* Read every block the kernel has handed over, in ring order; count them. */
static int walk_ready(void)
{
	int blocks = 0;

	for (;;) {
		struct tpacket_block_desc *bd = (void *)(ring + (size_t)cur * req.tp_block_size);
		struct tpacket3_hdr *h;
		unsigned int k;

		if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
		      TP_STATUS_USER))
			return blocks;
		if (memcmp(bd, ring2 + (size_t)cur * req.tp_block_size, req.tp_block_size))
			fail("block %d differs between the two mappings of the ring", cur);
		h = (void *)((char *)bd + bd->hdr.bh1.offset_to_first_pkt);
		for (k = 0; k < bd->hdr.bh1.num_pkts; k++) {
			int seq = check_frame((unsigned char *)h + h->tp_mac, h->tp_len,
					      h->tp_snaplen);

			if (seq >= 0) {
				if (seen[seq]++)
					fail("frame %d received twice", seq);
				else
					nseen++;
			}
			h = (void *)((char *)h + h->tp_next_offset);
		}
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		cur = (cur + 1) % NBLOCKS;
		blocks++;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	int rx, tx, ver = TPACKET_V3, i;
	struct tpacket_stats_v3 st;
	struct sockaddr_ll sll;
	unsigned char frame[1600];
	char *bad;
	socklen_t stlen = sizeof(st);
	struct ifreq ifr;
	size_t ring_len;
	double deadline;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page = getpagesize();
	rx = socket(AF_PACKET, SOCK_RAW, htons(PROTO));
	if (rx < 0 && errno == EAFNOSUPPORT) {
		printf("SKIP: no AF_PACKET in this kernel\n");
		return 4;
	}
	if (rx < 0) {
		printf("FAIL: AF_PACKET socket: %s\n", strerror(errno));
		return 1;
	}

	/* Bring lo up. */
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(rx, SIOCGIFFLAGS, &ifr)) {
		printf("FAIL: SIOCGIFFLAGS lo: %s\n", strerror(errno));
		return 1;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(rx, SIOCSIFFLAGS, &ifr) || ioctl(rx, SIOCGIFINDEX, &ifr)) {
		printf("FAIL: bringing lo up: %s\n", strerror(errno));
		return 1;
	}

	if (setsockopt(rx, SOL_PACKET, PACKET_VERSION, &ver, sizeof(ver))) {
		printf("FAIL: PACKET_VERSION TPACKET_V3: %s\n", strerror(errno));
		return 1;
	}
	memset(&req, 0, sizeof(req));
	req.tp_block_size = 4 * page;	/* an order-2 block */
	req.tp_block_nr = NBLOCKS;
	req.tp_frame_size = 2048;
	req.tp_frame_nr = req.tp_block_size / req.tp_frame_size * NBLOCKS;
	req.tp_retire_blk_tov = 10;	/* ms: hand over part-filled blocks */
	if (setsockopt(rx, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req))) {
		printf("FAIL: PACKET_RX_RING: %s\n", strerror(errno));
		return 1;
	}
	ring_len = (size_t)req.tp_block_size * NBLOCKS;
	bad = mmap(NULL, ring_len / 2, PROT_READ | PROT_WRITE, MAP_SHARED, rx, 0);
	if (bad != MAP_FAILED || errno != EINVAL)
		fail("mmap of half the ring: expected EINVAL, seen %s",
		     bad == MAP_FAILED ? strerror(errno) : "success");
	else
		printf("ok: mmap of half the ring fails with EINVAL\n");
	ring = mmap(NULL, ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, rx, 0);
	ring2 = mmap(NULL, ring_len, PROT_READ, MAP_SHARED, rx, 0);
	if (ring == MAP_FAILED || ring2 == MAP_FAILED) {
		printf("FAIL: mmap of the ring: %s\n", strerror(errno));
		return 1;
	}
	printf("ok: ring of %d blocks of %u bytes mapped twice\n", NBLOCKS, req.tp_block_size);

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(PROTO);
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (bind(rx, (struct sockaddr *)&sll, sizeof(sll))) {
		printf("FAIL: bind to lo: %s\n", strerror(errno));
		return 1;
	}

	tx = socket(AF_PACKET, SOCK_RAW, 0);
	if (tx < 0) {
		printf("FAIL: sending socket: %s\n", strerror(errno));
		return 1;
	}
	sll.sll_halen = ETH_ALEN;	/* lo's address: all zeroes */
	for (i = 0; i < NFRAMES; i++) {
		struct ethhdr *eh = (void *)frame;
		unsigned char *pl = frame + sizeof(*eh);
		unsigned int magic = MAGIC, seq = i;
		size_t plen = frame_payload_len(i), j;
		ssize_t n;

		memset(eh->h_dest, 0, ETH_ALEN);
		memset(eh->h_source, 0, ETH_ALEN);
		eh->h_proto = htons(PROTO);
		memcpy(pl, &magic, 4);
		memcpy(pl + 4, &seq, 4);
		for (j = 8; j < plen; j++)
			pl[j] = pattern(j, i);
		n = sendto(tx, frame, sizeof(*eh) + plen, 0, (struct sockaddr *)&sll,
			   sizeof(sll));
		if (n != (ssize_t)(sizeof(*eh) + plen)) {
			fail("sendto of frame %d: expected %zu, returned %zd (%s)", i,
			     sizeof(*eh) + plen, n, n < 0 ? strerror(errno) : "");
			break;
		}
		/*
		 * Give every handed-over block back at once: under slow
		 * emulation the retire timer can close a block per frame,
		 * and eight blocks would then fill in eight frames.  Every
		 * sixteenth frame also waits for the timer to hand over a
		 * part-filled block.
		 */
		if (i % 16 == 15)
			usleep(20000);
		walk_ready();
	}

	deadline = now() + 10;
	while (nseen < NFRAMES && now() < deadline) {
		struct pollfd pfd = { .fd = rx, .events = POLLIN | POLLERR };

		if (!walk_ready())
			poll(&pfd, 1, 50);
	}
	if (nseen != NFRAMES) {
		for (i = 0; i < NFRAMES && seen[i]; i++)
			;
		fail("expected all %d frames in the ring, found %d (first missing: %d)",
		     NFRAMES, nseen, i);
	} else {
		printf("ok: all %d frames found in the ring with their payloads intact\n",
		       NFRAMES);
	}
	if (getsockopt(rx, SOL_PACKET, PACKET_STATISTICS, &st, &stlen))
		fail("PACKET_STATISTICS: %s", strerror(errno));
	else if (st.tp_drops)
		fail("PACKET_STATISTICS: expected no drops, seen %u of %u", st.tp_drops,
		     st.tp_packets);
	else
		printf("ok: the socket counted %u packets, no drops\n", st.tp_packets);

	munmap(ring2, ring_len);
	munmap(ring, ring_len);
	close(tx);
	close(rx);
	return finish("packet_rx_ring");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vfio's type1 IOMMU driver as a GUP client.  VFIO_IOMMU_MAP_DMA pins
 * every page of a user range with pin_user_pages_remote(FOLL_LONGTERM,
 * and FOLL_WRITE when the device may write) and enters the pages in the
 * IOMMU.  From then on the device reaches them by I/O virtual address
 * (IOVA), with no look at the process's page tables: what the device
 * reads and writes is exactly the page the pin returned.
 *
 * The x86_64 and arm64 guests have QEMU's "edu" teaching device behind a
 * virtio-iommu (see boot.py).  The test binds it to vfio-pci and has it
 * copy the first CHUNK bytes of a page by DMA, through its internal
 * buffer, between IOVAs it mapped:
 * - small pages, a transparent huge page, shared tmpfs and (argument
 *   "hugetlb") a hugetlb page: the device reads what the process wrote
 *   before the map and after it, and the process reads what the device
 *   wrote, on the first, a middle and the last page;
 * - a range never touched before: the pin faults its pages in;
 * - no pinned page stays in ZONE_MOVABLE (the pin migrated it out);
 * - the map holds one pin per page (nr_foll_pin_acquired less
 *   nr_foll_pin_released; pages migrated out were pinned twice) and the
 *   unmap drops them all;
 * - fork() after the map: the child's writes do not reach the device and
 *   the parent's do, so the pinned page stayed with the parent;
 * - a read-only mapping maps for device reads only, and reads as zeros;
 * - the device's own BAR (VM_PFNMAP) is mapped without a pin, vfio
 *   following the page table itself; secretmem is refused.
 *
 * Pristine 6.1 cannot take a FOLL_LONGTERM pin on a hugetlb page in
 * ZONE_MOVABLE (see io_uring_fixed.c), so "hugetlb" is a run of its own.
 * Skipped (exit status 4) when the guest has no edu device.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* QEMU's edu device (docs/specs/edu.rst): PCI ID and BAR0 registers. */
#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_ID 0x00		/* 0xMMmm00ed: version, then 0x00ed */
#define EDU_LIVE 0x04		/* reads back the complement of what was written */
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_RUN 1		/* written to start, cleared when done */
#define EDU_DMA_TO_RAM 2	/* direction: from the device's buffer */
#define EDU_BUF 0x40000		/* the device's 4 KiB buffer, on its side */
/*
 * What one DMA moves: QEMU 7.2's edu refuses, as out of bounds, a DMA
 * that reaches the last byte of its buffer, and stops the machine.
 */
#define CHUNK 4032

/* IOVAs; the device reaches the low 256 MiB only (28 address bits). */
#define EDU_REACH 0x10000000UL
#define IOVA_SCRATCH 0x100000	/* two pages: sink, then source */
#define IOVA_BUF 0x400000	/* the buffer under test */
#define IOVA_BAR 0x4000000	/* the device's BAR0 (arm64 keeps 0x8000000 for MSIs) */

#define NPAGES 16		/* small-page buffers */
#define SEED_BEFORE 51		/* written by the process before the map */
#define SEED_AFTER 52		/* ... after it */
#define SEED_DEVICE 53		/* written by the device */
#define SEED_CHILD 54		/* written by a child after fork() */

static size_t page;
static int container = -1, group = -1, device = -1;
static uint64_t bar0, bar0_size, bar0_flags;
static char *sink, *source;	/* the scratch pages */

/* A number (any base strtoul() knows) from the first line of @path; -1 if none. */
static long read_num(const char *path)
{
	char line[64];
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f && fgets(line, sizeof(line), f))
		v = strtol(line, NULL, 0);
	if (f)
		fclose(f);
	return v;
}

/* Copy @text to @out (@len bytes); -1 if it does not fit. */
static int copy_name(char *out, size_t len, const char *text)
{
	if (strlen(text) >= len)
		return -1;
	memcpy(out, text, strlen(text) + 1);
	return 0;
}

/* The PCI address of an edu device in @bdf; 0 if the guest has none. */
static int find_edu(char *bdf, size_t len)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	char path[PATH_MAX];
	struct dirent *e;
	int found = 0;

	while (d && !found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor", e->d_name);
		if (read_num(path) != EDU_VENDOR)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", e->d_name);
		if (read_num(path) != EDU_DEVICE)
			continue;
		found = !copy_name(bdf, len, e->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

/* The last path element of device @bdf's symlink @name in @out; -1 if none. */
static int link_name(const char *bdf, const char *name, char *out, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	return copy_name(out, len, strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
}

/* Hand device @bdf to vfio-pci and open its IOMMU group; 0 on success. */
static int bind_and_open_group(const char *bdf)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char name[64], path[PATH_MAX];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", bdf);
	if (write_text(path, "vfio-pci") || write_text("/sys/bus/pci/drivers_probe", bdf)) {
		fail("%s: binding to vfio-pci: %s", bdf, strerror(errno));
		return -1;
	}
	if (link_name(bdf, "driver", name, sizeof(name)) || strcmp(name, "vfio-pci")) {
		fail("%s: not bound to vfio-pci (is CONFIG_VFIO_PCI on?)", bdf);
		return -1;
	}
	if (link_name(bdf, "iommu_group", name, sizeof(name))) {
		fail("%s: in no IOMMU group", bdf);
		return -1;
	}
	snprintf(path, sizeof(path), "/dev/vfio/%s", name);
	container = open("/dev/vfio/vfio", O_RDWR);
	group = open(path, O_RDWR);
	if (container < 0 || group < 0) {
		fail("opening /dev/vfio/vfio and %s: %s", path, strerror(errno));
		return -1;
	}
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0 ||
	    ioctl(group, VFIO_GROUP_GET_STATUS, &status) ||
	    !(status.flags & VFIO_GROUP_FLAGS_VIABLE) ||
	    ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU)) {
		fail("setting up a type1 container for group %s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

static uint32_t edu_read(unsigned int reg)
{
	uint32_t v = 0;

	if (pread(device, &v, sizeof(v), bar0 + reg) != sizeof(v))
		fail("edu register %#x: read: %s", reg, strerror(errno));
	return v;
}

static void edu_write(unsigned int reg, uint32_t v)
{
	if (pwrite(device, &v, sizeof(v), bar0 + reg) != sizeof(v))
		fail("edu register %#x: write: %s", reg, strerror(errno));
}

/*
 * Open device @bdf of the group, find BAR0, turn on memory decoding and
 * bus mastering (the device's DMA) and check that the registers answer.
 */
static int open_device(const char *bdf)
{
	struct vfio_region_info bar = { .argsz = sizeof(bar), .index = VFIO_PCI_BAR0_REGION_INDEX };
	struct vfio_region_info cfg = { .argsz = sizeof(cfg),
					.index = VFIO_PCI_CONFIG_REGION_INDEX };
	uint16_t command = 0;
	uint32_t id;

	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (device < 0 || ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &bar) ||
	    ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &cfg)) {
		fail("%s: opening the device and its regions: %s", bdf, strerror(errno));
		return -1;
	}
	bar0 = bar.offset;
	bar0_size = bar.size;
	bar0_flags = bar.flags;
	if (pread(device, &command, 2, cfg.offset + 4) != 2)
		fail("%s: reading the PCI command register: %s", bdf, strerror(errno));
	command |= 0x6;		/* PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER */
	if (pwrite(device, &command, 2, cfg.offset + 4) != 2)
		fail("%s: writing the PCI command register: %s", bdf, strerror(errno));
	id = edu_read(EDU_ID);
	edu_write(EDU_LIVE, 0x5a0f3c01);
	if ((id & 0xffff) != 0xed || edu_read(EDU_LIVE) != ~0x5a0f3c01u) {
		fail("%s: edu registers do not answer (id %#x)", bdf, id);
		return -1;
	}
	printf("ok: %s: edu %u.%u bound to vfio-pci\n", bdf, id >> 24, (id >> 16) & 0xff);
	return 0;
}

/* Have the device move one chunk between its buffer and @iova; 0 when done. */
static int edu_dma(uint64_t iova, int to_ram)
{
	struct timespec pause = { 0, 1000000 };
	int i;

	edu_write(to_ram ? EDU_DMA_DST : EDU_DMA_SRC, iova);
	edu_write(to_ram ? EDU_DMA_SRC : EDU_DMA_DST, EDU_BUF);
	edu_write(EDU_DMA_CNT, CHUNK);
	edu_write(EDU_DMA_CMD, EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0));
	for (i = 0; i < 5000; i++) {
		if (!(edu_read(EDU_DMA_CMD) & EDU_DMA_RUN))
			return 0;
		nanosleep(&pause, NULL);
	}
	fail("edu DMA %s IOVA %#llx did not finish", to_ram ? "to" : "from",
	     (unsigned long long)iova);
	return -1;
}

/* The device copies a chunk from IOVA @from to IOVA @to. */
static int device_copy(uint64_t from, uint64_t to)
{
	return edu_dma(from, 0) || edu_dma(to, 1) ? -1 : 0;
}

static void fill(char *p, unsigned long from, unsigned int seed)
{
	pattern_fill(p, CHUNK, from, seed);
}

/* The device reads a chunk at @iova: is it @from.. of pattern @seed (0: zeros)? */
static void expect_device_reads(const char *what, uint64_t iova, unsigned long from,
				unsigned int seed)
{
	char want[CHUNK];

	if (seed)
		fill(want, from, seed);
	else
		memset(want, 0, CHUNK);
	memset(sink, 0xa5, CHUNK);
	if (!device_copy(iova, IOVA_SCRATCH))
		same_bytes(what, sink, want, CHUNK);
}

/* The device writes @from.. of SEED_DEVICE at @iova: does @p show it? */
static void expect_process_reads(const char *what, uint64_t iova, const char *p,
				 unsigned long from)
{
	char want[CHUNK];

	fill(source, from, SEED_DEVICE);
	memcpy(want, source, CHUNK);
	if (!device_copy(IOVA_SCRATCH + page, iova))
		same_bytes(what, p, want, CHUNK);
}

static int dma_map(void *vaddr, uint64_t iova, size_t len, uint32_t flags)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map), .flags = flags,
		.vaddr = (uintptr_t)vaddr, .iova = iova, .size = len,
	};

	return ioctl(container, VFIO_IOMMU_MAP_DMA, &map);
}

/* Unmap @len bytes at @iova; how many bytes vfio unmapped, -1 on error. */
static long dma_unmap(uint64_t iova, size_t len)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap), .iova = iova, .size = len,
	};

	return ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) ? -1 : (long)unmap.size;
}

#define RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

/*
 * Map @len bytes at @buf (@name) at IOVA_BUF for device reads and writes,
 * check its first, middle and last page both ways, then unmap it.
 * @filled: the process wrote SEED_BEFORE all over it before (else it was
 * never touched).
 */
static void check_buffer(const char *name, char *buf, size_t len, int filled)
{
	unsigned long n = len / page, pick[3] = { 0, n / 2, n - 1 }, off, movable;
	long held = pins_held();
	char what[160];
	int k;

	movable = in_movable(buf, n);
	if (dma_map(buf, IOVA_BUF, len, RW)) {
		fail("%s: VFIO_IOMMU_MAP_DMA: %s", name, strerror(errno));
		return;
	}
	snprintf(what, sizeof(what), "%s: pins the map holds", name);
	expect_count(what, pins_held() - held, n);
	snprintf(what, sizeof(what), "%s: pinned pages in ZONE_MOVABLE (%lu before)", name,
		 movable);
	expect_count(what, in_movable(buf, n), 0);
	for (k = 0; k < 3; k++) {
		off = pick[k] * page;
		snprintf(what, sizeof(what), "%s: page %lu: the device reads what was there",
			 name, pick[k]);
		expect_device_reads(what, IOVA_BUF + off, off, filled ? SEED_BEFORE : 0);
		fill(buf + off, off, SEED_AFTER);
		snprintf(what, sizeof(what), "%s: page %lu: the device reads a write after the map",
			 name, pick[k]);
		expect_device_reads(what, IOVA_BUF + off, off, SEED_AFTER);
		snprintf(what, sizeof(what), "%s: page %lu: the process reads the device's write",
			 name, pick[k]);
		expect_process_reads(what, IOVA_BUF + off, buf + off, off);
	}
	snprintf(what, sizeof(what), "%s: bytes unmapped", name);
	expect_count(what, dma_unmap(IOVA_BUF, len), len);
	snprintf(what, sizeof(what), "%s: pins left after the unmap", name);
	expect_count(what, pins_held() - held, 0);
}

/* Is a huge page of @len bytes (@name) more than the device reaches? */
static int beyond_reach(const char *name, size_t len)
{
	if (IOVA_BUF + len <= EDU_REACH)
		return 0;
	printf("%s: a %zu MiB page is more than the device reaches, skipped\n", name,
	       len >> 20);
	return 1;
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
	check_buffer("small pages", buf, len, 1);
	check_buffer("never-touched pages", fresh, len, 0);
	munmap(buf, len);
	munmap(fresh, len);
}

static void check_thp(void)
{
	size_t thp = thp_pmd_size();
	char *buf;

	if (thp && beyond_reach("THP", thp))
		return;
	buf = thp ? map_thp(thp, thp) : NULL;
	if (!buf) {
		printf("THP: none here, part skipped\n");
		return;
	}
	pattern_fill(buf, thp, 0, SEED_BEFORE);
	if (smaps_kb(buf, "AnonHugePages:") < (long)(thp >> 10))
		printf("THP: the buffer got no huge page, part skipped\n");
	else
		check_buffer("THP", buf, thp, 1);
	munmap(buf, thp);
}

static void check_shmem(void)
{
	size_t len = NPAGES * page;
	char *buf = map_memfd("vfio_dma", len);

	if (!buf) {
		fail("a shared memfd mapping: %s", strerror(errno));
		return;
	}
	pattern_fill(buf, len, 0, SEED_BEFORE);
	check_buffer("shared tmpfs", buf, len, 1);
	munmap(buf, len);
}

/*
 * 0 when checked; 4 when the guest has no hugetlb page to spare, or one
 * larger than the device reaches.
 */
static int check_hugetlb(void)
{
	size_t len = read_ulong("/proc/meminfo", "Hugepagesize:") << 10;
	char *buf;

	if (beyond_reach("hugetlb", len))
		return 4;
	buf = len ? map_anon(len, MAP_HUGETLB) : NULL;
	if (!buf) {
		printf("hugetlb: no page (%s), skipped\n", strerror(errno));
		return 4;
	}
	pattern_fill(buf, len, 0, SEED_BEFORE);
	check_buffer("hugetlb", buf, len, 1);
	munmap(buf, len);
	return 0;
}

/* A child writes the pinned pages after fork(): the device must not see it. */
static void check_fork(void)
{
	size_t len = 4 * page;
	char *buf = map_anon(len, 0);
	int status = -1;
	pid_t pid;

	if (!buf || dma_map(buf, IOVA_BUF, len, RW)) {
		fail("fork: mapping the buffer: %s", strerror(errno));
		return;
	}
	fill(buf, 0, SEED_BEFORE);
	pid = fork();
	if (pid == 0) {
		fill(buf, 0, SEED_CHILD);
		_exit(pattern_diff(buf, CHUNK, 0, SEED_CHILD) < 0 ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status)
		fail("fork: the child failed (status %#x)", status);
	expect_device_reads("fork: the device does not read the child's write",
			    IOVA_BUF, 0, SEED_BEFORE);
	fill(buf, 0, SEED_AFTER);
	expect_device_reads("fork: the device reads the parent's write", IOVA_BUF, 0,
			    SEED_AFTER);
	expect_process_reads("fork: the parent reads the device's write", IOVA_BUF, buf, 0);
	expect_count("fork: bytes unmapped", dma_unmap(IOVA_BUF, len), len);
	munmap(buf, len);
}

/* A read-only mapping: device writes refused, device reads see zero pages. */
static void check_read_only(void)
{
	size_t len = 4 * page;
	char *buf = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long held = pins_held();
	int ret;

	if (buf == MAP_FAILED) {
		fail("mmap: %s", strerror(errno));
		return;
	}
	ret = dma_map(buf, IOVA_BUF, len, RW);
	if (ret != -1 || errno != EFAULT)
		fail("read-only: a map for device writes: expected EFAULT, got %d (%s)", ret,
		     strerror(errno));
	else
		printf("ok: read-only: a map for device writes fails with EFAULT\n");
	if (dma_map(buf, IOVA_BUF, len, VFIO_DMA_MAP_FLAG_READ)) {
		fail("read-only: a map for device reads: %s", strerror(errno));
	} else {
		expect_device_reads("read-only: the device reads zeros", IOVA_BUF + page,
				    0, 0);
		expect_count("read-only: bytes unmapped", dma_unmap(IOVA_BUF, len), len);
	}
	expect_count("read-only: pins still held afterwards",
		     pins_held() - held, 0);
	munmap(buf, len);
}

/* The device's BAR0, mmap()ed: VM_PFNMAP, which GUP must not pin. */
static void check_pfnmap(void)
{
	long held = pins_held();
	char *bar;

	if (!(bar0_flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		printf("PFNMAP: BAR0 cannot be mmap()ed, part skipped\n");
		return;
	}
	bar = mmap(NULL, bar0_size, PROT_READ | PROT_WRITE, MAP_SHARED, device, bar0);
	if (bar == MAP_FAILED) {
		fail("PFNMAP: mmap of BAR0: %s", strerror(errno));
		return;
	}
	if (dma_map(bar, IOVA_BAR, bar0_size, RW)) {
		fail("PFNMAP: VFIO_IOMMU_MAP_DMA of BAR0: %s", strerror(errno));
	} else {
		expect_count("PFNMAP: pins the map holds", pins_held() - held, 0);
		expect_count("PFNMAP: bytes unmapped", dma_unmap(IOVA_BAR, bar0_size),
			     bar0_size);
	}
	munmap(bar, bar0_size);
}

static void check_secretmem(void)
{
	char *buf = map_secretmem(page);
	int ret;

	if (!buf)
		return;
	ret = dma_map(buf, IOVA_BUF, page, RW);
	if (ret != -1 || errno != EFAULT)
		fail("secretmem: map: expected EFAULT, got %d (%s)", ret, strerror(errno));
	else
		printf("ok: secretmem: the map fails with EFAULT\n");
	munmap(buf, page);
}

int main(int argc, char **argv)
{
	int hugetlb = argc > 1 && !strcmp(argv[1], "hugetlb"), ret = 0;
	char bdf[64];

	page = getpagesize();
	if (!find_edu(bdf, sizeof(bdf))) {
		printf("vfio_dma: the guest has no edu device, skipped\n");
		return 4;
	}
	if (bind_and_open_group(bdf) || open_device(bdf))
		return finish("vfio_dma");
	sink = map_anon(2 * page, 0);
	source = sink ? sink + page : NULL;
	if (!sink || dma_map(sink, IOVA_SCRATCH, 2 * page, RW)) {
		fail("mapping the scratch pages: %s", strerror(errno));
		return finish("vfio_dma");
	}
	if (hugetlb) {
		ret = check_hugetlb();
	} else {
		check_small();
		check_thp();
		check_shmem();
		check_fork();
		check_read_only();
		check_pfnmap();
		check_secretmem();
	}
	return failures ? finish("vfio_dma") : ret ? ret : finish("vfio_dma");
}

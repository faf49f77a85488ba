/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the KUnit suites mm_gup (mm/gup_kunit.c) and
 * mm_gup_fast (mm/gup_fast_kunit.c).
 *
 * Both suites write tags into user pages, take references with one GUP
 * entry point or another, and compare what comes back with an independent
 * view: the page tables read with walk_page_range(), folio reference and
 * pin counts, and the node vmstat counters.  The pieces of that which do
 * not depend on the suite live here, as static inline functions so that
 * each suite compiles only what it uses.
 *
 * Every helper expects to run in a test case that called
 * kunit_user_mm_attach(): current->mm is the test's own user mm.
 */
#ifndef _MM_GUP_KUNIT_UTIL_H
#define _MM_GUP_KUNIT_UTIL_H

#include <kunit/resource.h>
#include <kunit/test.h>
#include <kunit/user_mm.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmzone.h>
#include <linux/pagewalk.h>
#include <linux/sched/task.h>
#include <linux/swap.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>
#include <asm/syscall.h>
#include <asm/unistd.h>

/* ---------------------------------------------------------------------- */
/* Tags written through the user mapping                                  */
/* ---------------------------------------------------------------------- */

/* The word that page @index of a range filled with @seed starts with. */
static inline u64 gupk_tag(unsigned int seed, unsigned long index)
{
	return 0x6775706b00000000ULL | ((u64)(seed & 0xfff) << 20) |
	       (index & 0xfffff);
}

/*
 * Write, as user space would, the tag of pages @first .. @first + @n - 1
 * counted from @addr: page i gets gupk_tag(@seed, i).
 */
static inline void gupk_fill_range(struct kunit *test, unsigned long addr,
				   unsigned long first, unsigned long n,
				   unsigned int seed)
{
	unsigned long i;

	for (i = first; i < first + n; i++) {
		u64 __user *p = (u64 __user *)(addr + i * PAGE_SIZE);

		KUNIT_ASSERT_EQ(test, put_user(gupk_tag(seed, i), p), 0);
	}
}

/* Write the tag of each of @n pages from @addr. */
static inline void gupk_fill(struct kunit *test, unsigned long addr,
			     unsigned long n, unsigned int seed)
{
	gupk_fill_range(test, addr, 0, n, seed);
}

/* The first word of @page, read through the kernel mapping. */
static inline u64 gupk_page_word(struct page *page)
{
	u64 *p = kmap_local_page(page);
	u64 val = READ_ONCE(*p);

	kunmap_local(p);
	return val;
}

/* ---------------------------------------------------------------------- */
/* References owned by the test case                                      */
/* ---------------------------------------------------------------------- */

/*
 * Drop what one call returned in @pages[0 .. @nr).  A single pin goes
 * through unpin_user_page(), several through unpin_user_pages(), so that
 * both are exercised.
 */
static inline void gupk_release(struct page **pages, long nr, bool pinned)
{
	long i;

	if (pinned && nr == 1)
		unpin_user_page(pages[0]);
	else if (pinned)
		unpin_user_pages(pages, nr);
	else
		for (i = 0; i < nr; i++)
			put_page(pages[i]);
}

/*
 * The pages array of one GUP call.  @nr entries hold a reference, FOLL_PIN
 * pins when @pinned, FOLL_GET references otherwise.  Whatever is still
 * held when the case ends (an assertion failed half-way) is dropped by a
 * KUnit resource.
 */
struct gupk_refs {
	struct kunit *test;
	struct page **pages;
	long max;
	long nr;
	bool pinned;
};

static inline void gupk_drop(struct gupk_refs *refs)
{
	gupk_release(refs->pages, refs->nr, refs->pinned);
	refs->nr = 0;
}

static inline void gupk_refs_release(struct kunit_resource *res)
{
	gupk_drop(res->data);
}

static inline int gupk_refs_init(struct kunit_resource *res, void *context)
{
	res->data = context;
	return 0;
}

/* An empty pages array for calls of up to @max pages. */
static inline struct gupk_refs *gupk_refs(struct kunit *test, long max,
					  bool pinned)
{
	struct gupk_refs *refs;

	refs = kunit_kzalloc(test, sizeof(*refs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, refs);
	refs->pages = kunit_kcalloc(test, max, sizeof(*refs->pages),
				    GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, refs->pages);
	refs->test = test;
	refs->max = max;
	refs->pinned = pinned;
	KUNIT_ASSERT_NOT_NULL(test,
			      kunit_alloc_resource(test, gupk_refs_init,
						   gupk_refs_release,
						   GFP_KERNEL, refs));
	return refs;
}

/* Note the result @ret of a call made on @refs->pages; returns @ret. */
static inline long gupk_took(struct gupk_refs *refs, long ret)
{
	KUNIT_EXPECT_LE(refs->test, ret, refs->max);
	if (ret > 0)
		refs->nr = min(ret, refs->max);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* The page tables, read under mmap_lock                                  */
/* ---------------------------------------------------------------------- */

/*
 * A walk of the test's page tables: @note is called for every run of
 * present pages, [@addr, @end) mapped from @first on, @huge when the run
 * is mapped by a PMD or hugetlb leaf.  Embed it and use container_of().
 */
struct gupk_walk {
	void (*note)(struct gupk_walk *w, unsigned long addr,
		     unsigned long end, struct page *first, bool huge);
};

static inline int gupk_walk_pte(pte_t *ptep, unsigned long addr,
				unsigned long next, struct mm_walk *walk)
{
	struct gupk_walk *w = walk->private;
	pte_t pte = ptep_get(ptep);

	if (pte_present(pte) && pfn_valid(pte_pfn(pte)))
		w->note(w, addr, next, pte_page(pte), false);
	return 0;
}

static inline int gupk_walk_pmd(pmd_t *pmdp, unsigned long addr,
				unsigned long next, struct mm_walk *walk)
{
	struct gupk_walk *w = walk->private;
	spinlock_t *ptl;	/* held while a huge pmd is read */
	pmd_t pmd;

	ptl = pmd_trans_huge_lock(pmdp, walk->vma);
	if (!ptl)
		return 0;
	pmd = *pmdp;
	if (pmd_present(pmd))
		w->note(w, addr, next,
			nth_page(pmd_page(pmd),
				 (addr & ~PMD_MASK) >> PAGE_SHIFT), true);
	spin_unlock(ptl);
	/* Do not descend: the walker would split the huge pmd. */
	walk->action = ACTION_CONTINUE;
	return 0;
}

static inline int gupk_walk_hugetlb(pte_t *ptep, unsigned long hmask,
				    unsigned long addr, unsigned long next,
				    struct mm_walk *walk)
{
#ifdef CONFIG_HUGETLB_PAGE
	struct gupk_walk *w = walk->private;
	pte_t pte = huge_ptep_get(ptep);

	if (pte_present(pte))
		w->note(w, addr, next,
			nth_page(pte_page(pte), (addr & ~hmask) >> PAGE_SHIFT),
			true);
#endif
	return 0;
}

/* Walk [@start, @end) of the test's mm under mmap_lock. */
static inline void gupk_walk(struct gupk_walk *w, unsigned long start,
			     unsigned long end)
{
	static const struct mm_walk_ops ops = {
		.pmd_entry	= gupk_walk_pmd,
		.pte_entry	= gupk_walk_pte,
		.hugetlb_entry	= gupk_walk_hugetlb,
	};
	struct mm_struct *mm = current->mm;

	mmap_read_lock(mm);
	walk_page_range(mm, start, end, &ops, w);
	mmap_read_unlock(mm);
}

struct gupk_one {
	struct gupk_walk walk;
	struct page *page;
	bool huge;
};

static inline void gupk_one_note(struct gupk_walk *walk, unsigned long addr,
				 unsigned long end, struct page *first,
				 bool huge)
{
	struct gupk_one *one = container_of(walk, struct gupk_one, walk);

	one->page = first;
	one->huge = huge;
}

/*
 * The page the page tables map at @addr (no reference taken), or NULL;
 * *@huge (when not NULL) says whether a PMD or hugetlb leaf maps it.
 */
static inline struct page *gupk_mapped(unsigned long addr, bool *huge)
{
	struct gupk_one one = { .walk.note = gupk_one_note };

	gupk_walk(&one.walk, addr & PAGE_MASK, (addr & PAGE_MASK) + PAGE_SIZE);
	if (huge)
		*huge = one.huge;
	return one.page;
}

/* Whether a present PUD leaf maps @addr in the test's mm. */
static inline bool gupk_pud_leaf(unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	bool leaf = false;
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;

	mmap_read_lock(mm);
	pgd = pgd_offset(mm, addr);
	if (pgd_present(*pgd)) {
		p4d = p4d_offset(pgd, addr);
		if (p4d_present(*p4d)) {
			pud = pud_offset(p4d, addr);
			leaf = pud_present(*pud) && pud_leaf(*pud);
		}
	}
	mmap_read_unlock(mm);
	return leaf;
}

/* ---------------------------------------------------------------------- */
/* Reference and pin counts, vmstat                                       */
/* ---------------------------------------------------------------------- */

/*
 * The reference count of @folio, read after draining the per-CPU LRU
 * batches, which hold references of their own on recently used pages.
 */
static inline int gupk_refcount(struct folio *folio)
{
	lru_add_drain_all();
	return folio_ref_count(folio);
}

/* The exact pin count of a large folio; small folios have none. */
static inline int gupk_pincount(struct folio *folio)
{
	return folio_test_large(folio) ?
		atomic_read(folio_pincount_ptr(folio)) : 0;
}

static inline long gupk_node_total(enum node_stat_item item)
{
	struct pglist_data *pgdat;
	long sum = 0;

	for_each_online_pgdat(pgdat)
		sum += atomic_long_read(&pgdat->vm_stat[item]);
	return sum;
}

/*
 * Exact value of a node vmstat item summed over all nodes: the folded
 * per-node totals plus every CPU's not yet folded delta.  A fold moving a
 * delta into the total while we read would be counted twice or not at
 * all, so read again until the totals did not move during the read.
 */
static inline long gupk_node_stat(enum node_stat_item item)
{
	struct pglist_data *pgdat;
	long before, after, deltas;
	int tries = 100, cpu;

	do {
		before = gupk_node_total(item);
		deltas = 0;
		for_each_online_pgdat(pgdat)
			for_each_possible_cpu(cpu)
				deltas += READ_ONCE(per_cpu_ptr(pgdat->per_cpu_nodestats,
								cpu)->vm_node_stat_diff[item]);
		after = gupk_node_total(item);
	} while (before != after && --tries);
	return after + deltas;
}

struct gupk_pins {
	long acquired;
	long released;
};

/* NR_FOLL_PIN_ACQUIRED and NR_FOLL_PIN_RELEASED, now. */
static inline struct gupk_pins gupk_pin_stats(void)
{
	struct gupk_pins s = {
		.acquired = gupk_node_stat(NR_FOLL_PIN_ACQUIRED),
		.released = gupk_node_stat(NR_FOLL_PIN_RELEASED),
	};

	return s;
}

/* ---------------------------------------------------------------------- */
/* Mappings                                                               */
/* ---------------------------------------------------------------------- */

/* @n anonymous pages, not populated. */
static inline unsigned long gupk_anon(struct kunit *test, unsigned long n,
				      unsigned long prot, unsigned long flags)
{
	unsigned long addr;

	addr = kunit_user_mmap_anon(test, n * PAGE_SIZE, prot, flags);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr), "mmap: %ld",
			       (long)addr);
	return addr;
}

/* @n read-write anonymous pages, each written with its tag. */
static inline unsigned long gupk_anon_filled(struct kunit *test,
					     unsigned long n,
					     unsigned int seed)
{
	unsigned long addr = gupk_anon(test, n, PROT_READ | PROT_WRITE, 0);

	gupk_fill(test, addr, n, seed);
	return addr;
}

/* The first @n pages of @file, mapped anywhere. */
static inline unsigned long gupk_map_file(struct kunit *test,
					  struct file *file, unsigned long n,
					  unsigned long prot,
					  unsigned long flags)
{
	unsigned long addr;

	addr = kunit_user_mmap(test, file, 0, n * PAGE_SIZE, prot, flags, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr), "mmap: %ld",
			       (long)addr);
	return addr;
}

/*
 * The first pass of a devmap case: 1 (PMD leaves, then PTEs) where the
 * MMU has PMD leaves, else 0 (PTEs only: powerpc's hash MMU with 4K
 * pages), which the case notes.
 */
static inline int gupk_devmap_first_pass(struct kunit *test)
{
	if (has_transparent_hugepage())
		return 1;
	kunit_info(test, "no PMD leaves on this MMU: devmap PTEs only\n");
	return 0;
}

/*
 * @n device pages from device page @first on, mapped read-write by devmap
 * entries (PMD leaves when @huge, else PTEs) and written with the tags of
 * @seed through that mapping; *@dev is set to device page @first.  Skips
 * the case when the kernel was given no device memory for tests.
 */
static inline unsigned long gupk_devmap(struct kunit *test,
					unsigned long first, unsigned long n,
					bool huge, unsigned int seed,
					struct page **dev)
{
	struct page *base;
	unsigned long nr, addr;

	base = kunit_user_devmem_pages(&nr);
	if (base == ERR_PTR(-ENODEV))
		kunit_skip(test, "no device memory (kunit_user_mm.devmem=)");
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(base), "device memory: %ld",
			       PTR_ERR(base));
	addr = kunit_user_mmap_devmem(test, first, n * PAGE_SIZE,
				      PROT_READ | PROT_WRITE, huge);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr), "devmap mmap: %ld",
			       (long)addr);
	gupk_fill(test, addr, n, seed);
	*dev = pfn_to_page(page_to_pfn(base) + first);
	return addr;
}

/* ---------------------------------------------------------------------- */
/* A PUD-size hugetlb page                                                */
/* ---------------------------------------------------------------------- */

#define GUPK_PUD_PAGES	(PUD_SIZE >> PAGE_SHIFT)
#define GUPK_PMD_PAGES	(PMD_SIZE >> PAGE_SHIFT)

/* A run of @nr subpages of the PUD-size page, from subpage @first. */
struct gupk_span {
	const char *name;
	unsigned long first;
	long nr;
};

#define GUPK_PUD_SPANS	5

/*
 * Run @i of the runs the cases take of the PUD-size page: its first
 * pages, a run in the middle, a run straddling a PMD-size offset inside
 * the page (which a walk must not mistake for the end of a leaf), a run
 * longer than a PMD, and its last pages.  They do not overlap, so each
 * keeps its own tags.  Built at run time: on powerpc the level sizes are
 * variables (hash and radix tables differ), not constants.
 */
static inline struct gupk_span gupk_pud_span(unsigned int i)
{
	const unsigned long pud = GUPK_PUD_PAGES, pmd = GUPK_PMD_PAGES;
	const struct gupk_span spans[GUPK_PUD_SPANS] = {
		{ "start",			0,		8 },
		{ "middle",			pud / 2 + 37,	16 },
		{ "across a PMD offset",	3 * pmd - 3,	6 },
		{ "longer than a PMD",		5 * pmd - 7,	pmd + 20 },
		{ "end",			pud - 8,	8 },
	};

	return spans[i];
}

/*
 * One PUD-size hugetlb page (1 GiB on x86_64, and on arm64 with 4K
 * pages), mapped shared and read-write at a PUD-aligned address and
 * faulted in by writing, through the user mapping, the tag (@seed) of
 * every run of gupk_pud_span().  Checks that one PUD leaf maps it and
 * returns its address; *@folio is the hugetlb folio.
 *
 * The harness boots with hugepagesz=1G hugepages=1, so on x86_64 and
 * arm64 a missing pool or a page in use fails the case; elsewhere the
 * case is skipped.  The page is released with the case's file and mm.
 */
static inline unsigned long gupk_pud_hugetlb(struct kunit *test,
					     unsigned int seed,
					     struct folio **folio)
{
	const bool required = IS_ENABLED(CONFIG_X86_64) ||
			      IS_ENABLED(CONFIG_ARM64);
	long free = kunit_user_hugetlb_free(PUD_SIZE);
	unsigned long addr, i;
	struct file *file;
	struct page *page;
	bool huge = false;

	/*
	 * With two levels (32-bit x86 without PAE, arm64 with 64K pages and
	 * 42-bit addresses) the PUD is folded into the PMD's level: its leaf
	 * is the PMD-size page, which the PMD-size cases already take.
	 */
	if (PUD_SIZE == PMD_SIZE)
		kunit_skip(test, "no PUD level above the PMD (%lu MiB leaves)",
			   PMD_SIZE >> 20);
	if (free < 1 && !required)
		kunit_skip(test, "no free %lu MiB hugetlb page (%ld)",
			   PUD_SIZE >> 20, free);
	KUNIT_ASSERT_NE_MSG(test, free, (long)-EOPNOTSUPP,
			    "no hugetlb support in this kernel");
	KUNIT_ASSERT_NE_MSG(test, free, (long)-ENODEV,
			    "no %lu MiB hugetlb pool: boot with hugepagesz=1G hugepages=1",
			    PUD_SIZE >> 20);
	KUNIT_ASSERT_GT_MSG(test, kunit_user_hugetlb_total(PUD_SIZE), 0L,
			    "the %lu MiB hugetlb pool is empty: hugepagesz=1G hugepages=1 could not set a page aside at boot (no free, aligned 1 GiB of RAM?)",
			    PUD_SIZE >> 20);
	KUNIT_ASSERT_GE_MSG(test, free, 1L,
			    "the %lu MiB hugetlb page is in use (not released by an earlier case?)",
			    PUD_SIZE >> 20);

	file = kunit_user_hugetlb_file_sized(test, PUD_SIZE, PUD_SIZE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	addr = gupk_map_file(test, file, GUPK_PUD_PAGES,
			     PROT_READ | PROT_WRITE, MAP_SHARED);
	KUNIT_ASSERT_TRUE_MSG(test, IS_ALIGNED(addr, PUD_SIZE),
			      "hugetlb mapping at %#lx, not PUD-aligned", addr);
	for (i = 0; i < GUPK_PUD_SPANS; i++) {
		struct gupk_span sp = gupk_pud_span(i);

		gupk_fill_range(test, addr, sp.first, sp.nr, seed);
	}

	page = gupk_mapped(addr, &huge);
	KUNIT_ASSERT_NOT_NULL_MSG(test, page, "nothing mapped after the writes");
	*folio = page_folio(page);
	KUNIT_ASSERT_TRUE(test, huge);
	KUNIT_ASSERT_TRUE(test, folio_test_hugetlb(*folio));
	KUNIT_ASSERT_EQ(test, folio_size(*folio), PUD_SIZE);
	KUNIT_ASSERT_PTR_EQ(test, page, &(*folio)->page);
	KUNIT_ASSERT_TRUE_MSG(test, gupk_pud_leaf(addr),
			      "no PUD leaf maps the hugetlb page");
	return addr;
}

/*
 * Expect the @n pages a call returned to be the subpages of @folio from
 * @first on, page i starting with gupk_tag(@seed, @first + i).  Reports
 * the first page that is not, under @what.
 */
static inline void gupk_expect_subpages(struct kunit *test,
					struct page **pages, long n,
					struct folio *folio,
					unsigned long first, unsigned int seed,
					const char *what)
{
	long i;

	for (i = 0; i < n; i++) {
		struct page *want = nth_page(&folio->page, first + i);
		u64 tag = gupk_tag(seed, first + i);
		u64 word = gupk_page_word(pages[i]);

		if (pages[i] != want || word != tag) {
			KUNIT_FAIL(test,
				   "%s: page %ld: pfn %#lx (%#llx), not subpage %lu: pfn %#lx (%#llx)",
				   what, i, page_to_pfn(pages[i]), word,
				   first + i, page_to_pfn(want), tag);
			return;
		}
	}
}

/*
 * A FOLL_LONGTERM pin of @n pages of a folio that cannot stay pinned
 * where it is (ZONE_MOVABLE) returned @ret into @refs: it either failed
 * and holds nothing, or returned @n pages that can stay pinned, holding
 * what the subpages from @first held (tags of @seed).
 */
static inline void gupk_expect_longterm_moved(struct kunit *test,
					      struct gupk_refs *refs,
					      long ret, long n,
					      unsigned long first,
					      unsigned int seed)
{
	long i;

	if (ret < 0) {
		KUNIT_EXPECT_EQ(test, refs->nr, 0L);
		return;
	}
	KUNIT_EXPECT_EQ(test, ret, n);
	for (i = 0; i < refs->nr; i++) {
		struct folio *folio = page_folio(refs->pages[i]);

		KUNIT_EXPECT_TRUE(test, folio_is_longterm_pinnable(folio));
		KUNIT_EXPECT_EQ(test, gupk_page_word(refs->pages[i]),
				gupk_tag(seed, first + i));
	}
}

/* ---------------------------------------------------------------------- */
/* System calls without an in-kernel entry point                          */
/* ---------------------------------------------------------------------- */

/* Native system call @nr with up to three arguments, or -EOPNOTSUPP. */
static inline long gupk_syscall(unsigned int nr, unsigned long a0,
				unsigned long a1, unsigned long a2)
{
#if defined(CONFIG_X86_64)
	struct pt_regs regs = { .di = a0, .si = a1, .dx = a2 };

	return x64_sys_call(&regs, nr);
#elif defined(CONFIG_ARM64)
	struct pt_regs regs = { };

	regs.regs[0] = a0;
	regs.regs[1] = a1;
	regs.regs[2] = a2;
	return sys_call_table[nr](&regs);
#elif defined(CONFIG_X86_32)
	struct pt_regs regs = { .bx = a0, .cx = a1, .dx = a2 };

	return ia32_sys_call(&regs, nr);
#else
#ifndef CONFIG_ARCH_HAS_SYSCALL_WRAPPER
	/* The handlers are plain C functions: call the ones the tests use. */
	if (nr == __NR_mprotect)
		return sys_mprotect(a0, a1, a2);
#if defined(__NR_memfd_secret) && defined(CONFIG_SECRETMEM)
	if (nr == __NR_memfd_secret)
		return sys_memfd_secret(a0);
#endif
#endif
	return -EOPNOTSUPP;
#endif
}

/* memfd_secret(2): a descriptor; skips the case when there is none. */
static inline long gupk_memfd_secret(struct kunit *test)
{
	long fd = -EOPNOTSUPP;

	if (!IS_ENABLED(CONFIG_SECRETMEM))
		kunit_skip(test, "needs CONFIG_SECRETMEM (set_direct_map)");
#ifdef __NR_memfd_secret
	fd = gupk_syscall(__NR_memfd_secret, 0, 0, 0);
#endif
	if (fd < 0)
		kunit_skip(test, "memfd_secret() failed (%ld): needs secretmem.enable=1",
			   fd);
	return fd;
}

/*
 * Size the secret memory file @fd to @size bytes and make the test own
 * it instead of the descriptor, which is closed.
 */
static inline struct file *gupk_secret_file(struct kunit *test, long fd,
					    loff_t size)
{
	struct file *file;
	long err;

	err = do_sys_ftruncate(fd, size, 0);
	file = err ? ERR_PTR(err) : fget(fd);
	close_fd(fd);
	return kunit_user_adopt_file(test, file ? file : ERR_PTR(-EBADF));
}

/* ---------------------------------------------------------------------- */
/* A forked child                                                         */
/* ---------------------------------------------------------------------- */

/*
 * A child process forked from the test thread: it owns a copy of the
 * test's mm (so anonymous pages become COW-shared with it) and keeps it
 * until released; with no struct, it exits at once.
 */
struct gupk_child {
	struct completion release;
	struct completion done;
	pid_t pid;
};

static inline int gupk_child_fn(void *arg)
{
	struct gupk_child *child = arg;

	if (child) {
		wait_for_completion(&child->release);
		complete(&child->done);
	}
	do_exit(0);
}

/* Fork a child running gupk_child_fn(@child); its pid or -errno. */
static inline pid_t gupk_fork(struct gupk_child *child)
{
	struct kernel_clone_args args = {
		.flags		= CLONE_FS | CLONE_FILES | CLONE_UNTRACED,
		.exit_signal	= SIGCHLD,
		.fn		= gupk_child_fn,
		.fn_arg		= child,
		.kthread	= 1,
	};

	return kernel_clone(&args);
}

static inline void gupk_child_release(struct kunit_resource *res)
{
	struct gupk_child *child = res->data;
	int status;

	complete(&child->release);
	wait_for_completion(&child->done);
	/* Reaps the child when this thread is its parent. */
	kernel_wait(child->pid, &status);
}

static inline int gupk_child_init(struct kunit_resource *res, void *context)
{
	struct gupk_child *child = context;

	child->pid = gupk_fork(child);
	if (child->pid < 0)
		return child->pid;
	res->data = child;
	return 0;
}

/* Fork a child that keeps a copy of the mm until the case ends. */
static inline void gupk_fork_held(struct kunit *test)
{
	struct gupk_child *child;

	child = kunit_kzalloc(test, sizeof(*child), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, child);
	init_completion(&child->release);
	init_completion(&child->done);
	KUNIT_ASSERT_NOT_NULL(test,
			      kunit_alloc_resource(test, gupk_child_init,
						   gupk_child_release,
						   GFP_KERNEL, child));
}

/*
 * Fork while @pin holds its pages, pinned from @addr on: fork() must copy
 * them for the child (the pin marked the mm MMF_HAS_PINNED), so each
 * stays mapped in the parent, exclusive and mapped once, and the parent's
 * writes keep reaching it.  @seed: a tag seed not written there yet.
 */
static inline void gupk_expect_fork_keeps_pins(struct kunit *test,
					       struct gupk_refs *pin,
					       unsigned long addr,
					       unsigned int seed)
{
	long i;

	KUNIT_ASSERT_TRUE(test, pin->pinned);
	gupk_fork_held(test);
	for (i = 0; i < pin->nr; i++) {
		struct page *page = pin->pages[i];

		KUNIT_EXPECT_PTR_EQ(test, gupk_mapped(addr + i * PAGE_SIZE, NULL),
				    page);
		KUNIT_EXPECT_TRUE_MSG(test, PageAnonExclusive(page),
				      "fork shared pinned page %ld", i);
		KUNIT_EXPECT_EQ(test, page_mapcount(page), 1);
	}
	KUNIT_ASSERT_EQ(test, put_user(gupk_tag(seed, 0), (u64 __user *)addr),
			0);
	KUNIT_EXPECT_EQ(test, gupk_page_word(pin->pages[0]),
			gupk_tag(seed, 0));
}

#endif /* _MM_GUP_KUNIT_UTIL_H */

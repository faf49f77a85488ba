// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the get_user_pages() / pin_user_pages() contract.
 *
 * Every case runs against a user address space of its own (see
 * include/kunit/user_mm.h), writes through the user mapping with
 * put_user(), and then checks what the GUP calls hand back against an
 * independent view: the page tables (read with walk_page_range()), the
 * page cache, page and folio reference and pin counts, and the node
 * vmstat counters.  The cases only rely on behaviour that the GUP
 * documentation (Documentation/core-api/pin_user_pages.rst and the
 * comments in include/linux/mm.h) promises, so they pass on the upstream
 * implementation as well as on a replacement.
 *
 * References taken by GUP are recorded in a KUnit resource as soon as the
 * call returns, so an assertion failing in the middle of a case still
 * drops them.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <kunit/user_mm.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/migrate.h>
#include <linux/mman.h>
#include <linux/mmzone.h>
#include <linux/page-isolation.h>
#include <linux/pagemap.h>
#include <linux/pagewalk.h>
#include <linux/pfn_t.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/shmem_fs.h>
#include <linux/swap.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>

#ifdef CONFIG_X86_64
#include <asm/vsyscall.h>
#endif

#include "internal.h"
#include "gup_kunit_util.h"

/* Number of small pages most cases work on. */
#define GUP_TEST_PAGES	4
#define GUP_TEST_DEVMAP_PAGES	16

/* ---------------------------------------------------------------------- */
/* Values written through the user mapping                                */
/* ---------------------------------------------------------------------- */

static void gup_test_set_page_word(struct page *page, u64 val)
{
	u64 *p = kmap_local_page(page);

	*p = val;
	kunmap_local(p);
}

/* The first eight bytes at @addr, read through the user mapping. */
static u64 gup_test_user_word(struct kunit *test, unsigned long addr)
{
	u64 val = 0;

	KUNIT_EXPECT_EQ(test, get_user(val, (u64 __user *)addr), 0);
	return val;
}

/* The eight bytes at @pos in @file, read through the file. */
static u64 gup_test_file_word(struct kunit *test, struct file *file,
			      loff_t pos)
{
	u64 val = 0;

	KUNIT_EXPECT_EQ(test, kernel_read(file, &val, sizeof(val), &pos),
			(ssize_t)sizeof(val));
	return val;
}

static void gup_test_write_file_word(struct kunit *test, struct file *file,
				     loff_t pos, u64 val)
{
	KUNIT_ASSERT_EQ(test, kernel_write(file, &val, sizeof(val), &pos),
			(ssize_t)sizeof(val));
}

/* ---------------------------------------------------------------------- */
/* The calls, their references owned by the test case (struct gupk_refs) */
/* ---------------------------------------------------------------------- */

/* get_user_pages() or pin_user_pages() with the mmap lock held. */
static long gup_test_grab(struct gupk_refs *refs, unsigned long start,
			  unsigned long nr, unsigned int flags)
{
	struct mm_struct *mm = current->mm;
	long ret;

	mmap_read_lock(mm);
	if (refs->pinned)
		ret = pin_user_pages(start, nr, flags, refs->pages, NULL);
	else
		ret = get_user_pages(start, nr, flags, refs->pages, NULL);
	mmap_read_unlock(mm);
	return gupk_took(refs, ret);
}

/* get_user_pages_fast() or pin_user_pages_fast(). */
static long gup_test_grab_fast(struct gupk_refs *refs,
			       unsigned long start, int nr, unsigned int flags)
{
	long ret;

	if (refs->pinned)
		ret = pin_user_pages_fast(start, nr, flags, refs->pages);
	else
		ret = get_user_pages_fast(start, nr, flags, refs->pages);
	return gupk_took(refs, ret);
}

/* ---------------------------------------------------------------------- */
/* An independent look at the page tables                                 */
/* ---------------------------------------------------------------------- */

struct gup_test_walk {
	struct gupk_walk walk;
	unsigned long start;
	unsigned long present;	/* small pages mapped in the range */
	struct page *first;	/* page mapped at @start, if any */
	bool first_huge;	/* ... and whether by a PMD or hugetlb entry */
};

static void gup_test_walk_note(struct gupk_walk *walk, unsigned long addr,
			       unsigned long end, struct page *page, bool huge)
{
	struct gup_test_walk *w = container_of(walk, struct gup_test_walk,
					       walk);

	w->present += (end - addr) >> PAGE_SHIFT;
	if (addr == w->start) {
		w->first = page;
		w->first_huge = huge;
	}
}

static struct gup_test_walk gup_test_look(unsigned long start,
					  unsigned long len)
{
	struct gup_test_walk w = {
		.walk.note = gup_test_walk_note,
		.start = start,
	};

	gupk_walk(&w.walk, start, start + len);
	return w;
}

/* The page the page tables map at @addr (no reference taken), or NULL. */
static struct page *gup_test_mapped(unsigned long addr)
{
	return gupk_mapped(addr, NULL);
}

static unsigned long gup_test_present(unsigned long addr, unsigned long len)
{
	return gup_test_look(addr, len).present;
}

/* Expect @expected of the @npages pages from @addr to be mapped. */
static void gup_test_expect_present(struct kunit *test, unsigned long addr,
				    unsigned long npages,
				    unsigned long expected)
{
	KUNIT_EXPECT_EQ(test, gup_test_present(addr, npages * PAGE_SIZE),
			expected);
}

/* ---------------------------------------------------------------------- */
/* Counters                                                               */
/* ---------------------------------------------------------------------- */

/* The reference count of @page's folio, LRU batches drained. */
static int gup_test_refcount(struct page *page)
{
	return gupk_refcount(page_folio(page));
}

/* ---------------------------------------------------------------------- */
/* Mapping helpers                                                        */
/* ---------------------------------------------------------------------- */

/* A shmem file of @npages pages whose page i starts with tag(@seed, i). */
static struct file *gup_test_shmem_filled(struct kunit *test,
					  unsigned long npages,
					  unsigned int seed)
{
	struct file *file;
	unsigned long i;

	file = kunit_user_shmem_file(test, npages * PAGE_SIZE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	for (i = 0; i < npages; i++)
		gup_test_write_file_word(test, file, i * PAGE_SIZE,
					 gupk_tag(seed, i));
	return file;
}

/* The page cache page of @file at @index, with a reference held by @test. */
static struct page *gup_test_cache_page(struct kunit *test, struct file *file,
					pgoff_t index)
{
	struct gupk_refs *refs = gupk_refs(test, 1, false);
	struct page *page;

	page = shmem_read_mapping_page(file->f_mapping, index);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, page);
	refs->pages[0] = page;
	refs->nr = 1;
	return page;
}

/* ---------------------------------------------------------------------- */
/* Return values and reference counting                                   */
/* ---------------------------------------------------------------------- */

/* The pages mapped at the @n pages from @addr; each must be present. */
static void gup_test_mapped_pages(struct kunit *test, unsigned long addr,
				  int n, struct page **pages)
{
	int i;

	for (i = 0; i < n; i++) {
		pages[i] = gup_test_mapped(addr + i * PAGE_SIZE);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
	}
}

/*
 * Take references on written anonymous pages through the slow or the fast
 * entry point and check them: each returned page is the one mapped at its
 * address and holds what was written there; a FOLL_GET reference is worth
 * one refcount, a FOLL_PIN pin GUP_PIN_COUNTING_BIAS and makes
 * page_maybe_dma_pinned() true; dropping them restores the counts.
 */
static void gup_test_check_refs(struct kunit *test, bool pinned, bool fast)
{
	unsigned int seed = 1 + 2 * pinned + fast;
	unsigned long addr = gupk_anon_filled(test, GUP_TEST_PAGES, seed);
	struct gupk_refs *refs = gupk_refs(test, GUP_TEST_PAGES, pinned);
	int unit = pinned ? GUP_PIN_COUNTING_BIAS : 1;
	struct page *mapped[GUP_TEST_PAGES];
	int before[GUP_TEST_PAGES];
	long ret;
	int i;

	gup_test_mapped_pages(test, addr, GUP_TEST_PAGES, mapped);
	for (i = 0; i < GUP_TEST_PAGES; i++) {
		before[i] = gup_test_refcount(mapped[i]);
		KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(mapped[i]));
	}

	if (fast)
		ret = gup_test_grab_fast(refs, addr, GUP_TEST_PAGES, FOLL_WRITE);
	else
		ret = gup_test_grab(refs, addr, GUP_TEST_PAGES, FOLL_WRITE);
	KUNIT_ASSERT_EQ(test, ret, GUP_TEST_PAGES);
	for (i = 0; i < GUP_TEST_PAGES; i++) {
		KUNIT_EXPECT_PTR_EQ(test, refs->pages[i], mapped[i]);
		KUNIT_EXPECT_EQ(test, gupk_page_word(mapped[i]),
				gupk_tag(seed, i));
		KUNIT_EXPECT_EQ(test, gup_test_refcount(mapped[i]),
				before[i] + unit);
		KUNIT_EXPECT_EQ(test, page_maybe_dma_pinned(mapped[i]), pinned);
	}

	gupk_drop(refs);
	for (i = 0; i < GUP_TEST_PAGES; i++) {
		KUNIT_EXPECT_EQ(test, gup_test_refcount(mapped[i]), before[i]);
		KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(mapped[i]));
	}
}

/* FOLL_GET references, released by put_page(). */
/*
 * Small pages on both sides of a PMD boundary, one of them never touched.
 * The first call (references) takes the present PTEs of the first table
 * in one batch, stops at the missing page, faults it in and goes on into
 * the second table; the second call (pins) finds everything present and
 * batches each table whole.  Both return the pages the tables map, with
 * the written contents, and give every reference back.
 */
static void gup_test_two_tables(struct kunit *test)
{
	const int n = 8, hole = 2, seed = 40;
	unsigned long addr = gupk_anon(test, 2 * GUPK_PMD_PAGES,
				       PROT_READ | PROT_WRITE, 0);
	unsigned long boundary = ALIGN(addr + 4 * PAGE_SIZE, PMD_SIZE);
	unsigned long start = boundary - 4 * PAGE_SIZE;
	unsigned long first = (start - addr) >> PAGE_SHIFT;
	struct page *mapped[8];
	int before[8];
	struct gupk_refs *refs;
	int pinned, i;
	long ret;

	gupk_fill_range(test, addr, first, hole, seed);
	gupk_fill_range(test, addr, first + hole + 1, n - hole - 1, seed);
	KUNIT_ASSERT_PTR_EQ(test, gupk_mapped(start + hole * PAGE_SIZE, NULL),
			    NULL);

	for (pinned = 0; pinned < 2; pinned++) {
		refs = gupk_refs(test, n, pinned);
		ret = gup_test_grab(refs, start, n, FOLL_WRITE);
		KUNIT_ASSERT_EQ(test, ret, (long)n);
		gup_test_mapped_pages(test, start, n, mapped);
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_PTR_EQ(test, refs->pages[i], mapped[i]);
			KUNIT_EXPECT_EQ(test, gupk_page_word(mapped[i]),
					i == hole ? 0 : gupk_tag(seed, first + i));
			KUNIT_EXPECT_EQ(test, page_maybe_dma_pinned(mapped[i]),
					(bool)pinned);
			before[i] = gup_test_refcount(mapped[i]);
		}
		gupk_drop(refs);
		for (i = 0; i < n; i++)
			KUNIT_EXPECT_EQ(test, gup_test_refcount(mapped[i]),
					before[i] - (pinned ?
						     GUP_PIN_COUNTING_BIAS : 1));
	}
}

/*
 * One table where plain small pages surround a PTE of the zero page,
 * which the batch cannot take in its loop over small pages (no struct
 * page behind a special PTE): a read takes all eight in one call, each
 * page once, and fills the VMA array too; a pinning write faults the
 * zero page's PTE to a page of its own and goes on past it.
 */
static void gup_test_mixed_table(struct kunit *test)
{
	const int n = 8, zero = 3, seed = 41;
	unsigned long addr = gupk_anon(test, n, PROT_READ | PROT_WRITE, 0);
	struct vm_area_struct *vmas[8], *vma;
	struct page *mapped[8];
	struct gupk_refs *refs;
	int pinned, i, before[8];
	long ret;

	gupk_fill_range(test, addr, 0, zero, seed);
	gupk_fill_range(test, addr, zero + 1, n - zero - 1, seed);
	KUNIT_EXPECT_EQ(test, gup_test_user_word(test, addr + zero * PAGE_SIZE),
			0ULL);
	gup_test_mapped_pages(test, addr, n, mapped);
	KUNIT_ASSERT_TRUE(test, is_zero_page(mapped[zero]));

	for (pinned = 0; pinned < 2; pinned++) {
		refs = gupk_refs(test, n, pinned);
		for (i = 0; i < n; i++)
			before[i] = gup_test_refcount(mapped[i]);
		mmap_read_lock(current->mm);
		vma = find_vma(current->mm, addr);
		ret = pinned ? pin_user_pages(addr, n, 0, refs->pages, vmas) :
			       get_user_pages(addr, n, 0, refs->pages, vmas);
		mmap_read_unlock(current->mm);
		KUNIT_ASSERT_EQ(test, gupk_took(refs, ret), (long)n);
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_PTR_EQ(test, vmas[i], vma);
			KUNIT_EXPECT_PTR_EQ(test, refs->pages[i], mapped[i]);
			if (i != zero)
				KUNIT_EXPECT_EQ(test,
						gup_test_refcount(mapped[i]),
						before[i] + (pinned ?
						GUP_PIN_COUNTING_BIAS : 1));
		}
		gupk_drop(refs);
	}

	refs = gupk_refs(test, n, true);
	KUNIT_ASSERT_EQ(test, gup_test_grab(refs, addr, n, FOLL_WRITE),
			(long)n);
	gup_test_mapped_pages(test, addr, n, mapped);
	KUNIT_EXPECT_FALSE(test, is_zero_page(mapped[zero]));
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_PTR_EQ(test, refs->pages[i], mapped[i]);
		KUNIT_EXPECT_TRUE(test, page_maybe_dma_pinned(mapped[i]));
		KUNIT_EXPECT_EQ(test, gupk_page_word(mapped[i]),
				i == zero ? 0 : gupk_tag(seed, i));
	}
}

/* One get or pin of the @n pages at @addr, dropped again at once. */
static void gup_test_touch_once(struct kunit *test, unsigned long addr,
				int n, bool pinned)
{
	struct gupk_refs *refs = gupk_refs(test, n, pinned);

	KUNIT_ASSERT_EQ(test, gup_test_grab(refs, addr, n, 0), (long)n);
	gupk_drop(refs);
	lru_add_drain_all();
}

/*
 * FOLL_TOUCH, which get_user_pages() implies and pin_user_pages() does
 * not, marks each folio accessed the way a CPU access through the LRU
 * would: on the classic LRU the first get marks an inactive folio
 * referenced, the second activates it, the third marks it referenced
 * again, and from then on (referenced and active) it stays so.
 */
static void gup_test_touch(struct kunit *test)
{
	const int n = 4;
	unsigned long addr = gupk_anon_filled(test, n, 42);
	struct page *mapped[4];
	struct folio *folio;
	int i, get;

	if (lru_gen_enabled())
		kunit_skip(test, "multi-gen LRU: accesses are counted instead");
	gup_test_mapped_pages(test, addr, n, mapped);
	lru_add_drain_all();
	for (i = 0; i < n; i++) {
		folio = page_folio(mapped[i]);
		KUNIT_ASSERT_TRUE(test, folio_test_lru(folio));
		KUNIT_ASSERT_FALSE(test, folio_test_active(folio));
		folio_clear_referenced(folio);
	}

	gup_test_touch_once(test, addr, n, true);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_FALSE(test,
				   folio_test_referenced(page_folio(mapped[i])));

	for (get = 1; get <= 4; get++) {
		gup_test_touch_once(test, addr, n, false);
		for (i = 0; i < n; i++) {
			folio = page_folio(mapped[i]);
			KUNIT_EXPECT_EQ_MSG(test, folio_test_referenced(folio),
					    get != 2, "get %d, page %d", get, i);
			KUNIT_EXPECT_EQ_MSG(test, folio_test_active(folio),
					    get >= 2, "get %d, page %d", get, i);
		}
	}
}

static void gup_test_get_refcount(struct kunit *test)
{
	gup_test_check_refs(test, false, false);
	gup_test_check_refs(test, false, true);
}

/* FOLL_PIN pins on small pages, released by unpin_user_pages(). */
static void gup_test_pin_refcount(struct kunit *test)
{
	gup_test_check_refs(test, true, false);
	gup_test_check_refs(test, true, true);
}

/* A range running into an unmapped hole returns the mapped prefix. */
static void gup_test_short_count(struct kunit *test)
{
	unsigned long addr = gupk_anon_filled(test, GUP_TEST_PAGES, 3);
	struct gupk_refs *get = gupk_refs(test, GUP_TEST_PAGES, false);
	struct gupk_refs *pin = gupk_refs(test, GUP_TEST_PAGES, true);
	int i;

	KUNIT_ASSERT_EQ(test, vm_munmap(addr + 2 * PAGE_SIZE, 2 * PAGE_SIZE),
			0);

	KUNIT_EXPECT_EQ(test, gup_test_grab(get, addr, GUP_TEST_PAGES, 0), 2);
	KUNIT_EXPECT_EQ(test, gup_test_grab(pin, addr, GUP_TEST_PAGES,
					    FOLL_WRITE), 2);
	for (i = 0; i < min(get->nr, pin->nr); i++) {
		KUNIT_EXPECT_PTR_EQ(test, get->pages[i], pin->pages[i]);
		KUNIT_EXPECT_EQ(test, gupk_page_word(pin->pages[i]),
				gupk_tag(3, i));
	}
}

/* Asking for no pages takes nothing and returns 0. */
static void gup_test_no_pages(struct kunit *test)
{
	unsigned long addr = gupk_anon_filled(test, 1, 4);
	struct gupk_refs *get = gupk_refs(test, 1, false);
	struct gupk_refs *pin = gupk_refs(test, 1, true);
	int before = gup_test_refcount(gup_test_mapped(addr));

	KUNIT_EXPECT_EQ(test, gup_test_grab(get, addr, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, gup_test_grab(pin, addr, 0, FOLL_WRITE), 0);
	KUNIT_EXPECT_EQ(test, gup_test_grab_fast(get, addr, -1, 0), 0);
	KUNIT_EXPECT_EQ(test, gup_test_grab_fast(pin, addr, -1, FOLL_WRITE),
			0);
	KUNIT_EXPECT_EQ(test, gup_test_refcount(gup_test_mapped(addr)),
			before);
}

/*
 * A call that should take nothing, made into an array of its own: pages
 * that a wrong answer took are counted in *@taken and still released,
 * each exactly once, when the case ends.
 */
static long gup_test_grab_apart(struct kunit *test, unsigned long addr,
				unsigned long nr, unsigned int flags,
				bool pinned, unsigned long *taken)
{
	struct gupk_refs *refs = gupk_refs(test, GUP_TEST_PAGES, pinned);
	long ret = gup_test_grab(refs, addr, nr, flags);

	*taken += refs->nr;
	return ret;
}

/* The same through get_user_pages_unlocked() or pin_user_pages_unlocked(). */
static long gup_test_unlocked_apart(struct kunit *test, unsigned long addr,
				    unsigned long nr, unsigned int flags,
				    bool pinned, unsigned long *taken)
{
	struct gupk_refs *refs = gupk_refs(test, GUP_TEST_PAGES, pinned);
	long ret;

	if (pinned)
		ret = pin_user_pages_unlocked(addr, nr, refs->pages, flags);
	else
		ret = get_user_pages_unlocked(addr, nr, refs->pages, flags);
	ret = gupk_took(refs, ret);
	*taken += refs->nr;
	return ret;
}

/*
 * A count with its top bit set, such as an error code passed on as a page
 * count, is refused by every locked entry point before anything is taken.
 */
static void gup_test_negative_count(struct kunit *test)
{
	static const unsigned long counts[] = {
		(unsigned long)-EFAULT, ULONG_MAX, 1UL << (BITS_PER_LONG - 1),
	};
	unsigned long addr = gupk_anon_filled(test, 1, 5);
	struct page *page = gup_test_mapped(addr);
	int before = gup_test_refcount(page);
	unsigned long taken = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		unsigned long nr = counts[i];

		KUNIT_EXPECT_EQ(test, gup_test_grab_apart(test, addr, nr, 0,
							  false, &taken),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, gup_test_grab_apart(test, addr, nr,
							  FOLL_WRITE, true,
							  &taken), -EINVAL);
		KUNIT_EXPECT_EQ(test, gup_test_grab_apart(test, addr, nr,
							  FOLL_WRITE |
							  FOLL_LONGTERM,
							  true, &taken),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, gup_test_unlocked_apart(test, addr, nr, 0,
							      false, &taken),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, gup_test_unlocked_apart(test, addr, nr, 0,
							      true, &taken),
				-EINVAL);
	}
	KUNIT_EXPECT_EQ(test, taken, 0);
	KUNIT_EXPECT_EQ(test, gup_test_refcount(page), before);
}

/*
 * Make SIGKILL pending for the test thread, as if it were being killed,
 * or take it back.  Only the pending bit is set: the thread is not made
 * to exit, so the case can look at what the calls did and go on.
 */
static void gup_test_set_killed(bool killed)
{
	struct sighand_struct *sighand;

	rcu_read_lock();
	sighand = rcu_dereference(current->sighand);
	spin_lock_irq(&sighand->siglock);
	if (killed) {
		sigaddset(&current->pending.signal, SIGKILL);
		set_tsk_thread_flag(current, TIF_SIGPENDING);
	} else {
		sigdelset(&current->pending.signal, SIGKILL);
		recalc_sigpending();
	}
	spin_unlock_irq(&sighand->siglock);
	rcu_read_unlock();
}

/*
 * With SIGKILL pending the locked calls stop before they take or fault
 * anything: -EINTR for mapped and unmapped pages alike, long-term pins
 * and population included.  No assertion may end the case while the
 * signal is pending: the cleanup needs it gone.
 */
static void gup_test_fatal_signal(struct kunit *test)
{
	unsigned long len = GUP_TEST_PAGES * PAGE_SIZE;
	unsigned long mapped = gupk_anon_filled(test, GUP_TEST_PAGES, 6);
	unsigned long absent = gupk_anon(test, GUP_TEST_PAGES,
					 PROT_READ | PROT_WRITE, 0);
	struct page *page = gup_test_mapped(mapped);
	int before = gup_test_refcount(page);
	unsigned long taken = 0;

	gup_test_set_killed(true);
	KUNIT_EXPECT_TRUE(test, fatal_signal_pending(current));
	KUNIT_EXPECT_EQ(test, gup_test_grab_apart(test, mapped, GUP_TEST_PAGES,
						  0, false, &taken), -EINTR);
	KUNIT_EXPECT_EQ(test, gup_test_grab_apart(test, mapped, GUP_TEST_PAGES,
						  FOLL_WRITE, true, &taken),
			-EINTR);
	KUNIT_EXPECT_EQ(test, gup_test_grab_apart(test, mapped, GUP_TEST_PAGES,
						  FOLL_WRITE | FOLL_LONGTERM,
						  true, &taken), -EINTR);
	KUNIT_EXPECT_EQ(test, gup_test_grab_apart(test, absent, GUP_TEST_PAGES,
						  FOLL_WRITE, false, &taken),
			-EINTR);
	KUNIT_EXPECT_EQ(test, gup_test_unlocked_apart(test, absent,
						      GUP_TEST_PAGES,
						      FOLL_WRITE, false,
						      &taken), -EINTR);
	KUNIT_EXPECT_EQ(test, do_madvise(current->mm, absent, len,
					 MADV_POPULATE_WRITE), -EINTR);
	gup_test_set_killed(false);

	KUNIT_EXPECT_FALSE(test, fatal_signal_pending(current));
	KUNIT_EXPECT_EQ(test, taken, 0);
	KUNIT_EXPECT_EQ(test, gup_test_refcount(page), before);
	gup_test_expect_present(test, absent, GUP_TEST_PAGES, 0);
}

/*
 * The same on hugetlb memory, mapped or not.  Upstream 6.1 answers
 * -EFAULT there (follow_hugetlb_page() gives up with its default error),
 * unlike everywhere else; ours says -EINTR here too.
 */
static void gup_test_fatal_signal_hugetlb(struct kunit *test)
{
	unsigned long hsize = kunit_user_hugetlb_size();
	unsigned long mapped, absent, taken = 0;
	struct folio *folio;
	int ref0;

	if (!hsize)
		kunit_skip(test, "no hugetlb support");
	mapped = kunit_user_mmap_hugetlb(test, hsize, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	absent = kunit_user_mmap_hugetlb(test, hsize, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
	if ((long)mapped == -ENOMEM || (long)absent == -ENOMEM)
		kunit_skip(test, "no two free huge pages (boot with hugepages=)");
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(mapped));
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(absent));
	gupk_fill(test, mapped, 4, 7);
	KUNIT_ASSERT_NOT_NULL(test, gup_test_mapped(mapped));
	folio = page_folio(gup_test_mapped(mapped));
	ref0 = gupk_refcount(folio);

	gup_test_set_killed(true);
	KUNIT_EXPECT_EQ(test, gup_test_grab_apart(test, mapped, 4, FOLL_WRITE,
						  true, &taken), -EINTR);
	KUNIT_EXPECT_EQ(test, gup_test_grab_apart(test, absent, 4, FOLL_WRITE,
						  true, &taken), -EINTR);
	gup_test_set_killed(false);

	KUNIT_EXPECT_EQ(test, taken, 0);
	KUNIT_EXPECT_EQ(test, gupk_refcount(folio), ref0);
	KUNIT_EXPECT_NULL(test, gup_test_mapped(absent));
}

/* Expect every GUP flavour to fail on @addr with @err. */
static void gup_test_expect_refused(struct kunit *test, unsigned long addr,
				    unsigned int flags, long err)
{
	struct gupk_refs *get = gupk_refs(test, 1, false);
	struct gupk_refs *pin = gupk_refs(test, 1, true);

	KUNIT_EXPECT_EQ(test, gup_test_grab(get, addr, 1, flags), err);
	KUNIT_EXPECT_EQ(test, gup_test_grab(pin, addr, 1, flags), err);
	KUNIT_EXPECT_EQ(test, gup_test_grab_fast(get, addr, 1, flags), err);
	KUNIT_EXPECT_EQ(test, gup_test_grab_fast(pin, addr, 1, flags), err);
}

/* An address with no VMA fails with -EFAULT. */
static void gup_test_unmapped(struct kunit *test)
{
	unsigned long addr = gupk_anon(test, 1, PROT_READ | PROT_WRITE, 0);

	KUNIT_ASSERT_EQ(test, vm_munmap(addr, PAGE_SIZE), 0);
	gup_test_expect_refused(test, addr, 0, -EFAULT);
	gup_test_expect_refused(test, addr, FOLL_WRITE, -EFAULT);
}

/* A file whose mapping is a remap_pfn_range() of one kernel page. */
static int gup_test_pfnmap_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct page *page = file->private_data;

	return remap_pfn_range(vma, vma->vm_start, page_to_pfn(page),
			       PAGE_SIZE, vma->vm_page_prot);
}

static int gup_test_pfnmap_release(struct inode *inode, struct file *file)
{
	__free_page(file->private_data);
	return 0;
}

static const struct file_operations gup_test_pfnmap_fops = {
	.mmap		= gup_test_pfnmap_mmap,
	.release	= gup_test_pfnmap_release,
};

/*
 * A VM_IO | VM_PFNMAP mapping is readable from user space, yet GUP refuses
 * it with -EFAULT even though a present pte maps a real page.
 */
static void gup_test_pfnmap(struct kunit *test)
{
	const u64 marker = gupk_tag(5, 0);
	unsigned long addr;
	struct page *page;
	struct file *file;

	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, page);
	gup_test_set_page_word(page, marker);
	/* From here on the file's release frees the page. */
	file = kunit_user_ops_file(test, &gup_test_pfnmap_fops, page);
	if (IS_ERR(file))
		__free_page(page);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	addr = gupk_map_file(test, file, 1, PROT_READ | PROT_WRITE,
			     MAP_SHARED);

	KUNIT_EXPECT_EQ(test, gup_test_user_word(test, addr), marker);
	gup_test_expect_refused(test, addr, 0, -EFAULT);
	gup_test_expect_refused(test, addr, FOLL_WRITE, -EFAULT);
}

/*
 * A VM_MIXEDMAP file whose fault inserts the pfn of a kernel page with
 * vmf_insert_mixed(), as drivers do: a special PTE, no struct page for
 * GUP to hand out.
 */
static vm_fault_t gup_test_mixed_fault(struct vm_fault *vmf)
{
	struct page *page = vmf->vma->vm_file->private_data;

	if (vmf->pgoff)
		return VM_FAULT_SIGBUS;
	return vmf_insert_mixed(vmf->vma, vmf->address,
				pfn_to_pfn_t(page_to_pfn(page)));
}

static const struct vm_operations_struct gup_test_mixed_vm_ops = {
	.fault		= gup_test_mixed_fault,
};

static int gup_test_mixed_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_flags |= VM_MIXEDMAP;
	vma->vm_ops = &gup_test_mixed_vm_ops;
	return 0;
}

static const struct file_operations gup_test_mixed_fops = {
	.mmap		= gup_test_mixed_mmap,
	.release	= gup_test_pfnmap_release,
};

static int gup_test_note_dirty(pte_t *ptep, unsigned long addr,
			       unsigned long next, struct mm_walk *walk)
{
	bool *dirty = walk->private;

	*dirty = pte_present(ptep_get(ptep)) && pte_dirty(ptep_get(ptep));
	return 0;
}

static const struct mm_walk_ops gup_test_dirty_ops = {
	.pte_entry	= gup_test_note_dirty,
};

/* Whether a present PTE maps @addr in the test's mm, and is dirty. */
static bool gup_test_pte_dirty(unsigned long addr)
{
	struct mm_struct *mm = current->mm;
	bool dirty = false;

	mmap_read_lock(mm);
	walk_page_range(mm, addr, addr + PAGE_SIZE, &gup_test_dirty_ops,
			&dirty);
	mmap_read_unlock(mm);
	return dirty;
}

/* follow_page() at @addr of the test's mm. */
static struct page *gup_test_follow(unsigned long addr, unsigned int flags)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct page *page = NULL;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	if (vma)
		page = follow_page(vma, addr, flags);
	mmap_read_unlock(mm);
	return page;
}

/*
 * A bare pfn in a VM_MIXEDMAP mapping is there, but there is no page to
 * return: calls asking for pages get -EEXIST (the slow and the fast
 * entry points alike), follow_page() ERR_PTR(-EEXIST), and nothing holds
 * the page after them.  Populating the range needs no page and succeeds.
 * FOLL_TOUCH (which get_user_pages() adds, pin_user_pages() not) still
 * marks the entry, dirty for FOLL_WRITE.
 */
static void gup_test_mixedmap_pfn(struct kunit *test)
{
	struct gupk_refs *get = gupk_refs(test, 1, false);
	struct gupk_refs *pin = gupk_refs(test, 1, true);
	struct mm_struct *mm = current->mm;
	struct page *page, *found;
	unsigned long addr;
	struct file *file;
	int ref0;

	if (!IS_ENABLED(CONFIG_ARCH_HAS_PTE_SPECIAL))
		kunit_skip(test, "vmf_insert_mixed() maps the struct page here");
	page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, page);
	gup_test_set_page_word(page, gupk_tag(86, 0));
	/* From here on the file's release frees the page. */
	file = kunit_user_ops_file(test, &gup_test_mixed_fops, page);
	if (IS_ERR(file))
		__free_page(page);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	addr = gupk_map_file(test, file, 1, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	ref0 = page_ref_count(page);

	KUNIT_EXPECT_EQ(test, do_madvise(mm, addr, PAGE_SIZE,
					 MADV_POPULATE_READ), 0);
	KUNIT_EXPECT_EQ(test, gup_test_user_word(test, addr), gupk_tag(86, 0));
	KUNIT_EXPECT_FALSE(test, gup_test_pte_dirty(addr));
	KUNIT_EXPECT_EQ(test, gup_test_grab(pin, addr, 1, FOLL_WRITE), -EEXIST);
	KUNIT_EXPECT_EQ(test, gup_test_grab(get, addr, 1, 0), -EEXIST);
	KUNIT_EXPECT_FALSE(test, gup_test_pte_dirty(addr));
	KUNIT_EXPECT_EQ(test, gup_test_grab(get, addr, 1, FOLL_WRITE), -EEXIST);
	KUNIT_EXPECT_TRUE(test, gup_test_pte_dirty(addr));
	KUNIT_EXPECT_EQ(test, gup_test_grab_fast(get, addr, 1, 0), -EEXIST);
	KUNIT_EXPECT_EQ(test, gup_test_grab_fast(pin, addr, 1, 0), -EEXIST);
	found = gup_test_follow(addr, FOLL_GET);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(found), -EEXIST);
	KUNIT_EXPECT_EQ(test, page_ref_count(page), ref0);
}

/*
 * follow_page() on hugetlb memory gives the subpage at the address, with
 * a FOLL_GET reference on its huge page; where no huge page was faulted
 * in it gives NULL and faults nothing in.
 */
static void gup_test_follow_page_hugetlb(struct kunit *test)
{
	unsigned long hsize = kunit_user_hugetlb_size(), addr;
	struct page *page, *hole;
	struct folio *folio;
	struct file *file;
	int ref0;

	if (!hsize)
		kunit_skip(test, "no hugetlb support");
	file = kunit_user_hugetlb_file(test, 2 * hsize);
	if (PTR_ERR_OR_ZERO(file) == -ENOMEM)
		kunit_skip(test, "no free huge pages (boot with hugepages=)");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	addr = gupk_map_file(test, file, 2 * hsize >> PAGE_SHIFT,
			     PROT_READ | PROT_WRITE, MAP_SHARED);
	gupk_fill(test, addr, 8, 85);
	KUNIT_ASSERT_NOT_NULL(test, gup_test_mapped(addr));
	folio = page_folio(gup_test_mapped(addr));
	ref0 = gupk_refcount(folio);

	page = gup_test_follow(addr + 5 * PAGE_SIZE, FOLL_GET);
	hole = gup_test_follow(addr + hsize, FOLL_GET);
	KUNIT_EXPECT_PTR_EQ(test, page, folio_page(folio, 5));
	KUNIT_EXPECT_PTR_EQ(test, hole, NULL);
	if (!IS_ERR_OR_NULL(page)) {
		KUNIT_EXPECT_EQ(test, gupk_refcount(folio), ref0 + 1);
		KUNIT_EXPECT_EQ(test, gupk_page_word(page), gupk_tag(85, 5));
		put_page(page);
	}
	if (!IS_ERR_OR_NULL(hole))
		put_page(hole);
	KUNIT_EXPECT_EQ(test, gupk_refcount(folio), ref0);
	gup_test_expect_present(test, addr + hsize, hsize >> PAGE_SHIFT, 0);
}

/* ---------------------------------------------------------------------- */
/* Write permission, FOLL_FORCE and COW                                   */
/* ---------------------------------------------------------------------- */

/* FOLL_WRITE on a read-only mapping fails; a read succeeds. */
static void gup_test_write_readonly(struct kunit *test)
{
	unsigned long addr = gupk_anon(test, 1, PROT_READ, MAP_POPULATE);
	struct gupk_refs *get = gupk_refs(test, 1, false);

	gup_test_expect_refused(test, addr, FOLL_WRITE, -EFAULT);
	KUNIT_EXPECT_EQ(test, gup_test_grab(get, addr, 1, 0), 1);
}

/*
 * FOLL_FORCE | FOLL_WRITE on a private read-only file mapping (shmem):
 * the caller gets a private anonymous copy, never the page cache page;
 * what it writes shows up in the mapping but not in the file.
 */
static void gup_test_force_cow(struct kunit *test)
{
	struct file *file = gup_test_shmem_filled(test, 1, 6);
	struct gupk_refs *get = gupk_refs(test, 1, false);
	struct gupk_refs *cow = gupk_refs(test, 1, false);
	const u64 orig = gupk_tag(6, 0), poke = gupk_tag(7, 0);
	struct page *cache = gup_test_cache_page(test, file, 0);
	unsigned long addr;

	addr = gupk_map_file(test, file, 1, PROT_READ, MAP_PRIVATE);
	KUNIT_EXPECT_EQ(test, gup_test_user_word(test, addr), orig);

	/* Without FOLL_FORCE the write is refused. */
	gup_test_expect_refused(test, addr, FOLL_WRITE, -EFAULT);

	/* A read returns the page cache page itself. */
	KUNIT_ASSERT_EQ(test, gup_test_grab(get, addr, 1, 0), 1);
	KUNIT_EXPECT_PTR_EQ(test, get->pages[0], cache);
	gupk_drop(get);

	KUNIT_ASSERT_EQ(test, gup_test_grab(cow, addr, 1,
					    FOLL_FORCE | FOLL_WRITE), 1);
	KUNIT_EXPECT_PTR_NE(test, cow->pages[0], cache);
	KUNIT_EXPECT_TRUE(test, PageAnon(cow->pages[0]));
	KUNIT_EXPECT_EQ(test, gupk_page_word(cow->pages[0]), orig);
	gup_test_set_page_word(cow->pages[0], poke);
	gupk_drop(cow);

	KUNIT_EXPECT_EQ(test, gup_test_user_word(test, addr), poke);
	KUNIT_EXPECT_EQ(test, gupk_page_word(cache), orig);
	KUNIT_EXPECT_EQ(test, gup_test_file_word(test, file, 0), orig);
}

/* FOLL_FORCE cannot write through a shared read-only mapping. */
static void gup_test_force_shared(struct kunit *test)
{
	struct file *file = gup_test_shmem_filled(test, 1, 8);
	struct gupk_refs *get = gupk_refs(test, 1, false);
	struct page *cache = gup_test_cache_page(test, file, 0);
	unsigned long addr;

	addr = gupk_map_file(test, file, 1, PROT_READ, MAP_SHARED);
	gup_test_expect_refused(test, addr, FOLL_FORCE | FOLL_WRITE, -EFAULT);
	KUNIT_ASSERT_EQ(test, gup_test_grab(get, addr, 1, FOLL_FORCE), 1);
	KUNIT_EXPECT_PTR_EQ(test, get->pages[0], cache);
	KUNIT_EXPECT_EQ(test, gup_test_file_word(test, file, 0),
			gupk_tag(8, 0));
}

/* ---------------------------------------------------------------------- */
/* Pinning pages shared with a forked child                               */
/* ---------------------------------------------------------------------- */

/*
 * After fork the parent's anonymous page is shared with the child.  A
 * read-only FOLL_PIN must still return a page exclusive to the parent --
 * a copy, since the child maps the original -- so that later writes by the
 * parent land in the pinned page.
 */
static void gup_test_pin_after_fork(struct kunit *test)
{
	unsigned long addr = gupk_anon_filled(test, 1, 9);
	struct gupk_refs *orig = gupk_refs(test, 1, false);
	struct gupk_refs *pin = gupk_refs(test, 1, true);
	struct page *shared, *pinned;

	KUNIT_ASSERT_EQ(test, gup_test_grab(orig, addr, 1, 0), 1);
	shared = orig->pages[0];
	KUNIT_ASSERT_TRUE(test, PageAnonExclusive(shared));

	gupk_fork_held(test);
	KUNIT_ASSERT_FALSE_MSG(test, PageAnonExclusive(shared),
			       "fork left the page exclusive");

	KUNIT_ASSERT_EQ(test, gup_test_grab(pin, addr, 1, 0), 1);
	pinned = pin->pages[0];
	KUNIT_EXPECT_TRUE(test, PageAnon(pinned));
	KUNIT_EXPECT_TRUE(test, PageAnonExclusive(pinned));
	KUNIT_EXPECT_PTR_NE(test, pinned, shared);
	KUNIT_EXPECT_PTR_EQ(test, pinned, gup_test_mapped(addr));
	KUNIT_EXPECT_EQ(test, gupk_page_word(pinned), gupk_tag(9, 0));

	/* The parent's next write must reach the pinned page. */
	KUNIT_ASSERT_EQ(test, put_user(gupk_tag(10, 0), (u64 __user *)addr),
			0);
	KUNIT_EXPECT_EQ(test, gupk_page_word(pinned), gupk_tag(10, 0));
	KUNIT_EXPECT_EQ(test, gupk_page_word(shared), gupk_tag(9, 0));
}

/*
 * The other order: a page pinned before fork() stays the parent's.  The
 * first pin marks the mm (MMF_HAS_PINNED), so that fork() copies each
 * pinned anonymous page for the child rather than sharing it; a FOLL_GET
 * reference does not mark it.  The parent's page stays mapped and
 * exclusive, and its writes keep reaching the pinned page.
 */
static void gup_test_fork_after_pin(struct kunit *test)
{
	const int n = 4;
	unsigned long addr = gupk_anon_filled(test, n, 43);
	struct gupk_refs *get = gupk_refs(test, n, false);
	struct gupk_refs *pin = gupk_refs(test, n, true);
	unsigned long *mm_flags = &current->mm->flags;

	KUNIT_ASSERT_FALSE(test, test_bit(MMF_HAS_PINNED, mm_flags));
	KUNIT_ASSERT_EQ(test, gup_test_grab(get, addr, n, 0), (long)n);
	gupk_drop(get);
	KUNIT_EXPECT_FALSE_MSG(test, test_bit(MMF_HAS_PINNED, mm_flags),
			       "get_user_pages() marked the mm pinned");

	KUNIT_ASSERT_EQ(test, gup_test_grab(pin, addr, n, 0), (long)n);
	KUNIT_EXPECT_TRUE_MSG(test, test_bit(MMF_HAS_PINNED, mm_flags),
			      "pin_user_pages() left the mm unmarked");
	gupk_expect_fork_keeps_pins(test, pin, addr, 44);
}

/* ---------------------------------------------------------------------- */
/* mmap lock handling, FOLL_NOFAULT and FOLL_NOWAIT                       */
/* ---------------------------------------------------------------------- */

/*
 * get_user_pages_remote()/pin_user_pages_remote() with @locked: *locked
 * tells the truth about the mmap lock on return, and stays 1 when every
 * page was already present (nothing could have dropped the lock).
 */
static void gup_test_remote_locked(struct kunit *test)
{
	unsigned long addr = gupk_anon_filled(test, GUP_TEST_PAGES, 11);
	unsigned long fresh = gupk_anon(test, GUP_TEST_PAGES,
					    PROT_READ | PROT_WRITE, 0);
	struct gupk_refs *get = gupk_refs(test, GUP_TEST_PAGES, false);
	struct gupk_refs *pin = gupk_refs(test, GUP_TEST_PAGES, true);
	struct mm_struct *mm = current->mm;
	bool held;
	int locked, i;
	long ret;

	locked = 1;
	mmap_read_lock(mm);
	ret = gupk_took(get, get_user_pages_remote(mm, addr, GUP_TEST_PAGES,
						   FOLL_WRITE, get->pages,
						   NULL, &locked));
	held = rwsem_is_locked(&mm->mmap_lock);
	if (locked)
		mmap_read_unlock(mm);
	KUNIT_EXPECT_EQ(test, ret, GUP_TEST_PAGES);
	KUNIT_EXPECT_EQ(test, locked, 1);
	KUNIT_EXPECT_TRUE(test, held);
	for (i = 0; i < get->nr; i++)
		KUNIT_EXPECT_EQ(test, gupk_page_word(get->pages[i]),
				gupk_tag(11, i));

	locked = 1;
	mmap_read_lock(mm);
	ret = gupk_took(pin, pin_user_pages_remote(mm, fresh,
						   GUP_TEST_PAGES,
						   FOLL_WRITE, pin->pages,
						   NULL, &locked));
	held = rwsem_is_locked(&mm->mmap_lock);
	if (locked)
		mmap_read_unlock(mm);
	KUNIT_EXPECT_EQ(test, ret, GUP_TEST_PAGES);
	KUNIT_EXPECT_EQ(test, held, locked == 1);
	for (i = 0; i < pin->nr; i++)
		KUNIT_EXPECT_PTR_EQ(test, pin->pages[i],
				    gup_test_mapped(fresh + i * PAGE_SIZE));
}

/*
 * The _unlocked variants take and drop the mmap lock themselves, fault in
 * what is missing and return the pages now mapped.
 */
static void gup_test_unlocked(struct kunit *test)
{
	unsigned long addr = gupk_anon(test, GUP_TEST_PAGES,
					   PROT_READ | PROT_WRITE, 0);
	struct gupk_refs *get = gupk_refs(test, GUP_TEST_PAGES, false);
	struct gupk_refs *pin = gupk_refs(test, GUP_TEST_PAGES, true);
	struct mm_struct *mm = current->mm;
	long ret;
	int i;

	ret = get_user_pages_unlocked(addr, GUP_TEST_PAGES, get->pages,
				      FOLL_WRITE);
	KUNIT_EXPECT_EQ(test, gupk_took(get, ret), GUP_TEST_PAGES);
	KUNIT_EXPECT_FALSE(test, rwsem_is_locked(&mm->mmap_lock));
	ret = pin_user_pages_unlocked(addr, GUP_TEST_PAGES, pin->pages,
				      FOLL_WRITE);
	KUNIT_EXPECT_EQ(test, gupk_took(pin, ret), GUP_TEST_PAGES);
	KUNIT_EXPECT_FALSE(test, rwsem_is_locked(&mm->mmap_lock));
	for (i = 0; i < min(get->nr, pin->nr); i++) {
		KUNIT_EXPECT_PTR_EQ(test, get->pages[i], pin->pages[i]);
		KUNIT_EXPECT_PTR_EQ(test, pin->pages[i],
				    gup_test_mapped(addr + i * PAGE_SIZE));
		KUNIT_EXPECT_TRUE(test, page_maybe_dma_pinned(pin->pages[i]));
	}
}

/*
 * FOLL_NOFAULT never faults: an unpopulated page gives -EFAULT and stays
 * unpopulated, a range returns its present prefix, and present pages are
 * returned normally.
 */
static void gup_test_nofault(struct kunit *test)
{
	unsigned long addr = gupk_anon(test, 2, PROT_READ | PROT_WRITE, 0);
	struct gupk_refs *get = gupk_refs(test, 2, false);
	struct gupk_refs *pin = gupk_refs(test, 2, true);

	KUNIT_EXPECT_EQ(test, gup_test_grab(get, addr, 1, FOLL_NOFAULT),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, gup_test_grab(pin, addr, 1,
					    FOLL_NOFAULT | FOLL_WRITE),
			-EFAULT);
	gup_test_expect_present(test, addr, 2, 0);

	gupk_fill(test, addr, 1, 12);
	KUNIT_EXPECT_EQ(test, gup_test_grab(get, addr, 2, FOLL_NOFAULT), 1);
	KUNIT_EXPECT_EQ(test, gup_test_grab(pin, addr, 2,
					    FOLL_NOFAULT | FOLL_WRITE), 1);
	gup_test_expect_present(test, addr, 2, 1);
	if (get->nr == 1 && pin->nr == 1) {
		KUNIT_EXPECT_PTR_EQ(test, get->pages[0], gup_test_mapped(addr));
		KUNIT_EXPECT_PTR_EQ(test, pin->pages[0], get->pages[0]);
	}
}

/*
 * FOLL_NOWAIT: faults that need no I/O (anonymous memory) are still
 * resolved, and the mmap lock is never dropped, so *locked stays 1.
 */
static void gup_test_nowait(struct kunit *test)
{
	unsigned long addr = gupk_anon(test, GUP_TEST_PAGES,
					   PROT_READ | PROT_WRITE, 0);
	struct gupk_refs *get = gupk_refs(test, GUP_TEST_PAGES, false);
	struct mm_struct *mm = current->mm;
	int locked = 1, i;
	bool held;
	long ret;

	mmap_read_lock(mm);
	ret = gupk_took(get, get_user_pages_remote(mm, addr, GUP_TEST_PAGES,
						   FOLL_WRITE | FOLL_NOWAIT,
						   get->pages, NULL,
						   &locked));
	held = rwsem_is_locked(&mm->mmap_lock);
	if (locked)
		mmap_read_unlock(mm);
	KUNIT_EXPECT_EQ(test, ret, GUP_TEST_PAGES);
	KUNIT_EXPECT_EQ(test, locked, 1);
	KUNIT_EXPECT_TRUE(test, held);
	for (i = 0; i < get->nr; i++) {
		KUNIT_EXPECT_FALSE(test, is_zero_page(get->pages[i]));
		KUNIT_EXPECT_PTR_EQ(test, get->pages[i],
				    gup_test_mapped(addr + i * PAGE_SIZE));
	}
}

/* ---------------------------------------------------------------------- */
/* Faults that let go of mmap_lock                                        */
/* ---------------------------------------------------------------------- */

/*
 * A file whose ->fault gives up mmap_lock the first time each page is
 * faulted, if the caller allows it (FAULT_FLAG_ALLOW_RETRY without
 * FAULT_FLAG_TRIED), as a page cache fault that must wait for a read
 * does; once waited for, the page is ready.  In RETRY mode it maps
 * nothing and returns VM_FAULT_RETRY; in COMPLETED mode it maps the page
 * itself and returns VM_FAULT_COMPLETED.  Told not to wait
 * (FAULT_FLAG_RETRY_NOWAIT), it returns VM_FAULT_RETRY with the lock
 * still held.  Otherwise it hands back page pgoff of its own set.
 *
 * Only the first page of a fault is "ready" after the wait: callers that
 * retry without FAULT_FLAG_TRIED (populate does) progress by that alone.
 */
enum gup_test_drop_mode {
	GUP_TEST_DROP_RETRY,
	GUP_TEST_DROP_COMPLETED,
};

struct gup_test_dropper {
	enum gup_test_drop_mode mode;
	struct page *pages[GUP_TEST_PAGES];
	unsigned long waited;	/* bit i: page i was waited for */
	atomic_t faults;	/* ->fault calls */
	atomic_t tried;		/* ... with FAULT_FLAG_TRIED */
	atomic_t dropped;	/* ... that let go of mmap_lock */
	atomic_t declined;	/* ... that would have but for RETRY_NOWAIT */
};

/* COMPLETED mode: map @page here, then let go of mmap_lock. */
static vm_fault_t gup_test_drop_completed(struct vm_fault *vmf,
					  struct page *page)
{
	struct mm_struct *mm = vmf->vma->vm_mm;
	vm_fault_t ret;

	lock_page(page);
	ret = finish_fault(vmf);
	unlock_page(page);
	/* On success the new PTE owns the reference, as after ->fault. */
	if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE))
		put_page(page);
	mmap_read_unlock(mm);
	return ret | VM_FAULT_NOPAGE | VM_FAULT_COMPLETED;
}

static vm_fault_t gup_test_drop_fault(struct vm_fault *vmf)
{
	struct gup_test_dropper *d = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff >= GUP_TEST_PAGES)
		return VM_FAULT_SIGBUS;
	atomic_inc(&d->faults);
	if (vmf->flags & FAULT_FLAG_TRIED)
		atomic_inc(&d->tried);
	page = d->pages[vmf->pgoff];
	if (fault_flag_allow_retry_first(vmf->flags) &&
	    !test_bit(vmf->pgoff, &d->waited)) {
		if (vmf->flags & FAULT_FLAG_RETRY_NOWAIT) {
			atomic_inc(&d->declined);
			return VM_FAULT_RETRY;
		}
		set_bit(vmf->pgoff, &d->waited);
		atomic_inc(&d->dropped);
		if (d->mode == GUP_TEST_DROP_COMPLETED) {
			get_page(page);
			vmf->page = page;
			return gup_test_drop_completed(vmf, page);
		}
		mmap_read_unlock(vmf->vma->vm_mm);
		return VM_FAULT_RETRY;
	}
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct gup_test_drop_vm_ops = {
	.fault		= gup_test_drop_fault,
};

static int gup_test_drop_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_ops = &gup_test_drop_vm_ops;
	return 0;
}

static void gup_test_dropper_free(struct gup_test_dropper *d)
{
	int i;

	for (i = 0; i < GUP_TEST_PAGES; i++)
		if (d->pages[i])
			put_page(d->pages[i]);
	kfree(d);
}

static int gup_test_drop_release(struct inode *inode, struct file *file)
{
	gup_test_dropper_free(file->private_data);
	return 0;
}

static const struct file_operations gup_test_drop_fops = {
	.mmap		= gup_test_drop_mmap,
	.release	= gup_test_drop_release,
};

/*
 * GUP_TEST_PAGES pages of a new dropper file, page i starting with
 * tag(@seed, i), mapped MAP_SHARED | @flags at *@addr.
 */
static struct gup_test_dropper *
gup_test_map_dropper(struct kunit *test, enum gup_test_drop_mode mode,
		     unsigned int seed, unsigned long flags,
		     unsigned long *addr)
{
	struct gup_test_dropper *d = kzalloc(sizeof(*d), GFP_KERNEL);
	struct file *file;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, d);
	d->mode = mode;
	for (i = 0; i < GUP_TEST_PAGES; i++) {
		d->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (d->pages[i])
			gup_test_set_page_word(d->pages[i], gupk_tag(seed, i));
	}
	/* From here on the file's release frees the pages. */
	file = kunit_user_ops_file(test, &gup_test_drop_fops, d);
	if (IS_ERR(file))
		gup_test_dropper_free(d);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	for (i = 0; i < GUP_TEST_PAGES; i++)
		KUNIT_ASSERT_NOT_NULL(test, d->pages[i]);
	*addr = gupk_map_file(test, file, GUP_TEST_PAGES,
			      PROT_READ | PROT_WRITE, MAP_SHARED | flags);
	return d;
}

/*
 * The dropper's pages are what @refs took (@nr of them from the first)
 * and what the page tables map; each holds its tag, one reference for
 * the dropper, one for its PTE and one FOLL_GET reference or one pin.
 */
static void gup_test_expect_dropper_refs(struct kunit *test,
					 struct gup_test_dropper *d,
					 unsigned long addr,
					 struct gupk_refs *refs,
					 unsigned int seed)
{
	int unit = refs->pinned ? GUP_PIN_COUNTING_BIAS : 1;
	int i;

	KUNIT_ASSERT_EQ(test, refs->nr, (long)GUP_TEST_PAGES);
	for (i = 0; i < GUP_TEST_PAGES; i++) {
		struct page *page = d->pages[i];

		KUNIT_EXPECT_PTR_EQ(test, refs->pages[i], page);
		KUNIT_EXPECT_PTR_EQ(test, gup_test_mapped(addr + i * PAGE_SIZE),
				    page);
		KUNIT_EXPECT_EQ(test, gupk_page_word(page), gupk_tag(seed, i));
		KUNIT_EXPECT_EQ(test, page_ref_count(page), 2 + unit);
		KUNIT_EXPECT_EQ(test, page_maybe_dma_pinned(page),
				refs->pinned);
	}
	gupk_drop(refs);
	for (i = 0; i < GUP_TEST_PAGES; i++)
		KUNIT_EXPECT_EQ(test, page_ref_count(d->pages[i]), 2);
}

/*
 * The remote variants with @locked, on a dropper in @mode: every page's
 * first fault gives up the lock, GUP takes it again and goes on, and the
 * call returns every page with *locked 0 and the lock released (the
 * caller's critical section was broken).
 */
static void gup_test_remote_dropped(struct kunit *test,
				    enum gup_test_drop_mode mode, bool pinned)
{
	unsigned int seed = 60 + 2 * mode + pinned;
	struct gupk_refs *refs = gupk_refs(test, GUP_TEST_PAGES, pinned);
	struct mm_struct *mm = current->mm;
	struct gup_test_dropper *d;
	unsigned long addr;
	int locked = 1;
	bool held;
	long ret;

	d = gup_test_map_dropper(test, mode, seed, 0, &addr);
	mmap_read_lock(mm);
	if (pinned)
		ret = pin_user_pages_remote(mm, addr, GUP_TEST_PAGES, FOLL_WRITE,
					    refs->pages, NULL, &locked);
	else
		ret = get_user_pages_remote(mm, addr, GUP_TEST_PAGES, FOLL_WRITE,
					    refs->pages, NULL, &locked);
	gupk_took(refs, ret);
	held = rwsem_is_locked(&mm->mmap_lock);
	if (locked)
		mmap_read_unlock(mm);

	KUNIT_EXPECT_EQ(test, ret, GUP_TEST_PAGES);
	KUNIT_EXPECT_EQ(test, locked, 0);
	KUNIT_EXPECT_FALSE(test, held);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->dropped), GUP_TEST_PAGES);
	/* A RETRY is faulted again with FAULT_FLAG_TRIED; a COMPLETED not. */
	KUNIT_EXPECT_EQ(test, atomic_read(&d->tried),
			mode == GUP_TEST_DROP_RETRY ? GUP_TEST_PAGES : 0);
	gup_test_expect_dropper_refs(test, d, addr, refs, seed);
}

/* Faults returning VM_FAULT_RETRY under get/pin_user_pages_remote(). */
static void gup_test_fault_retry(struct kunit *test)
{
	gup_test_remote_dropped(test, GUP_TEST_DROP_RETRY, false);
	gup_test_remote_dropped(test, GUP_TEST_DROP_RETRY, true);
}

/* Faults returning VM_FAULT_COMPLETED under the same calls. */
static void gup_test_fault_completed(struct kunit *test)
{
	gup_test_remote_dropped(test, GUP_TEST_DROP_COMPLETED, false);
	gup_test_remote_dropped(test, GUP_TEST_DROP_COMPLETED, true);
}

/*
 * The entry points that take mmap_lock themselves (the _unlocked and
 * _fast ones, falling back to the locked walk here) allow the fault to
 * give it up and return every page; plain get_user_pages() and
 * pin_user_pages() (no @locked) never let the fault give it up.
 */
static void gup_test_fault_retry_unlocked(struct kunit *test)
{
	struct mm_struct *mm = current->mm;
	struct gup_test_dropper *d;
	struct gupk_refs *refs;
	unsigned long addr;
	int call, seed;
	long ret;

	for (call = 0; call < 6; call++) {
		seed = 70 + call;
		refs = gupk_refs(test, GUP_TEST_PAGES, call & 1);
		d = gup_test_map_dropper(test, GUP_TEST_DROP_RETRY, seed, 0,
					 &addr);
		switch (call) {
		case 0:
			ret = get_user_pages_unlocked(addr, GUP_TEST_PAGES,
						      refs->pages, FOLL_WRITE);
			break;
		case 1:
			ret = pin_user_pages_unlocked(addr, GUP_TEST_PAGES,
						      refs->pages, FOLL_WRITE);
			break;
		case 2:
		case 3:
			ret = gup_test_grab_fast(refs, addr, GUP_TEST_PAGES,
						 FOLL_WRITE);
			break;
		default:
			ret = gup_test_grab(refs, addr, GUP_TEST_PAGES,
					    FOLL_WRITE);
			break;
		}
		gupk_took(refs, ret);
		KUNIT_EXPECT_EQ_MSG(test, ret, GUP_TEST_PAGES, "call %d", call);
		KUNIT_EXPECT_FALSE(test, rwsem_is_locked(&mm->mmap_lock));
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&d->dropped),
				    call < 4 ? GUP_TEST_PAGES : 0, "call %d",
				    call);
		KUNIT_EXPECT_EQ(test, atomic_read(&d->faults),
				(call < 4 ? 2 : 1) * GUP_TEST_PAGES);
		gup_test_expect_dropper_refs(test, d, addr, refs, seed);
	}
}

/*
 * FOLL_NOWAIT with @locked: the fault would wait, so it declines without
 * giving up the lock, and the call returns the 0 pages it had with
 * *locked still 1.
 */
static void gup_test_fault_retry_nowait(struct kunit *test)
{
	struct gupk_refs *get = gupk_refs(test, GUP_TEST_PAGES, false);
	struct mm_struct *mm = current->mm;
	struct gup_test_dropper *d;
	unsigned long addr;
	int locked = 1;
	bool held;
	long ret;

	d = gup_test_map_dropper(test, GUP_TEST_DROP_RETRY, 77, 0, &addr);
	mmap_read_lock(mm);
	ret = gupk_took(get, get_user_pages_remote(mm, addr, GUP_TEST_PAGES,
						   FOLL_NOWAIT, get->pages,
						   NULL, &locked));
	held = rwsem_is_locked(&mm->mmap_lock);
	if (locked)
		mmap_read_unlock(mm);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, locked, 1);
	KUNIT_EXPECT_TRUE(test, held);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->declined), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->dropped), 0);
	gup_test_expect_present(test, addr, GUP_TEST_PAGES, 0);
}

/*
 * Populating (MAP_POPULATE, MADV_POPULATE_READ and _WRITE) lets the fault
 * give up mmap_lock and still maps every page.
 */
static void gup_test_fault_retry_populate(struct kunit *test)
{
	unsigned long len = GUP_TEST_PAGES * PAGE_SIZE, addr;
	struct mm_struct *mm = current->mm;
	struct gup_test_dropper *d;
	int i, advice;

	d = gup_test_map_dropper(test, GUP_TEST_DROP_RETRY, 78, MAP_POPULATE,
				 &addr);
	KUNIT_EXPECT_EQ(test, atomic_read(&d->dropped), GUP_TEST_PAGES);
	gup_test_expect_present(test, addr, GUP_TEST_PAGES, GUP_TEST_PAGES);

	for (i = 0; i < 2; i++) {
		advice = i ? MADV_POPULATE_WRITE : MADV_POPULATE_READ;
		d = gup_test_map_dropper(test, GUP_TEST_DROP_RETRY, 79 + i, 0,
					 &addr);
		KUNIT_EXPECT_EQ(test, do_madvise(mm, addr, len, advice), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&d->dropped), GUP_TEST_PAGES);
		gup_test_expect_present(test, addr, GUP_TEST_PAGES,
					GUP_TEST_PAGES);
	}
}

/*
 * fixup_user_fault() with @unlocked lets the fault give up mmap_lock,
 * takes it again, says so in *@unlocked and returns 0 with the page
 * mapped; fault_in_safe_writeable() over a range of such faults returns 0
 * and leaves the contents alone.
 */
static void gup_test_fixup_user_fault_dropped(struct kunit *test)
{
	struct mm_struct *mm = current->mm;
	struct gup_test_dropper *d;
	unsigned long addr;
	bool unlocked, held;
	int mode, ret, i;

	for (mode = GUP_TEST_DROP_RETRY; mode <= GUP_TEST_DROP_COMPLETED;
	     mode++) {
		d = gup_test_map_dropper(test, mode, 81 + mode, 0, &addr);
		unlocked = false;
		mmap_read_lock(mm);
		ret = fixup_user_fault(mm, addr, FAULT_FLAG_WRITE, &unlocked);
		held = rwsem_is_locked(&mm->mmap_lock);
		mmap_read_unlock(mm);
		KUNIT_EXPECT_EQ(test, ret, 0);
		KUNIT_EXPECT_TRUE(test, unlocked);
		KUNIT_EXPECT_TRUE(test, held);
		KUNIT_EXPECT_EQ(test, atomic_read(&d->dropped), 1);
		KUNIT_EXPECT_PTR_EQ(test, gup_test_mapped(addr), d->pages[0]);
	}

	d = gup_test_map_dropper(test, GUP_TEST_DROP_RETRY, 83, 0, &addr);
	KUNIT_EXPECT_EQ(test, fault_in_safe_writeable((char __user *)addr + 8,
						      GUP_TEST_PAGES * PAGE_SIZE - 8),
			0);
	KUNIT_EXPECT_FALSE(test, rwsem_is_locked(&mm->mmap_lock));
	KUNIT_EXPECT_EQ(test, atomic_read(&d->dropped), GUP_TEST_PAGES);
	for (i = 0; i < GUP_TEST_PAGES; i++) {
		KUNIT_EXPECT_PTR_EQ(test, gup_test_mapped(addr + i * PAGE_SIZE),
				    d->pages[i]);
		KUNIT_EXPECT_EQ(test, gupk_page_word(d->pages[i]),
				gupk_tag(83, i));
	}
}

/* ---------------------------------------------------------------------- */
/* fault_in_*(): user ranges made ready for a copy                        */
/* ---------------------------------------------------------------------- */

enum gup_test_fault_in_kind {
	GUP_TEST_IN_WRITEABLE,
	GUP_TEST_IN_SUBPAGE,
	GUP_TEST_IN_SAFE,
	GUP_TEST_IN_READABLE,
};

static size_t gup_test_fault_in_call(int kind, unsigned long addr,
				     size_t size)
{
	char __user *uaddr = (char __user *)addr;

	switch (kind) {
	case GUP_TEST_IN_WRITEABLE:
		return fault_in_writeable(uaddr, size);
	case GUP_TEST_IN_SUBPAGE:
		return fault_in_subpage_writeable(uaddr, size);
	case GUP_TEST_IN_SAFE:
		return fault_in_safe_writeable(uaddr, size);
	default:
		return fault_in_readable(uaddr, size);
	}
}

/*
 * Each helper returns the number of bytes it could not make ready,
 * counted from the page where it stopped, as copy_to_user() counts: 0
 * for a range it could fault in whole (its pages then present), all of
 * it for one it cannot use at all (read-only memory for the writeable
 * helpers, a kernel address), the part from a hole on for a range that
 * runs into one, and 0 for an empty range.
 */
static void gup_test_fault_in(struct kunit *test)
{
	const size_t in = 100, size = 4 * PAGE_SIZE - in;
	unsigned long rw, ro, holed, kaddr = (unsigned long)test;
	size_t left;
	int kind;

	for (kind = GUP_TEST_IN_WRITEABLE; kind <= GUP_TEST_IN_READABLE;
	     kind++) {
		bool writeable = kind != GUP_TEST_IN_READABLE;

		rw = gupk_anon(test, 4, PROT_READ | PROT_WRITE, 0);
		ro = gupk_anon(test, 4, PROT_READ, 0);
		holed = gupk_anon(test, 4, PROT_READ | PROT_WRITE, 0);
		KUNIT_ASSERT_EQ(test, vm_munmap(holed + 2 * PAGE_SIZE,
						PAGE_SIZE), 0);

		left = gup_test_fault_in_call(kind, rw + in, size);
		KUNIT_EXPECT_EQ_MSG(test, left, 0, "kind %d", kind);
		gup_test_expect_present(test, rw, 4, 4);

		left = gup_test_fault_in_call(kind, ro + in, size);
		KUNIT_EXPECT_EQ_MSG(test, left, writeable ? size : 0,
				    "kind %d", kind);
		gup_test_expect_present(test, ro, 4, writeable ? 0 : 4);

		left = gup_test_fault_in_call(kind, holed + in, size);
		KUNIT_EXPECT_EQ_MSG(test, left, 2 * PAGE_SIZE, "kind %d", kind);
		gup_test_expect_present(test, holed, 2, 2);

		KUNIT_EXPECT_EQ(test, gup_test_fault_in_call(kind, kaddr, 64),
				64);
		KUNIT_EXPECT_EQ(test, gup_test_fault_in_call(kind, rw, 0), 0);
	}
}

/*
 * On a shared file, fault_in_writeable() makes a page present and
 * writable by storing a zero byte in it; fault_in_safe_writeable()
 * makes it so without a store, and the data stays.
 */
static void gup_test_fault_in_shmem(struct kunit *test)
{
	struct file *file = gup_test_shmem_filled(test, 2, 84);
	struct gupk_refs *get = gupk_refs(test, 2, false);
	u8 bytes[2] = { 0xff, 0xff };
	unsigned long addr;

	gup_test_write_file_word(test, file, 0, 0x1111111111111111ULL);
	addr = gupk_map_file(test, file, 2, PROT_READ | PROT_WRITE,
			     MAP_SHARED);

	KUNIT_EXPECT_EQ(test, fault_in_writeable((char __user *)addr, 1), 0);
	KUNIT_EXPECT_EQ(test, copy_from_user(bytes, (u8 __user *)addr, 2), 0);
	KUNIT_EXPECT_EQ(test, bytes[0], 0);
	KUNIT_EXPECT_EQ(test, bytes[1], 0x11);

	addr += PAGE_SIZE;
	gup_test_expect_present(test, addr, 1, 0);
	KUNIT_EXPECT_EQ(test, fault_in_safe_writeable((char __user *)addr,
						      PAGE_SIZE), 0);
	/* Present and writable: FOLL_NOFAULT | FOLL_WRITE takes it. */
	KUNIT_EXPECT_EQ(test, gup_test_grab(get, addr, 1,
					    FOLL_WRITE | FOLL_NOFAULT), 1);
	KUNIT_EXPECT_EQ(test, gup_test_file_word(test, file, PAGE_SIZE),
			gupk_tag(84, 1));
}

/* ---------------------------------------------------------------------- */
/* FOLL_PIN accounting                                                    */
/* ---------------------------------------------------------------------- */

/* Each pinned small page counts once in NR_FOLL_PIN_ACQUIRED/RELEASED. */
static void gup_test_pin_vmstat(struct kunit *test)
{
	unsigned long addr = gupk_anon_filled(test, GUP_TEST_PAGES, 13);
	struct gupk_refs *pin = gupk_refs(test, GUP_TEST_PAGES, true);
	struct gupk_pins s0, s1, s2;

	s0 = gupk_pin_stats();
	KUNIT_ASSERT_EQ(test, gup_test_grab(pin, addr, GUP_TEST_PAGES,
					    FOLL_WRITE), GUP_TEST_PAGES);
	s1 = gupk_pin_stats();
	gupk_drop(pin);
	s2 = gupk_pin_stats();

	KUNIT_EXPECT_EQ(test, s1.acquired - s0.acquired, (long)GUP_TEST_PAGES);
	KUNIT_EXPECT_EQ(test, s1.released - s0.released, 0L);
	KUNIT_EXPECT_EQ(test, s2.acquired - s1.acquired, 0L);
	KUNIT_EXPECT_EQ(test, s2.released - s1.released, (long)GUP_TEST_PAGES);
}

/*
 * Pinning the shared zero page (read-only pin of untouched anonymous
 * memory) touches neither its refcount nor the pin counters.
 */
static void gup_test_zero_page_pin(struct kunit *test)
{
	unsigned long addr = gupk_anon(test, 2, PROT_READ | PROT_WRITE, 0);
	struct gupk_refs *pin = gupk_refs(test, 2, true);
	struct page *zero = ZERO_PAGE(0);
	struct gupk_pins s0, s1, s2;
	int ref0, ref1;

	/* Map the zero page first, so the pin itself needs no fault. */
	gup_test_user_word(test, addr);
	gup_test_user_word(test, addr + PAGE_SIZE);
	KUNIT_ASSERT_TRUE(test, is_zero_page(gup_test_mapped(addr)));

	ref0 = gup_test_refcount(zero);
	s0 = gupk_pin_stats();
	KUNIT_ASSERT_EQ(test, gup_test_grab(pin, addr, 2, 0), 2);
	ref1 = gup_test_refcount(zero);
	s1 = gupk_pin_stats();
	KUNIT_EXPECT_TRUE(test, is_zero_page(pin->pages[0]));
	KUNIT_EXPECT_TRUE(test, is_zero_page(pin->pages[1]));
	gupk_drop(pin);
	s2 = gupk_pin_stats();

	KUNIT_EXPECT_EQ(test, ref1, ref0);
	KUNIT_EXPECT_EQ(test, gup_test_refcount(zero), ref0);
	KUNIT_EXPECT_EQ(test, s1.acquired - s0.acquired, 0L);
	KUNIT_EXPECT_EQ(test, s2.released - s0.released, 0L);
}

/* ---------------------------------------------------------------------- */
/* FOLL_LONGTERM                                                          */
/* ---------------------------------------------------------------------- */

/*
 * Pin the @n pages from @addr for the long term, with one
 * pin_user_pages(FOLL_WRITE) call, and expect the pages that were in
 * ZONE_MOVABLE to have been migrated first: every page returned may stay
 * pinned, has the first word it had, and the mappings follow the move.
 * The pages are looked at beforehand at @seen, which is @addr or another
 * mapping of the same file pages (when those at @addr are not mapped
 * yet).  Skips the case when no page is in ZONE_MOVABLE, or when there is
 * no memory outside it to move them to.
 */
static void gup_test_longterm_moves(struct kunit *test, unsigned long addr,
				    unsigned long seen, long n)
{
	struct gupk_refs *pin = gupk_refs(test, n, true);
	struct page **old;
	long i, ret, movable = 0;
	u64 *word;

	if (!IS_ENABLED(CONFIG_MIGRATION))
		kunit_skip(test, "needs CONFIG_MIGRATION");
	old = kunit_kcalloc(test, n, sizeof(*old), GFP_KERNEL);
	word = kunit_kcalloc(test, n, sizeof(*word), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, old);
	KUNIT_ASSERT_NOT_NULL(test, word);
	for (i = 0; i < n; i++) {
		old[i] = gup_test_mapped(seen + i * PAGE_SIZE);
		KUNIT_ASSERT_NOT_NULL(test, old[i]);
		word[i] = gupk_page_word(old[i]);
		movable += page_zonenum(old[i]) == ZONE_MOVABLE;
	}
	if (!movable)
		kunit_skip(test, "no page in ZONE_MOVABLE (boot with movablecore=)");

	mmap_read_lock(current->mm);
	ret = gupk_took(pin, pin_user_pages(addr, n,
					    FOLL_WRITE | FOLL_LONGTERM,
					    pin->pages, NULL));
	mmap_read_unlock(current->mm);
	if (ret == -ENOMEM)
		kunit_skip(test, "no memory outside ZONE_MOVABLE to migrate to");
	KUNIT_ASSERT_EQ(test, ret, n);

	for (i = 0; i < n; i++) {
		struct page *page = pin->pages[i];

		KUNIT_EXPECT_NE(test, page_zonenum(page), ZONE_MOVABLE);
		KUNIT_EXPECT_TRUE(test, folio_is_longterm_pinnable(page_folio(page)));
		if (page_zonenum(old[i]) == ZONE_MOVABLE)
			KUNIT_EXPECT_PTR_NE(test, page, old[i]);
		KUNIT_EXPECT_EQ(test, gupk_page_word(page), word[i]);
		KUNIT_EXPECT_PTR_EQ(test, page,
				    gup_test_mapped(addr + i * PAGE_SIZE));
		KUNIT_EXPECT_PTR_EQ(test, page,
				    gup_test_mapped(seen + i * PAGE_SIZE));
	}
}

/*
 * Small anonymous folios after the zero page.  The write fault that
 * replaces the zero page is not allowed a movable page, so the walk
 * starts with a page that may stay pinned, and then meets the others in
 * its small-page loop, which has to notice them on its own.
 */
static void gup_test_longterm_movable(struct kunit *test)
{
	unsigned long addr;
	u64 val;

	addr = gupk_anon(test, GUP_TEST_PAGES, PROT_READ | PROT_WRITE, 0);
	KUNIT_ASSERT_EQ(test, get_user(val, (u64 __user *)addr), 0);
	gupk_fill_range(test, addr, 1, GUP_TEST_PAGES - 1, 14);
	gup_test_longterm_moves(test, addr, addr, GUP_TEST_PAGES);
}

static void gup_test_undax_release(struct kunit_resource *res)
{
	struct inode *inode = res->data;

	inode->i_flags &= ~S_DAX;
}

static int gup_test_dax_init(struct kunit_resource *res, void *context)
{
	struct inode *inode = context;

	inode->i_flags |= S_DAX;
	res->data = inode;
	return 0;
}

/*
 * FOLL_LONGTERM refuses filesystem DAX mappings with -EOPNOTSUPP (the pin
 * would hold the filesystem's blocks for good), before faulting anything
 * in; a short-term pin of the same range works.  No DAX filesystem can be
 * mounted when the suites run, so the inode of a ramfs file is marked
 * S_DAX for the case: GUP decides from the VMA (vma_is_fsdax()), and that
 * decision is what is checked here.  The fsdax_devmap client makes the
 * same checks on a real ext2 -o dax mount.
 */
static void gup_test_longterm_fsdax(struct kunit *test)
{
	const unsigned int lt = FOLL_WRITE | FOLL_LONGTERM;
	struct gupk_refs *pin = gupk_refs(test, GUP_TEST_PAGES, true);
	struct gupk_pins s0, s1;
	struct file *file;
	unsigned long addr;
	bool fsdax;

	if (!IS_ENABLED(CONFIG_FS_DAX))
		kunit_skip(test, "needs CONFIG_FS_DAX");
	file = kunit_user_cache_file(test, GUP_TEST_PAGES * PAGE_SIZE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	KUNIT_ASSERT_NOT_NULL(test, kunit_alloc_resource(test, gup_test_dax_init,
							 gup_test_undax_release,
							 GFP_KERNEL,
							 file_inode(file)));
	addr = gupk_map_file(test, file, GUP_TEST_PAGES,
			     PROT_READ | PROT_WRITE, MAP_SHARED);
	mmap_read_lock(current->mm);
	fsdax = vma_is_fsdax(vma_lookup(current->mm, addr));
	mmap_read_unlock(current->mm);
	KUNIT_ASSERT_TRUE(test, fsdax);

	s0 = gupk_pin_stats();
	KUNIT_EXPECT_EQ(test, gup_test_grab(pin, addr, GUP_TEST_PAGES, lt),
			(long)-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, gup_test_grab_fast(pin, addr, GUP_TEST_PAGES, lt),
			(long)-EOPNOTSUPP);
	s1 = gupk_pin_stats();
	KUNIT_EXPECT_EQ(test, s1.acquired - s0.acquired, 0L);
	KUNIT_EXPECT_TRUE(test, mapping_empty(file->f_mapping));

	KUNIT_EXPECT_EQ(test, gup_test_grab(pin, addr, GUP_TEST_PAGES,
					    FOLL_WRITE),
			(long)GUP_TEST_PAGES);
}

/* ---------------------------------------------------------------------- */
/* Backings                                                               */
/* ---------------------------------------------------------------------- */

/*
 * Untouched private anonymous memory reads as the shared zero page; a
 * FOLL_WRITE request replaces it with a private anonymous page.
 */
static void gup_test_zero_page(struct kunit *test)
{
	unsigned long addr = gupk_anon(test, 1, PROT_READ | PROT_WRITE, 0);
	struct gupk_refs *rd = gupk_refs(test, 1, false);
	struct gupk_refs *wr = gupk_refs(test, 1, false);

	KUNIT_ASSERT_EQ(test, gup_test_grab(rd, addr, 1, 0), 1);
	KUNIT_EXPECT_TRUE(test, is_zero_page(rd->pages[0]));
	KUNIT_EXPECT_PTR_EQ(test, rd->pages[0], gup_test_mapped(addr));

	KUNIT_ASSERT_EQ(test, gup_test_grab(wr, addr, 1, FOLL_WRITE), 1);
	KUNIT_EXPECT_FALSE(test, is_zero_page(wr->pages[0]));
	KUNIT_EXPECT_TRUE(test, PageAnon(wr->pages[0]));
	KUNIT_EXPECT_PTR_EQ(test, wr->pages[0], gup_test_mapped(addr));
	KUNIT_EXPECT_EQ(test, gupk_page_word(wr->pages[0]), 0ULL);
}

/*
 * Shared memory: a shmem mapping returns the shmem file's page cache
 * pages themselves, and data written through a pinned page is what the
 * file then reads.
 */
static void gup_test_shmem(struct kunit *test)
{
	struct file *file = gup_test_shmem_filled(test, GUP_TEST_PAGES, 15);
	struct gupk_refs *pin = gupk_refs(test, GUP_TEST_PAGES, true);
	unsigned long addr;
	int i;

	addr = gupk_map_file(test, file, GUP_TEST_PAGES,
			     PROT_READ | PROT_WRITE, MAP_SHARED);
	KUNIT_ASSERT_EQ(test, gup_test_grab(pin, addr, GUP_TEST_PAGES,
					    FOLL_WRITE), GUP_TEST_PAGES);
	for (i = 0; i < GUP_TEST_PAGES; i++) {
		struct page *page = pin->pages[i];

		KUNIT_EXPECT_PTR_EQ(test, page,
				    gup_test_cache_page(test, file, i));
		KUNIT_EXPECT_FALSE(test, PageAnon(page));
		KUNIT_EXPECT_EQ(test, gupk_page_word(page),
				gupk_tag(15, i));
		gup_test_set_page_word(page, gupk_tag(16, i));
	}
	unpin_user_pages_dirty_lock(pin->pages, pin->nr, true);
	pin->nr = 0;
	for (i = 0; i < GUP_TEST_PAGES; i++) {
		KUNIT_EXPECT_EQ(test, gup_test_file_word(test, file,
							 i * PAGE_SIZE),
				gupk_tag(16, i));
		KUNIT_EXPECT_EQ(test, gup_test_user_word(test,
							 addr + i * PAGE_SIZE),
				gupk_tag(16, i));
	}
}

/* The page cache page of @file at @index, or NULL; no reference kept. */
static struct page *gup_test_cached(struct file *file, pgoff_t index)
{
	struct page *page = find_get_page(file->f_mapping, index);

	if (page)
		put_page(page);
	return page;
}

/*
 * Page cache of a regular filesystem (ramfs: generic filemap faults and
 * ->page_mkwrite, where shmem has its own).  A shared mapping pins the
 * cache pages themselves, for writing and long term, and what is written
 * through the pins is what the file then holds; a page never written reads
 * as a zeroed cache page; a FOLL_FORCE write through a private read-only
 * mapping takes an anonymous copy and leaves the file alone.
 */
static void gup_test_page_cache(struct kunit *test)
{
	const int n = GUP_TEST_PAGES;
	struct gupk_refs *pin = gupk_refs(test, n, true);
	struct gupk_refs *get = gupk_refs(test, 1, false);
	struct file *file;
	unsigned long addr;
	int i;

	file = kunit_user_cache_file(test, (n + 1) * PAGE_SIZE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	for (i = 0; i < n; i++)
		gup_test_write_file_word(test, file, i * PAGE_SIZE,
					 gupk_tag(33, i));
	addr = gupk_map_file(test, file, n + 1, PROT_READ | PROT_WRITE,
			     MAP_SHARED);

	KUNIT_ASSERT_EQ(test, gup_test_grab(pin, addr, n,
					    FOLL_WRITE | FOLL_LONGTERM), n);
	for (i = 0; i < n; i++) {
		struct page *page = pin->pages[i];

		KUNIT_EXPECT_PTR_EQ(test, page, gup_test_cached(file, i));
		KUNIT_EXPECT_PTR_EQ(test, page_folio(page)->mapping,
				    file->f_mapping);
		KUNIT_EXPECT_EQ(test, gupk_page_word(page), gupk_tag(33, i));
		gup_test_set_page_word(page, gupk_tag(34, i));
	}
	unpin_user_pages_dirty_lock(pin->pages, pin->nr, true);
	pin->nr = 0;
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, gup_test_file_word(test, file,
							 i * PAGE_SIZE),
				gupk_tag(34, i));

	KUNIT_EXPECT_NULL(test, gup_test_cached(file, n));
	KUNIT_ASSERT_EQ(test, gup_test_grab(get, addr + n * PAGE_SIZE, 1, 0),
			1);
	KUNIT_EXPECT_PTR_EQ(test, get->pages[0], gup_test_cached(file, n));
	KUNIT_EXPECT_EQ(test, gupk_page_word(get->pages[0]), 0ULL);
	gupk_drop(get);

	addr = gupk_map_file(test, file, 1, PROT_READ, MAP_PRIVATE);
	gup_test_expect_refused(test, addr, FOLL_WRITE, -EFAULT);
	KUNIT_ASSERT_EQ(test, gup_test_grab(get, addr, 1,
					    FOLL_FORCE | FOLL_WRITE), 1);
	KUNIT_EXPECT_TRUE(test, PageAnon(get->pages[0]));
	KUNIT_EXPECT_EQ(test, gupk_page_word(get->pages[0]), gupk_tag(34, 0));
	gup_test_set_page_word(get->pages[0], gupk_tag(35, 0));
	gupk_drop(get);
	KUNIT_EXPECT_EQ(test, gup_test_user_word(test, addr), gupk_tag(35, 0));
	KUNIT_EXPECT_EQ(test, gup_test_file_word(test, file, 0),
			gupk_tag(34, 0));
}

/* Map one PMD-sized THP, or skip the case if none can be had. */
static unsigned long gup_test_thp(struct kunit *test, struct folio **folio)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	struct gup_test_walk w;
	unsigned long addr;

	addr = kunit_user_mmap_thp(test, HPAGE_PMD_SIZE,
				   PROT_READ | PROT_WRITE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	gupk_fill(test, addr, HPAGE_PMD_NR, 17);
	w = gup_test_look(addr, HPAGE_PMD_SIZE);
	if (!w.first_huge)
		kunit_skip(test, "no PMD-mapped THP (THP disabled or allocation failed)");
	*folio = page_folio(w.first);
	KUNIT_ASSERT_EQ(test, folio_nr_pages(*folio), (long)HPAGE_PMD_NR);
	KUNIT_ASSERT_EQ(test, w.present, (unsigned long)HPAGE_PMD_NR);
	return addr;
#else
	kunit_skip(test, "needs CONFIG_TRANSPARENT_HUGEPAGE");
	return 0;
#endif
}

/*
 * A PMD-mapped THP: GUP returns the right subpages, a pin adds one to the
 * folio refcount and to its exact pincount per page, a get only to the
 * refcount, and the pin counters move by the number of pages.
 */
static void gup_test_thp_pin(struct kunit *test)
{
	struct gupk_refs *pin = gupk_refs(test, 3, true);
	struct gupk_refs *get = gupk_refs(test, 2, false);
	struct gupk_pins s0, s1, s2;
	struct folio *folio;
	unsigned long addr;
	int ref0, pin0, i;

	addr = gup_test_thp(test, &folio);
	ref0 = gupk_refcount(folio);
	pin0 = gupk_pincount(folio);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));

	s0 = gupk_pin_stats();
	KUNIT_ASSERT_EQ(test, gup_test_grab(pin, addr + 5 * PAGE_SIZE, 3,
					    FOLL_WRITE), 3);
	s1 = gupk_pin_stats();
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_PTR_EQ(test, pin->pages[i],
				    folio_page(folio, 5 + i));
		KUNIT_EXPECT_EQ(test, gupk_page_word(pin->pages[i]),
				gupk_tag(17, 5 + i));
	}
	KUNIT_EXPECT_EQ(test, gupk_pincount(folio), pin0 + 3);
	KUNIT_EXPECT_EQ(test, gupk_refcount(folio), ref0 + 3);
	KUNIT_EXPECT_TRUE(test, folio_maybe_dma_pinned(folio));
	KUNIT_EXPECT_TRUE(test, gup_test_look(addr, PAGE_SIZE).first_huge);
	gupk_drop(pin);
	s2 = gupk_pin_stats();
	KUNIT_EXPECT_EQ(test, gupk_pincount(folio), pin0);
	KUNIT_EXPECT_EQ(test, gupk_refcount(folio), ref0);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
	KUNIT_EXPECT_EQ(test, s1.acquired - s0.acquired, 3L);
	KUNIT_EXPECT_EQ(test, s2.released - s1.released, 3L);

	KUNIT_ASSERT_EQ(test, gup_test_grab(get, addr + 7 * PAGE_SIZE, 2, 0), 2);
	KUNIT_EXPECT_PTR_EQ(test, get->pages[1], folio_page(folio, 8));
	KUNIT_EXPECT_EQ(test, gupk_refcount(folio), ref0 + 2);
	KUNIT_EXPECT_EQ(test, gupk_pincount(folio), pin0);
	gupk_drop(get);
	KUNIT_EXPECT_EQ(test, gupk_refcount(folio), ref0);
}

#ifdef CONFIG_ARM64
/*
 * Mark the @n pages from @first "instruction cache in sync", call the slow
 * path on the @nr of them from @skip on, and check which are still marked:
 * exactly those the call did not return.
 */
static void gup_test_dcache_run(struct kunit *test, struct page **first,
				unsigned long addr, int n, int skip, int nr,
				bool pinned)
{
	struct gupk_refs *refs = gupk_refs(test, nr, pinned);
	int i;

	for (i = 0; i < n; i++)
		set_bit(PG_dcache_clean, &first[i]->flags);
	KUNIT_ASSERT_EQ(test, gup_test_grab(refs, addr + skip * PAGE_SIZE, nr,
					    pinned ? FOLL_WRITE : 0), nr);
	for (i = 0; i < n; i++) {
		bool returned = i >= skip && i < skip + nr;
		bool marked = test_bit(PG_dcache_clean, &first[i]->flags);

		KUNIT_EXPECT_EQ_MSG(test, marked, !returned,
				    "page %d of %d", i, n);
		clear_bit(PG_dcache_clean, &first[i]->flags);
	}
	gupk_drop(refs);
}
#endif

/*
 * Every page the slow path returns goes through flush_dcache_page(), so
 * that what the kernel or a device then writes through it is seen by a
 * later executable mapping.  On arm64 the flush clears the page's
 * PG_dcache_clean ("instruction cache in sync"), each subpage's own for a
 * THP.  No non-executable mapping sets that flag, so the test sets it by
 * hand, then checks that a call cleared it on exactly the pages it
 * returned, small pages and THP subpages, got or pinned.
 */
static void gup_test_dcache_flush(struct kunit *test)
{
#ifdef CONFIG_ARM64
	struct page *small[8], **sub;
	struct folio *folio;
	unsigned long addr;
	int i, n;

	addr = gupk_anon_filled(test, ARRAY_SIZE(small), 3);
	gup_test_mapped_pages(test, addr, ARRAY_SIZE(small), small);
	gup_test_dcache_run(test, small, addr, ARRAY_SIZE(small), 1, 6, true);
	gup_test_dcache_run(test, small, addr, ARRAY_SIZE(small), 2, 3, false);

	addr = gup_test_thp(test, &folio);
	n = folio_nr_pages(folio);
	sub = kunit_kcalloc(test, n, sizeof(*sub), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sub);
	for (i = 0; i < n; i++)
		sub[i] = folio_page(folio, i);
	gup_test_dcache_run(test, sub, addr, n, 5, n / 2, true);
	gup_test_dcache_run(test, sub, addr, n, 0, n, false);
#else
	kunit_skip(test, "PG_dcache_clean is arm64's");
#endif
}

/*
 * unpin_user_pages() takes any order: stretches of one folio that run
 * page by page (as GUP stores them), the same folio's pages backwards,
 * pages of another folio in between, a small folio, and the last page of
 * one THP followed by the first of another (which may well be the next
 * page in memory).  Every pin goes back to the folio it was taken on, and
 * the counters agree.
 */
static void gup_test_unpin_order(struct kunit *test)
{
	/* pin->pages: 0-7 the last 8 pages of a, 8-19 the first 12 of b, 20 c */
	static const unsigned char order[] = {
		0, 1, 2, 12, 13, 3, 20, 6, 5, 4, 14, 15, 16, 17, 18, 19,
	};
	struct gupk_refs *pin = gupk_refs(test, 21, true);
	struct page **mixed;
	struct gupk_pins s0, s1;
	struct folio *a, *b, *c;
	unsigned long addr_a, addr_b, addr_c;
	int ref_a, ref_b, ref_c;
	unsigned int i;

	addr_a = gup_test_thp(test, &a);
	addr_b = gup_test_thp(test, &b);
	addr_c = gupk_anon_filled(test, 1, 23);
	mixed = kunit_kcalloc(test, ARRAY_SIZE(order), sizeof(*mixed),
			      GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mixed);
	ref_a = gupk_refcount(a);
	ref_b = gupk_refcount(b);

	mmap_read_lock(current->mm);
	KUNIT_ASSERT_EQ(test, pin_user_pages(addr_a + (HPAGE_PMD_NR - 8) *
					     PAGE_SIZE, 8, FOLL_WRITE,
					     pin->pages, NULL), 8);
	KUNIT_ASSERT_EQ(test, pin_user_pages(addr_b, 12, FOLL_WRITE,
					     pin->pages + 8, NULL), 12);
	KUNIT_ASSERT_EQ(test, pin_user_pages(addr_c, 1, FOLL_WRITE,
					     pin->pages + 20, NULL), 1);
	mmap_read_unlock(current->mm);
	pin->nr = 21;
	c = page_folio(pin->pages[20]);
	ref_c = gupk_refcount(c);
	KUNIT_EXPECT_EQ(test, gupk_pincount(a), 8);
	KUNIT_EXPECT_EQ(test, gupk_pincount(b), 12);

	s0 = gupk_pin_stats();
	for (i = 0; i < ARRAY_SIZE(order); i++)
		mixed[i] = pin->pages[order[i]];
	unpin_user_pages(mixed, ARRAY_SIZE(order));
	/* a's last page, then b's first four */
	unpin_user_pages(pin->pages + 7, 5);
	pin->nr = 0;
	s1 = gupk_pin_stats();

	KUNIT_EXPECT_EQ(test, gupk_pincount(a), 0);
	KUNIT_EXPECT_EQ(test, gupk_pincount(b), 0);
	KUNIT_EXPECT_EQ(test, gupk_refcount(a), ref_a);
	KUNIT_EXPECT_EQ(test, gupk_refcount(b), ref_b);
	KUNIT_EXPECT_EQ(test, gupk_refcount(c), ref_c - GUP_PIN_COUNTING_BIAS);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(c));
	KUNIT_EXPECT_EQ(test, s1.released - s0.released, 21L);
}

/*
 * hugetlb: subpages and an exact folio pincount as for THP, and
 * FOLL_FORCE | FOLL_WRITE is refused on a private read-only hugetlb
 * mapping (hugetlb has no forced COW).
 */
static void gup_test_hugetlb(struct kunit *test)
{
	unsigned long hsize = kunit_user_hugetlb_size();
	struct gupk_refs *pin = gupk_refs(test, 4, true);
	struct folio *folio;
	struct file *file;
	unsigned long addr, ro;
	int ref0, pin0, i;

	if (!hsize)
		kunit_skip(test, "no hugetlb support");
	file = kunit_user_hugetlb_file(test, hsize);
	if (PTR_ERR_OR_ZERO(file) == -ENOMEM)
		kunit_skip(test, "no free huge page (boot with hugepages=)");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	addr = gupk_map_file(test, file, hsize >> PAGE_SHIFT,
			     PROT_READ | PROT_WRITE, MAP_SHARED);
	gupk_fill(test, addr, 16, 18);
	KUNIT_ASSERT_NOT_NULL(test, gup_test_mapped(addr));
	folio = page_folio(gup_test_mapped(addr));
	KUNIT_ASSERT_EQ(test, folio_size(folio), hsize);

	ref0 = gupk_refcount(folio);
	pin0 = gupk_pincount(folio);
	KUNIT_ASSERT_EQ(test, gup_test_grab(pin, addr + 10 * PAGE_SIZE, 4,
					    FOLL_WRITE), 4);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_PTR_EQ(test, pin->pages[i],
				    folio_page(folio, 10 + i));
		KUNIT_EXPECT_EQ(test, gupk_page_word(pin->pages[i]),
				gupk_tag(18, 10 + i));
	}
	KUNIT_EXPECT_EQ(test, gupk_pincount(folio), pin0 + 4);
	KUNIT_EXPECT_EQ(test, gupk_refcount(folio), ref0 + 4);
	gupk_drop(pin);
	KUNIT_EXPECT_EQ(test, gupk_pincount(folio), pin0);
	KUNIT_EXPECT_EQ(test, gupk_refcount(folio), ref0);

	ro = kunit_user_mmap(test, file, 0, hsize, PROT_READ,
			     MAP_PRIVATE | MAP_NORESERVE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(ro));
	gup_test_expect_refused(test, ro, FOLL_FORCE | FOLL_WRITE, -EFAULT);
}

/*
 * A hugetlb range over three huge pages whose middle one was never
 * touched: one pinning call from two pages before the end of the first
 * takes those two with the walk's own lookup, faults the second huge page
 * in (the hugetlb fault path, which stops at its end) and goes on into
 * the third; every folio gets exactly one pin per page taken.
 */
static void gup_test_hugetlb_hole(struct kunit *test)
{
	unsigned long hsize = kunit_user_hugetlb_size();
	unsigned long hpages = hsize >> PAGE_SHIFT;
	unsigned long n = hpages + 4, i, addr, start;
	int ref0[3], pin0[3], want[3] = { 2, hpages, 2 };
	struct gupk_refs *pin;
	struct folio *folio[3];
	struct file *file;
	int f;

	if (!hsize)
		kunit_skip(test, "no hugetlb support");
	file = kunit_user_hugetlb_file(test, 3 * hsize);
	if (PTR_ERR_OR_ZERO(file) == -ENOMEM)
		kunit_skip(test, "no free huge pages (boot with hugepages=)");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	addr = gupk_map_file(test, file, 3 * hpages, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	gupk_fill_range(test, addr, 0, 1, 21);
	gupk_fill_range(test, addr, hpages - 2, 2, 21);
	gupk_fill_range(test, addr, 2 * hpages, 2, 21);
	KUNIT_ASSERT_PTR_EQ(test, gup_test_mapped(addr + hsize), NULL);
	for (f = 0; f < 3; f += 2) {
		folio[f] = page_folio(gup_test_mapped(addr + f * hsize));
		ref0[f] = gupk_refcount(folio[f]);
		pin0[f] = gupk_pincount(folio[f]);
	}

	pin = gupk_refs(test, n, true);
	start = addr + hsize - 2 * PAGE_SIZE;
	KUNIT_ASSERT_EQ(test, gup_test_grab(pin, start, n, FOLL_WRITE),
			(long)n);
	folio[1] = page_folio(gup_test_mapped(addr + hsize));
	KUNIT_ASSERT_EQ(test, folio_size(folio[1]), hsize);
	for (i = 0; i < n; i++) {
		unsigned long at = hpages - 2 + i;

		KUNIT_EXPECT_PTR_EQ(test, pin->pages[i],
				    folio_page(folio[at / hpages],
					       at % hpages));
		if (at / hpages != 1)
			KUNIT_EXPECT_EQ(test, gupk_page_word(pin->pages[i]),
					gupk_tag(21, at));
	}
	for (f = 0; f < 3; f += 2) {
		KUNIT_EXPECT_EQ(test, gupk_pincount(folio[f]),
				pin0[f] + want[f]);
		KUNIT_EXPECT_EQ(test, gupk_refcount(folio[f]),
				ref0[f] + want[f]);
	}
	KUNIT_EXPECT_EQ(test, gupk_pincount(folio[1]), want[1]);
	gupk_drop(pin);
	for (f = 0; f < 3; f += 2)
		KUNIT_EXPECT_EQ(test, gupk_pincount(folio[f]), pin0[f]);
	KUNIT_EXPECT_EQ(test, gupk_pincount(folio[1]), 0);
}

#ifdef CONFIG_HUGETLB_PAGE
static const char *const gup_test_call_names[] = {
	"get_user_pages", "pin_user_pages",
	"get_user_pages_fast", "pin_user_pages_fast",
};

/*
 * The part of gup_test_hugetlb_sizes() for huge pages of @size bytes:
 * false if the pool has none free.  @nr (one or two) pages are mapped
 * and the calls take the last three subpages of the first and, with a
 * second page, the first three of the next.
 */
static bool gup_test_hugetlb_size(struct kunit *test, unsigned long size)
{
	const unsigned long hpages = size >> PAGE_SHIFT, first = hpages - 3;
	long free = kunit_user_hugetlb_free(size), n, ret;
	int ref0[2], pin0[2], call, f, i, nr;
	struct folio *folio[2];
	struct gupk_refs *refs;
	unsigned long addr;
	struct file *file;

	if (free < 1)
		return false;
	nr = min(free, 2L);
	n = 3 * nr;
	file = kunit_user_hugetlb_file_sized(test, nr * size, size);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	addr = gupk_map_file(test, file, nr * hpages, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	gupk_fill_range(test, addr, first, n, 27);
	for (f = 0; f < nr; f++) {
		KUNIT_ASSERT_NOT_NULL(test, gup_test_mapped(addr + f * size));
		folio[f] = page_folio(gup_test_mapped(addr + f * size));
		KUNIT_ASSERT_TRUE(test, folio_test_hugetlb(folio[f]));
		KUNIT_ASSERT_EQ(test, folio_size(folio[f]), size);
	}
	for (call = 0; call < ARRAY_SIZE(gup_test_call_names); call++) {
		const char *what = gup_test_call_names[call];

		refs = gupk_refs(test, n, call & 1);
		for (f = 0; f < nr; f++) {
			ref0[f] = gupk_refcount(folio[f]);
			pin0[f] = gupk_pincount(folio[f]);
		}
		ret = call & 2 ?
		      gup_test_grab_fast(refs, addr + first * PAGE_SIZE, n,
					 FOLL_WRITE) :
		      gup_test_grab(refs, addr + first * PAGE_SIZE, n,
				    FOLL_WRITE);
		KUNIT_ASSERT_EQ_MSG(test, ret, n, "%s, %lu KiB pages", what,
				    size >> 10);
		for (i = 0; i < n; i++) {
			unsigned long at = first + i;

			KUNIT_EXPECT_PTR_EQ_MSG(test, refs->pages[i],
						folio_page(folio[at / hpages],
							   at % hpages),
						"%s, %lu KiB pages, page %d",
						what, size >> 10, i);
			KUNIT_EXPECT_EQ(test, gupk_page_word(refs->pages[i]),
					gupk_tag(27, at));
		}
		for (f = 0; f < nr; f++) {
			KUNIT_EXPECT_EQ_MSG(test, gupk_refcount(folio[f]),
					    ref0[f] + 3, "%s, %lu KiB pages",
					    what, size >> 10);
			KUNIT_EXPECT_EQ_MSG(test, gupk_pincount(folio[f]),
					    pin0[f] + (call & 1 ? 3 : 0),
					    "%s, %lu KiB pages", what,
					    size >> 10);
		}
		gupk_drop(refs);
		for (f = 0; f < nr; f++) {
			KUNIT_EXPECT_EQ(test, gupk_refcount(folio[f]), ref0[f]);
			KUNIT_EXPECT_EQ(test, gupk_pincount(folio[f]), pin0[f]);
		}
	}
	kunit_info(test, "%lu KiB pages: %d mapped, 3 subpages taken from each\n",
		   size >> 10, nr);
	return true;
}
#endif

/*
 * Every huge page size the kernel offers, not just the default one: the
 * PMD and PUD sizes, and on arm64 the contiguous ones, 64 KiB (sixteen
 * PTEs with the contiguous bit) and 32 MiB (sixteen PMDs), which the
 * harness sets aside with hugepagesz=.  For each size with a free page,
 * all four calls take subpages up to a page's end and on into the next,
 * each folio getting one reference (and, pinning, one pin) per subpage,
 * and give them back.
 */
static void gup_test_hugetlb_sizes(struct kunit *test)
{
#ifdef CONFIG_HUGETLB_PAGE
	struct hstate *h;
	int sizes = 0;

	for_each_hstate(h)
		sizes += gup_test_hugetlb_size(test, huge_page_size(h));
	if (!sizes)
		kunit_skip(test, "no free huge page of any size");
#else
	kunit_skip(test, "needs CONFIG_HUGETLB_PAGE");
#endif
}

/*
 * One get_user_pages() or pin_user_pages() call with @flags on the run
 * @sp of the PUD-size hugetlb page @folio mapped at @addr: every page
 * returned is the subpage at its offset and holds its tag (@seed); each
 * page adds one reference to the folio, and a pin also one to its exact
 * pin count and to NR_FOLL_PIN_ACQUIRED; releasing brings every count
 * back.
 */
static void gup_test_pud_span(struct kunit *test, unsigned long addr,
			      struct folio *folio, const struct gupk_span *sp,
			      bool pinned, unsigned int flags,
			      unsigned int seed)
{
	struct gupk_refs *refs = gupk_refs(test, sp->nr, pinned);
	long pins = pinned ? sp->nr : 0;
	struct gupk_pins s0, s1, s2;
	int ref0, pin0;
	char what[96];
	long ret;

	snprintf(what, sizeof(what), "%s(%s: pages %lu-%lu, flags %#x)",
		 pinned ? "pin_user_pages" : "get_user_pages", sp->name,
		 sp->first, sp->first + sp->nr - 1, flags);
	ref0 = gupk_refcount(folio);
	pin0 = gupk_pincount(folio);
	s0 = gupk_pin_stats();
	ret = gup_test_grab(refs, addr + sp->first * PAGE_SIZE, sp->nr, flags);
	s1 = gupk_pin_stats();
	KUNIT_ASSERT_EQ_MSG(test, ret, sp->nr, "%s", what);

	gupk_expect_subpages(test, refs->pages, refs->nr, folio, sp->first,
			     seed, what);
	KUNIT_EXPECT_EQ_MSG(test, gupk_refcount(folio), ref0 + (int)sp->nr,
			    "%s: folio refcount", what);
	KUNIT_EXPECT_EQ_MSG(test, gupk_pincount(folio), pin0 + (int)pins,
			    "%s: folio pincount", what);
	KUNIT_EXPECT_EQ_MSG(test, folio_maybe_dma_pinned(folio), pinned,
			    "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, s1.acquired - s0.acquired, pins,
			    "%s: NR_FOLL_PIN_ACQUIRED", what);

	gupk_drop(refs);
	s2 = gupk_pin_stats();
	KUNIT_EXPECT_EQ_MSG(test, gupk_refcount(folio), ref0,
			    "%s: folio refcount after release", what);
	KUNIT_EXPECT_EQ_MSG(test, gupk_pincount(folio), pin0,
			    "%s: folio pincount after release", what);
	KUNIT_EXPECT_FALSE(test, folio_maybe_dma_pinned(folio));
	KUNIT_EXPECT_EQ_MSG(test, s2.released - s0.released, pins,
			    "%s: NR_FOLL_PIN_RELEASED", what);
}

/*
 * A PUD-size hugetlb page (the slow path's hugetlb walk over a PUD leaf):
 * get_user_pages() and pin_user_pages(), for reading and for writing, of
 * runs at its start, in its middle, across PMD-size offsets and at its
 * end (see gup_test_pud_span()).
 */
static void gup_test_hugetlb_pud(struct kunit *test)
{
	static const unsigned int flags[] = { 0, FOLL_WRITE };
	struct folio *folio;
	unsigned long addr = gupk_pud_hugetlb(test, 23, &folio);
	int i, f, pinned;

	for (i = 0; i < GUPK_PUD_SPANS; i++) {
		struct gupk_span sp = gupk_pud_span(i);

		for (pinned = 0; pinned <= 1; pinned++)
			for (f = 0; f < ARRAY_SIZE(flags); f++)
				gup_test_pud_span(test, addr, folio, &sp,
						  pinned, flags[f], 23);
	}
}

/*
 * FOLL_LONGTERM pins of a PUD-size hugetlb page.  A page reserved at boot
 * normally lies outside ZONE_MOVABLE; it can stay pinned where it is, so
 * the pin takes it in place exactly like a short-term pin.  Were it in
 * ZONE_MOVABLE, the pin would have to migrate it, or fail holding
 * nothing, and the mapping would follow a move.
 */
static void gup_test_hugetlb_pud_longterm(struct kunit *test)
{
	const unsigned int flags = FOLL_WRITE | FOLL_LONGTERM;
	const struct gupk_span first = gupk_pud_span(0), *sp = &first;
	struct gupk_refs *pin;
	struct folio *folio;
	unsigned long addr = gupk_pud_hugetlb(test, 24, &folio);
	int i;

	kunit_info(test, "PUD-size hugetlb page at pfn %#lx, zone %s\n",
		   folio_pfn(folio), folio_zone(folio)->name);
	if (folio_is_longterm_pinnable(folio)) {
		KUNIT_EXPECT_NE(test, folio_zonenum(folio), ZONE_MOVABLE);
		for (i = 0; i < GUPK_PUD_SPANS; i++) {
			struct gupk_span span = gupk_pud_span(i);

			gup_test_pud_span(test, addr, folio, &span, true,
					  flags, 24);
		}
		return;
	}

	pin = gupk_refs(test, sp->nr, true);
	gupk_expect_longterm_moved(test, pin,
				   gup_test_grab(pin, addr, sp->nr, flags),
				   sp->nr, sp->first, 24);
	if (pin->nr)
		KUNIT_EXPECT_PTR_EQ(test, pin->pages[0],
				    gupk_mapped(addr, NULL));
	else
		KUNIT_EXPECT_PTR_EQ(test, &folio->page,
				    gupk_mapped(addr, NULL));
}

/*
 * A PMD-mapped THP, which the walk records as one run, and checks as one
 * folio, for FOLL_LONGTERM.
 */
static void gup_test_longterm_movable_thp(struct kunit *test)
{
	struct folio *folio;
	unsigned long addr = gup_test_thp(test, &folio);

	gup_test_longterm_moves(test, addr, addr, HPAGE_PMD_NR);
}

/*
 * @nr hugetlb pages in the page cache, written through one mapping and
 * pinned through the same one or, with @other, through a second mapping
 * that has not touched them yet.  Present, they are taken by the walk's
 * own hugetlb lookup, one run each; not mapped yet, they are faulted in
 * by follow_hugetlb_page(), whose pages the walk checks after it.
 */
static void gup_test_longterm_hugetlb_at(struct kunit *test, bool other,
					 unsigned long nr)
{
	unsigned long hsize = kunit_user_hugetlb_size();
	unsigned long n = nr * (hsize >> PAGE_SHIFT);
	struct file *file;
	unsigned long w, r;

	if (!hsize)
		kunit_skip(test, "no hugetlb support");
	file = kunit_user_hugetlb_file(test, nr * hsize);
	if (PTR_ERR_OR_ZERO(file) == -ENOMEM)
		kunit_skip(test, "no free huge page (boot with hugepages=)");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	w = gupk_map_file(test, file, n, PROT_READ | PROT_WRITE, MAP_SHARED);
	gupk_fill(test, w, n, 27);
	r = other ? gupk_map_file(test, file, n, PROT_READ | PROT_WRITE,
				  MAP_SHARED) : w;
	if (other)
		KUNIT_ASSERT_NULL(test, gup_test_mapped(r));
	gup_test_longterm_moves(test, r, w, n);
}

static void gup_test_longterm_movable_hugetlb(struct kunit *test)
{
	gup_test_longterm_hugetlb_at(test, false, 2);
}

/*
 * Twice as many huge pages as the case before, whose pages, migrated out
 * of ZONE_MOVABLE, went back to the pool and may be handed out first.
 */
static void gup_test_longterm_movable_hugetlb_fault(struct kunit *test)
{
	gup_test_longterm_hugetlb_at(test, true, 4);
}

/* A pageblock the case owns, whose pages migrate_pages() hands out. */
struct gup_test_block {
	struct page *base;
	unsigned long used;
	bool isolated;
};

static struct page *gup_test_block_page(struct page *page,
					unsigned long private)
{
	struct gup_test_block *b = (struct gup_test_block *)private;

	if (b->used == pageblock_nr_pages)
		return NULL;
	return nth_page(b->base, b->used++);
}

static int gup_test_block_init(struct kunit_resource *res, void *context)
{
	struct gup_test_block *b = context;

	/* It looks up the node's zonelist: NUMA_NO_NODE is no node. */
	b->base = alloc_contig_pages(pageblock_nr_pages,
				     GFP_USER | __GFP_NOWARN, numa_mem_id(),
				     NULL);
	if (!b->base)
		return -ENOMEM;
	res->data = b;
	return 0;
}

static void gup_test_block_release(struct kunit_resource *res)
{
	struct gup_test_block *b = res->data;
	unsigned long pfn = page_to_pfn(b->base);

	if (b->isolated)
		undo_isolate_page_range(pfn, pfn + pageblock_nr_pages,
					MIGRATE_MOVABLE);
}

/*
 * Move the @n pages of @file (a shmem file) from index @first on into a
 * pageblock of their own outside ZONE_MOVABLE, and isolate that pageblock as
 * alloc_contig_range() does until the case ends.  The pageblock is one
 * that alloc_contig_pages() could take whole, so nothing in it but the
 * file's pages and free pages can keep it from being isolated.  Skips the
 * case if there is no such pageblock, or if an allocation took some of
 * its pages back meanwhile.  Returns the first page of the pageblock,
 * where page @first + i of the file now is.
 */
static struct page *gup_test_isolated_copy(struct kunit *test,
					   struct file *file, long first,
					   long n)
{
	struct gup_test_block *b;
	unsigned long pfn, i;
	LIST_HEAD(folios);

	KUNIT_ASSERT_LE(test, n, (long)pageblock_nr_pages);
	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	if (!kunit_alloc_resource(test, gup_test_block_init,
				  gup_test_block_release, GFP_KERNEL, b))
		kunit_skip(test, "no pageblock to allocate whole");

	lru_add_drain_all();
	for (i = 0; i < n; i++) {
		struct folio *folio;

		folio = filemap_get_folio(file->f_mapping, first + i);

		KUNIT_ASSERT_NOT_NULL(test, folio);
		KUNIT_ASSERT_FALSE(test, folio_test_large(folio));
		/* A folio still on the LRU must not go on the private list. */
		KUNIT_ASSERT_EQ(test, folio_isolate_lru(folio), 0);
		list_add_tail(&folio->lru, &folios);
		node_stat_mod_folio(folio, NR_ISOLATED_ANON +
				    folio_is_file_lru(folio), 1);
		folio_put(folio);
	}
	KUNIT_EXPECT_EQ(test, migrate_pages(&folios, gup_test_block_page, NULL,
					    (unsigned long)b, MIGRATE_SYNC,
					    MR_CONTIG_RANGE, NULL), 0);
	putback_movable_pages(&folios);
	/* The pages left over go back, free, into the pageblock. */
	for (i = b->used; i < pageblock_nr_pages; i++)
		__free_page(nth_page(b->base, i));

	lru_add_drain_all();
	pfn = page_to_pfn(b->base);
	if (start_isolate_page_range(pfn, pfn + pageblock_nr_pages,
				     MIGRATE_MOVABLE, 0, GFP_KERNEL))
		kunit_skip(test, "the pageblock at pfn %#lx is not isolated",
			   pfn);
	b->isolated = true;
	return b->base;
}

/* pin_user_pages(@flags) of @n pages from @addr, or its _fast form. */
static long gup_test_pin_any(struct gupk_refs *pin, unsigned long addr,
			     long n, unsigned int flags, bool fast)
{
	long ret;

	if (fast)
		return gupk_took(pin, pin_user_pages_fast(addr, n, flags,
							  pin->pages));
	mmap_read_lock(current->mm);
	ret = gupk_took(pin, pin_user_pages(addr, n, flags, pin->pages, NULL));
	mmap_read_unlock(current->mm);
	return ret;
}

/*
 * CMA and isolated pageblocks may not hold long-term pins, in any zone.
 * The last pages of a shmem file are moved into an isolated pageblock
 * below ZONE_MOVABLE, where nothing else would have them migrated.  A
 * short-term pin takes every page where it is; a long-term one (through
 * the lockless walk first with @fast) moves exactly those pages out.  The
 * pages before them, elsewhere, are small folios in pageblocks that are
 * not isolated (nor in ZONE_MOVABLE: the file's gfp mask has no
 * __GFP_HIGHMEM): the small-page loops reach the isolated pages after
 * checking those.
 */
static void gup_test_longterm_isolated_pins(struct kunit *test, bool fast)
{
	const long n = 8, moved = 4;
	struct gupk_refs *pin = gupk_refs(test, n, true);
	struct page *old[8];
	struct page *block;
	struct file *file;
	unsigned long addr;
	long i;

	if (!IS_ENABLED(CONFIG_CMA) || !IS_ENABLED(CONFIG_MIGRATION))
		kunit_skip(test, "pageblocks are only checked with CONFIG_CMA");
	/* Outside ZONE_MOVABLE, which FOLL_LONGTERM would leave anyway. */
	file = kunit_user_shmem_file(test, n * PAGE_SIZE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	mapping_set_gfp_mask(file->f_mapping, GFP_USER | __GFP_MOVABLE);
	for (i = 0; i < n; i++)
		gup_test_write_file_word(test, file, i * PAGE_SIZE,
					 gupk_tag(17, i));
	block = gup_test_isolated_copy(test, file, n - moved, moved);
	addr = gupk_map_file(test, file, n, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	for (i = 0; i < n; i++) {
		old[i] = gup_test_cached(file, i);
		KUNIT_ASSERT_NOT_NULL(test, old[i]);
		KUNIT_ASSERT_NE(test, page_zonenum(old[i]), ZONE_MOVABLE);
	}
	for (i = 0; i < moved; i++)
		KUNIT_ASSERT_PTR_EQ(test, old[n - moved + i], nth_page(block, i));

	KUNIT_ASSERT_EQ(test, gup_test_pin_any(pin, addr, n, FOLL_WRITE, fast),
			n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_PTR_EQ(test, pin->pages[i], old[i]);
	gupk_drop(pin);

	KUNIT_ASSERT_EQ(test, gup_test_pin_any(pin, addr, n,
					       FOLL_WRITE | FOLL_LONGTERM,
					       fast), n);
	for (i = 0; i < n; i++) {
		struct page *page = pin->pages[i];

		if (i >= n - moved)
			KUNIT_EXPECT_PTR_NE(test, page, old[i]);
		else
			KUNIT_EXPECT_PTR_EQ(test, page, old[i]);
		KUNIT_EXPECT_NE(test, get_pageblock_migratetype(page),
				MIGRATE_ISOLATE);
		KUNIT_EXPECT_EQ(test, gupk_page_word(page), gupk_tag(17, i));
		KUNIT_EXPECT_PTR_EQ(test, page,
				    gup_test_mapped(addr + i * PAGE_SIZE));
		KUNIT_EXPECT_PTR_EQ(test, page, gup_test_cached(file, i));
	}
}

static void gup_test_longterm_isolated(struct kunit *test)
{
	gup_test_longterm_isolated_pins(test, false);
}

static void gup_test_longterm_isolated_fast(struct kunit *test)
{
	gup_test_longterm_isolated_pins(test, true);
}

/*
 * A read of an untouched THP-sized region with THP enabled maps the huge
 * zero page; GUP returns its subpages, all zeroes.
 */
static void gup_test_huge_zero_page(struct kunit *test)
{
	struct gupk_refs *get = gupk_refs(test, 1, false);
	struct page *page;
	unsigned long addr;
	void *p;

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	addr = kunit_user_mmap_thp(test, HPAGE_PMD_SIZE,
				   PROT_READ | PROT_WRITE, 0);
#else
	kunit_skip(test, "needs CONFIG_TRANSPARENT_HUGEPAGE");
#endif
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_ASSERT_EQ(test, gup_test_grab(get, addr + 3 * PAGE_SIZE, 1, 0), 1);
	if (!gup_test_look(addr, PAGE_SIZE).first_huge)
		kunit_skip(test, "read fault did not map a huge zero page");

	page = get->pages[0];
	KUNIT_EXPECT_TRUE(test, is_huge_zero_page(compound_head(page)));
	KUNIT_EXPECT_PTR_EQ(test, page, gup_test_mapped(addr + 3 * PAGE_SIZE));
	KUNIT_EXPECT_PTR_EQ(test, page, compound_head(page) + 3);
	p = kmap_local_page(page);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, PAGE_SIZE));
	kunmap_local(p);
}

/*
 * FOLL_SPLIT_PMD (what make_device_exclusive_range() and uprobes pass):
 * the PMD leaf that maps the address becomes a page table first, so the
 * pages come back PTE-mapped.  A THP stays one folio, every page still
 * mapped with its data; the huge zero page gives way to the small one.
 */
static void gup_test_split_pmd(struct kunit *test)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	struct gupk_refs *get = gupk_refs(test, 2, false);
	struct gup_test_walk w;
	struct folio *folio;
	unsigned long addr;
	int refs, i;

	addr = gup_test_thp(test, &folio);
	KUNIT_ASSERT_EQ(test, gup_test_grab(get, addr + 5 * PAGE_SIZE, 2,
					    FOLL_WRITE | FOLL_SPLIT_PMD), 2);
	w = gup_test_look(addr, HPAGE_PMD_SIZE);
	KUNIT_EXPECT_FALSE(test, w.first_huge);
	KUNIT_EXPECT_EQ(test, w.present, (unsigned long)HPAGE_PMD_NR);
	KUNIT_EXPECT_PTR_EQ(test, w.first, folio_page(folio, 0));
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_PTR_EQ(test, get->pages[i],
				    folio_page(folio, 5 + i));
		KUNIT_EXPECT_PTR_EQ(test, get->pages[i],
				    gup_test_mapped(addr + (5 + i) * PAGE_SIZE));
		KUNIT_EXPECT_EQ(test, gupk_page_word(get->pages[i]),
				gupk_tag(17, 5 + i));
	}
	KUNIT_EXPECT_EQ(test, folio_nr_pages(folio), (long)HPAGE_PMD_NR);
	refs = gupk_refcount(folio);
	gupk_drop(get);
	KUNIT_EXPECT_EQ(test, gupk_refcount(folio), refs - 2);

	/* A read fault of an untouched THP region maps the huge zero page. */
	addr = kunit_user_mmap_thp(test, HPAGE_PMD_SIZE, PROT_READ, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_ASSERT_EQ(test, gup_test_grab(get, addr, 1, 0), 1);
	gupk_drop(get);
	if (!gup_test_look(addr, PAGE_SIZE).first_huge)
		kunit_skip(test, "read fault did not map a huge zero page");
	KUNIT_ASSERT_EQ(test, gup_test_grab(get, addr + 3 * PAGE_SIZE, 1,
					    FOLL_SPLIT_PMD), 1);
	KUNIT_EXPECT_TRUE(test, is_zero_page(get->pages[0]));
	w = gup_test_look(addr, HPAGE_PMD_SIZE);
	KUNIT_EXPECT_FALSE(test, w.first_huge);
	KUNIT_EXPECT_TRUE(test, is_zero_page(w.first));
	KUNIT_EXPECT_PTR_EQ(test, get->pages[0],
			    gup_test_mapped(addr + 3 * PAGE_SIZE));
#else
	kunit_skip(test, "needs CONFIG_TRANSPARENT_HUGEPAGE");
#endif
}

/*
 * pin_user_pages() and (unless @flags asks for FOLL_LONGTERM)
 * get_user_pages() with @flags on @n devmap pages from @addr, which map
 * device pages @dev on, tagged with @seed from @skip on:
 * each call returns the device pages themselves, one reference or one pin
 * (GUP_PIN_COUNTING_BIAS) each, all given back on release.
 */
static void gup_test_devmap_calls(struct kunit *test, unsigned long addr,
				  int n, struct page *dev, unsigned long skip,
				  unsigned int seed, unsigned int flags)
{
	int before[GUP_TEST_DEVMAP_PAGES];
	struct gupk_refs *refs;
	int pinned, i;

	for (i = 0; i < n; i++)
		before[i] = gup_test_refcount(nth_page(dev, i));
	/* FOLL_LONGTERM is for pins only. */
	for (pinned = !!(flags & FOLL_LONGTERM); pinned < 2; pinned++) {
		int unit = pinned ? GUP_PIN_COUNTING_BIAS : 1;

		refs = gupk_refs(test, n, pinned);
		KUNIT_ASSERT_EQ_MSG(test, gup_test_grab(refs, addr, n, flags), n,
				    "flags %#x, pinned %d", flags, pinned);
		for (i = 0; i < n; i++) {
			struct page *page = refs->pages[i];

			KUNIT_EXPECT_PTR_EQ(test, page, nth_page(dev, i));
			KUNIT_EXPECT_TRUE(test, is_zone_device_page(page));
			KUNIT_EXPECT_EQ(test, gupk_page_word(page),
					gupk_tag(seed, skip + i));
			KUNIT_EXPECT_EQ(test, gup_test_refcount(page),
					before[i] + unit);
			KUNIT_EXPECT_EQ(test, page_maybe_dma_pinned(page),
					(bool)pinned);
		}
		gupk_drop(refs);
		for (i = 0; i < n; i++)
			KUNIT_EXPECT_EQ(test, gup_test_refcount(nth_page(dev, i)),
					before[i]);
	}
}

/*
 * Devmap backing: ZONE_DEVICE memory mapped the way a device-dax driver
 * maps it, by a PMD leaf and by PTEs.  Reads, writes and FOLL_LONGTERM
 * pins all take the device pages in place (generic device memory is not
 * movable, so there is nothing to migrate), every pin is counted in
 * NR_FOLL_PIN_*, and a write through a read-only mapping is refused.
 */
static void gup_test_devmap(struct kunit *test)
{
	static const unsigned int flags[] = {
		0, FOLL_WRITE, FOLL_WRITE | FOLL_LONGTERM,
	};
	const int n = GUP_TEST_DEVMAP_PAGES;
	/* An odd offset, deep inside the PMD leaf or the PTE table. */
	const unsigned long skip = GUPK_PMD_PAGES - n - 3;
	unsigned long addr, ro, first;
	struct gupk_pins s0, s1;
	struct page *dev;
	bool leaf;
	int huge, f;

	for (huge = gupk_devmap_first_pass(test); huge >= 0; huge--) {
		first = huge ? 0 : GUPK_PMD_PAGES;
		addr = gupk_devmap(test, first, GUPK_PMD_PAGES, huge, 31 + huge,
				   &dev);
		KUNIT_EXPECT_PTR_EQ(test, gupk_mapped(addr, &leaf), dev);
		KUNIT_EXPECT_EQ(test, leaf, (bool)huge);
		s0 = gupk_pin_stats();
		for (f = 0; f < ARRAY_SIZE(flags); f++)
			gup_test_devmap_calls(test, addr + skip * PAGE_SIZE, n,
					      nth_page(dev, skip), skip,
					      31 + huge, flags[f]);
		s1 = gupk_pin_stats();
		KUNIT_EXPECT_EQ(test, s1.acquired - s0.acquired,
				(long)ARRAY_SIZE(flags) * n);
		KUNIT_EXPECT_EQ(test, s1.released - s0.released,
				(long)ARRAY_SIZE(flags) * n);

		ro = kunit_user_mmap_devmem(test, first, PMD_SIZE, PROT_READ,
					    huge);
		KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(ro));
		gup_test_expect_refused(test, ro, FOLL_WRITE, -EFAULT);
		gup_test_devmap_calls(test, ro, n, dev, 0, 31 + huge, 0);
	}
}

/* Secret memory is usable from user space but never handed out by GUP. */
static void gup_test_secretmem(struct kunit *test)
{
	long fd = gupk_memfd_secret(test);
	unsigned long addr;
	struct file *file;

	file = gupk_secret_file(test, fd, PAGE_SIZE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	addr = gupk_map_file(test, file, 1, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	gupk_fill(test, addr, 1, 19);
	KUNIT_EXPECT_EQ(test, gup_test_user_word(test, addr), gupk_tag(19, 0));
	gup_test_expect_refused(test, addr, 0, -EFAULT);
	gup_test_expect_refused(test, addr, FOLL_WRITE, -EFAULT);
}

/*
 * The x86_64 vsyscall page is reached through the gate VMA: never
 * writable, and readable exactly when the kernel maps it (vsyscall=emulate;
 * the default xonly mode leaves it unmapped).
 */
static void gup_test_gate_area(struct kunit *test)
{
#ifdef CONFIG_X86_64
	struct gupk_refs *get = gupk_refs(test, 1, false);
	struct mm_struct *mm = current->mm;
	struct page *expect = NULL;
	unsigned int level;
	pte_t *pte;
	long ret;

	/* What exec does for a 64-bit process. */
	mm->context.flags |= MM_CONTEXT_HAS_VSYSCALL;
	if (!get_gate_vma(mm) || !in_gate_area(mm, VSYSCALL_ADDR))
		kunit_skip(test, "vsyscall page disabled (vsyscall=none)");
	pte = lookup_address(VSYSCALL_ADDR, &level);
	if (pte && level == PG_LEVEL_4K && pte_present(*pte))
		expect = pte_page(*pte);

	mmap_read_lock(mm);
	ret = gupk_took(get, get_user_pages_remote(mm, VSYSCALL_ADDR, 1,
						   FOLL_WRITE, get->pages,
						   NULL, NULL));
	mmap_read_unlock(mm);
	KUNIT_EXPECT_EQ(test, ret, -EFAULT);

	mmap_read_lock(mm);
	ret = gupk_took(get, get_user_pages_remote(mm, VSYSCALL_ADDR, 1, 0,
						   get->pages, NULL, NULL));
	mmap_read_unlock(mm);
	if (expect) {
		KUNIT_EXPECT_EQ(test, ret, 1L);
		KUNIT_EXPECT_PTR_EQ(test, get->pages[0], expect);
	} else {
		KUNIT_EXPECT_EQ(test, ret, -EFAULT);
	}
#else
	kunit_skip(test, "no gate area on this architecture");
#endif
}

/* ---------------------------------------------------------------------- */
/* Dirtying on unpin                                                      */
/* ---------------------------------------------------------------------- */

static void gup_test_clean(struct page *page)
{
	lock_page(page);
	clear_page_dirty_for_io(page);
	unlock_page(page);
}

/*
 * unpin_user_pages_dirty_lock() marks the pages dirty when asked to, and
 * leaves clean pages clean when not.
 */
static void gup_test_unpin_dirty(struct kunit *test)
{
	struct file *file = gup_test_shmem_filled(test, 2, 20);
	struct gupk_refs *pin = gupk_refs(test, 2, true);
	struct page *cache[2];
	unsigned long addr;

	cache[0] = gup_test_cache_page(test, file, 0);
	cache[1] = gup_test_cache_page(test, file, 1);
	addr = gupk_map_file(test, file, 2, PROT_READ | PROT_WRITE,
			     MAP_SHARED);

	KUNIT_ASSERT_EQ(test, gup_test_grab(pin, addr, 2, FOLL_WRITE), 2);
	KUNIT_ASSERT_PTR_EQ(test, pin->pages[0], cache[0]);
	KUNIT_ASSERT_PTR_EQ(test, pin->pages[1], cache[1]);
	gup_test_clean(cache[0]);
	gup_test_clean(cache[1]);
	KUNIT_EXPECT_FALSE(test, PageDirty(cache[0]));
	unpin_user_pages_dirty_lock(pin->pages, pin->nr, true);
	pin->nr = 0;
	KUNIT_EXPECT_TRUE(test, PageDirty(cache[0]));
	KUNIT_EXPECT_TRUE(test, PageDirty(cache[1]));
	KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(cache[0]));

	KUNIT_ASSERT_EQ(test, gup_test_grab(pin, addr, 2, FOLL_WRITE), 2);
	gup_test_clean(cache[0]);
	gup_test_clean(cache[1]);
	unpin_user_pages_dirty_lock(pin->pages, pin->nr, false);
	pin->nr = 0;
	KUNIT_EXPECT_FALSE(test, PageDirty(cache[0]));
	KUNIT_EXPECT_FALSE(test, PageDirty(cache[1]));
	KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(cache[1]));

	/* shmem data lives only in memory: keep it from being dropped. */
	set_page_dirty_lock(cache[0]);
	set_page_dirty_lock(cache[1]);
}

/* The range variant on a single small shmem page. */
static void gup_test_unpin_range_dirty(struct kunit *test)
{
	struct file *file = gup_test_shmem_filled(test, 1, 21);
	struct gupk_refs *pin = gupk_refs(test, 1, true);
	struct page *cache = gup_test_cache_page(test, file, 0);
	unsigned long addr;

	addr = gupk_map_file(test, file, 1, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	KUNIT_ASSERT_EQ(test, gup_test_grab(pin, addr, 1, FOLL_WRITE), 1);
	KUNIT_ASSERT_PTR_EQ(test, pin->pages[0], cache);
	gup_test_clean(cache);
	KUNIT_EXPECT_FALSE(test, PageDirty(cache));
	unpin_user_page_range_dirty_lock(pin->pages[0], 1, true);
	pin->nr = 0;
	KUNIT_EXPECT_TRUE(test, PageDirty(cache));
	KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(cache));
	set_page_dirty_lock(cache);
}

/* The range variant on a run of subpages of one THP. */
static void gup_test_thp_unpin_range_dirty(struct kunit *test)
{
	struct gupk_refs *pin = gupk_refs(test, 4, true);
	struct folio *folio;
	unsigned long addr;
	int pin0;

	addr = gup_test_thp(test, &folio);
	pin0 = gupk_pincount(folio);
	KUNIT_ASSERT_EQ(test, gup_test_grab(pin, addr + 2 * PAGE_SIZE, 4,
					    FOLL_WRITE), 4);
	KUNIT_ASSERT_PTR_EQ(test, pin->pages[0], folio_page(folio, 2));
	gup_test_clean(&folio->page);
	KUNIT_EXPECT_FALSE(test, folio_test_dirty(folio));
	unpin_user_page_range_dirty_lock(pin->pages[0], 4, true);
	pin->nr = 0;
	KUNIT_EXPECT_TRUE(test, folio_test_dirty(folio));
	KUNIT_EXPECT_EQ(test, gupk_pincount(folio), pin0);
}

/* ---------------------------------------------------------------------- */
/* Populating                                                             */
/* ---------------------------------------------------------------------- */

/*
 * MAP_POPULATE maps every page at mmap time (writable private memory gets
 * real pages, not the zero page), so a FOLL_NOFAULT request succeeds.
 */
static void gup_test_map_populate(struct kunit *test)
{
	struct gupk_refs *get = gupk_refs(test, GUP_TEST_PAGES, false);
	unsigned long len = GUP_TEST_PAGES * PAGE_SIZE;
	unsigned long addr, shm;
	int i;

	addr = gupk_anon(test, GUP_TEST_PAGES, PROT_READ | PROT_WRITE,
			 MAP_POPULATE);
	gup_test_expect_present(test, addr, GUP_TEST_PAGES, GUP_TEST_PAGES);
	KUNIT_ASSERT_EQ(test, gup_test_grab(get, addr, GUP_TEST_PAGES,
					    FOLL_NOFAULT | FOLL_WRITE),
			GUP_TEST_PAGES);
	for (i = 0; i < GUP_TEST_PAGES; i++) {
		KUNIT_EXPECT_FALSE(test, is_zero_page(get->pages[i]));
		KUNIT_EXPECT_TRUE(test, PageAnon(get->pages[i]));
	}

	shm = kunit_user_mmap_shmem(test, len, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_POPULATE);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(shm));
	gup_test_expect_present(test, shm, GUP_TEST_PAGES, GUP_TEST_PAGES);
}

/* MAP_LOCKED populates too, and the pages come back mlocked. */
static void gup_test_map_locked(struct kunit *test)
{
	struct gupk_refs *get = gupk_refs(test, GUP_TEST_PAGES, false);
	unsigned long addr;
	int i;

	addr = gupk_anon(test, GUP_TEST_PAGES, PROT_READ | PROT_WRITE,
			 MAP_LOCKED);
	gup_test_expect_present(test, addr, GUP_TEST_PAGES, GUP_TEST_PAGES);
	KUNIT_ASSERT_EQ(test, gup_test_grab(get, addr, GUP_TEST_PAGES,
					    FOLL_NOFAULT), GUP_TEST_PAGES);
	for (i = 0; i < GUP_TEST_PAGES; i++)
		KUNIT_EXPECT_TRUE(test, PageMlocked(get->pages[i]));
}

/*
 * MADV_POPULATE_READ maps (zero) pages for reading, MADV_POPULATE_WRITE
 * maps private writable pages, and the latter is refused on a read-only
 * mapping.
 */
static void gup_test_madv_populate(struct kunit *test)
{
	unsigned long len = GUP_TEST_PAGES * PAGE_SIZE;
	unsigned long rd, wr, ro;
	struct mm_struct *mm = current->mm;
	int i;

	rd = gupk_anon(test, GUP_TEST_PAGES, PROT_READ | PROT_WRITE, 0);
	wr = gupk_anon(test, GUP_TEST_PAGES, PROT_READ | PROT_WRITE, 0);
	ro = gupk_anon(test, GUP_TEST_PAGES, PROT_READ, 0);

	KUNIT_EXPECT_EQ(test, do_madvise(mm, rd, len, MADV_POPULATE_READ), 0);
	gup_test_expect_present(test, rd, GUP_TEST_PAGES, GUP_TEST_PAGES);
	KUNIT_EXPECT_EQ(test, do_madvise(mm, wr, len, MADV_POPULATE_WRITE), 0);
	gup_test_expect_present(test, wr, GUP_TEST_PAGES, GUP_TEST_PAGES);
	for (i = 0; i < GUP_TEST_PAGES; i++) {
		struct page *r = gup_test_mapped(rd + i * PAGE_SIZE);
		struct page *w = gup_test_mapped(wr + i * PAGE_SIZE);

		KUNIT_EXPECT_TRUE(test, r && is_zero_page(r));
		KUNIT_EXPECT_TRUE(test, w && !is_zero_page(w) && PageAnon(w));
	}

	KUNIT_EXPECT_EQ(test, do_madvise(mm, ro, len, MADV_POPULATE_WRITE),
			-EINVAL);
	gup_test_expect_present(test, ro, GUP_TEST_PAGES, 0);
}

/*
 * get_dump_page() returns (with a reference) a page that holds data, and
 * NULL without faulting for a hole or the zero page.
 */
static void gup_test_dump_page(struct kunit *test)
{
#ifdef CONFIG_ELF_CORE
	unsigned long addr = gupk_anon(test, 3, PROT_READ | PROT_WRITE, 0);
	struct gupk_refs *got = gupk_refs(test, 3, false);
	struct page *page[3];
	int i;

	gupk_fill(test, addr, 1, 22);
	gup_test_user_word(test, addr + PAGE_SIZE);
	KUNIT_ASSERT_TRUE(test, is_zero_page(gup_test_mapped(addr + PAGE_SIZE)));

	for (i = 0; i < 3; i++) {
		page[i] = get_dump_page(addr + i * PAGE_SIZE);
		if (page[i])
			got->pages[got->nr++] = page[i];
	}
	KUNIT_EXPECT_PTR_EQ(test, page[0], gup_test_mapped(addr));
	if (page[0])
		KUNIT_EXPECT_EQ(test, gupk_page_word(page[0]),
				gupk_tag(22, 0));
	KUNIT_EXPECT_NULL(test, page[1]);
	KUNIT_EXPECT_NULL(test, page[2]);
	gup_test_expect_present(test, addr + 2 * PAGE_SIZE, 1, 0);
#else
	kunit_skip(test, "needs CONFIG_ELF_CORE");
#endif
}

/*
 * fixup_user_fault() resolves a fault on an unpopulated page and returns
 * with the mmap lock still held; it refuses a write to a read-only VMA and
 * an address without a VMA.
 */
static void gup_test_fixup_user_fault(struct kunit *test)
{
	unsigned long addr = gupk_anon(test, 1, PROT_READ | PROT_WRITE, 0);
	unsigned long ro = gupk_anon(test, 1, PROT_READ, 0);
	unsigned long hole = gupk_anon(test, 1, PROT_READ, 0);
	struct mm_struct *mm = current->mm;
	bool unlocked = false, held;
	int ret, ret_ro, ret_hole;
	struct page *page;

	KUNIT_ASSERT_EQ(test, vm_munmap(hole, PAGE_SIZE), 0);
	mmap_read_lock(mm);
	ret = fixup_user_fault(mm, addr, FAULT_FLAG_WRITE, &unlocked);
	ret_ro = fixup_user_fault(mm, ro, FAULT_FLAG_WRITE, &unlocked);
	ret_hole = fixup_user_fault(mm, hole, 0, &unlocked);
	held = rwsem_is_locked(&mm->mmap_lock);
	mmap_read_unlock(mm);

	KUNIT_EXPECT_TRUE(test, held);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, ret_ro, -EFAULT);
	KUNIT_EXPECT_EQ(test, ret_hole, -EFAULT);
	page = gup_test_mapped(addr);
	KUNIT_EXPECT_TRUE(test, page && PageAnon(page));
	gup_test_expect_present(test, ro, 1, 0);
}

static int gup_test_init(struct kunit *test)
{
	return kunit_user_mm_attach(test);
}

static struct kunit_case gup_test_cases[] = {
	KUNIT_CASE(gup_test_get_refcount),
	KUNIT_CASE(gup_test_pin_refcount),
	KUNIT_CASE(gup_test_two_tables),
	KUNIT_CASE(gup_test_mixed_table),
	KUNIT_CASE(gup_test_touch),
	KUNIT_CASE(gup_test_short_count),
	KUNIT_CASE(gup_test_no_pages),
	KUNIT_CASE(gup_test_negative_count),
	KUNIT_CASE(gup_test_fatal_signal),
	KUNIT_CASE(gup_test_fatal_signal_hugetlb),
	KUNIT_CASE(gup_test_unmapped),
	KUNIT_CASE(gup_test_pfnmap),
	KUNIT_CASE(gup_test_mixedmap_pfn),
	KUNIT_CASE(gup_test_follow_page_hugetlb),
	KUNIT_CASE(gup_test_write_readonly),
	KUNIT_CASE(gup_test_force_cow),
	KUNIT_CASE(gup_test_force_shared),
	KUNIT_CASE(gup_test_pin_after_fork),
	KUNIT_CASE(gup_test_fork_after_pin),
	KUNIT_CASE(gup_test_remote_locked),
	KUNIT_CASE(gup_test_unlocked),
	KUNIT_CASE(gup_test_nofault),
	KUNIT_CASE(gup_test_nowait),
	KUNIT_CASE(gup_test_fault_retry),
	KUNIT_CASE(gup_test_fault_completed),
	KUNIT_CASE(gup_test_fault_retry_unlocked),
	KUNIT_CASE(gup_test_fault_retry_nowait),
	KUNIT_CASE(gup_test_fault_retry_populate),
	KUNIT_CASE(gup_test_fixup_user_fault_dropped),
	KUNIT_CASE(gup_test_fault_in),
	KUNIT_CASE(gup_test_fault_in_shmem),
	KUNIT_CASE(gup_test_pin_vmstat),
	KUNIT_CASE(gup_test_zero_page_pin),
	KUNIT_CASE(gup_test_longterm_movable),
	KUNIT_CASE(gup_test_longterm_fsdax),
	KUNIT_CASE(gup_test_zero_page),
	KUNIT_CASE(gup_test_shmem),
	KUNIT_CASE(gup_test_page_cache),
	KUNIT_CASE(gup_test_thp_pin),
	KUNIT_CASE(gup_test_dcache_flush),
	KUNIT_CASE(gup_test_unpin_order),
	KUNIT_CASE(gup_test_hugetlb),
	KUNIT_CASE(gup_test_hugetlb_hole),
	KUNIT_CASE(gup_test_hugetlb_sizes),
	KUNIT_CASE(gup_test_hugetlb_pud),
	KUNIT_CASE(gup_test_hugetlb_pud_longterm),
	KUNIT_CASE(gup_test_longterm_movable_thp),
	KUNIT_CASE(gup_test_longterm_movable_hugetlb),
	KUNIT_CASE(gup_test_longterm_movable_hugetlb_fault),
	KUNIT_CASE(gup_test_longterm_isolated),
	KUNIT_CASE(gup_test_longterm_isolated_fast),
	KUNIT_CASE(gup_test_huge_zero_page),
	KUNIT_CASE(gup_test_split_pmd),
	KUNIT_CASE(gup_test_devmap),
	KUNIT_CASE(gup_test_secretmem),
	KUNIT_CASE(gup_test_gate_area),
	KUNIT_CASE(gup_test_unpin_dirty),
	KUNIT_CASE(gup_test_unpin_range_dirty),
	KUNIT_CASE(gup_test_thp_unpin_range_dirty),
	KUNIT_CASE(gup_test_map_populate),
	KUNIT_CASE(gup_test_map_locked),
	KUNIT_CASE(gup_test_madv_populate),
	KUNIT_CASE(gup_test_dump_page),
	KUNIT_CASE(gup_test_fixup_user_fault),
	{}
};

static struct kunit_suite gup_test_suite = {
	.name = "mm_gup",
	.init = gup_test_init,
	.test_cases = gup_test_cases,
};

kunit_test_suite(gup_test_suite);

MODULE_DESCRIPTION("KUnit tests for get_user_pages and pin_user_pages");
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the lockless entry points of get_user_pages():
 * get_user_pages_fast(), get_user_pages_fast_only(), pin_user_pages_fast()
 * and pin_user_pages_fast_only().
 *
 * Each case runs in a user address space of its own (include/kunit/
 * user_mm.h), writes a tag into every page through the user mapping, and
 * then compares what the fast calls return with an independent view: the
 * page tables read under mmap_lock with walk_page_range(), the page cache,
 * exact folio reference and pin counts, and the node vmstat counters.
 * The *_fast_only() calls never fall back to the locked path, so they show
 * what the lockless walk itself takes; the *_fast() calls must give the
 * same answer whatever part of the range the walk leaves to the slow path.
 *
 * The last two cases run kernel threads sharing the test's mm: two pin
 * and release pages in a loop while two others unmap, remap, zap, split,
 * mprotect and fork under them.  The pinners of the first case use the
 * lockless calls; those of the second the calls that fault under
 * mmap_lock (get_user_pages(), pin_user_pages(), their _unlocked() and
 * _remote() forms), some with FOLL_FORCE or FOLL_LONGTERM, so the path
 * the lockless walk falls back to meets the same races.  Every returned
 * page is checked for the tag its address was given, and the counters
 * must balance at the end.
 *
 * Only behaviour documented for these calls is checked, so every case
 * passes on the upstream implementation as well as on a replacement.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <kunit/user_mm.h>
#include <linux/delay.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/hugetlb.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmzone.h>
#include <linux/pagemap.h>
#include <linux/pagewalk.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/swap.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include <linux/vmstat.h>
#include <asm/syscall.h>
#include <asm/unistd.h>

#include "gup_kunit_util.h"

/* Small pages in one PMD-sized block (a THP, or a PMD-sized hugetlb page). */
#define GUPF_PMD_PAGES	(PMD_SIZE >> PAGE_SHIFT)

/* "Any count from 0 to the number asked for", for gupf_check_kind(). */
#define GUPF_ANY	LONG_MIN

/* ---------------------------------------------------------------------- */
/* The four entry points                                                  */
/* ---------------------------------------------------------------------- */

enum gupf_kind {
	GUPF_GET,
	GUPF_PIN,
	GUPF_GET_ONLY,
	GUPF_PIN_ONLY,
	GUPF_KINDS
};

static const char *const gupf_name[GUPF_KINDS] = {
	[GUPF_GET]	= "get_user_pages_fast",
	[GUPF_PIN]	= "pin_user_pages_fast",
	[GUPF_GET_ONLY]	= "get_user_pages_fast_only",
	[GUPF_PIN_ONLY]	= "pin_user_pages_fast_only",
};

static bool gupf_pins(enum gupf_kind kind)
{
	return kind == GUPF_PIN || kind == GUPF_PIN_ONLY;
}

static bool gupf_only(enum gupf_kind kind)
{
	return kind == GUPF_GET_ONLY || kind == GUPF_PIN_ONLY;
}

/*
 * What a *_fast_only() call that would take the @n pages from @start on
 * takes.  Nothing without a lockless walker (no HAVE_FAST_GUP: 32-bit Arm
 * without LPAE, riscv in 6.1), and nothing where the architecture's
 * gup_fast_permitted() keeps the walk off that range (on MIPS, every
 * range of a CPU whose data cache has aliases).
 */
static long gupf_only_takes(unsigned long start, long n)
{
	if (!IS_ENABLED(CONFIG_HAVE_FAST_GUP))
		return 0;
#ifdef gup_fast_permitted
	if (!gup_fast_permitted(start, start + n * PAGE_SIZE))
		return 0;
#endif
	return n;
}

static int gupf_call(enum gupf_kind kind, unsigned long start, int nr,
		     unsigned int flags, struct page **pages)
{
	switch (kind) {
	case GUPF_GET:
		return get_user_pages_fast(start, nr, flags, pages);
	case GUPF_PIN:
		return pin_user_pages_fast(start, nr, flags, pages);
	case GUPF_GET_ONLY:
		return get_user_pages_fast_only(start, nr, flags, pages);
	default:
		return pin_user_pages_fast_only(start, nr, flags, pages);
	}
}

/* Call @kind (which must pin iff @refs does) and own what it returned. */
static long gupf_take(struct gupk_refs *refs, enum gupf_kind kind,
		      unsigned long start, int nr, unsigned int flags)
{
	KUNIT_ASSERT_EQ(refs->test, refs->pinned, gupf_pins(kind));
	return gupk_took(refs, gupf_call(kind, start, nr, flags, refs->pages));
}

/* ---------------------------------------------------------------------- */
/* The page tables, read under mmap_lock                                  */
/* ---------------------------------------------------------------------- */

/* What the page tables map at each of @n pages from @start. */
struct gupf_view {
	struct gupk_walk walk;
	unsigned long start;
	unsigned long n;
	struct page **pages;	/* NULL where nothing is mapped */
	unsigned long huge;	/* pages mapped by PMD or hugetlb leaves */
};

static void gupf_view_note(struct gupk_walk *walk, unsigned long addr,
			   unsigned long end, struct page *first, bool huge)
{
	struct gupf_view *v = container_of(walk, struct gupf_view, walk);
	unsigned long i;

	for (i = 0; addr + i * PAGE_SIZE < end; i++) {
		v->pages[((addr - v->start) >> PAGE_SHIFT) + i] =
			nth_page(first, i);
		v->huge += huge;
	}
}

static struct gupf_view *gupf_look(struct kunit *test, unsigned long start,
				   unsigned long n)
{
	struct gupf_view *v;

	v = kunit_kzalloc(test, sizeof(*v), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	v->pages = kunit_kcalloc(test, n, sizeof(*v->pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v->pages);
	v->walk.note = gupf_view_note;
	v->start = start;
	v->n = n;
	gupk_walk(&v->walk, start, start + n * PAGE_SIZE);
	return v;
}

/* Number of leading pages of @v that are mapped. */
static unsigned long gupf_view_prefix(const struct gupf_view *v)
{
	unsigned long i;

	for (i = 0; i < v->n && v->pages[i]; i++)
		;
	return i;
}

/* ---------------------------------------------------------------------- */
/* Reference and pin counts                                               */
/* ---------------------------------------------------------------------- */

/* Counts of the folios behind a range of pages, in the range's order. */
struct gupf_folio_counts {
	struct folio *folio;
	long first;		/* index of the range's first page in it */
	long pages;		/* pages of the range in it */
	long owner;		/* the first stretch of the same folio */
	int ref;
	int pin;
};

struct gupf_counts {
	long n;
	struct gupf_folio_counts *f;
};

/* Order stretch numbers by folio, and by place in the range within one. */
static int gupf_by_folio(const void *a, const void *b, const void *priv)
{
	const struct gupf_folio_counts *f = priv;
	long i = *(const long *)a, j = *(const long *)b;

	if (f[i].folio != f[j].folio)
		return f[i].folio < f[j].folio ? -1 : 1;
	return i < j ? -1 : i > j;
}

/*
 * A folio may come back after other folios (a PTE-mapped THP, the zero
 * page): point every stretch at the first one of its folio, which alone
 * carries the folio's counts.  Sorting keeps this fast for the thousands
 * of single-page folios of a 512 MiB range of 64K pages.
 */
static void gupf_find_owners(struct kunit *test, struct gupf_counts *c)
{
	long *order, i, s;

	order = kunit_kcalloc(test, max(c->n, 1L), sizeof(*order), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, order);
	for (i = 0; i < c->n; i++)
		order[i] = i;
	sort_r(order, c->n, sizeof(*order), gupf_by_folio, NULL, c->f);
	/* Each folio's group starts with its lowest stretch, the owner. */
	for (i = 0; i < c->n; i++) {
		s = order[i];
		c->f[s].owner = s;
		if (i && c->f[order[i - 1]].folio == c->f[s].folio)
			c->f[s].owner = c->f[order[i - 1]].owner;
	}
	kunit_kfree(test, order);
}

/* Group @pages[0 .. @n) (all non-NULL) by folio and read their counts. */
static struct gupf_counts *gupf_counts(struct kunit *test, struct page **pages,
				       long n)
{
	struct gupf_counts *c;
	long i;

	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	c->f = kunit_kcalloc(test, max(n, 1L), sizeof(*c->f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->f);
	for (i = 0; i < n; i++) {
		struct folio *folio = page_folio(pages[i]);

		if (c->n && c->f[c->n - 1].folio == folio) {
			c->f[c->n - 1].pages++;
			continue;
		}
		c->f[c->n].folio = folio;
		c->f[c->n].first = i;
		c->f[c->n].pages = 1;
		c->n++;
	}
	gupf_find_owners(test, c);
	/* Per-CPU LRU batches hold references of their own: drain them. */
	lru_add_drain_all();
	for (i = 0; i < c->n; i++) {
		c->f[i].ref = folio_ref_count(c->f[i].folio);
		c->f[i].pin = gupk_pincount(c->f[i].folio);
	}
	return c;
}

/*
 * Expect the counts of @c to have moved by what a call holding the first
 * @taken pages of the range adds: a FOLL_GET reference per page; for a
 * FOLL_PIN pin, GUP_PIN_COUNTING_BIAS references on a small folio, one
 * reference plus one exact pin on a large one, nothing on the zero page.
 */
static void gupf_expect_counts(struct kunit *test,
			       const struct gupf_counts *c, long taken,
			       bool pinned, const char *what)
{
	long *held, i;

	/* How many of the first @taken pages each folio holds. */
	held = kunit_kcalloc(test, max(c->n, 1L), sizeof(*held), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, held);
	for (i = 0; i < c->n; i++)
		held[c->f[i].owner] += clamp(taken - c->f[i].first, 0L,
					     c->f[i].pages);

	lru_add_drain_all();
	for (i = 0; i < c->n; i++) {
		const struct gupf_folio_counts *f = &c->f[i];
		long k = held[i], ref = k, pin = 0;

		if (f->owner != i)
			continue;

		if (pinned && is_zero_page(&f->folio->page))
			ref = 0;
		else if (pinned && folio_test_large(f->folio))
			pin = k;
		else if (pinned)
			ref = k * GUP_PIN_COUNTING_BIAS;

		KUNIT_EXPECT_EQ_MSG(test, (long)folio_ref_count(f->folio),
				    f->ref + ref,
				    "%s: refcount of folio %ld (pages %ld-%ld)",
				    what, i, f->first, f->first + f->pages - 1);
		KUNIT_EXPECT_EQ_MSG(test, (long)gupk_pincount(f->folio),
				    f->pin + pin,
				    "%s: pincount of folio %ld (pages %ld-%ld)",
				    what, i, f->first, f->first + f->pages - 1);
	}
	kunit_kfree(test, held);
}

/* ---------------------------------------------------------------------- */
/* Checking one range with every entry point                              */
/* ---------------------------------------------------------------------- */

/*
 * A range of @n pages from @addr; the page tables map @expect[i] at page i
 * (NULL past the mapped prefix), and that page starts with @word[i].
 */
struct gupf_range {
	unsigned long addr;
	int n;
	long present;
	struct page **expect;
	u64 *word;
};

/*
 * Describe @n pages from @addr as the page tables map them now; page i is
 * expected to start with gupk_tag(@seed, @first + i), or with zeroes when
 * @seed is 0.
 */
static struct gupf_range *gupf_range(struct kunit *test, unsigned long addr,
				     int n, unsigned int seed,
				     unsigned long first)
{
	struct gupf_view *v = gupf_look(test, addr, n);
	struct gupf_range *r;
	int i;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->word = kunit_kcalloc(test, n, sizeof(*r->word), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->word);
	r->addr = addr;
	r->n = n;
	r->expect = v->pages;
	r->present = gupf_view_prefix(v);
	for (i = 0; i < n; i++)
		r->word[i] = seed ? gupk_tag(seed, first + i) : 0;
	return r;
}

/*
 * One call of @kind with @flags on @r: it returns @want (GUPF_ANY: any
 * count up to r->n), the pages the page tables map, holding what was
 * written there, with the exact reference and pin deltas; after release
 * the counts are back where they were.
 */
static void gupf_check_kind(struct kunit *test, const struct gupf_range *r,
			    enum gupf_kind kind, unsigned int flags, long want)
{
	bool pinned = gupf_pins(kind);
	struct gupk_refs *refs = gupk_refs(test, max(r->n, 1), pinned);
	struct gupf_counts *c = gupf_counts(test, r->expect, r->present);
	long ret, i, bad = -1;
	char what[80];

	snprintf(what, sizeof(what), "%s(%d pages, flags %#x)",
		 gupf_name[kind], r->n, flags);
	if (gupf_only(kind) && want != GUPF_ANY)
		want = gupf_only_takes(r->addr, want);
	ret = gupf_take(refs, kind, r->addr, r->n, flags);
	if (want == GUPF_ANY)
		KUNIT_EXPECT_TRUE_MSG(test, ret >= 0 && ret <= r->present,
				      "%s returned %ld, expected 0..%ld",
				      what, ret, r->present);
	else
		KUNIT_EXPECT_EQ_MSG(test, ret, want, "%s", what);

	for (i = 0; i < refs->nr && bad < 0; i++) {
		if (i >= r->present || refs->pages[i] != r->expect[i])
			bad = i;
		else if (gupk_page_word(refs->pages[i]) != r->word[i])
			bad = i;
	}
	if (bad >= 0) {
		KUNIT_FAIL(test, "%s: page %ld: pfn %#lx (%#llx), mapped %#lx (%#llx)",
			   what, bad, page_to_pfn(refs->pages[bad]),
			   gupk_page_word(refs->pages[bad]),
			   bad < r->present ? page_to_pfn(r->expect[bad]) : 0,
			   r->word[bad]);
	} else {
		gupf_expect_counts(test, c, refs->nr, pinned, what);
	}

	gupk_drop(refs);
	gupf_expect_counts(test, c, 0, pinned, "after release");
}

/*
 * All four calls with @flags: the *_fast() ones return @want pages, the
 * *_fast_only() ones @want_only.
 */
static void gupf_check_all(struct kunit *test, const struct gupf_range *r,
			   unsigned int flags, long want, long want_only)
{
	enum gupf_kind kind;

	for (kind = 0; kind < GUPF_KINDS; kind++)
		gupf_check_kind(test, r, kind, flags,
				gupf_only(kind) ? want_only : want);
}

/* ---------------------------------------------------------------------- */
/* Mappings and system calls                                              */
/* ---------------------------------------------------------------------- */

/*
 * @nr PMD-mapped THPs, written with tags from @seed; skips the case when
 * THP is not available.
 */
static unsigned long gupf_thp(struct kunit *test, unsigned long nr,
			      unsigned int seed)
{
	unsigned long n = nr * GUPF_PMD_PAGES;
	struct gupf_view *v;
	unsigned long addr;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		kunit_skip(test, "needs CONFIG_TRANSPARENT_HUGEPAGE");
	addr = kunit_user_mmap_thp(test, nr * PMD_SIZE,
				   PROT_READ | PROT_WRITE, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr), "mmap: %ld",
			       (long)addr);
	gupk_fill(test, addr, n, seed);
	v = gupf_look(test, addr, n);
	if (v->huge != n)
		kunit_skip(test, "no PMD-mapped THP (%lu of %lu pages huge)",
			   v->huge, n);
	return addr;
}

/* mprotect(2) of the caller's mm; the kernel has no other entry to it. */
static long gupf_mprotect(unsigned long addr, unsigned long len,
			  unsigned long prot)
{
	return gupk_syscall(__NR_mprotect, addr, len, prot);
}

/* ---------------------------------------------------------------------- */
/* Every kind of leaf                                                     */
/* ---------------------------------------------------------------------- */

/* Small anonymous folios behind PTEs. */
static void gupf_test_anon(struct kunit *test)
{
	unsigned long addr = gupk_anon_filled(test, 8, 1);
	struct gupf_range *r = gupf_range(test, addr, 8, 1, 0);
	int i;

	KUNIT_ASSERT_EQ(test, r->present, 8L);
	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_FALSE(test, folio_test_large(page_folio(r->expect[i])));
	gupf_check_all(test, r, 0, 8, 8);
	gupf_check_all(test, r, FOLL_WRITE, 8, 8);
}

/*
 * Small pages on both sides of a PMD boundary: one call reads two page
 * tables, and the walk descends from the top again for the second.
 */
static void gupf_test_anon_two_tables(struct kunit *test)
{
	unsigned long addr = gupk_anon_filled(test, 2 * GUPF_PMD_PAGES, 6);
	unsigned long boundary = ALIGN(addr + 4 * PAGE_SIZE, PMD_SIZE);
	unsigned long start = boundary - 4 * PAGE_SIZE;
	struct gupf_range *r;

	r = gupf_range(test, start, 8, 6, (start - addr) >> PAGE_SHIFT);
	KUNIT_ASSERT_EQ(test, r->present, 8L);
	KUNIT_ASSERT_FALSE(test, folio_test_large(page_folio(r->expect[0])));
	KUNIT_ASSERT_FALSE(test, folio_test_large(page_folio(r->expect[7])));
	gupf_check_all(test, r, 0, 8, 8);
	gupf_check_all(test, r, FOLL_WRITE, 8, 8);
}

/*
 * PMD-mapped THPs: a whole one, a range straddling two of them, so that
 * one call covers two huge leaves and two folios, and single pages of
 * one (the walk takes a one-page call through its own copy of the leaf
 * code).
 */
static void gupf_test_thp_pmd(struct kunit *test)
{
	const int n = GUPF_PMD_PAGES;
	unsigned long addr = gupf_thp(test, 2, 2);
	struct gupf_range *whole = gupf_range(test, addr, n, 2, 0);
	struct gupf_range *across, *one;
	const int singles[] = { 0, n / 2 + 3, n - 1, n };
	int i;

	for (i = 0; i < ARRAY_SIZE(singles); i++) {
		one = gupf_range(test, addr + singles[i] * PAGE_SIZE, 1, 2,
				 singles[i]);
		KUNIT_ASSERT_EQ(test, one->present, 1L);
		gupf_check_all(test, one, 0, 1, 1);
		gupf_check_all(test, one, FOLL_WRITE, 1, 1);
	}

	across = gupf_range(test, addr + (n / 2) * PAGE_SIZE, n, 2, n / 2);
	KUNIT_ASSERT_EQ(test, whole->present, (long)n);
	KUNIT_ASSERT_EQ(test, across->present, (long)n);
	KUNIT_ASSERT_PTR_NE(test, page_folio(across->expect[0]),
			    page_folio(across->expect[n - 1]));

	gupf_check_all(test, whole, 0, n, n);
	gupf_check_all(test, whole, FOLL_WRITE, n, n);
	gupf_check_all(test, across, 0, n, n);
	gupf_check_all(test, across, FOLL_WRITE, n, n);
}

/*
 * A THP whose PMD was split into PTEs while the folio stayed large:
 * mprotect() of its second half.  Reads take all of it, writes stop at
 * the read-only half.
 */
static void gupf_test_thp_pte(struct kunit *test)
{
	const int n = GUPF_PMD_PAGES;
	unsigned long addr = gupf_thp(test, 1, 3);
	struct gupf_view *before = gupf_look(test, addr, n);
	struct folio *folio = page_folio(before->pages[0]);
	struct gupf_range *r;
	long err;
	int i;

	err = gupf_mprotect(addr + PMD_SIZE / 2, PMD_SIZE / 2, PROT_READ);
	if (err == -EOPNOTSUPP)
		kunit_skip(test, "no way to call mprotect() on this architecture");
	KUNIT_ASSERT_EQ(test, err, 0L);

	r = gupf_range(test, addr, n, 3, 0);
	KUNIT_ASSERT_EQ(test, r->present, (long)n);
	KUNIT_ASSERT_EQ_MSG(test, gupf_look(test, addr, n)->huge, 0UL,
			    "the PMD was not split");
	KUNIT_ASSERT_TRUE(test, folio_test_large(folio));
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_PTR_EQ(test, r->expect[i], before->pages[i]);
		KUNIT_ASSERT_PTR_EQ(test, page_folio(r->expect[i]), folio);
	}

	gupf_check_all(test, r, 0, n, n);
	gupf_check_all(test, r, FOLL_WRITE, n / 2, n / 2);
}

/*
 * One page table in which small folios, the zero page and stretches of a
 * PTE-mapped THP take turns, so that the walk goes from taking small
 * pages one at a time to taking folio runs and back, several times in
 * one call.  Zapping pages of a THP splits its PMD and leaves the rest
 * of the folio mapped by PTEs; pages 0-3 and 100-103 (of the first 256,
 * or proportionally fewer in a smaller PMD) are then written again
 * (small folios), 200-203 read again (the zero page).  A read takes
 * everything, except that the lockless walk leaves the zero page's special
 * PTEs to the slow path; a write without it stops there too.
 */
static void gupf_test_mixed_table(struct kunit *test)
{
	const int n = min_t(int, GUPF_PMD_PAGES, 256);
	const int zap[] = { 0, n * 100 / 256, n * 200 / 256 };
	unsigned long addr = gupf_thp(test, 1, 7);
	struct folio *thp = page_folio(gupf_look(test, addr, 1)->pages[0]);
	struct gupf_range *r;
	u64 val;
	int i;

	for (i = 0; i < ARRAY_SIZE(zap); i++)
		KUNIT_ASSERT_EQ(test, do_madvise(current->mm,
						 addr + zap[i] * PAGE_SIZE,
						 4 * PAGE_SIZE, MADV_DONTNEED),
				0);
	gupk_fill_range(test, addr, zap[0], 4, 7);
	gupk_fill_range(test, addr, zap[1], 4, 7);
	for (i = zap[2]; i < zap[2] + 4; i++)
		KUNIT_ASSERT_EQ(test, get_user(val, (u64 __user *)(addr + i * PAGE_SIZE)),
				0);

	r = gupf_range(test, addr, n, 7, 0);
	KUNIT_ASSERT_EQ(test, r->present, (long)n);
	if (!is_zero_page(r->expect[zap[2]]))
		kunit_skip(test, "read faults do not map the zero page here");
	KUNIT_ASSERT_TRUE(test, folio_test_large(thp));
	for (i = 0; i < n; i++) {
		bool zero = i >= zap[2] && i < zap[2] + 4;
		bool small = i < zap[0] + 4 ||
			     (i >= zap[1] && i < zap[1] + 4) || zero;

		if (zero)
			r->word[i] = 0;
		KUNIT_ASSERT_EQ_MSG(test, page_folio(r->expect[i]) == thp,
				    !small, "page %d", i);
	}

	gupf_check_all(test, r, 0, n, zap[2]);
	gupf_check_kind(test, r, GUPF_GET_ONLY, FOLL_WRITE, zap[2]);
	gupf_check_kind(test, r, GUPF_PIN_ONLY, FOLL_WRITE, zap[2]);
}

/* A PMD-sized hugetlb page, mapped shared. */
static void gupf_test_hugetlb(struct kunit *test)
{
	unsigned long hsize = kunit_user_hugetlb_size();
	struct gupf_range *r;
	unsigned long addr;
	int n;

	if (!hsize)
		kunit_skip(test, "no hugetlb support");
	addr = kunit_user_mmap_hugetlb(test, hsize, PROT_READ | PROT_WRITE,
				       MAP_SHARED);
	if ((long)addr == -ENOMEM)
		kunit_skip(test, "no free huge page (boot with hugepages=)");
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr), "mmap: %ld",
			       (long)addr);
	n = min_t(unsigned long, hsize >> PAGE_SHIFT, GUPF_PMD_PAGES);
	gupk_fill(test, addr, n, 4);
	r = gupf_range(test, addr, n, 4, 0);
	KUNIT_ASSERT_EQ(test, r->present, (long)n);
	KUNIT_ASSERT_TRUE(test, folio_test_hugetlb(page_folio(r->expect[0])));
	KUNIT_ASSERT_EQ(test, gupf_look(test, addr, n)->huge, (unsigned long)n);

	gupf_check_all(test, r, 0, n, n);
	gupf_check_all(test, r, FOLL_WRITE, n, n);
}

/*
 * A PUD-size hugetlb page: the lockless walk meets a PUD leaf.  On runs
 * at its start, in its middle, across PMD-size offsets and at its end,
 * all four calls, reading and writing, return its subpages with exact
 * reference and pin counts, and count every pin in NR_FOLL_PIN_*.  A
 * FOLL_LONGTERM pin takes the page in place when it can stay pinned
 * there (outside ZONE_MOVABLE, the normal case); otherwise the lockless
 * walk must leave it alone and the fallback move it or fail.
 */
static void gupf_test_hugetlb_pud(struct kunit *test)
{
	const unsigned int lt = FOLL_WRITE | FOLL_LONGTERM;
	struct gupk_span span;
	const struct gupk_span *sp = &span;
	struct gupk_pins s0, s1;
	unsigned int i;
	struct gupk_refs *refs;
	struct gupf_range *r;
	struct folio *folio;
	unsigned long addr;
	bool pinnable;
	long pins, only;

	addr = gupk_pud_hugetlb(test, 25, &folio);
	pinnable = folio_is_longterm_pinnable(folio);
	kunit_info(test, "PUD-size hugetlb page at pfn %#lx, zone %s\n",
		   folio_pfn(folio), folio_zone(folio)->name);

	for (i = 0; i < GUPK_PUD_SPANS; i++) {
		span = gupk_pud_span(i);
		r = gupf_range(test, addr + sp->first * PAGE_SIZE, sp->nr, 25,
			       sp->first);
		KUNIT_ASSERT_EQ_MSG(test, r->present, sp->nr, "%s", sp->name);
		gupk_expect_subpages(test, r->expect, sp->nr, folio, sp->first,
				     25, sp->name);

		s0 = gupk_pin_stats();
		gupf_check_all(test, r, 0, sp->nr, sp->nr);
		gupf_check_all(test, r, FOLL_WRITE, sp->nr, sp->nr);
		gupf_check_kind(test, r, GUPF_PIN_ONLY, lt,
				pinnable ? sp->nr : 0);
		if (pinnable) {
			gupf_check_kind(test, r, GUPF_PIN, lt, sp->nr);
		} else {
			refs = gupk_refs(test, sp->nr, true);
			gupk_expect_longterm_moved(test, refs,
						   gupf_take(refs, GUPF_PIN,
							     r->addr, r->n, lt),
						   sp->nr, sp->first, 25);
			gupk_drop(refs);
		}
		s1 = gupk_pin_stats();
		/*
		 * pin_user_pages_fast() and pin_user_pages_fast_only() (which
		 * pins only where the lockless walk runs) for each of two
		 * flags, and long term too where the page may stay pinned.
		 */
		only = gupf_only_takes(r->addr, sp->nr);
		pins = (pinnable ? 3 : 2) * (sp->nr + only);
		if (pinnable)
			KUNIT_EXPECT_EQ_MSG(test, s1.acquired - s0.acquired,
					    pins, "%s: NR_FOLL_PIN_ACQUIRED",
					    sp->name);
		else
			KUNIT_EXPECT_GE_MSG(test, s1.acquired - s0.acquired,
					    pins, "%s: NR_FOLL_PIN_ACQUIRED",
					    sp->name);
		KUNIT_EXPECT_EQ_MSG(test, s1.released - s0.released,
				    s1.acquired - s0.acquired,
				    "%s: NR_FOLL_PIN_RELEASED", sp->name);
	}
}

/*
 * A range that runs off the end of a PUD leaf: the last pages of a
 * PUD-size hugetlb page, then small anonymous pages mapped right after
 * it, under the next PUD entry.  Every call returns the hugetlb subpages
 * up to the leaf's end and then the small pages, never a page beyond the
 * hugetlb folio.  With nothing accessible after the leaf, the calls stop
 * at its end.  Where the PUD level is folded into the PGD (arm64 with
 * three levels), only the PGD entry's span bounds the leaf.
 */
static void gupf_test_hugetlb_pud_edge(struct kunit *test)
{
	const unsigned long first = GUPK_PUD_PAGES - 4;
	struct gupf_range *r;
	struct folio *folio;
	unsigned long addr, next;

	addr = gupk_pud_hugetlb(test, 26, &folio);
	next = kunit_user_mmap(test, NULL, addr + PUD_SIZE, 4 * PAGE_SIZE,
			       PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS |
			       MAP_FIXED_NOREPLACE, 0);
	KUNIT_ASSERT_EQ_MSG(test, next, addr + PUD_SIZE, "mmap: %ld",
			    (long)next);
	gupk_fill_range(test, addr, GUPK_PUD_PAGES, 4, 26);

	r = gupf_range(test, addr + first * PAGE_SIZE, 8, 26, first);
	KUNIT_ASSERT_EQ(test, r->present, 8L);
	gupk_expect_subpages(test, r->expect, 4, folio, first, 26, "edge");
	KUNIT_ASSERT_FALSE(test, folio_test_large(page_folio(r->expect[4])));
	gupf_check_all(test, r, 0, 8, 8);
	gupf_check_all(test, r, FOLL_WRITE, 8, 8);

	/* Take the small pages away: only the leaf's four remain. */
	KUNIT_ASSERT_EQ(test, vm_munmap(next, 4 * PAGE_SIZE), 0);
	r = gupf_range(test, addr + first * PAGE_SIZE, 8, 26, first);
	KUNIT_ASSERT_EQ(test, r->present, 4L);
	gupf_check_all(test, r, 0, 4, 4);
	gupf_check_all(test, r, FOLL_WRITE, 4, 4);
}

/*
 * Devmap entries (ZONE_DEVICE memory mapped the way device-dax maps it), a
 * PMD leaf and then PTEs, whole and from an odd offset: the lockless walk
 * returns the device pages, holding their dev_pagemap while it takes them.
 * FOLL_LONGTERM is the slow path's to decide (the fsdax refusal lives
 * there), so pin_user_pages_fast_only() takes nothing and
 * pin_user_pages_fast() pins all of them through the fallback.
 */
static void gupf_test_devmap(struct kunit *test)
{
	const unsigned int lt = FOLL_WRITE | FOLL_LONGTERM;
	const int n = GUPF_PMD_PAGES;
	unsigned long addr, first, off;
	struct gupf_range *r;
	struct page *dev;
	bool leaf;
	int huge, i;

	for (huge = gupk_devmap_first_pass(test); huge >= 0; huge--) {
		first = huge ? 0 : GUPF_PMD_PAGES;
		addr = gupk_devmap(test, first, n, huge, 26 + huge, &dev);
		KUNIT_EXPECT_PTR_EQ(test, gupk_mapped(addr, &leaf), dev);
		KUNIT_EXPECT_EQ(test, leaf, (bool)huge);
		for (off = 0; off < n; off += n - 37) {
			r = gupf_range(test, addr + off * PAGE_SIZE, n - off,
				       26 + huge, off);
			KUNIT_ASSERT_EQ(test, r->present, (long)(n - off));
			for (i = 0; i < n - off; i++)
				if (r->expect[i] != nth_page(dev, off + i))
					break;
			KUNIT_EXPECT_EQ_MSG(test, i, (int)(n - off),
					    "page %d is not device page %lu",
					    i, off + i);

			gupf_check_all(test, r, 0, n - off, n - off);
			gupf_check_all(test, r, FOLL_WRITE, n - off, n - off);
			gupf_check_kind(test, r, GUPF_PIN_ONLY, lt, 0);
			gupf_check_kind(test, r, GUPF_PIN, lt, n - off);
		}
	}
}

/* shmem: the page cache pages themselves. */
static void gupf_test_shmem(struct kunit *test)
{
	const int n = 8;
	struct gupf_range *r;
	struct file *file;
	unsigned long addr;
	int i;

	file = kunit_user_shmem_file(test, n * PAGE_SIZE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	addr = gupk_map_file(test, file, n, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	gupk_fill(test, addr, n, 5);
	r = gupf_range(test, addr, n, 5, 0);
	KUNIT_ASSERT_EQ(test, r->present, (long)n);
	for (i = 0; i < n; i++) {
		struct page *cached = find_get_page(file->f_mapping, i);

		KUNIT_EXPECT_PTR_EQ(test, r->expect[i], cached);
		if (cached)
			put_page(cached);
	}

	gupf_check_all(test, r, 0, n, n);
	gupf_check_all(test, r, FOLL_WRITE, n, n);
}

/*
 * The shared zero page behind read faults of anonymous memory.  The
 * lockless walk may leave it to the slow path, so *_fast_only() may
 * return fewer pages; but a FOLL_GET reference is still counted on it, a
 * pin is not, and a write request replaces it with a private page.
 */
static void gupf_test_zero_page(struct kunit *test)
{
	const int n = 4;
	unsigned long addr = gupk_anon(test, n, PROT_READ | PROT_WRITE, 0);
	struct gupk_refs *wr = gupk_refs(test, n, false);
	struct gupf_range *r;
	u64 val;
	int i;

	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, get_user(val, (u64 __user *)(addr + i * PAGE_SIZE)), 0);
	r = gupf_range(test, addr, n, 0, 0);
	KUNIT_ASSERT_EQ(test, r->present, (long)n);
	if (!is_zero_page(r->expect[0]))
		kunit_skip(test, "read faults do not map the zero page here");

	gupf_check_all(test, r, 0, n, GUPF_ANY);

	KUNIT_ASSERT_EQ(test, gupf_take(wr, GUPF_GET, addr, n, FOLL_WRITE),
			(long)n);
	for (i = 0; i < n; i++) {
		struct page *page = wr->pages[i];

		KUNIT_EXPECT_FALSE(test, is_zero_page(page));
		KUNIT_EXPECT_TRUE(test, PageAnon(page));
		KUNIT_EXPECT_EQ(test, gupk_page_word(page), 0ULL);
		KUNIT_EXPECT_PTR_EQ(test, page,
				    gupf_look(test, addr + i * PAGE_SIZE, 1)->pages[0]);
	}
}

/* The huge zero page behind a read fault of a THP-enabled range. */
static void gupf_test_huge_zero_page(struct kunit *test)
{
	const int n = GUPF_PMD_PAGES;
	struct gupf_range *r;
	unsigned long addr;
	u64 val;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		kunit_skip(test, "needs CONFIG_TRANSPARENT_HUGEPAGE");
	addr = kunit_user_mmap_thp(test, PMD_SIZE, PROT_READ | PROT_WRITE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_ASSERT_EQ(test, get_user(val, (u64 __user *)addr), 0);
	r = gupf_range(test, addr, n, 0, 0);
	if (r->present != n ||
	    !is_huge_zero_page(compound_head(r->expect[0])))
		kunit_skip(test, "the read fault did not map the huge zero page");

	gupf_check_all(test, r, 0, n, n);
}

/* ---------------------------------------------------------------------- */
/* *_fast_only() and mmap_lock                                            */
/* ---------------------------------------------------------------------- */

/*
 * Call both *_fast_only() entries with @flags while this thread holds
 * mmap_lock for write: an attempt to take the lock would deadlock.
 */
static void gupf_only_write_locked(struct kunit *test, unsigned long addr,
				   int n, unsigned int flags,
				   struct gupk_refs *get, struct gupk_refs *pin)
{
	struct mm_struct *mm = current->mm;
	long got, pinned;
	bool held;

	/* No assertion may abort the case while the lock is held. */
	mmap_write_lock(mm);
	got = get_user_pages_fast_only(addr, n, flags, get->pages);
	pinned = pin_user_pages_fast_only(addr, n, flags, pin->pages);
	held = rwsem_is_locked(&mm->mmap_lock);
	mmap_write_unlock(mm);

	gupk_took(get, got);
	gupk_took(pin, pinned);
	KUNIT_EXPECT_TRUE(test, held);
}

/*
 * With mmap_lock held for write, *_fast_only() return every present page
 * of a populated range; with a hole in the middle they return the pages
 * before it and fault nothing in.
 */
static void gupf_test_only_no_lock(struct kunit *test)
{
	const int n = 8;
	unsigned long addr = gupk_anon_filled(test, n, 6);
	struct gupf_view *v = gupf_look(test, addr, n);
	struct gupk_refs *get, *pin;
	unsigned int flags;
	int i;

	KUNIT_ASSERT_EQ(test, gupf_view_prefix(v), (unsigned long)n);
	get = gupk_refs(test, n, false);
	pin = gupk_refs(test, n, true);
	gupf_only_write_locked(test, addr, n, FOLL_WRITE, get, pin);
	KUNIT_EXPECT_EQ(test, get->nr, gupf_only_takes(addr, n));
	KUNIT_EXPECT_EQ(test, pin->nr, gupf_only_takes(addr, n));
	for (i = 0; i < min(get->nr, pin->nr); i++) {
		KUNIT_EXPECT_PTR_EQ(test, get->pages[i], v->pages[i]);
		KUNIT_EXPECT_PTR_EQ(test, pin->pages[i], v->pages[i]);
	}
	gupk_drop(get);
	gupk_drop(pin);

	/* Pages 0-2 and 4-7 written, page 3 never touched. */
	addr = gupk_anon(test, n, PROT_READ | PROT_WRITE, 0);
	gupk_fill(test, addr, 3, 7);
	gupk_fill(test, addr + 4 * PAGE_SIZE, n - 4, 8);
	v = gupf_look(test, addr, n);
	KUNIT_ASSERT_EQ(test, gupf_view_prefix(v), 3UL);

	for (flags = 0; flags <= FOLL_WRITE; flags += FOLL_WRITE) {
		gupf_only_write_locked(test, addr, n, flags, get, pin);
		KUNIT_EXPECT_EQ_MSG(test, get->nr, gupf_only_takes(addr, 3),
				    "flags %#x", flags);
		KUNIT_EXPECT_EQ_MSG(test, pin->nr, gupf_only_takes(addr, 3),
				    "flags %#x", flags);
		for (i = 0; i < min(get->nr, pin->nr); i++) {
			KUNIT_EXPECT_PTR_EQ(test, get->pages[i], v->pages[i]);
			KUNIT_EXPECT_PTR_EQ(test, pin->pages[i], v->pages[i]);
			KUNIT_EXPECT_EQ(test, gupk_page_word(pin->pages[i]),
					gupk_tag(7, i));
		}
		gupk_drop(get);
		gupk_drop(pin);
		KUNIT_EXPECT_NULL_MSG(test, gupf_look(test, addr + 3 * PAGE_SIZE, 1)->pages[0],
				      "_fast_only faulted the hole in (flags %#x)",
				      flags);
	}
}

/* ---------------------------------------------------------------------- */
/* Partly present ranges                                                  */
/* ---------------------------------------------------------------------- */

/*
 * The first half of the range is populated, the second is mapped but was
 * never touched: *_fast() returns every page, in order, the populated
 * ones unchanged and the others faulted in; the same pages as the locked
 * get_user_pages() and as the page tables show afterwards.
 */
static void gupf_test_partial(struct kunit *test)
{
	const int n = 16;
	struct gupk_refs *pin = gupk_refs(test, n, true);
	struct gupk_refs *get = gupk_refs(test, n, false);
	struct gupk_refs *slow = gupk_refs(test, n, false);
	struct gupf_view *before, *after;
	unsigned long addr;
	long ret;
	int i;

	/* Write pin: the second half becomes private zeroed pages. */
	addr = gupk_anon(test, n, PROT_READ | PROT_WRITE, 0);
	gupk_fill(test, addr, n / 2, 9);
	before = gupf_look(test, addr, n);
	KUNIT_ASSERT_EQ(test, gupf_view_prefix(before), (unsigned long)n / 2);
	KUNIT_ASSERT_EQ(test, gupf_take(pin, GUPF_PIN, addr, n, FOLL_WRITE),
			(long)n);
	after = gupf_look(test, addr, n);
	for (i = 0; i < n; i++) {
		struct page *page = pin->pages[i];

		KUNIT_EXPECT_PTR_EQ(test, page, after->pages[i]);
		if (i < n / 2) {
			KUNIT_EXPECT_PTR_EQ(test, page, before->pages[i]);
			KUNIT_EXPECT_EQ(test, gupk_page_word(page),
					gupk_tag(9, i));
		} else {
			KUNIT_EXPECT_FALSE(test, is_zero_page(page));
			KUNIT_EXPECT_EQ(test, gupk_page_word(page), 0ULL);
		}
		KUNIT_EXPECT_TRUE(test, page_maybe_dma_pinned(page));
	}
	gupk_drop(pin);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(after->pages[i]));

	/* Read get: the second half reads the zero page. */
	addr = gupk_anon(test, n, PROT_READ | PROT_WRITE, 0);
	gupk_fill(test, addr, n / 2, 10);
	before = gupf_look(test, addr, n);
	KUNIT_ASSERT_EQ(test, gupf_take(get, GUPF_GET, addr, n, 0), (long)n);
	mmap_read_lock(current->mm);
	ret = gupk_took(slow, get_user_pages(addr, n, 0, slow->pages, NULL));
	mmap_read_unlock(current->mm);
	KUNIT_ASSERT_EQ(test, ret, (long)n);
	after = gupf_look(test, addr, n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_PTR_EQ(test, get->pages[i], slow->pages[i]);
		KUNIT_EXPECT_PTR_EQ(test, get->pages[i], after->pages[i]);
		if (i < n / 2)
			KUNIT_EXPECT_PTR_EQ(test, get->pages[i],
					    before->pages[i]);
		KUNIT_EXPECT_EQ(test, gupk_page_word(get->pages[i]),
				i < n / 2 ? gupk_tag(10, i) : 0ULL);
	}
}

/* A range running into an unmapped hole returns the mapped prefix. */
static void gupf_test_hole(struct kunit *test)
{
	const int n = 8;
	unsigned long addr = gupk_anon_filled(test, n, 11);
	struct gupk_refs *get = gupk_refs(test, n, false);
	struct gupk_refs *pin = gupk_refs(test, n, true);
	struct gupf_view *after;
	struct gupf_range *r;
	int i;

	/* Pages 0-4 present, then an unmapped hole. */
	KUNIT_ASSERT_EQ(test, vm_munmap(addr + 5 * PAGE_SIZE, 3 * PAGE_SIZE),
			0);
	r = gupf_range(test, addr, n, 11, 0);
	KUNIT_ASSERT_EQ(test, r->present, 5L);
	gupf_check_all(test, r, 0, 5, 5);
	gupf_check_all(test, r, FOLL_WRITE, 5, 5);

	/* Pages 0-2 present, 3-4 never touched, then the hole. */
	KUNIT_ASSERT_EQ(test, vm_munmap(addr, 5 * PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, kunit_user_mmap(test, NULL, addr, 5 * PAGE_SIZE,
					      PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS |
					      MAP_FIXED, 0), addr);
	gupk_fill(test, addr, 3, 12);
	KUNIT_ASSERT_EQ(test, gupf_take(get, GUPF_GET_ONLY, addr, n, 0),
			gupf_only_takes(addr, 3));
	gupk_drop(get);
	KUNIT_ASSERT_EQ(test, gupf_take(pin, GUPF_PIN, addr, n, FOLL_WRITE),
			5L);
	KUNIT_ASSERT_EQ(test, gupf_take(get, GUPF_GET, addr, n, 0), 5L);
	after = gupf_look(test, addr, n);
	for (i = 0; i < 5; i++) {
		KUNIT_EXPECT_PTR_EQ(test, pin->pages[i], after->pages[i]);
		KUNIT_EXPECT_PTR_EQ(test, get->pages[i], after->pages[i]);
		KUNIT_EXPECT_EQ(test, gupk_page_word(pin->pages[i]),
				i < 3 ? gupk_tag(12, i) : 0ULL);
	}
}

/* ---------------------------------------------------------------------- */
/* FOLL_* flags and refusals                                              */
/* ---------------------------------------------------------------------- */

/*
 * FOLL_WRITE on present read-only pages (a read-only shared mapping of
 * shmem) is refused; a range that starts writable stops where the
 * read-only part starts; reads take everything.
 */
static void gupf_test_write_readonly(struct kunit *test)
{
	const int n = 8;
	struct gupf_range *ro, *all;
	unsigned long addr;
	struct file *file;
	loff_t pos;
	u64 val;
	int i;

	/*
	 * Read-only shmem pages, anonymous pages mapped over the first half.
	 * The kernel places the shared mapping: where the data cache aliases
	 * (MIPS) it must sit at the file's colour, which MAP_FIXED at an
	 * address of our choosing could miss.
	 */
	file = kunit_user_shmem_file(test, n * PAGE_SIZE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	for (i = n / 2; i < n; i++) {
		val = gupk_tag(14, i - n / 2);
		pos = i * PAGE_SIZE;
		KUNIT_ASSERT_EQ(test, kernel_write(file, &val, sizeof(val), &pos),
				(ssize_t)sizeof(val));
	}
	addr = gupk_map_file(test, file, n, PROT_READ, MAP_SHARED);
	KUNIT_ASSERT_EQ(test, kunit_user_mmap(test, NULL, addr,
					      n / 2 * PAGE_SIZE,
					      PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS |
					      MAP_FIXED, 0), addr);
	gupk_fill(test, addr, n / 2, 13);
	for (i = n / 2; i < n; i++)
		KUNIT_ASSERT_EQ(test, get_user(val, (u64 __user *)(addr + i * PAGE_SIZE)), 0);

	ro = gupf_range(test, addr + n / 2 * PAGE_SIZE, n / 2, 14, 0);
	KUNIT_ASSERT_EQ(test, ro->present, (long)n / 2);
	gupf_check_all(test, ro, FOLL_WRITE, -EFAULT, 0);
	gupf_check_all(test, ro, 0, n / 2, n / 2);

	all = gupf_range(test, addr, n, 13, 0);
	for (i = n / 2; i < n; i++)
		all->word[i] = gupk_tag(14, i - n / 2);
	KUNIT_ASSERT_EQ(test, all->present, (long)n);
	gupf_check_all(test, all, FOLL_WRITE, n / 2, n / 2);
	gupf_check_all(test, all, 0, n, n);
}

/*
 * After fork the anonymous pages are shared with the child.  A read-only
 * pin must not take them as they are: pin_user_pages_fast_only() gives
 * up, pin_user_pages_fast() returns exclusive copies which the parent's
 * later writes reach, while a FOLL_GET may return the shared pages.
 */
static void gupf_test_pin_after_fork(struct kunit *test)
{
	const int n = 4;
	unsigned long addr = gupk_anon_filled(test, n, 15);
	struct gupf_view *shared = gupf_look(test, addr, n);
	struct gupk_refs *get = gupk_refs(test, n, false);
	struct gupk_refs *pin = gupk_refs(test, n, true);
	struct gupk_refs *again = gupk_refs(test, n, true);
	struct gupf_view *now;
	int i;

	KUNIT_ASSERT_EQ(test, gupf_view_prefix(shared), (unsigned long)n);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_TRUE(test, PageAnonExclusive(shared->pages[i]));

	gupk_fork_held(test);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_FALSE_MSG(test, PageAnonExclusive(shared->pages[i]),
				       "fork left page %d exclusive", i);

	KUNIT_EXPECT_EQ(test, gupf_take(pin, GUPF_PIN_ONLY, addr, n, 0), 0L);
	gupk_drop(pin);

	gupf_take(get, GUPF_GET_ONLY, addr, n, 0);
	for (i = 0; i < get->nr; i++)
		KUNIT_EXPECT_PTR_EQ(test, get->pages[i], shared->pages[i]);
	gupk_drop(get);

	KUNIT_ASSERT_EQ(test, gupf_take(pin, GUPF_PIN, addr, n, 0), (long)n);
	now = gupf_look(test, addr, n);
	for (i = 0; i < n; i++) {
		struct page *page = pin->pages[i];

		KUNIT_EXPECT_PTR_NE(test, page, shared->pages[i]);
		KUNIT_EXPECT_PTR_EQ(test, page, now->pages[i]);
		KUNIT_EXPECT_TRUE(test, PageAnon(page));
		KUNIT_EXPECT_TRUE(test, PageAnonExclusive(page));
		KUNIT_EXPECT_EQ(test, gupk_page_word(page), gupk_tag(15, i));
	}

	/* Now exclusive, the pages can be pinned without the slow path. */
	KUNIT_EXPECT_EQ(test, gupf_take(again, GUPF_PIN_ONLY, addr, n, 0),
			gupf_only_takes(addr, n));
	for (i = 0; i < again->nr; i++)
		KUNIT_EXPECT_PTR_EQ(test, again->pages[i], pin->pages[i]);
	gupk_drop(again);

	KUNIT_ASSERT_EQ(test, put_user(gupk_tag(16, 0), (u64 __user *)addr), 0);
	KUNIT_EXPECT_EQ(test, gupk_page_word(pin->pages[0]), gupk_tag(16, 0));
	KUNIT_EXPECT_EQ(test, gupk_page_word(shared->pages[0]),
			gupk_tag(15, 0));
}

/*
 * A page pinned before fork() stays the parent's: every fast pin call
 * marks the mm (MMF_HAS_PINNED) before it walks, even one that takes
 * nothing, so that fork() copies pinned anonymous pages for the child
 * rather than sharing them.  FOLL_GET calls do not mark it.
 */
static void gupf_test_fork_after_pin(struct kunit *test)
{
	const int n = 4;
	unsigned long addr = gupk_anon_filled(test, n, 21);
	struct gupk_refs *get = gupk_refs(test, n, false);
	struct gupk_refs *pin = gupk_refs(test, n, true);
	unsigned long *mm_flags = &current->mm->flags;

	KUNIT_ASSERT_FALSE(test, test_bit(MMF_HAS_PINNED, mm_flags));
	gupf_take(get, GUPF_GET_ONLY, addr, n, 0);
	gupk_drop(get);
	KUNIT_ASSERT_EQ(test, gupf_take(get, GUPF_GET, addr, n, 0), (long)n);
	gupk_drop(get);
	KUNIT_EXPECT_FALSE_MSG(test, test_bit(MMF_HAS_PINNED, mm_flags),
			       "a FOLL_GET call marked the mm pinned");

	KUNIT_EXPECT_EQ(test, gupf_take(pin, GUPF_PIN_ONLY, addr, n, 0),
			gupf_only_takes(addr, n));
	KUNIT_EXPECT_TRUE_MSG(test, test_bit(MMF_HAS_PINNED, mm_flags),
			      "pin_user_pages_fast_only() left the mm unmarked");
	if (pin->nr < n) {
		gupk_drop(pin);
		KUNIT_ASSERT_EQ(test, gupf_take(pin, GUPF_PIN, addr, n, 0), (long)n);
	}
	gupk_expect_fork_keeps_pins(test, pin, addr, 22);
}

/*
 * FOLL_LONGTERM pins never leave a page where it cannot stay pinned
 * (ZONE_MOVABLE here): pin_user_pages_fast_only() stops at the first such
 * page, pin_user_pages_fast() migrates them first, contents and mapping
 * following.
 */
static void gupf_test_longterm(struct kunit *test)
{
	const unsigned int flags = FOLL_WRITE | FOLL_LONGTERM;
	const int n = 8;
	struct gupk_refs *pin = gupk_refs(test, n, true);
	struct gupk_pins s0, s1;
	struct gupf_view *old, *now;
	unsigned long addr;
	long pinnable;
	int i, movable = 0;

	if (!IS_ENABLED(CONFIG_MIGRATION))
		kunit_skip(test, "needs CONFIG_MIGRATION");
	addr = gupk_anon_filled(test, n, 17);
	old = gupf_look(test, addr, n);
	KUNIT_ASSERT_EQ(test, gupf_view_prefix(old), (unsigned long)n);
	for (i = 0; i < n; i++)
		movable += page_zonenum(old->pages[i]) == ZONE_MOVABLE;
	if (!movable)
		kunit_skip(test, "no user page in ZONE_MOVABLE (boot with movablecore=)");
	for (pinnable = 0; pinnable < n; pinnable++)
		if (!folio_is_longterm_pinnable(page_folio(old->pages[pinnable])))
			break;

	KUNIT_EXPECT_EQ(test, gupf_take(pin, GUPF_PIN_ONLY, addr, n, flags),
			gupf_only_takes(addr, pinnable));
	for (i = 0; i < pin->nr; i++)
		KUNIT_EXPECT_PTR_EQ(test, pin->pages[i], old->pages[i]);
	gupk_drop(pin);

	s0 = gupk_pin_stats();
	KUNIT_ASSERT_EQ(test, gupf_take(pin, GUPF_PIN, addr, n, flags),
			(long)n);
	now = gupf_look(test, addr, n);
	for (i = 0; i < n; i++) {
		struct page *page = pin->pages[i];

		KUNIT_EXPECT_NE(test, page_zonenum(page), ZONE_MOVABLE);
		KUNIT_EXPECT_TRUE(test, folio_is_longterm_pinnable(page_folio(page)));
		if (page_zonenum(old->pages[i]) == ZONE_MOVABLE)
			KUNIT_EXPECT_PTR_NE(test, page, old->pages[i]);
		KUNIT_EXPECT_PTR_EQ(test, page, now->pages[i]);
		KUNIT_EXPECT_EQ(test, gupk_page_word(page), gupk_tag(17, i));
		KUNIT_EXPECT_TRUE(test, page_maybe_dma_pinned(page));
	}
	gupk_drop(pin);
	s1 = gupk_pin_stats();
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_FALSE(test, page_maybe_dma_pinned(now->pages[i]));
	KUNIT_EXPECT_GE(test, s1.acquired - s0.acquired, (long)n);
	KUNIT_EXPECT_EQ(test, s1.acquired - s0.acquired,
			s1.released - s0.released);
}

/* Secret memory is refused by the fast calls, as by the slow ones. */
static void gupf_test_secretmem(struct kunit *test)
{
	const int n = 2;
	long fd = gupk_memfd_secret(test);
	struct gupf_range *r;
	struct file *file;
	unsigned long addr;
	int i;

	file = gupk_secret_file(test, fd, n * PAGE_SIZE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	addr = gupk_map_file(test, file, n, PROT_READ | PROT_WRITE,
			     MAP_SHARED);
	gupk_fill(test, addr, n, 18);
	for (i = 0; i < n; i++) {
		u64 val = 0;

		KUNIT_ASSERT_EQ(test, get_user(val, (u64 __user *)(addr + i * PAGE_SIZE)), 0);
		KUNIT_EXPECT_EQ(test, val, gupk_tag(18, i));
	}

	/* Empty expectations: nothing may be taken, so no count may move. */
	r = gupf_range(test, addr, n, 18, 0);
	r->present = 0;
	gupf_check_all(test, r, 0, -EFAULT, 0);
	gupf_check_all(test, r, FOLL_WRITE, -EFAULT, 0);
}

/*
 * The last pages below TASK_SIZE, where the walk takes the last entry of
 * every level.  On s390 an mm starts with three levels and gets its fourth
 * and fifth only when something is mapped this high, so the walk goes
 * through levels that no other case's mm has.
 */
static void gupf_test_top(struct kunit *test)
{
	const int n = 4;
	const unsigned long want = TASK_SIZE - n * PAGE_SIZE;
	struct gupf_range *r;
	unsigned long addr;

	/* Says how many page table levels are in use (x86_64: 4 or 5). */
	kunit_info(test, "user address space ends at %#lx", TASK_SIZE);
	addr = kunit_user_mmap(test, NULL, want, n * PAGE_SIZE,
			       PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_FIXED_NOREPLACE, 0);
	KUNIT_ASSERT_EQ_MSG(test, addr, want, "mmap: %ld", (long)addr);
	gupk_fill(test, addr, n, 28);
	r = gupf_range(test, addr, n, 28, 0);
	KUNIT_ASSERT_EQ(test, r->present, (long)n);
	gupf_check_all(test, r, 0, n, n);
	gupf_check_all(test, r, FOLL_WRITE, n, n);
}

/* Two pages from @addr wrap around the top: every call returns 0. */
static void gupf_expect_wrap_refused(struct kunit *test, unsigned long addr)
{
	struct page *pages[2] = { NULL, NULL };

	KUNIT_EXPECT_EQ(test, get_user_pages_fast(addr, 2, 0, pages), 0);
	KUNIT_EXPECT_EQ(test, pin_user_pages_fast(addr, 2, 0, pages), 0);
	KUNIT_EXPECT_EQ(test, get_user_pages_fast_only(addr, 2, 0, pages), 0);
	KUNIT_EXPECT_EQ(test, pin_user_pages_fast_only(addr, 2, 0, pages), 0);
	KUNIT_EXPECT_PTR_EQ(test, pages[0], NULL);
}

/*
 * Negative page counts take nothing and return 0, and so does a count whose
 * size in bytes a long cannot hold (32-bit); a range running past the end
 * of the user address space is refused.  (A count of 0 is not
 * tried: upstream's walk does not accept an empty range.)
 */
static void gupf_test_bad_range(struct kunit *test)
{
	unsigned long addr = gupk_anon_filled(test, 2, 19);
	struct gupf_range *r = gupf_range(test, addr, 2, 19, 0);
	struct gupf_range *top;
	enum gupf_kind kind;
	int nr[] = { -1, -2, INT_MIN };
	int i;

	KUNIT_ASSERT_EQ(test, r->present, 2L);
	for (i = 0; i < ARRAY_SIZE(nr); i++) {
		r->n = nr[i];
		for (kind = 0; kind < GUPF_KINDS; kind++)
			gupf_check_kind(test, r, kind, FOLL_WRITE, 0);
	}

	/*
	 * On 32-bit, 2^20 pages are more bytes than a long holds.  The array
	 * has room for a walk that wrongly went on, so that it only fails.
	 */
	if (BITS_PER_LONG == 32) {
		const int huge = 1 << 20;
		struct page **pages = kvcalloc(huge, sizeof(*pages), GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, pages);
		KUNIT_EXPECT_EQ(test, get_user_pages_fast(addr, huge, FOLL_WRITE,
							  pages), 0);
		KUNIT_EXPECT_EQ(test, pin_user_pages_fast(addr, huge, FOLL_WRITE,
							  pages), 0);
		KUNIT_EXPECT_PTR_EQ(test, pages[0], NULL);
		kvfree(pages);
	}

	/*
	 * Two pages from the last one below TASK_SIZE run past the user
	 * address space: -EFAULT.  Where that space reaches the last page
	 * below 2^64 (s390), the range wraps instead, which the calls
	 * answer with 0, as for any range that wraps.
	 */
	top = gupf_range(test, TASK_SIZE - PAGE_SIZE, 2, 19, 0);
	KUNIT_ASSERT_EQ(test, top->present, 0L);
	gupf_check_all(test, top, 0,
		       TASK_SIZE + PAGE_SIZE < TASK_SIZE ? 0 : -EFAULT, 0);

	/* And so is a range from the last page below 2^BITS_PER_LONG. */
	gupf_expect_wrap_refused(test, -PAGE_SIZE);
}

/* ---------------------------------------------------------------------- */
/* Concurrency                                                            */
/* ---------------------------------------------------------------------- */

#define GUPF_STRESS_MS		2500
#define GUPF_REF_SMALL		16
#define GUPF_REF_SHMEM		8
#define GUPF_CHURN_SMALL	64
#define GUPF_CHUNK		32
#define GUPF_CHURN_SEED		0x100

enum gupf_stat {
	GUPF_ST_PIN_CALLS,
	GUPF_ST_GET_CALLS,
	GUPF_ST_ONLY_CALLS,
	GUPF_ST_LONGTERM_CALLS,
	GUPF_ST_LOCK_DROPS,
	GUPF_ST_PAGES,
	GUPF_ST_REMAPS,
	GUPF_ST_ZAPS,
	GUPF_ST_THP_REBUILDS,
	GUPF_ST_THP_SPLITS,
	GUPF_ST_MPROTECTS,
	GUPF_ST_FORKS,
	GUPF_STATS
};

static const char *const gupf_stat_name[GUPF_STATS] = {
	[GUPF_ST_PIN_CALLS]	= "pin calls",
	[GUPF_ST_GET_CALLS]	= "get calls",
	[GUPF_ST_ONLY_CALLS]	= "fast_only calls",
	[GUPF_ST_LONGTERM_CALLS] = "FOLL_LONGTERM calls",
	[GUPF_ST_LOCK_DROPS]	= "calls that dropped mmap_lock",
	[GUPF_ST_PAGES]		= "pages checked",
	[GUPF_ST_REMAPS]	= "remaps",
	[GUPF_ST_ZAPS]		= "MADV_DONTNEEDs",
	[GUPF_ST_THP_REBUILDS]	= "THP rebuilds",
	[GUPF_ST_THP_SPLITS]	= "THP splits",
	[GUPF_ST_MPROTECTS]	= "mprotect toggles",
	[GUPF_ST_FORKS]		= "forks",
};

/* A range of the stress test; @expect only for the reference ranges. */
struct gupf_part {
	unsigned long addr;
	unsigned long n;
	struct page **expect;
};

enum { GUPF_CHURN_THP, GUPF_CHURN_SMALL_RANGE, GUPF_CHURNS };

struct gupf_worker;

/* One call of a pinner, as the checks and the error messages see it. */
struct gupf_op {
	const char *name;
	unsigned int flags;
	bool only;	/* *_fast_only(): may stop short, never fails */
};

struct gupf_stress {
	struct mm_struct *mm;
	/* The pinners' call: picks an entry point and flags, fills @op. */
	long (*call)(struct gupf_worker *w, struct gupf_op *op,
		     unsigned long addr, unsigned long n, bool churn);
	unsigned long deadline;
	/* Never touched by the mutators: always the same pages. */
	struct gupf_part ref[3];
	unsigned int nref;
	/* A reference on each of them, so that nothing migrates them. */
	struct gupk_refs *hold;
	/* Unmapped, zapped, split, write-protected and forked under us. */
	struct gupf_part churn[GUPF_CHURNS];
	bool thp;
	bool can_mprotect;
	atomic_long_t stat[GUPF_STATS];
	spinlock_t lock;	/* protects @errors and @first_error */
	unsigned int errors;
	char first_error[200];
};

struct gupf_worker {
	struct gupf_stress *s;
	void (*step)(struct gupf_worker *w);
	struct task_struct *task;
	struct page **pages;
	struct vm_area_struct **vmas;
	u32 rnd;
	bool pin;
};

static __printf(2, 3) void gupf_stress_error(struct gupf_stress *s,
					     const char *fmt, ...)
{
	va_list ap;

	spin_lock(&s->lock);
	if (!s->errors++) {
		va_start(ap, fmt);
		vsnprintf(s->first_error, sizeof(s->first_error), fmt, ap);
		va_end(ap);
	}
	spin_unlock(&s->lock);
}

/* A cheap per-worker pseudo-random number below @ceil (xorshift32). */
static u32 gupf_rand(struct gupf_worker *w, u32 ceil)
{
	u32 x = w->rnd;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	w->rnd = x;
	return ceil ? x % ceil : 0;
}

static void gupf_stress_count(struct gupf_stress *s, enum gupf_stat st)
{
	atomic_long_inc(&s->stat[st]);
}

/* Rewrite the tags of @n pages from page @first of churn range @c. */
static void gupf_stress_fill(struct gupf_stress *s, unsigned int c,
			     unsigned long first, unsigned long n)
{
	const struct gupf_part *p = &s->churn[c];
	unsigned long i;

	/* Faults may fail (a range write-protected meanwhile): ignored. */
	for (i = first; i < first + n && i < p->n; i++)
		if (put_user(gupk_tag(GUPF_CHURN_SEED + c, i),
			     (u64 __user *)(p->addr + i * PAGE_SIZE)))
			break;
}

/* Pick a churn range with pages, and a sub-range of at most @max pages. */
static unsigned int gupf_stress_pick(struct gupf_worker *w, unsigned long max,
				     unsigned long *first, unsigned long *n)
{
	struct gupf_stress *s = w->s;
	unsigned int c = s->thp ? gupf_rand(w, GUPF_CHURNS) :
				  GUPF_CHURN_SMALL_RANGE;
	const struct gupf_part *p = &s->churn[c];

	*first = gupf_rand(w, p->n);
	*n = 1 + gupf_rand(w, min(max, p->n - *first));
	return c;
}

/* A lockless call: one of the four entry points, FOLL_WRITE or not. */
static long gupf_call_fast(struct gupf_worker *w, struct gupf_op *op,
			   unsigned long addr, unsigned long n, bool churn)
{
	enum gupf_kind kind = w->pin ? GUPF_PIN : GUPF_GET;

	if (!gupf_rand(w, 4))
		kind += GUPF_GET_ONLY;
	op->name = gupf_name[kind];
	op->flags = gupf_rand(w, 2) ? FOLL_WRITE : 0;
	op->only = gupf_only(kind);
	if (op->only)
		gupf_stress_count(w->s, GUPF_ST_ONLY_CALLS);
	return gupf_call(kind, addr, n, op->flags, w->pages);
}

/* Still under mmap_lock: the VMA returned for each page must hold it. */
static void gupf_check_vmas(struct gupf_worker *w, const struct gupf_op *op,
			    unsigned long addr, long nr)
{
	unsigned long at;
	long i;

	for (i = 0; i < nr; i++) {
		const struct vm_area_struct *vma = w->vmas[i];

		at = addr + i * PAGE_SIZE;
		if (!vma || at < vma->vm_start || at >= vma->vm_end) {
			gupf_stress_error(w->s, "%s(%#lx): the VMA of page %ld does not map %#lx",
					  op->name, addr, i, at);
			return;
		}
	}
}

/* get_user_pages() or pin_user_pages() under mmap_lock, with the VMAs. */
static long gupf_call_locked(struct gupf_worker *w, const struct gupf_op *op,
			     unsigned long addr, unsigned long n)
{
	long ret;

	mmap_read_lock(w->s->mm);
	if (w->pin)
		ret = pin_user_pages(addr, n, op->flags, w->pages, w->vmas);
	else
		ret = get_user_pages(addr, n, op->flags, w->pages, w->vmas);
	if (ret > 0)
		gupf_check_vmas(w, op, addr, ret);
	mmap_read_unlock(w->s->mm);
	return ret;
}

/* The _remote() calls, which may drop mmap_lock to wait for a fault. */
static long gupf_call_remote(struct gupf_worker *w, const struct gupf_op *op,
			     unsigned long addr, unsigned long n)
{
	struct mm_struct *mm = w->s->mm;
	int locked = 1;
	long ret;

	mmap_read_lock(mm);
	if (w->pin)
		ret = pin_user_pages_remote(mm, addr, n, op->flags, w->pages,
					    NULL, &locked);
	else
		ret = get_user_pages_remote(mm, addr, n, op->flags, w->pages,
					    NULL, &locked);
	if (locked)
		mmap_read_unlock(mm);
	else
		gupf_stress_count(w->s, GUPF_ST_LOCK_DROPS);
	return ret;
}

enum gupf_slow { GUPF_LOCKED, GUPF_UNLOCKED, GUPF_REMOTE, GUPF_SLOWS };

static const char *const gupf_slow_name[2][GUPF_SLOWS] = {
	{ "get_user_pages", "get_user_pages_unlocked",
	  "get_user_pages_remote" },
	{ "pin_user_pages", "pin_user_pages_unlocked",
	  "pin_user_pages_remote" },
};

/*
 * A call that takes mmap_lock itself or wants it held: the locked,
 * _unlocked() or _remote() form, FOLL_WRITE or not, FOLL_FORCE one time
 * in four.  One pin of a churn range in three is FOLL_LONGTERM, which
 * only the locked form takes: it migrates whatever it finds in
 * ZONE_MOVABLE while the other threads change the range.
 */
static long gupf_call_slow(struct gupf_worker *w, struct gupf_op *op,
			   unsigned long addr, unsigned long n, bool churn)
{
	enum gupf_slow how = gupf_rand(w, GUPF_SLOWS);

	op->flags = gupf_rand(w, 2) ? FOLL_WRITE : 0;
	if (!gupf_rand(w, 4))
		op->flags |= FOLL_FORCE;
	if (w->pin && churn && !gupf_rand(w, 3)) {
		op->flags |= FOLL_LONGTERM;
		how = GUPF_LOCKED;
		gupf_stress_count(w->s, GUPF_ST_LONGTERM_CALLS);
	}
	op->name = gupf_slow_name[w->pin][how];
	op->only = false;
	switch (how) {
	case GUPF_LOCKED:
		return gupf_call_locked(w, op, addr, n);
	case GUPF_REMOTE:
		return gupf_call_remote(w, op, addr, n);
	default:
		if (w->pin)
			return pin_user_pages_unlocked(addr, n, w->pages,
						       op->flags);
		return get_user_pages_unlocked(addr, n, w->pages, op->flags);
	}
}

/* Pin or get a reference range: always exactly its pages. */
static void gupf_stress_ref(struct gupf_worker *w, const struct gupf_part *p)
{
	struct gupf_stress *s = w->s;
	struct gupf_op op;
	long ret, i;

	ret = s->call(w, &op, p->addr, p->n, false);
	gupf_stress_count(s, w->pin ? GUPF_ST_PIN_CALLS : GUPF_ST_GET_CALLS);
	/*
	 * Only the _fast_only calls may stop short (a pin when a fork
	 * races, say); the others must fall back and return every page.
	 */
	if (ret < 0 || ret > (long)p->n || (ret != (long)p->n && !op.only)) {
		gupf_stress_error(s, "%s(reference range %#lx, %lu pages, flags %#x) returned %ld",
				  op.name, p->addr, p->n, op.flags, ret);
		ret = clamp(ret, 0L, (long)p->n);
	}
	for (i = 0; i < ret; i++) {
		if (w->pages[i] != p->expect[i]) {
			gupf_stress_error(s, "%s(ref %#lx): page %ld is pfn %#lx, mapped %#lx",
					  op.name, p->addr, i,
					  page_to_pfn(w->pages[i]),
					  page_to_pfn(p->expect[i]));
			break;
		}
	}
	gupf_stress_count(s, GUPF_ST_PAGES);
	gupk_release(w->pages, ret, w->pin);
}

/*
 * Check page @i of a call on churn range @c from page @first: it holds
 * the tag of its address or zeroes (not yet written), a write request
 * never got a zero page, a pin is visible on the folio, and a long-term
 * pin is on a folio that may stay pinned.
 */
static bool gupf_stress_page_ok(struct gupf_worker *w,
				const struct gupf_op *op, unsigned int c,
				unsigned long first, long i)
{
	struct gupf_stress *s = w->s;
	struct page *page = w->pages[i];
	struct folio *folio = page_folio(page);
	u64 want = gupk_tag(GUPF_CHURN_SEED + c, first + i);
	u64 word = gupk_page_word(page);
	bool zero = is_zero_page(page) || is_huge_zero_page(&folio->page);

	if (word && word != want) {
		gupf_stress_error(s, "%s(churn %u, page %lu, flags %#x): %#llx, not %#llx or 0",
				  op->name, c, first + i, op->flags, word,
				  want);
		return false;
	}
	if ((op->flags & FOLL_WRITE) && zero) {
		gupf_stress_error(s, "%s(churn %u, page %lu, FOLL_WRITE) returned a zero page",
				  op->name, c, first + i);
		return false;
	}
	if (w->pin && !is_zero_page(page) && !folio_maybe_dma_pinned(folio)) {
		gupf_stress_error(s, "%s(churn %u, page %lu): pfn %#lx not seen as pinned",
				  op->name, c, first + i, page_to_pfn(page));
		return false;
	}
	if ((op->flags & FOLL_LONGTERM) && !folio_is_longterm_pinnable(folio)) {
		gupf_stress_error(s, "%s(churn %u, page %lu, FOLL_LONGTERM): pfn %#lx is movable",
				  op->name, c, first + i, page_to_pfn(page));
		return false;
	}
	return true;
}

/*
 * What a call on a churn range may return besides pages: -EFAULT when
 * the range was unmapped or write-protected meanwhile, and -ENOMEM from
 * FOLL_LONGTERM when migration fails (another thread holds a reference
 * on the page for a moment); a *_fast_only() call returns 0 instead.
 */
static bool gupf_churn_error_ok(const struct gupf_op *op, long ret)
{
	if (op->only)
		return false;
	return ret == -EFAULT ||
	       (ret == -ENOMEM && (op->flags & FOLL_LONGTERM));
}

/* Pin or get a random piece of a churn range and check every page. */
static void gupf_stress_churn(struct gupf_worker *w)
{
	struct gupf_stress *s = w->s;
	unsigned long first, n;
	struct gupf_op op;
	unsigned int c;
	long ret, i;

	c = gupf_stress_pick(w, GUPF_CHUNK, &first, &n);
	ret = s->call(w, &op, s->churn[c].addr + first * PAGE_SIZE, n, true);
	gupf_stress_count(s, w->pin ? GUPF_ST_PIN_CALLS : GUPF_ST_GET_CALLS);
	if ((ret < 0 && !gupf_churn_error_ok(&op, ret)) || ret > (long)n) {
		gupf_stress_error(s, "%s(churn %u, page %lu, %lu pages, flags %#x) returned %ld",
				  op.name, c, first, n, op.flags, ret);
		ret = clamp(ret, 0L, (long)n);
	}
	if (ret < 0)
		return;
	for (i = 0; i < ret; i++) {
		if (!gupf_stress_page_ok(w, &op, c, first, i))
			break;
		gupf_stress_count(s, GUPF_ST_PAGES);
	}
	gupk_release(w->pages, ret, w->pin);
}

static void gupf_pinner_step(struct gupf_worker *w)
{
	unsigned int i;

	for (i = 0; i < w->s->nref; i++)
		gupf_stress_ref(w, &w->s->ref[i]);
	for (i = 0; i < 4; i++)
		gupf_stress_churn(w);
}

/* Unmap a piece of the small churn range and map fresh memory there. */
static void gupf_stress_remap(struct gupf_worker *w)
{
	struct gupf_stress *s = w->s;
	const struct gupf_part *p = &s->churn[GUPF_CHURN_SMALL_RANGE];
	unsigned long first = gupf_rand(w, p->n - 8), n = 1 + gupf_rand(w, 8);
	unsigned long addr = p->addr + first * PAGE_SIZE, got;

	vm_munmap(addr, n * PAGE_SIZE);
	got = vm_mmap(NULL, addr, n * PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);
	if (got != addr)
		gupf_stress_error(s, "remap of %#lx returned %#lx", addr, got);
	gupf_stress_fill(s, GUPF_CHURN_SMALL_RANGE, first, n);
	gupf_stress_count(s, GUPF_ST_REMAPS);
}

/* Replace the THP churn range by a fresh mapping, faulted in as a THP. */
static void gupf_stress_thp_rebuild(struct gupf_worker *w)
{
	struct gupf_stress *s = w->s;
	const struct gupf_part *p = &s->churn[GUPF_CHURN_THP];
	unsigned long got;
	int err;

	vm_munmap(p->addr, PMD_SIZE);
	got = vm_mmap(NULL, p->addr, PMD_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 0);
	if (got != p->addr) {
		gupf_stress_error(s, "THP remap of %#lx returned %#lx",
				  p->addr, got);
		return;
	}
	err = do_madvise(s->mm, p->addr, PMD_SIZE, MADV_HUGEPAGE);
	if (err)
		gupf_stress_error(s, "MADV_HUGEPAGE: %d", err);
	gupf_stress_fill(s, GUPF_CHURN_THP, 0, p->n);
	gupf_stress_count(s, GUPF_ST_THP_REBUILDS);
}

/*
 * Layout changes: remap, MADV_DONTNEED of a piece of either range, and
 * THP rebuild then split (MADV_DONTNEED of one small page inside it).
 */
static void gupf_mutator_step(struct gupf_worker *w)
{
	struct gupf_stress *s = w->s;
	unsigned long first, n, addr;
	unsigned int c;

	switch (gupf_rand(w, 4)) {
	case 0:
		gupf_stress_remap(w);
		break;
	case 1:
		c = gupf_stress_pick(w, 8, &first, &n);
		do_madvise(s->mm, s->churn[c].addr + first * PAGE_SIZE,
			   n * PAGE_SIZE, MADV_DONTNEED);
		if (gupf_rand(w, 2))
			gupf_stress_fill(s, c, first, n);
		gupf_stress_count(s, GUPF_ST_ZAPS);
		break;
	case 2:
		if (s->thp)
			gupf_stress_thp_rebuild(w);
		break;
	default:
		if (!s->thp)
			break;
		first = gupf_rand(w, s->churn[GUPF_CHURN_THP].n);
		addr = s->churn[GUPF_CHURN_THP].addr + first * PAGE_SIZE;
		do_madvise(s->mm, addr, PAGE_SIZE, MADV_DONTNEED);
		gupf_stress_fill(s, GUPF_CHURN_THP, first, 1);
		gupf_stress_count(s, GUPF_ST_THP_SPLITS);
		break;
	}
}

/* Write-protection toggles (splitting THPs too) and forks. */
static void gupf_protector_step(struct gupf_worker *w)
{
	struct gupf_stress *s = w->s;
	unsigned long first, n, addr;
	int status;
	pid_t pid;

	if (!s->can_mprotect || !gupf_rand(w, 3)) {
		/* The child exits at once; its copy of the mm goes with it. */
		pid = gupk_fork(NULL);
		if (pid < 0) {
			gupf_stress_error(s, "fork: %d", pid);
			return;
		}
		kernel_wait(pid, &status);
		gupf_stress_count(s, GUPF_ST_FORKS);
		return;
	}
	addr = s->churn[gupf_stress_pick(w, GUPF_CHUNK, &first, &n)].addr;
	addr += first * PAGE_SIZE;
	/* Fails while the range is being remapped: that is fine. */
	gupf_mprotect(addr, n * PAGE_SIZE, PROT_READ);
	usleep_range(50, 200);
	gupf_mprotect(addr, n * PAGE_SIZE, PROT_READ | PROT_WRITE);
	gupf_stress_count(s, GUPF_ST_MPROTECTS);
}

static int gupf_worker_fn(void *arg)
{
	struct gupf_worker *w = arg;
	struct gupf_stress *s = w->s;

	/* The test thread holds the mm until every worker has stopped. */
	if (!mmget_not_zero(s->mm))
		return -EINVAL;
	kthread_use_mm(s->mm);
	while (!kthread_should_stop() && time_before(jiffies, s->deadline)) {
		w->step(w);
		cond_resched();
	}
	kthread_unuse_mm(s->mm);
	mmput(s->mm);
	return 0;
}

/* Map reference range @i of @s: @n pages at @addr, never changed. */
static void gupf_stress_ref_range(struct kunit *test, struct gupf_stress *s,
				  unsigned long addr, unsigned long n)
{
	struct gupf_part *p = &s->ref[s->nref++];
	struct page **held = s->hold->pages + s->hold->nr;
	struct gupf_view *v;
	unsigned long i;
	long ret;

	/*
	 * Referenced before they are looked at: the rest of the setup
	 * allocates THPs (512 MiB ones with 64K pages on arm64), whose
	 * compaction migrates whatever pages it can, but no referenced one.
	 */
	KUNIT_ASSERT_LE(test, s->hold->nr + (long)n, s->hold->max);
	mmap_read_lock(s->mm);
	ret = get_user_pages(addr, n, 0, held, NULL);
	mmap_read_unlock(s->mm);
	if (ret > 0)
		s->hold->nr += ret;
	KUNIT_ASSERT_EQ(test, ret, (long)n);

	v = gupf_look(test, addr, n);
	KUNIT_ASSERT_EQ(test, gupf_view_prefix(v), n);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_PTR_EQ(test, v->pages[i], held[i]);
	p->addr = addr;
	p->n = n;
	p->expect = v->pages;
}

/*
 * Set up the reference ranges: small anonymous pages and a THP, both
 * MADV_DONTFORK so that forks leave them exclusive, and shmem.
 */
static void gupf_stress_setup_ref(struct kunit *test, struct gupf_stress *s)
{
	unsigned long addr;
	struct file *file;

	addr = gupk_anon_filled(test, GUPF_REF_SMALL, 20);
	KUNIT_ASSERT_EQ(test, do_madvise(s->mm, addr, GUPF_REF_SMALL * PAGE_SIZE,
					 MADV_DONTFORK), 0);
	gupf_stress_ref_range(test, s, addr, GUPF_REF_SMALL);

	file = kunit_user_shmem_file(test, GUPF_REF_SHMEM * PAGE_SIZE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	addr = gupk_map_file(test, file, GUPF_REF_SHMEM,
			     PROT_READ | PROT_WRITE, MAP_SHARED);
	gupk_fill(test, addr, GUPF_REF_SHMEM, 21);
	gupf_stress_ref_range(test, s, addr, GUPF_REF_SHMEM);

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		return;
	addr = kunit_user_mmap_thp(test, PMD_SIZE, PROT_READ | PROT_WRITE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	KUNIT_ASSERT_EQ(test, do_madvise(s->mm, addr, PMD_SIZE, MADV_DONTFORK),
			0);
	gupk_fill(test, addr, GUPF_PMD_PAGES, 22);
	gupf_stress_ref_range(test, s, addr, GUPF_PMD_PAGES);
}

static void gupf_stress_setup_churn(struct kunit *test, struct gupf_stress *s)
{
	struct gupf_part *p = &s->churn[GUPF_CHURN_SMALL_RANGE];
	unsigned long addr;

	p->addr = gupk_anon(test, GUPF_CHURN_SMALL, PROT_READ | PROT_WRITE, 0);
	p->n = GUPF_CHURN_SMALL;
	gupf_stress_fill(s, GUPF_CHURN_SMALL_RANGE, 0, p->n);

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		return;
	addr = kunit_user_mmap_thp(test, PMD_SIZE, PROT_READ | PROT_WRITE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	p = &s->churn[GUPF_CHURN_THP];
	p->addr = addr;
	p->n = GUPF_PMD_PAGES;
	s->thp = true;
	gupf_stress_fill(s, GUPF_CHURN_THP, 0, p->n);
}

static struct gupf_worker *gupf_worker(struct kunit *test,
				       struct gupf_stress *s,
				       void (*step)(struct gupf_worker *w),
				       bool pin, u32 seed)
{
	unsigned long max = max_t(unsigned long, GUPF_PMD_PAGES,
				  GUPF_REF_SMALL);
	struct gupf_worker *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, w);
	w->pages = kunit_kcalloc(test, max, sizeof(*w->pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w->pages);
	w->vmas = kunit_kcalloc(test, max, sizeof(*w->vmas), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w->vmas);
	w->s = s;
	w->step = step;
	w->pin = pin;
	w->rnd = seed;
	return w;
}

/* Start the workers, or stop those already created and return false. */
static bool gupf_start(struct gupf_worker **w, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		w[i]->task = kthread_create(gupf_worker_fn, w[i],
					    "gupf-worker/%u", i);
		if (IS_ERR(w[i]->task))
			break;
		get_task_struct(w[i]->task);
	}
	if (i < nr) {
		while (i--) {
			kthread_stop(w[i]->task);
			put_task_struct(w[i]->task);
		}
		return false;
	}
	for (i = 0; i < nr; i++)
		wake_up_process(w[i]->task);
	return true;
}

/*
 * Does mprotect() keep a zero-page PTE special?  MIPS 6.1's pte_modify()
 * drops _PAGE_SPECIAL: the zero page then passes for an ordinary page, and
 * the next write fault or unmap frees it (an upstream bug, which a user
 * program shows without any GUP: read a fresh anonymous page, mprotect()
 * it read-only and back, write it).  The churn ranges hold zero pages.
 */
static bool gupf_mprotect_keeps_special(void)
{
	pte_t pte = pte_mkspecial(pfn_pte(my_zero_pfn(0),
					  vm_get_page_prot(VM_READ)));
	pte_t now = pte_modify(pte, vm_get_page_prot(VM_READ | VM_WRITE));

	return !pte_special(pte) == !pte_special(now);
}

/* The ranges of a concurrency case, mapped and filled in the test's mm. */
static struct gupf_stress *gupf_stress_new(struct kunit *test)
{
	struct gupf_stress *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	spin_lock_init(&s->lock);
	s->mm = current->mm;
	s->can_mprotect = gupf_mprotect(0, 0, PROT_NONE) != -EOPNOTSUPP;
	if (s->can_mprotect && !gupf_mprotect_keeps_special()) {
		kunit_info(test, "mprotect() loses the special bit of zero-page PTEs here: no mprotect() in this case\n");
		s->can_mprotect = false;
	}
	s->hold = gupk_refs(test, GUPF_REF_SMALL + GUPF_REF_SHMEM +
				  GUPF_PMD_PAGES, false);
	gupf_stress_setup_ref(test, s);
	gupf_stress_setup_churn(test, s);
	return s;
}

/* Run the two pinners and the two changers for the set time. */
static void gupf_stress_run(struct kunit *test, struct gupf_stress *s)
{
	struct gupf_worker *w[4];
	unsigned long i;
	long ret;

	w[0] = gupf_worker(test, s, gupf_pinner_step, true, 0x9e3779b9);
	w[1] = gupf_worker(test, s, gupf_pinner_step, false, 0x7f4a7c15);
	w[2] = gupf_worker(test, s, gupf_mutator_step, false, 0x85ebca6b);
	w[3] = gupf_worker(test, s, gupf_protector_step, false, 0xc2b2ae35);

	/* From here until every worker stopped, nothing may abort the case. */
	s->deadline = jiffies + msecs_to_jiffies(GUPF_STRESS_MS);
	KUNIT_ASSERT_TRUE_MSG(test, gupf_start(w, ARRAY_SIZE(w)),
			      "cannot start the worker threads");
	msleep(GUPF_STRESS_MS);
	for (i = 0; i < ARRAY_SIZE(w); i++) {
		ret = kthread_stop(w[i]->task);
		put_task_struct(w[i]->task);
		KUNIT_EXPECT_EQ_MSG(test, ret, 0L, "worker %lu", i);
	}
}

/*
 * After the run: no error seen, every kind of step happened, every pin
 * taken was released, and the reference pages are mapped where they
 * were with only the test's own reference left on them.
 */
static void gupf_stress_check(struct kunit *test, struct gupf_stress *s,
			      const struct gupf_counts *c, struct gupk_pins s0,
			      struct gupk_pins s1)
{
	unsigned long i, j;

	for (i = 0; i < GUPF_STATS; i++)
		kunit_info(test, "%s: %ld\n", gupf_stat_name[i],
			   atomic_long_read(&s->stat[i]));
	KUNIT_EXPECT_EQ_MSG(test, s->errors, 0U, "%u errors, first: %s",
			    s->errors, s->first_error);
	KUNIT_EXPECT_GT(test, atomic_long_read(&s->stat[GUPF_ST_PIN_CALLS]), 0L);
	KUNIT_EXPECT_GT(test, atomic_long_read(&s->stat[GUPF_ST_GET_CALLS]), 0L);
	KUNIT_EXPECT_GT(test, atomic_long_read(&s->stat[GUPF_ST_REMAPS]), 0L);
	KUNIT_EXPECT_GT(test, atomic_long_read(&s->stat[GUPF_ST_FORKS]), 0L);
	if (s->can_mprotect)
		KUNIT_EXPECT_GT(test,
				atomic_long_read(&s->stat[GUPF_ST_MPROTECTS]),
				0L);

	KUNIT_EXPECT_GT(test, s1.acquired - s0.acquired, 0L);
	KUNIT_EXPECT_EQ(test, s1.acquired - s0.acquired,
			s1.released - s0.released);
	gupf_expect_counts(test, c, 0, true, "reference pages after the run");
	for (i = 0; i < s->nref; i++) {
		const struct gupf_part *p = &s->ref[i];
		struct gupf_view *v = gupf_look(test, p->addr, p->n);

		for (j = 0; j < p->n; j++)
			KUNIT_EXPECT_PTR_EQ(test, v->pages[j], p->expect[j]);
	}
}

/*
 * Set up, run the threads with pinners on the lockless calls or on the
 * locked ones (@slow), check: the whole case.
 */
static struct gupf_stress *gupf_race(struct kunit *test, bool slow)
{
	struct gupf_stress *s = gupf_stress_new(test);
	struct gupf_counts *c = gupf_counts(test, s->hold->pages, s->hold->nr);
	struct gupk_pins s0 = gupk_pin_stats();

	s->call = slow ? gupf_call_slow : gupf_call_fast;
	gupf_stress_run(test, s);
	gupf_stress_check(test, s, c, s0, gupk_pin_stats());
	return s;
}

/*
 * Pinners on *_fast() and *_fast_only() while other threads unmap, remap,
 * zap, split THPs, write-protect and fork: every page returned is the
 * page its address held (it carries that address's tag, or is still
 * zero), the reference ranges always return exactly their pages, and in
 * the end every count is back and every pin was released.
 */
static void gupf_test_concurrent(struct kunit *test)
{
	gupf_race(test, false);
}

/*
 * The same threads changing the ranges, under pinners on the calls that
 * fault with mmap_lock held (see gupf_call_slow()), FOLL_LONGTERM pins
 * among them: the same checks, each VMA returned maps its page, and a
 * long-term pin is never left on a page that may not stay pinned.
 */
static void gupf_test_concurrent_slow(struct kunit *test)
{
	struct gupf_stress *s = gupf_race(test, true);

	KUNIT_EXPECT_GT(test,
			atomic_long_read(&s->stat[GUPF_ST_LONGTERM_CALLS]), 0L);
}

static int gupf_init(struct kunit *test)
{
	return kunit_user_mm_attach(test);
}

static struct kunit_case gupf_cases[] = {
	KUNIT_CASE(gupf_test_anon),
	KUNIT_CASE(gupf_test_anon_two_tables),
	KUNIT_CASE(gupf_test_thp_pmd),
	KUNIT_CASE(gupf_test_thp_pte),
	KUNIT_CASE(gupf_test_mixed_table),
	KUNIT_CASE(gupf_test_hugetlb),
	KUNIT_CASE(gupf_test_hugetlb_pud),
	KUNIT_CASE(gupf_test_hugetlb_pud_edge),
	KUNIT_CASE(gupf_test_devmap),
	KUNIT_CASE(gupf_test_shmem),
	KUNIT_CASE(gupf_test_zero_page),
	KUNIT_CASE(gupf_test_huge_zero_page),
	KUNIT_CASE(gupf_test_only_no_lock),
	KUNIT_CASE(gupf_test_partial),
	KUNIT_CASE(gupf_test_hole),
	KUNIT_CASE(gupf_test_write_readonly),
	KUNIT_CASE(gupf_test_pin_after_fork),
	KUNIT_CASE(gupf_test_fork_after_pin),
	KUNIT_CASE(gupf_test_longterm),
	KUNIT_CASE(gupf_test_secretmem),
	KUNIT_CASE(gupf_test_top),
	KUNIT_CASE(gupf_test_bad_range),
	KUNIT_CASE(gupf_test_concurrent),
	KUNIT_CASE(gupf_test_concurrent_slow),
	{}
};

static struct kunit_suite gupf_suite = {
	.name = "mm_gup_fast",
	.init = gupf_init,
	.test_cases = gupf_cases,
};

kunit_test_suite(gupf_suite);

MODULE_DESCRIPTION("KUnit tests for the lockless get_user_pages_fast() family");
MODULE_LICENSE("GPL");

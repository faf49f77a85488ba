// SPDX-License-Identifier: GPL-2.0-only
/*
 * GUP core: the locked ("slow") path of get_user_pages() and
 * pin_user_pages(), reference and pin accounting, FOLL_LONGTERM
 * migration, populate helpers and the fault_in_*() family.
 *
 * The lockless walk used by the *_fast() entry points lives in
 * mm/gup_fast.c and shares the accounting primitives defined here.
 *
 * Layers, top to bottom:
 *
 *   API wrappers     flag validation, choose remote/local, lock handling
 *   gup_run()        resumes the walk whenever a fault dropped mmap_lock
 *   gup_walk_pages() one pass over the range with mmap_lock held
 *   lookup           page table walk to a leaf, producing a "run": the
 *                    first page and the number of following subpages of
 *                    the same folio, all grabbed by one refcount update
 *   fault            handle_mm_fault() when the lookup needs one
 *
 * See Documentation/core-api/pin_user_pages.rst for FOLL_PIN semantics.
 */
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/err.h>
#include <linux/spinlock.h>
#include <linux/mm.h>
#include <linux/memremap.h>
#include <linux/pagemap.h>
#include <linux/page_idle.h>
#include <linux/rmap.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/secretmem.h>
#include <linux/sched/signal.h>
#include <linux/sched/mm.h>
#include <linux/rwsem.h>
#include <linux/hugetlb.h>
#include <linux/migrate.h>
#include <linux/mm_inline.h>
#include <linux/userfaultfd_k.h>
#include <linux/uaccess.h>

#include <asm/mmu_context.h>
#include <asm/tlbflush.h>

#include "internal.h"
#include "gup_internal.h"

/*
 * ---------------------------------------------------------------------
 * Reference and pin accounting
 * ---------------------------------------------------------------------
 *
 * FOLL_GET adds plain references.  FOLL_PIN adds, per pin, one plain
 * reference plus one count in the folio's pincount when the folio is
 * large, or GUP_PIN_COUNTING_BIAS plain references when it is small.
 * The shared zero page is never pin-counted.
 */

/**
 * try_grab_folio() - take references of the kind @flags asks for
 * @page:  any page of the folio to reference
 * @refs:  how many pages' worth of references to take
 * @flags: FOLL_GET or FOLL_PIN (and possibly FOLL_LONGTERM)
 *
 * Safe against a concurrently split or freed folio, as needed by the
 * lockless walk.  With FOLL_GET the folio refcount grows by @refs.  With
 * FOLL_PIN a large folio gets @refs references and @refs pincounts, a
 * small one @refs * GUP_PIN_COUNTING_BIAS references; the zero page is
 * returned without any accounting.  FOLL_LONGTERM pins fail on folios
 * that may not be pinned long term, so that the caller can fall back to
 * the path that migrates them.
 *
 * Return: the folio containing @page, or NULL if nothing was taken.
 * Passing neither FOLL_GET nor FOLL_PIN is a caller bug and warns, and so
 * does a folio whose reference count has gone negative.
 */
struct folio *try_grab_folio(struct page *page, int refs, unsigned int flags)
{
	struct gup_pin_tally acquired = {};
	struct folio *folio;

	if (!gup_grab_folio(page, refs, flags, true, false, &acquired, &folio))
		return NULL;
	gup_tally_flush(&acquired, NR_FOLL_PIN_ACQUIRED);
	return folio;
}

/*
 * Grab @refs references on @folio, the folio of @page, while the page
 * table lock that maps it is held, so it can neither be freed nor split.
 * The lock also orders the grab against anyone about to look at the
 * counts, so a small folio's pins are a single plain update.  Pins are
 * counted into @tally.  A caller that knows @folio to be small and not
 * the shared zero page says so with @plain, which skips both tests.
 */
static __always_inline bool gup_grab_locked(struct folio *folio,
					    struct page *page, int refs,
					    unsigned int flags, bool plain,
					    struct gup_pin_tally *tally)
{
	if (WARN_ON_ONCE(folio_ref_count(folio) < 1))
		return false;

	if (flags & FOLL_GET) {
		folio_ref_add(folio, refs);
	} else if ((flags & FOLL_PIN) && (plain || !is_zero_page(page))) {
		if (!plain && folio_test_large(folio)) {
			folio_ref_add(folio, refs);
			atomic_add(refs, folio_pincount_ptr(folio));
		} else {
			folio_ref_add(folio, refs * GUP_PIN_COUNTING_BIAS);
		}
		gup_tally_add(tally, NR_FOLL_PIN_ACQUIRED, folio, refs);
	}
	return true;
}

/**
 * try_grab_page() - reference a mapped page according to @flags
 * @page:  the page, whose page table lock the caller holds
 * @flags: FOLL_GET, FOLL_PIN or neither
 *
 * The single-page, non-speculative counterpart of try_grab_folio(): the
 * caller's page table lock keeps the folio alive, so no re-validation is
 * needed.  Without FOLL_GET and FOLL_PIN nothing is taken.
 *
 * Return: false only if a reference was wanted but could not be taken
 * (the folio refcount was already zero or had overflowed).
 */
bool __must_check try_grab_page(struct page *page, unsigned int flags)
{
	struct gup_pin_tally acquired = {};
	bool ok;

	WARN_ON_ONCE((flags & FOLL_GET) && (flags & FOLL_PIN));
	ok = gup_grab_locked(page_folio(page), page, 1, flags, false,
			     &acquired);
	gup_tally_flush(&acquired, NR_FOLL_PIN_ACQUIRED);
	return ok;
}

/*
 * Drop @refs pins of @folio, whose PG_head bit the caller read as @large,
 * counting them into @tally.  Inlined into the unpin loops, which release
 * one small folio per page and know the folio's size already.
 */
static __always_inline void gup_drop_pins(struct folio *folio, bool large,
					  int refs, struct gup_pin_tally *tally)
{
	int plain = refs * GUP_PIN_COUNTING_BIAS;

	if (is_zero_folio(folio))
		return;
	gup_tally_add(tally, NR_FOLL_PIN_RELEASED, folio, refs);
	if (large) {
		atomic_sub(refs, folio_pincount_ptr(folio));
		plain = refs;
	}
	if (!put_devmap_managed_page_refs(&folio->page, plain))
		folio_put_refs(folio, plain);
}

/* See gup_internal.h: undo try_grab_folio(@refs, @flags). */
void gup_folio_unref(struct folio *folio, int refs, unsigned int flags)
{
	struct gup_pin_tally released = {};

	if (flags & FOLL_PIN) {
		gup_drop_pins(folio, folio_test_large(folio), refs, &released);
		gup_tally_flush(&released, NR_FOLL_PIN_RELEASED);
		return;
	}
	if (!put_devmap_managed_page_refs(&folio->page, refs))
		folio_put_refs(folio, refs);
}

/*
 * ---------------------------------------------------------------------
 * Releasing pins
 * ---------------------------------------------------------------------
 */

/*
 * Debug aid: a pinned anonymous page must be exclusive to its mm, since
 * it can no longer be shared once pinned.  PMD-mapped THPs keep that
 * state on the head page, PTE-mapped ones on each subpage.
 */
static void gup_check_pins_exclusive(struct page **pages, unsigned long nr)
{
	unsigned long i;

	if (!IS_ENABLED(CONFIG_DEBUG_VM))
		return;

	for (i = 0; i < nr; i++) {
		struct folio *folio = page_folio(pages[i]);
		bool exclusive;

		if (is_zero_page(pages[i]) || !folio_test_anon(folio))
			continue;
		exclusive = PageAnonExclusive(&folio->page);
		if (folio_test_large(folio) && !folio_test_hugetlb(folio))
			exclusive |= PageAnonExclusive(pages[i]);
		VM_WARN_ON_ONCE_PAGE(!exclusive, pages[i]);
	}
}

/*
 * Length of the stretch of @pages[@i..] that shares @folio, the folio of
 * @pages[@i].  Entries that go on page by page through the folio, as
 * every GUP call stores them, are recognised from the pointers alone: a
 * 2 MiB folio costs one struct page read instead of 512.  A small folio
 * is a stretch of one: a repeat of the same page (the zero page, say)
 * starts a stretch of its own, rather than every entry paying a second
 * folio lookup to look ahead for one.  Inlined: unpinning small folios
 * calls it once per page.  The last entry needs no arithmetic, and it is
 * the only entry of a one-page call.
 */
static __always_inline unsigned int gup_same_folio_span(struct page **pages,
							unsigned long nr,
							unsigned long i,
							struct folio *folio)
{
	struct page *first = pages[i];
	unsigned long in_folio, end, j = i + 1;

	if (j == nr || !folio_test_large(folio))
		return 1;
	/* pfns, not struct page offsets: the memmap may have holes. */
	in_folio = folio_nr_pages(folio) -
		   (page_to_pfn(first) - folio_pfn(folio));
	end = min(nr, i + in_folio);
	while (j < end && pages[j] == nth_page(first, j - i))
		j++;
	while (j < nr && page_folio(pages[j]) == folio)
		j++;
	return j - i;
}

/*
 * Mark @folio dirty, under its lock, unless it already is.  The shared
 * zero page is skipped: a read-only pin may return it, it is never
 * written back, and locking it would serialise unrelated callers.
 */
static void gup_dirty_folio(struct folio *folio)
{
	if (is_zero_folio(folio))
		return;
	/*
	 * Racing with writeback clearing the flag is harmless: either the
	 * folio is about to be written anyway, or it gets redirtied and is
	 * written once more.
	 */
	if (!folio_test_dirty(folio))
		set_page_dirty_lock(&folio->page);
}

/*
 * Drop one pin per entry, one atomic update per folio-sharing stretch.
 * Inlined into both callers, so that the unpin-only loop carries no
 * dirtying test.
 */
static __always_inline void gup_unpin_array(struct page **pages,
					    unsigned long nr, bool dirty)
{
	struct gup_pin_tally released = {};
	unsigned long i;
	unsigned int span;

	for (i = 0; i < nr; i += span) {
		struct folio *folio = page_folio(pages[i]);
		bool large = folio_test_large(folio);

		span = large ? gup_same_folio_span(pages, nr, i, folio) : 1;
		if (dirty)
			gup_dirty_folio(folio);
		gup_drop_pins(folio, large, span, &released);
	}
	gup_tally_flush(&released, NR_FOLL_PIN_RELEASED);
}

/**
 * unpin_user_page() - drop one pin taken by pin_user_pages*()
 * @page: the pinned page
 *
 * Every page obtained with FOLL_PIN must be handed back through this
 * function or one of the unpin_user_pages*() variants, never through
 * put_page(), so that pins stay distinguishable from plain references.
 */
void unpin_user_page(struct page *page)
{
	gup_check_pins_exclusive(&page, 1);
	gup_folio_unref(page_folio(page), 1, FOLL_PIN);
}
EXPORT_SYMBOL(unpin_user_page);

/**
 * unpin_user_pages_dirty_lock() - unpin an array of pages, maybe dirtying them
 * @pages:      pages returned by a pin_user_pages*() call
 * @npages:     number of entries in @pages
 * @make_dirty: whether the caller wrote to the pages
 *
 * When @make_dirty is set, each folio that is not dirty yet is marked
 * dirty with its lock held (the set_page_dirty_lock() rule), then one
 * pin per entry is dropped.  Consecutive entries of the same folio are
 * released with a single update.  Callers that must avoid the folio lock
 * need to dirty and unpin by hand, after making sure that is safe.
 */
void unpin_user_pages_dirty_lock(struct page **pages, unsigned long npages,
				 bool make_dirty)
{
	if (!make_dirty) {
		unpin_user_pages(pages, npages);
		return;
	}
	gup_check_pins_exclusive(pages, npages);
	gup_unpin_array(pages, npages, true);
}
EXPORT_SYMBOL(unpin_user_pages_dirty_lock);

/**
 * unpin_user_page_range_dirty_lock() - unpin a physically contiguous range
 * @page:       first page of the range
 * @npages:     number of consecutive pages, each pinned once
 * @make_dirty: whether the caller wrote to the pages
 *
 * Like unpin_user_pages_dirty_lock(), but for pages @page, @page + 1, ...
 * rather than an array: one folio lookup and one refcount update per
 * folio the range crosses.
 */
void unpin_user_page_range_dirty_lock(struct page *page,
				      unsigned long npages, bool make_dirty)
{
	struct gup_pin_tally released = {};
	unsigned long span;
	unsigned long i;

	for (i = 0; i < npages; i += span) {
		struct page *first = nth_page(page, i);
		struct folio *folio = page_folio(first);

		span = folio_nr_pages(folio) - folio_page_idx(folio, first);
		span = min(span, npages - i);
		if (make_dirty)
			gup_dirty_folio(folio);
		gup_drop_pins(folio, folio_test_large(folio), span, &released);
	}
	gup_tally_flush(&released, NR_FOLL_PIN_RELEASED);
}
EXPORT_SYMBOL(unpin_user_page_range_dirty_lock);

/**
 * unpin_user_pages() - unpin an array of pages
 * @pages:  pages returned by a pin_user_pages*() call
 * @npages: number of entries in @pages
 *
 * Drops one pin per entry, batching consecutive entries of one folio.
 * A negative error code passed as @npages (a common mistake with a
 * failed pin call) is caught with a warning and nothing is released.
 */
void unpin_user_pages(struct page **pages, unsigned long npages)
{
	if (WARN_ON(IS_ERR_VALUE(npages)))
		return;
	gup_check_pins_exclusive(pages, npages);
	gup_unpin_array(pages, npages, false);
}
EXPORT_SYMBOL(unpin_user_pages);

/* Record, once and for the mm's lifetime, that it has seen FOLL_PIN. */
static __always_inline void gup_note_mm_pinned(struct mm_struct *mm)
{
	/* Test first: keep the cache line shared when the bit is set. */
	if (!test_bit(MMF_HAS_PINNED, &mm->flags))
		set_bit(MMF_HAS_PINNED, &mm->flags);
}

/*
 * ---------------------------------------------------------------------
 * Long-term pinnability
 * ---------------------------------------------------------------------
 */

/*
 * folio_is_longterm_pinnable(), with the pageblock test through @seen:
 * the zero page is never really pinned, and never in a CMA or isolated
 * pageblock either.
 */
static __always_inline bool gup_folio_pinnable(struct folio *folio,
					       struct gup_block_seen *seen)
{
	if (is_zero_folio(folio))
		return true;
	return gup_nonzero_pinnable(&folio->page, folio_pfn(folio), seen);
}

/* Index of the first of the @nr pinned pages that may not stay so, or @nr. */
static __always_inline unsigned long gup_first_unpinnable(struct page **pages,
							  unsigned long nr)
{
	struct gup_block_seen seen = { .block = ULONG_MAX };
	unsigned long i = 0;
	struct folio *folio;

	while (i < nr) {
		folio = page_folio(pages[i]);
		if (!gup_folio_pinnable(folio, &seen))
			break;
		i += gup_same_folio_span(pages, nr, i, folio);
	}
	return i;
}

#ifdef CONFIG_MMU
/*
 * ---------------------------------------------------------------------
 * The walk state
 * ---------------------------------------------------------------------
 */

struct gup_walk {
	struct mm_struct *mm;
	struct vm_area_struct *vma;	/* VMA covering @addr, or NULL */
	unsigned long addr;		/* next user address to resolve */
	unsigned long nr_left;		/* pages still wanted */
	unsigned int flags;		/* FOLL_* */
	struct page **pages;		/* output array, or NULL */
	struct vm_area_struct **vmas;	/* output array, or NULL */
	int *locked;			/* NULL: mmap_lock must stay held */
	long done;			/* pages resolved so far */
	struct dev_pagemap *pgmap;	/* cached ZONE_DEVICE lookup */
	struct gup_pin_tally acquired;	/* pins not yet in the counter */
	/* FOLL_LONGTERM: has a page that may not stay pinned been recorded? */
	bool unpinnable;
	/* Result of a successful lookup: */
	struct page *page;		/* first page of the run (or NULL) */
	unsigned long run;		/* pages in the run, grabbed already */
	bool pte_clean;			/* some PTE of the run is not dirty */
};

/*
 * Start @w with nothing found and no output arrays.  Callers declare
 * their walk __uninitialized and set it up here, field by field: an
 * initializer (or CONFIG_INIT_STACK_ALL_ZERO) would clear the whole
 * struct with a string instruction on every call.
 */
static __always_inline void gup_walk_init(struct gup_walk *w,
					  struct mm_struct *mm,
					  unsigned long addr,
					  unsigned long nr_pages,
					  unsigned int flags)
{
	w->mm = mm;
	w->vma = NULL;
	w->addr = addr;
	w->nr_left = nr_pages;
	w->flags = flags;
	w->pages = NULL;
	w->vmas = NULL;
	w->locked = NULL;
	w->done = 0;
	w->pgmap = NULL;
	w->acquired.pgdat = NULL;
	w->acquired.nr = 0;
	w->unpinnable = false;
	w->page = NULL;
	w->run = 0;
	w->pte_clean = false;
}

/* Lookup outcomes besides a negative errno. */
enum {
	GUP_FOUND,		/* @page/@run are valid and grabbed */
	GUP_NEED_FAULT,		/* absent or not accessible as asked */
	GUP_NEED_UNSHARE,	/* maybe-shared anon page wants FOLL_PIN */
	GUP_WAIT_MIGRATION,	/* internal: wait for a migration entry */
};

/* Positive walk step result: stop without error (mmap_lock may be gone). */
#define GUP_STOP	1

/*
 * Pages from @addr to the end of what its page table maps, within the
 * VMA (not pmd_addr_end(): see gup_span_end()).
 */
static unsigned long gup_pages_to_pmd_end(struct gup_walk *w)
{
	unsigned long base = w->addr & PAGE_MASK;

	return (gup_span_end(base, w->vma->vm_end, PMD_SIZE) - base) >>
	       PAGE_SHIFT;
}

static int gup_found_one(struct gup_walk *w, struct page *page)
{
	if (IS_ERR(page))
		return PTR_ERR(page);
	w->page = page;
	w->run = 1;
	return GUP_FOUND;
}

/*
 * Nothing is mapped.  A core dump of an untouched anonymous (or
 * fault-less) range would only read zeroes, so tell get_dump_page() to
 * leave a hole instead of allocating memory and page tables.
 */
static int gup_no_table(struct gup_walk *w)
{
	struct vm_area_struct *vma = w->vma;

	if ((w->flags & FOLL_DUMP) &&
	    (vma_is_anonymous(vma) || !vma->vm_ops->fault))
		return -EFAULT;
	return GUP_NEED_FAULT;
}

/*
 * ---------------------------------------------------------------------
 * Write permission on a present entry
 * ---------------------------------------------------------------------
 *
 * A read-only entry is writable through FOLL_FORCE only in a private,
 * VM_MAYWRITE but !VM_WRITE mapping, and only once the COW has been
 * broken: the page is an anonymous page exclusive to this mm.  Soft-dirty
 * and uffd-wp tracking still force a real write fault.
 */
static bool gup_force_write_allowed(struct gup_walk *w, struct page *page)
{
	unsigned long bits = VM_MAYSHARE | VM_SHARED | VM_MAYWRITE | VM_WRITE;

	if (!(w->flags & FOLL_FORCE))
		return false;
	if ((w->vma->vm_flags & bits) != VM_MAYWRITE)
		return false;
	return page && PageAnon(page) && PageAnonExclusive(page);
}

static bool gup_pte_force_writable(struct gup_walk *w, pte_t pte,
				   struct page *page)
{
	if (!gup_force_write_allowed(w, page))
		return false;
	if (vma_soft_dirty_enabled(w->vma) && !pte_soft_dirty(pte))
		return false;
	return !userfaultfd_pte_wp(w->vma, pte);
}

/* The common answer inline, the FOLL_FORCE cases out of line. */
static __always_inline bool gup_pte_writable(struct gup_walk *w, pte_t pte,
					     struct page *page)
{
	return pte_write(pte) || gup_pte_force_writable(w, pte, page);
}

static bool gup_pmd_writable(struct gup_walk *w, pmd_t pmd, struct page *head)
{
	if (pmd_write(pmd))
		return true;
	if (!gup_force_write_allowed(w, head))
		return false;
	if (vma_soft_dirty_enabled(w->vma) && !pmd_soft_dirty(pmd))
		return false;
	return !userfaultfd_huge_pmd_wp(w->vma, pmd);
}

/*
 * ---------------------------------------------------------------------
 * Taking a run of pages found at the leaf
 * ---------------------------------------------------------------------
 */

/*
 * FOLL_PIN callers access the contents: make every page of the run
 * accessible, trimming the run (and its references) at the first page
 * that cannot be.
 */
static int gup_make_run_accessible(struct gup_walk *w)
{
	unsigned long i;
	int err;

	for (i = 0; i < w->run; i++) {
		err = arch_make_page_accessible(nth_page(w->page, i));
		if (!err)
			continue;
		gup_folio_unref(page_folio(w->page), w->run - i, w->flags);
		if (!i)
			return err;
		w->run = i;
		break;
	}
	return 0;
}

/*
 * FOLL_LONGTERM: note whether the folio of @page, which is being
 * recorded, may stay pinned.  Every recorded folio is looked at here (or
 * in the small-page loop, or after follow_hugetlb_page()), so that a walk
 * that saw none to migrate spares gup_run_longterm() a pass over the
 * whole array.  Runs are few enough not to need the pageblock cache
 * of the small-page loop: the test stays short and in line.
 */
static __always_inline void gup_note_pinnable(struct gup_walk *w,
					      struct page *page)
{
	if ((w->flags & FOLL_LONGTERM) &&
	    !gup_folio_pinnable(page_folio(page), NULL))
		w->unpinnable = true;
}

/* Store the run into the output arrays and move past it. */
static __always_inline void gup_record_run(struct gup_walk *w)
{
	unsigned long run = w->run, addr = w->addr, i;
	struct page *first = w->page;

	/* An empty run (a batch's end) has no page of its own to check. */
	if (run)
		gup_note_pinnable(w, first);
	/*
	 * One pass per array, working from locals: the stores could alias
	 * @w, which would be reloaded every time.
	 */
	if (w->pages)
		gup_store_run(w->pages + w->done, first, run);
	if (w->vmas) {
		struct vm_area_struct **slot = w->vmas + w->done;
		struct vm_area_struct *vma = w->vma;

		for (i = 0; i < run; i++)
			slot[i] = vma;
	}
	w->done += run;
	w->nr_left -= run;
	w->addr = addr + run * PAGE_SIZE;
}

/*
 * FOLL_TOUCH on PTE-mapped pages of @folio: a write through GUP dirties
 * the folio if some PTE of it was @clean, and the folio was accessed.
 */
static __always_inline void gup_touch_folio(struct folio *folio,
					    unsigned int flags, bool clean)
{
	unsigned long hot = BIT(PG_referenced) | BIT(PG_active);

	if ((flags & FOLL_WRITE) && clean && !folio_test_dirty(folio))
		folio_mark_dirty(folio);
	/*
	 * A folio already referenced and active (and not idle) is left as
	 * it is by folio_mark_accessed() on the classic LRU: skip the call
	 * then, which is the steady state of memory pinned again and again.
	 */
	if (!lru_gen_enabled() && (READ_ONCE(folio->flags) & hot) == hot &&
	    !folio_test_idle(folio))
		return;
	folio_mark_accessed(folio);
}

/* Reference the whole run at once, then the per-access side effects. */
static int gup_take_pte_run(struct gup_walk *w, struct folio *folio)
{
	int err;

	if (unlikely(!gup_grab_locked(folio, w->page, w->run, w->flags,
				      false, &w->acquired)))
		return -ENOMEM;
	if (w->flags & FOLL_PIN) {
		err = gup_make_run_accessible(w);
		if (err)
			return err;
	}
	if (w->flags & FOLL_TOUCH)
		gup_touch_folio(folio, w->flags, w->pte_clean);
	return GUP_FOUND;
}

/*
 * ---------------------------------------------------------------------
 * PTE level
 * ---------------------------------------------------------------------
 */

/*
 * The struct page behind a PTE that maps ordinary memory, found without
 * a call: where PTEs carry a special bit, one without it maps the page
 * of its pfn.  NULL if the PTE is special, has a pfn past the memory map
 * or maps the zero page (vm_insert_page() can map it without the bit).
 */
static __always_inline struct page *gup_plain_page(pte_t pte)
{
	unsigned long pfn = pte_pfn(pte);

	if (!IS_ENABLED(CONFIG_ARCH_HAS_PTE_SPECIAL) || pte_special(pte) ||
	    unlikely(pfn > highest_memmap_pfn) || is_zero_pfn(pfn))
		return NULL;
	return pfn_to_page(pfn);
}

/* vm_normal_page(), with the answer for ordinary memory inline. */
static __always_inline struct page *gup_normal_page(struct vm_area_struct *vma,
						    unsigned long addr,
						    pte_t pte)
{
	struct page *page = gup_plain_page(pte);

	return page ? page : vm_normal_page(vma, addr, pte);
}

static bool gup_pte_followable(struct gup_walk *w, pte_t pte)
{
	return !pte_protnone(pte) || gup_can_follow_protnone(w->flags);
}

/* Does @pte at @addr map @expect with the same outcome as the run head? */
static bool gup_pte_extends_run(struct gup_walk *w, pte_t pte,
				unsigned long addr, struct page *expect)
{
	if (!pte_present(pte) || !gup_pte_followable(w, pte))
		return false;
	if (gup_normal_page(w->vma, addr, pte) != expect)
		return false;
	if ((w->flags & FOLL_WRITE) && !gup_pte_writable(w, pte, expect))
		return false;
	return pte_write(pte) || !gup_must_unshare(w->flags, expect);
}

/*
 * Extend the run beyond its first PTE while the following PTEs map the
 * next subpages of the same large folio, so that the whole stretch is
 * referenced with one update.
 */
static void gup_measure_pte_run(struct gup_walk *w, struct folio *folio,
				pte_t *ptep, pte_t first)
{
	unsigned long addr = w->addr & PAGE_MASK;
	unsigned long max;
	unsigned long n;

	w->run = 1;
	w->pte_clean = !pte_dirty(first);
	if (!folio_test_large(folio) || is_zone_device_page(w->page))
		return;

	max = folio_nr_pages(folio) - folio_page_idx(folio, w->page);
	max = min3(max, w->nr_left, gup_pages_to_pmd_end(w));
	for (n = 1; n < max; n++) {
		pte_t pte = ptep_get(ptep + n);

		if (!gup_pte_extends_run(w, pte, addr + n * PAGE_SIZE,
					 nth_page(w->page, n)))
			break;
		w->pte_clean |= !pte_dirty(pte);
	}
	w->run = n;
}

/* FOLL_TOUCH on a mapping that has no struct page behind it. */
static void gup_touch_pfn_pte(struct gup_walk *w, pte_t *ptep)
{
	pte_t old = ptep_get(ptep);
	pte_t young = pte_mkyoung(old);

	if (w->flags & FOLL_WRITE)
		young = pte_mkdirty(young);
	if (pte_same(old, young))
		return;
	set_pte_at(w->mm, w->addr, ptep, young);
	update_mmu_cache(w->vma, w->addr, ptep);
}

/*
 * vm_normal_page() found nothing: the entry may still map a device page
 * (only useful with a reference, which needs the pgmap), the zero page,
 * or a bare pfn, which GUP cannot return.
 */
static int gup_pte_special(struct gup_walk *w, pte_t *ptep, pte_t pte,
			   struct page **page)
{
	if (pte_devmap(pte) && (w->flags & (FOLL_GET | FOLL_PIN))) {
		w->pgmap = get_dev_pagemap(pte_pfn(pte), w->pgmap);
		if (!w->pgmap)
			return GUP_NEED_FAULT;
		*page = pte_page(pte);
		return GUP_FOUND;
	}
	if (w->flags & FOLL_DUMP)
		return -EFAULT;
	if (is_zero_pfn(pte_pfn(pte))) {
		*page = pte_page(pte);
		return GUP_FOUND;
	}
	if (w->flags & FOLL_TOUCH)
		gup_touch_pfn_pte(w, ptep);
	return -EEXIST;
}

/* Resolve a present PTE, with its page table lock held. */
static __always_inline int gup_present_pte(struct gup_walk *w, pte_t *ptep)
{
	pte_t pte = ptep_get(ptep);
	struct folio *folio;
	struct page *page;
	int ret;

	if (!gup_pte_followable(w, pte))
		return GUP_NEED_FAULT;
	page = gup_normal_page(w->vma, w->addr, pte);
	if ((w->flags & FOLL_WRITE) && !gup_pte_writable(w, pte, page))
		return GUP_NEED_FAULT;
	if (!page) {
		ret = gup_pte_special(w, ptep, pte, &page);
		if (ret != GUP_FOUND)
			return ret;
	}
	if (!pte_write(pte) && gup_must_unshare(w->flags, page))
		return GUP_NEED_UNSHARE;

	w->page = page;
	folio = page_folio(page);
	gup_measure_pte_run(w, folio, ptep, pte);
	return gup_take_pte_run(w, folio);
}

static int gup_absent_pte(struct gup_walk *w, pte_t pte)
{
	if (pte_none(pte))
		return gup_no_table(w);
	/* KSM (break_ksm) must see through a page under migration. */
	if ((w->flags & FOLL_MIGRATION) &&
	    is_migration_entry(pte_to_swp_entry(pte)))
		return GUP_WAIT_MIGRATION;
	/* Swap, markers, hwpoison...: the fault handler knows what to do. */
	return GUP_NEED_FAULT;
}

/* s390 makes pinned pages accessible first: gup_present_pte() does it. */
#ifdef HAVE_ARCH_MAKE_PAGE_ACCESSIBLE
#define GUP_PIN_NEEDS_ACCESS	FOLL_PIN
#else
#define GUP_PIN_NEEDS_ACCESS	0
#endif

/*
 * Take and record the pages of the @left PTEs from @ptep on for as long
 * as each maps a small folio that can be handed out as the PTE stands:
 * present, accessible, writable if a write is asked for and nothing to
 * unshare.  This is the bulk of most tables, and it is done here with
 * the walk state (pin tally included) in locals, one pass per PTE.  The
 * first PTE that needs more (a large folio, which forms runs; no struct
 * page or the zero page, which is not counted; a fault) is left for
 * gup_present_pte(), as is a folio that FOLL_LONGTERM will have to
 * migrate: recording it there notes it.  @flags are @w's, passed so that
 * the caller can make FOLL_PIN and FOLL_LONGTERM constants.
 *
 * Return: how many PTEs were taken and recorded.
 */
static __always_inline unsigned long gup_small_ptes_as(struct gup_walk *w,
						       pte_t *ptep,
						       unsigned long left,
						       unsigned int flags)
{
	struct vm_area_struct *vma = w->vma;
	struct page **pages = w->pages ? w->pages + w->done : NULL;
	struct gup_pin_tally tally = w->acquired;
	struct gup_block_seen seen = { .block = ULONG_MAX };
	unsigned long n, i;

	if (flags & GUP_PIN_NEEDS_ACCESS)
		return 0;
	for (n = 0; n < left; n++) {
		pte_t pte = ptep_get(ptep + n);
		struct folio *folio;
		struct page *page;

		if (!pte_present(pte) || pte_protnone(pte) ||
		    ((flags & FOLL_WRITE) && !pte_write(pte)))
			break;
		page = gup_plain_page(pte);
		if (!page)
			break;
		folio = page_folio(page);
		if (folio_test_large(folio) ||
		    (!pte_write(pte) && gup_must_unshare(flags, page)))
			break;
		/* Not the zero page, which gup_plain_page() leaves out. */
		if ((flags & FOLL_LONGTERM) &&
		    !gup_nonzero_pinnable(page, page_to_pfn(page), &seen))
			break;
		if (!gup_grab_locked(folio, page, 1, flags, true, &tally))
			break;
		/* Stored before the touch: @page need not live across a call. */
		if (pages)
			pages[n] = page;
		if (flags & FOLL_TOUCH)
			gup_touch_folio(folio, flags, !pte_dirty(pte));
	}
	for (i = 0; w->vmas && i < n; i++)
		w->vmas[w->done + i] = vma;
	w->acquired = tally;
	w->done += n;
	w->nr_left -= n;
	w->addr += n * PAGE_SIZE;
	return n;
}

/*
 * gup_small_ptes_as() with FOLL_PIN (and so not FOLL_GET) and, for pins,
 * FOLL_LONGTERM as constants either way: neither the pin tally nor the
 * pinnability test costs anything where it has nothing to do.  Only pins
 * are ever long term (gup_run_longterm() refuses anything else).
 */
static __always_inline unsigned long gup_small_ptes(struct gup_walk *w,
						    pte_t *ptep,
						    unsigned long left)
{
	unsigned int pin = (w->flags & ~FOLL_GET) | FOLL_PIN;

	/* The batch stays inside the page table @ptep points into. */
	VM_WARN_ON_ONCE(pte_index(w->addr) + left > PTRS_PER_PTE);
	if (!(w->flags & FOLL_PIN))
		return gup_small_ptes_as(w, ptep, left,
					 w->flags & ~(FOLL_PIN | FOLL_LONGTERM));
	if (w->flags & FOLL_LONGTERM)
		return gup_small_ptes_as(w, ptep, left, pin | FOLL_LONGTERM);
	return gup_small_ptes_as(w, ptep, left, pin & ~FOLL_LONGTERM);
}

/*
 * Resolve the present PTE at @ptep and, while the table's lock is still
 * held, go on with the PTEs that follow, for as long as each one resolves
 * without a fault, so that the descent from the PGD and the lock round
 * trip are paid once per table rather than once per page.  The first PTE
 * and each one that gup_small_ptes() stops at (a large folio, a special
 * page, a PTE that needs a fault) go through gup_present_pte(), inlined
 * once; the plain small pages between go through gup_small_ptes(), which
 * records them as it takes them.  Every other run is recorded
 * here, except the last, which is left in @w like any lookup's (possibly
 * empty).  The first PTE's verdict is the lookup's.  A later PTE that
 * needs more (a fault, an unshare, an error) ends the batch with an empty
 * run, and nothing it may have measured is kept: the next step looks
 * that address up afresh and handles it with the full machinery.
 */
static int gup_present_ptes(struct gup_walk *w, pte_t *ptep)
{
	unsigned long left = w->nr_left;
	bool later = false;
	unsigned long n;
	int ret;

	for (;;) {
		ret = gup_present_pte(w, ptep);
		if (ret != GUP_FOUND)
			break;
		if (w->run >= left)
			return GUP_FOUND;
		/* Only a batch needs the table's end (not a one-page call). */
		if (!later) {
			left = min(left, gup_pages_to_pmd_end(w));
			if (w->run >= left)
				return GUP_FOUND;
		}
		ptep += w->run;
		left -= w->run;
		gup_record_run(w);
		later = true;
		n = gup_small_ptes(w, ptep, left);
		ptep += n;
		left -= n;
		if (!left || !pte_present(ptep_get(ptep)))
			break;
	}
	if (!later)
		return ret;
	w->run = 0;
	return GUP_FOUND;
}

static int gup_lookup_pte(struct gup_walk *w, pmd_t *pmd)
{
	spinlock_t *ptl;	/* page table lock of the PTE page */
	pte_t *ptep;
	int ret;

	for (;;) {
		if (unlikely(pmd_bad(*pmd)))
			return gup_no_table(w);
		ptep = pte_offset_map_lock(w->mm, pmd, w->addr, &ptl);
		if (pte_present(ptep_get(ptep)))
			ret = gup_present_ptes(w, ptep);
		else
			ret = gup_absent_pte(w, ptep_get(ptep));
		pte_unmap_unlock(ptep, ptl);
		if (ret != GUP_WAIT_MIGRATION)
			return ret;
		migration_entry_wait(w->mm, pmd, w->addr);
	}
}

/*
 * ---------------------------------------------------------------------
 * PMD level: transparent huge pages and device PMDs
 * ---------------------------------------------------------------------
 */

/*
 * Only THP and device PMDs get here, both of which need
 * CONFIG_TRANSPARENT_HUGEPAGE; without it some architectures (32-bit Arm
 * without LPAE) have no pmd_mkyoung() at all.
 */
static void gup_touch_pmd(struct gup_walk *w, pmd_t *pmd)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	bool write = w->flags & FOLL_WRITE;
	pmd_t entry = pmd_mkyoung(*pmd);

	if (write)
		entry = pmd_mkdirty(entry);
	if (pmdp_set_access_flags(w->vma, w->addr & HPAGE_PMD_MASK, pmd,
				  entry, write))
		update_mmu_cache_pmd(w->vma, w->addr, pmd);
#endif
}

/*
 * A PMD-mapped THP, with the PMD lock held: every wanted subpage from
 * @addr up to the end of the huge page is taken with one update.
 */
static int gup_take_thp(struct gup_walk *w, pmd_t *pmd)
{
	pmd_t val = *pmd;
	struct page *head = pmd_page(val);
	unsigned long idx = (w->addr & ~HPAGE_PMD_MASK) >> PAGE_SHIFT;
	unsigned long run = min_t(unsigned long, HPAGE_PMD_NR - idx, w->nr_left);

	if ((w->flags & FOLL_WRITE) && !gup_pmd_writable(w, val, head))
		return GUP_NEED_FAULT;
	if ((w->flags & FOLL_DUMP) && is_huge_zero_pmd(val))
		return -EFAULT;
	if (pmd_protnone(val) && !gup_can_follow_protnone(w->flags))
		return GUP_NEED_FAULT;
	/* Exclusivity of a PMD-mapped THP is tracked on its head page. */
	if (!pmd_write(val) && gup_must_unshare(w->flags, head))
		return GUP_NEED_UNSHARE;

	if (unlikely(!gup_grab_locked(page_folio(head), head, run, w->flags,
				      false, &w->acquired)))
		return -ENOMEM;
	if (w->flags & FOLL_TOUCH)
		gup_touch_pmd(w, pmd);
	w->page = nth_page(head, idx);
	w->run = run;
	return GUP_FOUND;
}

/* FOLL_SPLIT_PMD: turn the huge PMD into a page table and go on there. */
static int gup_split_then_pte(struct gup_walk *w, pmd_t *pmd, bool zero)
{
	split_huge_pmd(w->vma, pmd, w->addr);
	if (zero) {
		/* The huge zero page was just zapped; a racing fault may refill. */
		if (pmd_trans_unstable(pmd))
			return -EBUSY;
	} else if (pte_alloc(w->mm, pmd)) {
		return -ENOMEM;
	}
	return gup_lookup_pte(w, pmd);
}

/* Lock the PMD, waiting out migration, and act on what it maps. */
static int gup_lookup_thp(struct gup_walk *w, pmd_t *pmd)
{
	spinlock_t *ptl;	/* PMD lock */
	bool zero;
	int ret;

	for (;;) {
		ptl = pmd_lock(w->mm, pmd);
		if (pmd_present(*pmd) || pmd_none(*pmd))
			break;
		spin_unlock(ptl);
		if (!(w->flags & FOLL_MIGRATION))
			return gup_no_table(w);
		pmd_migration_entry_wait(w->mm, pmd);
	}
	if (pmd_none(*pmd)) {
		spin_unlock(ptl);
		return gup_no_table(w);
	}
	if (!pmd_trans_huge(*pmd)) {
		spin_unlock(ptl);
		return gup_lookup_pte(w, pmd);
	}
	if (w->flags & FOLL_SPLIT_PMD) {
		zero = is_huge_zero_pmd(*pmd);
		spin_unlock(ptl);
		return gup_split_then_pte(w, pmd, zero);
	}
	ret = gup_take_thp(w, pmd);
	spin_unlock(ptl);
	return ret;
}

static int gup_lookup_devmap_pmd(struct gup_walk *w, pmd_t *pmd)
{
	spinlock_t *ptl = pmd_lock(w->mm, pmd);
	struct page *page;

	page = follow_devmap_pmd(w->vma, w->addr, pmd, w->flags, &w->pgmap);
	spin_unlock(ptl);
	return page ? gup_found_one(w, page) : gup_no_table(w);
}

static int gup_lookup_pmd(struct gup_walk *w, pud_t *pud)
{
	pmd_t *pmd = pmd_offset(pud, w->addr);
	pmd_t val;

	for (;;) {
		val = READ_ONCE(*pmd);
		if (pmd_none(val))
			return gup_no_table(w);
		if (pmd_present(val))
			break;
		/* Only a THP migration entry can be non-present here. */
		VM_WARN_ON_ONCE(!thp_migration_supported() ||
				!is_pmd_migration_entry(val));
		if (!(w->flags & FOLL_MIGRATION))
			return gup_no_table(w);
		pmd_migration_entry_wait(w->mm, pmd);
	}
	if (pmd_devmap(val))
		return gup_lookup_devmap_pmd(w, pmd);
	if (likely(!pmd_trans_huge(val)))
		return gup_lookup_pte(w, pmd);
	return gup_lookup_thp(w, pmd);
}

/*
 * ---------------------------------------------------------------------
 * Upper levels
 * ---------------------------------------------------------------------
 */

static int gup_lookup_devmap_pud(struct gup_walk *w, pud_t *pud)
{
	spinlock_t *ptl = pud_lock(w->mm, pud);
	struct page *page;

	page = follow_devmap_pud(w->vma, w->addr, pud, w->flags, &w->pgmap);
	spin_unlock(ptl);
	return page ? gup_found_one(w, page) : gup_no_table(w);
}

/* Architectures with hugepd tables (powerpc) hide hugetlb leaves there. */
static bool gup_hugepd_leaf(struct gup_walk *w, unsigned long entry,
			    int shift, struct page **page)
{
	hugepd_t hpd = __hugepd(entry);

	if (!is_hugepd(hpd))
		return false;
	*page = follow_huge_pd(w->vma, w->addr, hpd, w->flags, shift);
	return true;
}

/*
 * Reach the hugetlb leaf mapping @addr.  Only follow_page() gets here:
 * the range walk hands hugetlb VMAs to follow_hugetlb_page().
 */
static struct page *gup_hugetlb_leaf(struct gup_walk *w)
{
	pgd_t *pgd = pgd_offset(w->mm, w->addr);
	struct page *page = NULL;
	pmd_t *pmd;
	pud_t *pud;
	p4d_t *p4d;

	if (pgd_none(*pgd) || unlikely(pgd_bad(*pgd)))
		return NULL;
	if (pgd_huge(*pgd))
		return follow_huge_pgd(w->mm, w->addr, pgd, w->flags);
	if (gup_hugepd_leaf(w, pgd_val(*pgd), PGDIR_SHIFT, &page))
		return page;
	p4d = p4d_offset(pgd, w->addr);
	if (p4d_none(*p4d) || unlikely(p4d_bad(*p4d)))
		return NULL;
	if (gup_hugepd_leaf(w, p4d_val(*p4d), P4D_SHIFT, &page))
		return page;
	pud = pud_offset(p4d, w->addr);
	if (pud_none(*pud))
		return NULL;
	if (pud_huge(*pud))
		return follow_huge_pud(w->mm, w->addr, pud, w->flags);
	if (gup_hugepd_leaf(w, pud_val(*pud), PUD_SHIFT, &page))
		return page;
	if (unlikely(pud_bad(*pud)))
		return NULL;
	pmd = pmd_offset(pud, w->addr);
	if (pmd_none(READ_ONCE(*pmd)))
		return NULL;
	if (gup_hugepd_leaf(w, pmd_val(READ_ONCE(*pmd)), PMD_SHIFT, &page))
		return page;
	/* PMD leaf or contiguous PTEs: hugetlb code handles both. */
	return follow_huge_pmd_pte(w->vma, w->addr, w->flags);
}

static int gup_lookup_hugetlb(struct gup_walk *w)
{
	struct page *page;

	page = follow_huge_addr(w->mm, w->addr, w->flags & FOLL_WRITE);
	if (!IS_ERR(page)) {
		/* Such architectures cannot hand out references here. */
		WARN_ON_ONCE(w->flags & (FOLL_GET | FOLL_PIN));
		return gup_found_one(w, page);
	}
	page = gup_hugetlb_leaf(w);
	return page ? gup_found_one(w, page) : gup_no_table(w);
}

/*
 * Find what @w->addr maps and grab it.  Returns GUP_FOUND with @w->page
 * and @w->run set, GUP_NEED_FAULT, GUP_NEED_UNSHARE, or a negative errno
 * (-EEXIST: mapped, but not by a struct page).  mmap_lock must be held.
 */
static int gup_lookup(struct gup_walk *w)
{
	pud_t *pud;
	p4d_t *p4d;
	pgd_t *pgd;

	if (is_vm_hugetlb_page(w->vma))
		return gup_lookup_hugetlb(w);

	pgd = pgd_offset(w->mm, w->addr);
	if (pgd_none(*pgd) || unlikely(pgd_bad(*pgd)))
		return gup_no_table(w);
	p4d = p4d_offset(pgd, w->addr);
	if (p4d_none(*p4d) || unlikely(p4d_bad(*p4d)))
		return gup_no_table(w);
	pud = pud_offset(p4d, w->addr);
	if (pud_none(*pud))
		return gup_no_table(w);
	if (pud_devmap(*pud))
		return gup_lookup_devmap_pud(w, pud);
	if (unlikely(pud_bad(*pud)))
		return gup_no_table(w);
	return gup_lookup_pmd(w, pud);
}

/**
 * follow_page() - look up the page mapped at a user address
 * @vma:        the VMA containing @address
 * @address:    the user address
 * @foll_flags: FOLL_* flags; FOLL_GET takes a reference, FOLL_PIN is
 *              not supported here
 *
 * Walks the page tables without faulting anything in.  mmap_lock must be
 * held.  Secretmem VMAs are never looked into.
 *
 * Return: the (sub)page mapped at @address, NULL when nothing usable is
 * mapped, or an error pointer such as -EEXIST for a mapping without a
 * struct page and -EFAULT for a FOLL_DUMP hole.
 */
struct page *follow_page(struct vm_area_struct *vma, unsigned long address,
			 unsigned int foll_flags)
{
	struct gup_walk w __uninitialized;
	int ret;

	gup_walk_init(&w, vma->vm_mm, address, 1, foll_flags);
	w.vma = vma;
	if (vma_is_secretmem(vma) || (foll_flags & FOLL_PIN))
		return NULL;

	ret = gup_lookup(&w);
	if (w.pgmap)
		put_dev_pagemap(w.pgmap);
	if (ret < 0)
		return ERR_PTR(ret);
	return ret == GUP_FOUND ? w.page : NULL;
}

/*
 * ---------------------------------------------------------------------
 * Faulting
 * ---------------------------------------------------------------------
 */

static const struct {
	unsigned int foll;
	unsigned int fault;
} gup_fault_flag_map[] = {
	{ FOLL_WRITE,	FAULT_FLAG_WRITE },
	{ FOLL_REMOTE,	FAULT_FLAG_REMOTE },
	{ FOLL_NOWAIT,	FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_RETRY_NOWAIT },
	{ FOLL_TRIED,	FAULT_FLAG_TRIED },
};

static unsigned int gup_fault_flags(struct gup_walk *w, bool unshare)
{
	unsigned int fault_flags = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gup_fault_flag_map); i++)
		if (w->flags & gup_fault_flag_map[i].foll)
			fault_flags |= gup_fault_flag_map[i].fault;
	if (w->locked)
		fault_flags |= FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE;
	if (unshare) {
		/* Unsharing only ever serves a read-only pin. */
		VM_WARN_ON_ONCE(fault_flags & FAULT_FLAG_WRITE);
		fault_flags |= FAULT_FLAG_UNSHARE;
	}
	return fault_flags;
}

/*
 * Fault @w->addr in.  Returns 0 to look the address up again, GUP_STOP
 * when the walk must end here (mmap_lock dropped, or FOLL_NOWAIT would
 * have to wait), or a negative errno.
 */
static int gup_fault(struct gup_walk *w, bool unshare)
{
	unsigned int fault_flags = gup_fault_flags(w, unshare);
	vm_fault_t ret;
	int err;

	if (w->flags & FOLL_NOFAULT)
		return -EFAULT;

	ret = handle_mm_fault(w->vma, w->addr, fault_flags, NULL);
	if (ret & VM_FAULT_COMPLETED) {
		/* Done, but the handler released mmap_lock on its way out. */
		WARN_ON_ONCE(fault_flags & FAULT_FLAG_RETRY_NOWAIT);
		if (w->locked)
			*w->locked = 0;
		return GUP_STOP;
	}
	if (ret & VM_FAULT_ERROR) {
		err = vm_fault_to_errno(ret, w->flags);
		return WARN_ON_ONCE(!err) ? -EFAULT : err;
	}
	if (ret & VM_FAULT_RETRY) {
		if (w->locked && !(fault_flags & FAULT_FLAG_RETRY_NOWAIT))
			*w->locked = 0;
		return GUP_STOP;
	}
	return 0;
}

/*
 * ---------------------------------------------------------------------
 * One pass over the range
 * ---------------------------------------------------------------------
 */

/* Is this VMA one GUP may look into, for the access @flags describes? */
static bool gup_vma_access_ok(struct vm_area_struct *vma, unsigned int flags)
{
	vm_flags_t vm_flags = vma->vm_flags;

	if (flags & FOLL_WRITE) {
		if (vm_flags & VM_WRITE)
			return true;
		/*
		 * A forced write can only break COW in a private mapping;
		 * shared ones and hugetlb refuse it.
		 */
		return (flags & FOLL_FORCE) && !is_vm_hugetlb_page(vma) &&
		       is_cow_mapping(vm_flags);
	}
	if (vm_flags & VM_READ)
		return true;
	return (flags & FOLL_FORCE) && (vm_flags & VM_MAYREAD);
}

static int gup_vma_allowed(struct vm_area_struct *vma, unsigned int flags)
{
	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return -EFAULT;
	if ((flags & FOLL_ANON) && !vma_is_anonymous(vma))
		return -EFAULT;
	/* Filesystem DAX pages cannot be pinned indefinitely. */
	if ((flags & FOLL_LONGTERM) && vma_is_fsdax(vma))
		return -EOPNOTSUPP;
	if (vma_is_secretmem(vma) || !gup_vma_access_ok(vma, flags))
		return -EFAULT;
	/* GUP accesses data, never instructions. */
	if (!arch_vma_access_permitted(vma, flags & FOLL_WRITE, false,
				       flags & FOLL_REMOTE))
		return -EFAULT;
	return 0;
}

/* Walk to the PTE of a gate area address (kernel or per-mm tables). */
static pte_t *gup_gate_pte(struct mm_struct *mm, unsigned long addr)
{
	pmd_t *pmd;
	pud_t *pud;
	p4d_t *p4d;
	pgd_t *pgd;

	pgd = addr > TASK_SIZE ? pgd_offset_k(addr) : pgd_offset_gate(mm, addr);
	if (pgd_none(*pgd))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(*p4d))
		return NULL;
	pud = pud_offset(p4d, addr);
	if (pud_none(*pud))
		return NULL;
	pmd = pmd_offset(pud, addr);
	if (!pmd_present(*pmd))
		return NULL;
	VM_WARN_ON_ONCE(pmd_trans_huge(*pmd));
	return pte_offset_map(pmd, addr);
}

/* The gate page (e.g. vsyscall) lies outside any VMA; it is read-only. */
static int gup_gate_page(struct gup_walk *w)
{
	struct page *page = NULL;
	pte_t *ptep;
	pte_t pte;

	if (w->flags & FOLL_WRITE)
		return -EFAULT;
	ptep = gup_gate_pte(w->mm, w->addr);
	if (!ptep)
		return -EFAULT;
	pte = ptep_get(ptep);
	pte_unmap(ptep);
	if (pte_none(pte))
		return -EFAULT;

	w->vma = get_gate_vma(w->mm);
	if (w->pages) {
		page = vm_normal_page(w->vma, w->addr, pte);
		if (!page && ((w->flags & FOLL_DUMP) ||
			      !is_zero_pfn(pte_pfn(pte))))
			return -EFAULT;
		if (!page)
			page = pte_page(pte);
		if (unlikely(!gup_grab_locked(page_folio(page), page, 1,
					      w->flags, false, &w->acquired)))
			return -ENOMEM;
	}
	w->page = page;
	w->run = 1;
	gup_record_run(w);
	w->vma = NULL;
	return 0;
}

#ifdef CONFIG_HUGETLB_PAGE
/*
 * Can the huge page behind @pte be handed out as it is mapped?  Not if
 * it is absent, migrating or poisoned (a swap entry), or if a write or
 * an unshare would need a fault first.
 */
static bool gup_huge_pte_usable(struct gup_walk *w, pte_t pte)
{
	if (huge_pte_none(pte) || is_swap_pte(pte))
		return false;
	if (huge_pte_write(pte))
		return true;
	return !(w->flags & FOLL_WRITE) &&
	       !gup_must_unshare(w->flags, pte_page(pte));
}

/*
 * Take the pages of the huge page mapped at @w->addr, from there to the
 * end of that huge page (or of the request), with one reference update
 * under the huge page table lock, and record them.  FOLL_LONGTERM does
 * not refuse anything here: the migration step after the walk deals with
 * hugetlb pages that may not stay pinned.
 *
 * Return: 0 with the run recorded, GUP_NEED_FAULT, or -ENOMEM.
 */
static int gup_hugetlb_present(struct gup_walk *w)
{
	struct hstate *h = hstate_vma(w->vma);
	unsigned long idx = (w->addr & ~huge_page_mask(h)) >> PAGE_SHIFT;
	spinlock_t *ptl;	/* huge page table lock */
	pte_t *ptep;
	pte_t pte;
	int ret = GUP_NEED_FAULT;

	ptep = huge_pte_offset(w->mm, w->addr & huge_page_mask(h),
			       huge_page_size(h));
	if (!ptep)
		return GUP_NEED_FAULT;
	ptl = huge_pte_lock(h, w->mm, ptep);
	pte = huge_ptep_get(ptep);
	if (!gup_huge_pte_usable(w, pte))
		goto unlock;

	w->page = nth_page(pte_page(pte), idx);
	w->run = min3(pages_per_huge_page(h) - idx, w->nr_left,
		      (w->vma->vm_end - w->addr) >> PAGE_SHIFT);
	ret = 0;
	if (unlikely(!gup_grab_locked(page_folio(w->page), w->page, w->run,
				      w->flags, false, &w->acquired)))
		ret = -ENOMEM;
unlock:
	spin_unlock(ptl);
	if (!ret)
		gup_record_run(w);
	return ret;
}

/*
 * Fault in the huge page at @w->addr through follow_hugetlb_page(),
 * which then also takes its pages, up to the end of that huge page: the
 * huge pages after it go through gup_hugetlb_present() again.  The
 * hugetlb fault code knows what hugetlb needs (waiting for migration,
 * FOLL_DUMP holes without page cache, unsharing).  FOLL_LONGTERM is kept
 * from it, where it would only make the grab fail on a movable huge page
 * (see gup_hugetlb_present()); the pages it took are checked here instead.
 */
static int gup_hugetlb_fault(struct gup_walk *w)
{
	struct hstate *h = hstate_vma(w->vma);
	unsigned long to_end = (huge_page_size(h) -
				(w->addr & ~huge_page_mask(h))) >> PAGE_SHIFT;
	unsigned long want = min(to_end, w->nr_left);
	unsigned long left = want;
	long ret, got;

	ret = follow_hugetlb_page(w->mm, w->vma, w->pages, w->vmas, &w->addr,
				  &left, w->done, w->flags & ~FOLL_LONGTERM,
				  w->locked);
	if (ret < 0)
		return ret;
	got = ret - w->done;
	if ((w->flags & FOLL_LONGTERM) &&
	    gup_first_unpinnable(w->pages + w->done, got) != got)
		w->unpinnable = true;
	w->done = ret;
	w->nr_left -= got;
	/* Fewer: mmap_lock dropped, FOLL_NOWAIT, a dump hole, an error. */
	if ((w->locked && !*w->locked) || got < want)
		return GUP_STOP;
	return 0;
}
#else
static int gup_hugetlb_present(struct gup_walk *w)
{
	return GUP_NEED_FAULT;
}

static int gup_hugetlb_fault(struct gup_walk *w)
{
	return -EFAULT;
}
#endif

/*
 * A hugetlb VMA: huge pages that are mapped as needed are taken here, one
 * reference update each; the others are faulted in by the hugetlb code.
 */
static int gup_hugetlb_range(struct gup_walk *w)
{
	int ret;

	if (fatal_signal_pending(current))
		return -EINTR;
	cond_resched();
	ret = gup_hugetlb_present(w);
	if (ret != GUP_NEED_FAULT)
		return ret;
	if (w->flags & FOLL_NOFAULT)
		return -EFAULT;
	return gup_hugetlb_fault(w);
}

#ifndef flush_dcache_page_array
/* An architecture with a cheaper way to flush many pages defines this. */
static inline void flush_dcache_page_array(struct page **pages,
					   unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		flush_dcache_page(pages[i]);
}
#endif

/*
 * The pages stored from @pages on, mapped from @addr on, may be about to
 * be accessed through the kernel mapping: make the architecture's caches
 * agree with what the user mapping wrote.  Done with no page table lock
 * held; it is nothing at all where the caches cannot alias.
 */
static void gup_flush_stored(struct vm_area_struct *vma, struct page **pages,
			     unsigned long nr, unsigned long addr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		flush_anon_page(vma, pages[i], addr + i * PAGE_SIZE);
	flush_dcache_page_array(pages, nr);
}

/* Look @w->addr up, faulting as needed, until it resolves or fails. */
static int gup_resolve_addr(struct gup_walk *w)
{
	unsigned long first = w->done, addr = w->addr;
	int ret;

	for (;;) {
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();

		w->page = NULL;
		ret = gup_lookup(w);
		if (ret == GUP_FOUND)
			break;
		if (ret == -EEXIST && !w->pages) {
			/* No struct page, but none was asked for either. */
			w->run = 1;
			break;
		}
		if (ret < 0)
			return ret;
		ret = gup_fault(w, ret == GUP_NEED_UNSHARE);
		if (ret)
			return ret;
	}
	gup_record_run(w);
	if (w->pages)
		gup_flush_stored(w->vma, w->pages + first, w->done - first,
				 addr);
	return 0;
}

static int gup_step(struct gup_walk *w)
{
	struct vm_area_struct *vma = w->vma;
	int ret;

	if (!vma || w->addr >= vma->vm_end) {
		vma = vma_lookup(w->mm, w->addr);
		if (!vma && in_gate_area(w->mm, w->addr))
			return gup_gate_page(w);
		if (!vma)
			return -EFAULT;
		ret = gup_vma_allowed(vma, w->flags);
		if (ret)
			return ret;
		w->vma = vma;
	}
	if (is_vm_hugetlb_page(vma))
		return gup_hugetlb_range(w);
	return gup_resolve_addr(w);
}

/*
 * One pass with mmap_lock held.  With @locked, a fault may release the
 * lock (reported through *@locked); the pass then ends early.
 *
 * FOLL_LONGTERM: *@unpinnable is set if some page taken may not stay
 * pinned (and left alone otherwise).
 *
 * Return: pages resolved, possibly fewer than @nr_pages, or -errno when
 * none were.  0 is possible when the first page needs a fault retried.
 */
static long gup_walk_pages(struct mm_struct *mm, unsigned long start,
			   unsigned long nr_pages, unsigned int flags,
			   struct page **pages, struct vm_area_struct **vmas,
			   int *locked, bool *unpinnable)
{
	struct gup_walk w __uninitialized;
	int ret = 0;

	gup_walk_init(&w, mm, untagged_addr(start) & PAGE_MASK, nr_pages,
		      flags);
	w.pages = pages;
	w.vmas = vmas;
	w.locked = locked;

	VM_WARN_ON_ONCE(!pages != !(flags & (FOLL_GET | FOLL_PIN)));

	while (w.nr_left && !ret)
		ret = gup_step(&w);
	gup_tally_flush(&w.acquired, NR_FOLL_PIN_ACQUIRED);
	if (w.pgmap)
		put_dev_pagemap(w.pgmap);
	if (w.unpinnable)
		*unpinnable = true;
	if (w.done || ret > 0)
		return w.done;
	return ret;
}

/*
 * ---------------------------------------------------------------------
 * Resuming after mmap_lock was dropped
 * ---------------------------------------------------------------------
 */

/*
 * Retake mmap_lock and fault in the single page at @start with
 * FOLL_TRIED, for as long as the fault keeps dropping the lock.
 */
static long gup_relock_one(struct mm_struct *mm, unsigned long start,
			   struct page **pages, unsigned int flags, int *locked,
			   bool *unpinnable)
{
	long ret;

	for (;;) {
		if (fatal_signal_pending(current))
			return -EINTR;
		ret = mmap_read_lock_killable(mm);
		if (ret)
			return ret;
		*locked = 1;
		ret = gup_walk_pages(mm, start, 1, flags | FOLL_TRIED, pages,
				     NULL, locked, unpinnable);
		if (*locked)
			return ret;
	}
}

static long gup_run_droppable(struct mm_struct *mm, unsigned long start,
			      unsigned long nr_pages, struct page **pages,
			      int *locked, unsigned int flags,
			      bool *unpinnable)
{
	bool dropped = false;
	long done = 0;
	long ret;

	for (;;) {
		ret = gup_walk_pages(mm, start, nr_pages, flags, pages, NULL,
				     locked, unpinnable);
		if (ret > 0) {
			done += ret;
			nr_pages -= ret;
			start += ret << PAGE_SHIFT;
			if (pages)
				pages += ret;
		}
		if (!nr_pages || *locked)
			break;

		/* A fault gave up mmap_lock: resume at the page it was on. */
		dropped = true;
		ret = gup_relock_one(mm, start, pages, flags, locked,
				     unpinnable);
		if (ret != 1)
			break;
		done++;
		if (!--nr_pages)
			break;
		start += PAGE_SIZE;
		if (pages)
			pages++;
	}
	/* The caller's critical section was broken: say so. */
	if (dropped && *locked) {
		mmap_read_unlock(mm);
		*locked = 0;
	}
	return done ? done : ret;
}

#else /* !CONFIG_MMU */

/* Without an MMU user memory is kernel memory: just check the VMAs. */
static bool gup_nommu_vma_ok(struct vm_area_struct *vma, unsigned int flags)
{
	vm_flags_t need = (flags & FOLL_WRITE) ? VM_WRITE : VM_READ;

	if (!vma || (vma->vm_flags & (VM_IO | VM_PFNMAP)))
		return false;
	if (flags & FOLL_FORCE)
		need = (flags & FOLL_WRITE) ? VM_MAYWRITE : VM_MAYREAD;
	return vma->vm_flags & need;
}

/* Without migration, *@unpinnable never needs setting. */
static long gup_walk_pages(struct mm_struct *mm, unsigned long start,
			   unsigned long nr_pages, unsigned int flags,
			   struct page **pages, struct vm_area_struct **vmas,
			   int *locked, bool *unpinnable)
{
	struct vm_area_struct *vma;
	unsigned long i;

	start &= PAGE_MASK;
	for (i = 0; i < nr_pages; i++, start += PAGE_SIZE) {
		vma = vma_lookup(mm, start);
		if (!gup_nommu_vma_ok(vma, flags))
			break;
		if (pages) {
			pages[i] = virt_to_page((void *)start);
			if (!try_grab_page(pages[i], flags))
				break;
		}
		if (vmas)
			vmas[i] = vma;
	}
	return i ? i : -EFAULT;
}

static long gup_run_droppable(struct mm_struct *mm, unsigned long start,
			      unsigned long nr_pages, struct page **pages,
			      int *locked, unsigned int flags,
			      bool *unpinnable)
{
	return gup_walk_pages(mm, start, nr_pages, flags, pages, NULL, locked,
			      unpinnable);
}

#endif /* CONFIG_MMU */

/*
 * The locked core shared by every entry point: @mm's mmap_lock is held
 * on entry; with @locked it may be dropped, which *@locked reports.
 * @unpinnable is for FOLL_LONGTERM (see gup_walk_pages()), NULL without.
 * Inline: in the entry points most of its tests fold away.
 */
static __always_inline long gup_run(struct mm_struct *mm, unsigned long start,
				    unsigned long nr_pages, struct page **pages,
				    struct vm_area_struct **vmas, int *locked,
				    unsigned int flags, bool *unpinnable)
{
	if (!nr_pages)
		return 0;
	/* No range is that long: most likely a negative count, widened. */
	if ((long)nr_pages < 0)
		return -EINVAL;
	/* VMAs would be stale once the lock can go; *locked must be 1. */
	if (locked && (WARN_ON_ONCE(vmas) || WARN_ON_ONCE(*locked != 1)))
		return -EINVAL;

	if (flags & FOLL_PIN)
		gup_note_mm_pinned(mm);
	/* Filling @pages implies a reference; FOLL_GET unless pinning. */
	if (pages && !(flags & FOLL_PIN))
		flags |= FOLL_GET;

	if (!locked)
		return gup_walk_pages(mm, start, nr_pages, flags, pages, vmas,
				      NULL, unpinnable);
	return gup_run_droppable(mm, start, nr_pages, pages, locked, flags,
				 unpinnable);
}

/*
 * ---------------------------------------------------------------------
 * FOLL_LONGTERM: move pages out of ZONE_MOVABLE / CMA before pinning
 * ---------------------------------------------------------------------
 */

#ifdef CONFIG_MIGRATION
struct gup_unpinnable {
	struct list_head isolated;	/* folios to migrate */
	int drained;			/* 0, 1: this CPU's LRU caches, 2: all */
};

/*
 * A folio still sitting in a per-CPU LRU cache holds an extra reference
 * and cannot be isolated: drain locally first, then everywhere.
 */
static void gup_drain_lru_for(struct gup_unpinnable *u, struct folio *folio)
{
	if (!folio_may_be_lru_cached(folio))
		return;
	while (u->drained < 2 &&
	       folio_ref_count(folio) != folio_expected_ref_count(folio) + 1) {
		if (u->drained++ == 0)
			lru_add_drain();
		else
			lru_add_drain_all();
	}
}

static void gup_isolate_unpinnable(struct gup_unpinnable *u,
				   struct folio *folio)
{
	/* Device coherent pages are migrated one by one, later. */
	if (folio_is_device_coherent(folio))
		return;
	if (folio_test_hugetlb(folio)) {
		folio_isolate_hugetlb(&folio->page, &u->isolated);
		return;
	}
	gup_drain_lru_for(u, folio);
	if (folio_isolate_lru(folio))
		return;
	list_add_tail(&folio->lru, &u->isolated);
	node_stat_mod_folio(folio, NR_ISOLATED_ANON + folio_is_file_lru(folio),
			    folio_nr_pages(folio));
}

/*
 * Isolate every folio of @pages[@i .. @nr) that may not stay pinned,
 * @pages[@i] being the first such page; gup_first_unpinnable() skips
 * the pinnable stretches in between.
 */
static void gup_collect_unpinnable(struct gup_unpinnable *u,
				   struct page **pages, unsigned long nr,
				   unsigned long i)
{
	while (i < nr) {
		struct folio *folio = page_folio(pages[i]);

		gup_isolate_unpinnable(u, folio);
		i += gup_same_folio_span(pages, nr, i, folio);
		i += gup_first_unpinnable(pages + i, nr - i);
	}
}

/*
 * Give every pin back so migration can proceed.  A device coherent page
 * is migrated right here, holding a plain reference instead of the pin.
 */
static int gup_unpin_for_migration(struct page **pages, unsigned long nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		struct folio *folio = page_folio(pages[i]);

		pages[i] = NULL;
		if (!folio_is_device_coherent(folio)) {
			gup_folio_unref(folio, 1, FOLL_PIN);
			continue;
		}
		folio_get(folio);
		gup_folio_unref(folio, 1, FOLL_PIN);
		if (migrate_device_coherent_page(&folio->page)) {
			unpin_user_pages(pages + i + 1, nr - i - 1);
			return -EBUSY;
		}
	}
	return 0;
}

static int gup_migrate_isolated(struct list_head *isolated)
{
	struct migration_target_control mtc = {
		.gfp_mask = GFP_USER | __GFP_NOWARN,
		.nid = NUMA_NO_NODE,
	};
	int err = 0;

	if (!list_empty(isolated) &&
	    migrate_pages(isolated, alloc_migration_target, NULL,
			  (unsigned long)&mtc, MIGRATE_SYNC, MR_LONGTERM_PIN,
			  NULL))
		err = -ENOMEM;
	putback_movable_pages(isolated);
	return err;
}

/*
 * @pages[@first] is the first of the @nr pinned pages that may not stay
 * pinned: isolate its folio and every later such folio, unpin all @nr
 * pages and migrate.  Out of line, so that the common case (nothing to
 * migrate) sets up neither a frame nor the list for it.
 */
static noinline long gup_migrate_unpinnable(struct page **pages,
					    unsigned long nr,
					    unsigned long first)
{
	struct gup_unpinnable u = {
		.isolated = LIST_HEAD_INIT(u.isolated),
	};
	int err;

	gup_collect_unpinnable(&u, pages, nr, first);
	err = gup_unpin_for_migration(pages, nr);
	if (err) {
		putback_movable_pages(&u.isolated);
		return err;
	}
	err = gup_migrate_isolated(&u.isolated);
	return err ? err : -EAGAIN;
}

/*
 * All @nr pages are pinned.  Returns 0 if they may all stay pinned.
 * Otherwise every pin is dropped, the offending folios are migrated and
 * -EAGAIN asks the caller to pin again; any other error means migration
 * failed, again with nothing left pinned.
 */
static long gup_ensure_longterm_pinnable(struct page **pages,
					 unsigned long nr)
{
	unsigned long first = gup_first_unpinnable(pages, nr);

	if (first == nr)
		return 0;
	return gup_migrate_unpinnable(pages, nr, first);
}
#else
static long gup_ensure_longterm_pinnable(struct page **pages,
					 unsigned long nr)
{
	return 0;
}
#endif /* CONFIG_MIGRATION */

/* Release mmap_lock unless a fault already did. */
static void gup_unlock_if_held(struct mm_struct *mm, int locked)
{
	if (locked)
		mmap_read_unlock(mm);
}

/* Make sure mmap_lock is held before another longterm attempt. */
static int gup_relock(struct mm_struct *mm, int *locked)
{
	if (!locked || *locked)
		return 0;
	if (mmap_read_lock_killable(mm))
		return -EINTR;
	*locked = 1;
	return 0;
}

/*
 * gup_run() plus the FOLL_LONGTERM contract: pin, and if some pages may
 * not be pinned long term, migrate them and start over, until all of
 * them can stay pinned or migration fails.  The walk checks each folio
 * as it records it; only when it saw one to move are the pinned pages
 * gone over again, to find and isolate them all.
 */
static long gup_run_longterm(struct mm_struct *mm, unsigned long start,
			     unsigned long nr_pages, struct page **pages,
			     struct vm_area_struct **vmas, int *locked,
			     unsigned int flags)
{
	unsigned int memalloc;
	bool unpinnable;
	long pinned = 0;
	long ret;

	/* Only pins can be long term, and migration needs the pages. */
	if (WARN_ON(!(flags & FOLL_PIN)) || WARN_ON_ONCE(!pages))
		return -EINVAL;

	memalloc = memalloc_pin_save();
	do {
		ret = gup_relock(mm, locked);
		if (ret)
			break;
		unpinnable = false;
		pinned = gup_run(mm, start, nr_pages, pages, vmas, locked,
				 flags, &unpinnable);
		if (pinned <= 0) {
			ret = pinned;
			break;
		}
		if (unpinnable)
			ret = gup_ensure_longterm_pinnable(pages, pinned);
	} while (ret == -EAGAIN);
	memalloc_pin_restore(memalloc);

	return ret ? ret : pinned;
}

/* The entry points' runner: gup_run_longterm() only if asked for. */
static __always_inline long gup_run_any(struct mm_struct *mm,
					unsigned long start,
					unsigned long nr_pages,
					struct page **pages,
					struct vm_area_struct **vmas,
					int *locked, unsigned int flags)
{
	if (flags & FOLL_LONGTERM)
		return gup_run_longterm(mm, start, nr_pages, pages, vmas,
					locked, flags);
	return gup_run(mm, start, nr_pages, pages, vmas, locked, flags, NULL);
}

/*
 * ---------------------------------------------------------------------
 * Interface to mm/gup_fast.c
 * ---------------------------------------------------------------------
 */

/* See gup_internal.h. */
noinline void __aligned(SMP_CACHE_BYTES) gup_fill_run(struct page **slot,
					     struct page *page,
					     unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		slot[i] = nth_page(page, i);
}

/* See gup_internal.h. */
long gup_slow_unlocked(unsigned long start, unsigned long nr_pages,
		       struct page **pages, unsigned int gup_flags)
{
	long ret;
	int locked = 1;

	/* Like get_user_pages_unlocked(), the short-term case touches. */
	if (!(gup_flags & FOLL_LONGTERM))
		gup_flags |= FOLL_TOUCH;

	mmap_read_lock(current->mm);
	ret = gup_run_any(current->mm, start, nr_pages, pages, NULL,
			  &locked, gup_flags);
	gup_unlock_if_held(current->mm, locked);
	return ret;
}

/*
 * ---------------------------------------------------------------------
 * Exported get/pin entry points
 * ---------------------------------------------------------------------
 */

static long gup_remote(struct mm_struct *mm, unsigned long start,
		       unsigned long nr_pages, unsigned int gup_flags,
		       struct page **pages, struct vm_area_struct **vmas,
		       int *locked)
{
	/*
	 * Kept from upstream: a caller-visible droppable lock is not
	 * offered together with FOLL_LONGTERM.
	 */
	if (WARN_ON_ONCE((gup_flags & FOLL_LONGTERM) && locked))
		return -EINVAL;
	return gup_run_any(mm, start, nr_pages, pages, vmas, locked,
			   gup_flags | FOLL_TOUCH | FOLL_REMOTE);
}

/**
 * get_user_pages_remote() - take references on the pages of any mm
 * @mm:        the address space to look into
 * @start:     first user address
 * @nr_pages:  number of pages wanted
 * @gup_flags: FOLL_* modifiers (not FOLL_PIN or FOLL_LONGTERM)
 * @pages:     receives the pages; NULL when the caller only wants the
 *             range faulted in
 * @vmas:      receives the VMA of each page, or NULL; only meaningful
 *             while mmap_lock stays held
 * @locked:    NULL if mmap_lock must stay held throughout; otherwise
 *             points to 1 and is set to 0 if the lock had to be released
 *
 * For each page of the range this returns the page a user access at that
 * moment would reach, faulting it in (and breaking COW for writes) where
 * needed.  The page may be unmapped or replaced right afterwards; the
 * reference only guarantees it is not freed.  Callers that write to the
 * page must mark it dirty (set_page_dirty_lock()) before put_page().
 * mmap_lock of @mm must be held, for read if @locked is given.
 *
 * Return: the number of pages taken, which may be less than @nr_pages;
 * 0 if @nr_pages is 0; -EINVAL if @nr_pages has its top bit set (a
 * negative count converted); another negative errno if no page could be
 * taken.
 */
long get_user_pages_remote(struct mm_struct *mm, unsigned long start,
			   unsigned long nr_pages, unsigned int gup_flags,
			   struct page **pages, struct vm_area_struct **vmas,
			   int *locked)
{
	if (!gup_get_flags_valid(gup_flags))
		return -EINVAL;
	return gup_remote(mm, start, nr_pages, gup_flags, pages, vmas, locked);
}
EXPORT_SYMBOL(get_user_pages_remote);

/**
 * get_user_pages() - take references on pages of the current process
 * @start:     first user address
 * @nr_pages:  number of pages wanted
 * @gup_flags: FOLL_* modifiers (not FOLL_PIN or FOLL_LONGTERM)
 * @pages:     receives the pages, or NULL to only fault the range in
 * @vmas:      receives the VMA of each page, or NULL
 *
 * get_user_pages_remote() on current->mm, with the caller holding
 * mmap_lock and the lock never released.
 *
 * Return: as for get_user_pages_remote().
 */
long get_user_pages(unsigned long start, unsigned long nr_pages,
		    unsigned int gup_flags,
		    struct page **pages, struct vm_area_struct **vmas)
{
	if (!gup_get_flags_valid(gup_flags))
		return -EINVAL;
	return gup_run_any(current->mm, start, nr_pages, pages, vmas,
			   NULL, gup_flags | FOLL_TOUCH);
}
EXPORT_SYMBOL(get_user_pages);

/**
 * get_user_pages_unlocked() - get_user_pages() that takes mmap_lock itself
 * @start:     first user address
 * @nr_pages:  number of pages wanted
 * @pages:     receives the pages
 * @gup_flags: FOLL_* modifiers (not FOLL_LONGTERM)
 *
 * Acquires mmap_lock of current->mm for read, lets faults release and
 * retake it as they need, and returns with it released.  Prefer
 * get_user_pages_fast() unless special @gup_flags such as FOLL_FORCE are
 * needed.
 *
 * Return: as for get_user_pages_remote().
 */
long get_user_pages_unlocked(unsigned long start,
			     unsigned long nr_pages, struct page **pages,
			     unsigned int gup_flags)
{
	/* The lock may go with every fault; longterm is not offered. */
	if (WARN_ON_ONCE(gup_flags & FOLL_LONGTERM))
		return -EINVAL;
	return gup_slow_unlocked(start, nr_pages, pages, gup_flags);
}
EXPORT_SYMBOL(get_user_pages_unlocked);

/**
 * pin_user_pages_remote() - pin the pages of any mm
 * @mm:        the address space to look into
 * @start:     first user address
 * @nr_pages:  number of pages wanted
 * @gup_flags: FOLL_* modifiers (not FOLL_GET)
 * @pages:     receives the pinned pages; required
 * @vmas:      receives the VMA of each page, or NULL
 * @locked:    as for get_user_pages_remote()
 *
 * get_user_pages_remote() with FOLL_PIN: the pages are meant for DMA or
 * other access to their contents and must be released with
 * unpin_user_page() or unpin_user_pages*().  The zero page may be
 * returned; it carries no pin and unpinning it is a no-op.  See
 * Documentation/core-api/pin_user_pages.rst.
 *
 * Return: as for get_user_pages_remote().
 */
long pin_user_pages_remote(struct mm_struct *mm, unsigned long start,
			   unsigned long nr_pages, unsigned int gup_flags,
			   struct page **pages, struct vm_area_struct **vmas,
			   int *locked)
{
	if (!gup_pin_args_valid(gup_flags, pages))
		return -EINVAL;
	return gup_remote(mm, start, nr_pages, gup_flags | FOLL_PIN, pages,
			  vmas, locked);
}
EXPORT_SYMBOL(pin_user_pages_remote);

/**
 * pin_user_pages() - pin pages of the current process
 * @start:     first user address
 * @nr_pages:  number of pages wanted
 * @gup_flags: FOLL_* modifiers (not FOLL_GET); FOLL_LONGTERM migrates
 *             pages out of ZONE_MOVABLE and CMA before pinning them
 * @pages:     receives the pinned pages; required
 * @vmas:      receives the VMA of each page, or NULL
 *
 * The FOLL_PIN flavour of get_user_pages(), without FOLL_TOUCH.  Release
 * the pages with unpin_user_page() or unpin_user_pages*().
 *
 * Return: as for get_user_pages_remote().
 */
long pin_user_pages(unsigned long start, unsigned long nr_pages,
		    unsigned int gup_flags,
		    struct page **pages, struct vm_area_struct **vmas)
{
	if (!gup_pin_args_valid(gup_flags, pages))
		return -EINVAL;
	return gup_run_any(current->mm, start, nr_pages, pages, vmas,
			   NULL, gup_flags | FOLL_PIN);
}
EXPORT_SYMBOL(pin_user_pages);

/**
 * pin_user_pages_unlocked() - pin_user_pages() that takes mmap_lock itself
 * @start:     first user address
 * @nr_pages:  number of pages wanted
 * @pages:     receives the pinned pages; required
 * @gup_flags: FOLL_* modifiers (not FOLL_GET or FOLL_LONGTERM)
 *
 * The FOLL_PIN flavour of get_user_pages_unlocked().
 *
 * Return: as for get_user_pages_remote().
 */
long pin_user_pages_unlocked(unsigned long start,
			     unsigned long nr_pages, struct page **pages,
			     unsigned int gup_flags)
{
	if (!gup_pin_args_valid(gup_flags, pages))
		return -EINVAL;
	return get_user_pages_unlocked(start, nr_pages, pages,
				       gup_flags | FOLL_PIN);
}
EXPORT_SYMBOL(pin_user_pages_unlocked);

#ifdef CONFIG_MMU
/*
 * ---------------------------------------------------------------------
 * Fault fix-up and populate
 * ---------------------------------------------------------------------
 */

static bool gup_vma_permits_fault(struct vm_area_struct *vma,
				  unsigned int fault_flags)
{
	bool write = fault_flags & FAULT_FLAG_WRITE;

	if (!(vma->vm_flags & (write ? VM_WRITE : VM_READ)))
		return false;
	/* Protection keys and the like; data access only. */
	return arch_vma_access_permitted(vma, write, false,
					 fault_flags & FAULT_FLAG_REMOTE);
}

/**
 * fixup_user_fault() - resolve a user fault by hand
 * @mm:          the address space
 * @address:     the faulting user address
 * @fault_flags: FAULT_FLAG_* to pass to handle_mm_fault()
 * @unlocked:    NULL if mmap_lock must not be released; otherwise set to
 *               true if it was released and retaken along the way
 *
 * For code (futexes, for instance) that touched user memory with page
 * faults disabled and got -EFAULT: this runs the fault handler, which,
 * unlike get_user_pages(), also updates the young and dirty bits of the
 * page table entry, something architectures that track them in software
 * need before the access can succeed.  mmap_lock must be held for read;
 * it is held again on return even if it was dropped in between.  Without
 * @unlocked, @fault_flags must not contain FAULT_FLAG_ALLOW_RETRY.
 *
 * Return: 0 on success, or a negative errno.
 */
int fixup_user_fault(struct mm_struct *mm, unsigned long address,
		     unsigned int fault_flags, bool *unlocked)
{
	struct vm_area_struct *vma;
	vm_fault_t ret;
	int err;

	if (unlocked)
		fault_flags |= FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE;
	address = untagged_addr(address);

	for (;;) {
		vma = vma_lookup(mm, address);
		if (!vma || !gup_vma_permits_fault(vma, fault_flags))
			return -EFAULT;
		if (fatal_signal_pending(current) &&
		    (fault_flags & FAULT_FLAG_KILLABLE))
			return -EINTR;

		ret = handle_mm_fault(vma, address, fault_flags, NULL);
		if (!(ret & (VM_FAULT_COMPLETED | VM_FAULT_RETRY))) {
			if (!(ret & VM_FAULT_ERROR))
				return 0;
			err = vm_fault_to_errno(ret, 0);
			return WARN_ON_ONCE(!err) ? -EFAULT : err;
		}
		/* The handler let go of mmap_lock; the caller expects it. */
		mmap_read_lock(mm);
		*unlocked = true;
		if (ret & VM_FAULT_COMPLETED)
			return 0;
		fault_flags |= FAULT_FLAG_TRIED;
	}
}
EXPORT_SYMBOL_GPL(fixup_user_fault);

/* Populate ranges must be page aligned and lie inside the VMA. */
static bool gup_range_fits_vma(struct vm_area_struct *vma,
			       unsigned long start, unsigned long end)
{
	if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(end))
		return false;
	return start >= vma->vm_start && end <= vma->vm_end;
}

/**
 * populate_vma_page_range() - fault in a range of one VMA
 * @vma:    the VMA
 * @start:  page aligned start, inside @vma
 * @end:    page aligned end, inside @vma
 * @locked: NULL if mmap_lock (read or write) must stay held; otherwise
 *          it is held for read and *@locked becomes 0 if it was dropped
 *
 * Used by mlock() and MAP_POPULATE.  Private writable mappings are
 * faulted for write so COW is broken up front; any accessible mapping is
 * populated even without read permission.  Pages of a VM_LOCKED VMA get
 * mlocked by the fault path as they are mapped.
 *
 * Return: the number of pages handled, or a negative errno.
 */
long populate_vma_page_range(struct vm_area_struct *vma, unsigned long start,
			     unsigned long end, int *locked)
{
	unsigned long nr_pages = (end - start) >> PAGE_SHIFT;
	unsigned int flags = FOLL_TOUCH;
	long ret;

	if (WARN_ON_ONCE(!gup_range_fits_vma(vma, start, end)))
		return -EINVAL;
	mmap_assert_locked(vma->vm_mm);

	/* Lock-on-fault leaves the population to later faults. */
	if (vma->vm_flags & VM_LOCKONFAULT)
		return nr_pages;
	/* Dirtying shared mappings would be pointless; private ones COW. */
	if ((vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE)
		flags |= FOLL_WRITE;
	if (vma_is_accessible(vma))
		flags |= FOLL_FORCE;

	ret = gup_walk_pages(vma->vm_mm, start, nr_pages, flags, NULL, NULL,
			     locked, NULL);
	lru_add_drain();
	return ret;
}

/**
 * faultin_vma_page_range() - prefault a range of one VMA
 * @vma:    the VMA
 * @start:  page aligned start, inside @vma
 * @end:    page aligned end, inside @vma
 * @write:  fault for write rather than read
 * @locked: as for populate_vma_page_range()
 *
 * The MADV_POPULATE_READ/WRITE worker: unlike populate_vma_page_range()
 * it honours the VMA's permissions (no FOLL_FORCE) and reports hardware
 * poison as -EHWPOISON.
 *
 * Return: the number of pages handled, -EINVAL if the VMA does not allow
 * the access or cannot be populated, or another negative errno.
 */
long faultin_vma_page_range(struct vm_area_struct *vma,
			    unsigned long start, unsigned long end,
			    bool write, int *locked)
{
	unsigned long nr_pages = (end - start) >> PAGE_SHIFT;
	unsigned int flags = FOLL_TOUCH | FOLL_HWPOISON;
	long ret;

	if (WARN_ON_ONCE(!gup_range_fits_vma(vma, start, end)))
		return -EINVAL;
	mmap_assert_locked(vma->vm_mm);

	if (write)
		flags |= FOLL_WRITE;
	if (gup_vma_allowed(vma, flags))
		return -EINVAL;

	ret = gup_walk_pages(vma->vm_mm, start, nr_pages, flags, NULL, NULL,
			     locked, NULL);
	lru_add_drain();
	return ret;
}

/* Take mmap_lock if a fault released it, and find the VMA at @addr. */
static struct vm_area_struct *gup_populate_vma(struct mm_struct *mm,
					       unsigned long addr,
					       unsigned long end, int *locked)
{
	if (!*locked) {
		mmap_read_lock(mm);
		*locked = 1;
	}
	return find_vma_intersection(mm, addr, end);
}

/**
 * __mm_populate() - fault in (and mlock, per VMA flags) an address range
 * @start:         start of the range
 * @len:           length of the range
 * @ignore_errors: carry on with the next VMA when one fails
 *
 * Serves mlock(), MAP_POPULATE and MAP_LOCKED on current->mm, whose VMAs
 * already carry the wanted flags.  Called without mmap_lock; it is taken
 * here, and faults may drop and retake it.  VM_IO and VM_PFNMAP VMAs are
 * skipped.
 *
 * Return: 0, or the first error when @ignore_errors is 0.
 */
int __mm_populate(unsigned long start, unsigned long len, int ignore_errors)
{
	struct mm_struct *mm = current->mm;
	unsigned long addr = start, end = start + len, stop;
	struct vm_area_struct *vma;
	int locked = 0;
	long ret = 0;

	while (addr < end) {
		vma = gup_populate_vma(mm, addr, end, &locked);
		if (!vma)
			break;
		stop = min(end, vma->vm_end);
		if (vma->vm_flags & (VM_IO | VM_PFNMAP)) {
			addr = stop;
			continue;
		}
		addr = max(addr, vma->vm_start);
		/* It re-checks the VMA flags, e.g. after a racing munlock. */
		ret = populate_vma_page_range(vma, addr, stop, &locked);
		if (ret >= 0) {
			addr += ret << PAGE_SHIFT;
			ret = 0;
		} else if (ignore_errors) {
			addr = stop;
			ret = 0;
		} else {
			break;
		}
	}
	gup_unlock_if_held(mm, locked);
	return ret;
}
#endif /* CONFIG_MMU */

/*
 * ---------------------------------------------------------------------
 * Faulting user ranges in from copy loops
 * ---------------------------------------------------------------------
 */

/**
 * fault_in_writeable() - make a user range present and writable
 * @uaddr: start of the range
 * @size:  length of the range in bytes
 *
 * Writes a zero byte at @uaddr and at the start of every following page
 * of the range, so this destroys data: meant for buffers about to be
 * overwritten.
 *
 * Return: the number of bytes that could not be faulted in, as with
 * copy_to_user(); 0 when the whole range is ready.
 */
size_t fault_in_writeable(char __user *uaddr, size_t size)
{
	unsigned long addr = (unsigned long)uaddr;
	unsigned long last_page;

	/* Nothing to do for an empty range; nothing possible for a bad one. */
	if (!size || !user_write_access_begin(uaddr, size))
		return size;
	last_page = (addr + size - 1) & PAGE_MASK;
	for (;;) {
		unsafe_put_user(0, (char __user *)addr, fault);
		if ((addr & PAGE_MASK) == last_page)
			break;
		addr = (addr & PAGE_MASK) + PAGE_SIZE;
	}
	user_write_access_end();
	return 0;
fault:
	user_write_access_end();
	return size - (addr - (unsigned long)uaddr);
}
EXPORT_SYMBOL(fault_in_writeable);

/**
 * fault_in_subpage_writeable() - fault_in_writeable() at sub-page precision
 * @uaddr: start of the range
 * @size:  length of the range in bytes
 *
 * After faulting the range in page by page, probes it at the granule of
 * any sub-page protection the architecture has (arm64 MTE tags, say), for
 * copy loops that would otherwise not make progress.
 *
 * Return: the number of bytes that are not writable, 0 if all are.
 */
size_t fault_in_subpage_writeable(char __user *uaddr, size_t size)
{
	size_t ok = size - fault_in_writeable(uaddr, size);

	/* Page tables first: the arch probes may not check them. */
	if (ok)
		ok -= probe_subpage_writeable(uaddr, ok);
	return size - ok;
}
EXPORT_SYMBOL(fault_in_subpage_writeable);

/**
 * fault_in_safe_writeable() - fault a user range in for writing, non-destructively
 * @uaddr: start of the range
 * @size:  length of the range in bytes
 *
 * Resolves write faults over the range through fixup_user_fault()
 * instead of storing to it, so existing contents survive.  Nothing is
 * pinned: the pages may be gone again by the time the caller uses them.
 *
 * Return: the number of bytes that could not be faulted in, 0 if none.
 */
size_t fault_in_safe_writeable(const char __user *uaddr, size_t size)
{
	unsigned long addr = (unsigned long)uaddr;
	struct mm_struct *mm = current->mm;
	unsigned long last_page;
	bool unlocked = false;
	size_t left = 0;

	if (unlikely(!size))
		return 0;
	/* A range running off the top stops at the last page there is. */
	if (size - 1 > ULONG_MAX - addr)
		last_page = PAGE_MASK;
	else
		last_page = (addr + size - 1) & PAGE_MASK;

	mmap_read_lock(mm);
	for (;;) {
		if (fixup_user_fault(mm, addr, FAULT_FLAG_WRITE, &unlocked)) {
			left = size - (addr - (unsigned long)uaddr);
			break;
		}
		if ((addr & PAGE_MASK) == last_page)
			break;
		addr = (addr & PAGE_MASK) + PAGE_SIZE;
	}
	mmap_read_unlock(mm);
	return left;
}
EXPORT_SYMBOL(fault_in_safe_writeable);

/**
 * fault_in_readable() - make a user range present and readable
 * @uaddr: start of the range
 * @size:  length of the range in bytes
 *
 * Reads one byte at @uaddr and at the start of each following page of
 * the range.
 *
 * Return: the number of bytes that could not be faulted in, as with
 * copy_from_user(); 0 when the whole range is readable.
 */
size_t fault_in_readable(const char __user *uaddr, size_t size)
{
	unsigned long addr = (unsigned long)uaddr;
	unsigned long last_page;
	char sink;

	if (!size || !user_read_access_begin(uaddr, size))
		return size;
	last_page = (addr + size - 1) & PAGE_MASK;
	for (;;) {
		unsafe_get_user(sink, (const char __user *)addr, fault);
		if ((addr & PAGE_MASK) == last_page)
			break;
		addr = (addr & PAGE_MASK) + PAGE_SIZE;
	}
	user_read_access_end();
	(void)sink;
	return 0;
fault:
	user_read_access_end();
	return size - (addr - (unsigned long)uaddr);
}
EXPORT_SYMBOL(fault_in_readable);

#ifdef CONFIG_ELF_CORE
/**
 * get_dump_page() - take a reference on a user page for a core dump
 * @addr: user address in current->mm
 *
 * Takes and releases mmap_lock itself.  Holes are reported rather than
 * filled: an untouched anonymous page, the zero page or anything that
 * cannot be referenced gives NULL, and the dumper writes a hole, which
 * keeps the file aligned with its headers and sparse.
 *
 * Return: the page with a reference to drop with put_page(), or NULL.
 */
struct page *get_dump_page(unsigned long addr)
{
	int locked = 1;
	struct page *page;
	long ret;

	if (mmap_read_lock_killable(current->mm))
		return NULL;
	ret = gup_run(current->mm, addr, 1, &page, NULL, &locked,
		      FOLL_DUMP | FOLL_FORCE | FOLL_GET, NULL);
	gup_unlock_if_held(current->mm, locked);
	return ret == 1 ? page : NULL;
}
#endif /* CONFIG_ELF_CORE */

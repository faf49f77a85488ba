/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private interface between the two halves of the GUP core:
 *
 *   mm/gup.c       the locked slow path, reference and pin accounting,
 *                  FOLL_LONGTERM migration, populate and fault-in helpers
 *   mm/gup_fast.c  the lockless walk of current->mm (the *_fast calls)
 *
 * Nothing outside those two files includes this header.
 */
#ifndef _MM_GUP_INTERNAL_H
#define _MM_GUP_INTERNAL_H

#include <linux/mm.h>
#include <linux/memremap.h>
#include <linux/vmstat.h>

/*
 * The speculative grab, inlined into both halves: the lockless walk runs
 * it once per PTE run, where an out-of-line call per page would cost more
 * than the reference update itself.  try_grab_folio() in mm/gup.c is the
 * documented, exported form of gup_grab_folio().
 */

/* Add the pin bookkeeping on top of @refs plain references already held. */
static __always_inline void gup_account_pins(struct folio *folio, int refs)
{
	if (folio_test_large(folio))
		atomic_add(refs, folio_pincount_ptr(folio));
	else
		folio_ref_add(folio, refs * (GUP_PIN_COUNTING_BIAS - 1));
	/*
	 * Order the pin before any later re-check of the page table entry;
	 * page_try_share_anon_rmap() relies on seeing it.
	 */
	smp_mb__after_atomic();
	node_stat_mod_folio(folio, NR_FOLL_PIN_ACQUIRED, refs);
}

/*
 * Take @refs speculative references on the folio holding @page.  The
 * folio may be split or freed concurrently, so confirm afterwards that
 * @page still belongs to the folio we raised.
 */
static __always_inline struct folio *gup_try_get_folio(struct page *page,
							int refs)
{
	struct folio *folio;

	for (;;) {
		folio = page_folio(page);
		if (WARN_ON_ONCE(folio_ref_count(folio) < 0) ||
		    unlikely(!folio_ref_try_add_rcu(folio, refs)))
			return NULL;
		if (likely(page_folio(page) == folio))
			return folio;
		/* Lost a race with a split: give back and look again. */
		if (!put_devmap_managed_page_refs(&folio->page, refs))
			folio_put_refs(folio, refs);
	}
}

/* See try_grab_folio() in mm/gup.c for the contract. */
static __always_inline struct folio *gup_grab_folio(struct page *page,
						     int refs,
						     unsigned int flags)
{
	struct folio *folio;

	if (flags & FOLL_GET)
		return gup_try_get_folio(page, refs);
	if (WARN_ON_ONCE(!(flags & FOLL_PIN)))
		return NULL;
	/* The zero page is everywhere and never freed: no pin accounting. */
	if (is_zero_page(page))
		return page_folio(page);
	/* Let the caller fall back to the path that migrates such pages. */
	if ((flags & FOLL_LONGTERM) && !is_longterm_pinnable_page(page))
		return NULL;

	folio = gup_try_get_folio(page, refs);
	if (folio)
		gup_account_pins(folio, refs);
	return folio;
}

/*
 * Drop @refs references of the kind @flags names (FOLL_GET or FOLL_PIN)
 * from @folio: the exact inverse of try_grab_folio(@page, @refs, @flags)
 * on any page of that folio.
 */
void gup_folio_unref(struct folio *folio, int refs, unsigned int flags);

/*
 * Finish what the lockless walk could not: take mmap_lock of current->mm
 * for read, run the slow path on [@start, @start + @nr_pages pages) with
 * @gup_flags (FOLL_GET or FOLL_PIN already set, FOLL_LONGTERM honoured,
 * including migration of unpinnable pages), let a fault drop and retake
 * the lock, and release it before returning.  Returns the number of pages
 * stored in @pages, or -errno if none.
 */
long gup_slow_unlocked(unsigned long start, unsigned long nr_pages,
		       struct page **pages, unsigned int gup_flags);

#endif /* _MM_GUP_INTERNAL_H */

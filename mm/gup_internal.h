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
#include <linux/page-isolation.h>
#include <linux/vmstat.h>

/*
 * The speculative grab, inlined into both halves: the lockless walk runs
 * it once per PTE run, where an out-of-line call per page would cost more
 * than the reference update itself.  try_grab_folio() in mm/gup.c is the
 * documented, exported form of gup_grab_folio().
 */

/*
 * NR_FOLL_PIN_ACQUIRED and NR_FOLL_PIN_RELEASED are per-CPU counters whose
 * update costs about as much as the pin itself on a small folio.  A walk
 * or an unpin loop therefore sums its pins for one of them in a tally
 * and adds the sum when the tally moves to another node and once at the
 * end, with gup_tally_flush(): the counters are exact again before the
 * call returns.  A tally starts zeroed (no node, nothing pending); there
 * is always one, a single pin included, so the hot paths never test for
 * its absence.
 */
struct gup_pin_tally {
	struct pglist_data *pgdat;	/* node of the pending count */
	long nr;			/* pending count */
};

static inline void gup_tally_flush(struct gup_pin_tally *t,
				   enum node_stat_item item)
{
	if (t->nr)
		mod_node_page_state(t->pgdat, item, t->nr);
	t->nr = 0;
}

/*
 * gup_tally_flush() for a caller that has interrupts disabled, which lets
 * the per-CPU counter take its cheaper, non-atomic update.
 */
static inline void gup_tally_flush_irqoff(struct gup_pin_tally *t,
					  enum node_stat_item item)
{
	lockdep_assert_irqs_disabled();
	if (t->nr)
		__mod_node_page_state(t->pgdat, item, t->nr);
	t->nr = 0;
}

/*
 * Count @nr pins of @folio into @t.  The node is compared first: it only
 * changes with the first pin of a tally or a pin on another node, so the
 * common case is a compare and an add.  Not marked unlikely: a one-page
 * call always switches, and the branch is best laid out in line.
 */
static __always_inline void gup_tally_add(struct gup_pin_tally *t,
					  enum node_stat_item item,
					  struct folio *folio, long nr)
{
	struct pglist_data *pgdat = folio_pgdat(folio);

	if (pgdat != t->pgdat) {
		gup_tally_flush(t, item);
		t->pgdat = pgdat;
	}
	t->nr += nr;
}

/*
 * folio_test_large() as the bare PG_head bit of @folio's flags: two reads
 * of it compare, and the result tests, without first becoming booleans.
 */
static __always_inline unsigned long gup_folio_head_bit(struct folio *folio)
{
	return READ_ONCE(folio->flags) & (1UL << PG_head);
}

/*
 * folio_ref_try_add_rcu() that also refuses, with a warning, a negative
 * count: one that has overflowed (many pins or pipe references on one
 * page) or that somebody else's bug dropped too often.  Raising it would
 * hand out a page that may be freed and reused.  The sign is tested on
 * the value the update loop reads anyway, where the plain helper tests
 * for zero, so the check costs nothing.  With TINY_RCU this replaces a
 * plain add by the update loop; the page_ref tracepoint still fires.
 */
static __always_inline bool gup_ref_try_add(struct folio *folio, int count)
{
	int old = atomic_read(&folio->_refcount);

	do {
		if (unlikely(old <= 0)) {
			WARN_ON_ONCE(old < 0);
			break;
		}
	} while (!atomic_try_cmpxchg(&folio->_refcount, &old, old + count));
	/* @old is now the count the update started from, if it was made. */
	if (page_ref_tracepoint_active(page_ref_mod_unless))
		__page_ref_mod_unless(&folio->page, count, old > 0);
	return old > 0;
}

/*
 * Take references on the folio holding @page speculatively: the folio may
 * be split or freed concurrently, so confirm afterwards that @page still
 * belongs to the folio we raised.  A large folio gets @refs references, a
 * small one @refs * @small_mult (a pin's bias, added in the same atomic
 * update); *@head tells which of the two the folio was taken for, as
 * gup_folio_head_bit() read it before the update (0 if @small_mult is 1).
 * A caller that has just found @page neither head nor tail passes
 * @seen_small: that look stands for this one, the folio is @page itself,
 * and its compound metadata is not read again; if the look was stale,
 * nothing is taken and the caller looks again.
 * Returns whether references were taken, on the folio left in *@foliop.
 * (A bool, not the folio or NULL: after inlining the caller's test of
 * the result folds away; a pointer would be tested again, as the kernel
 * does not let the compiler assume a dereferenced pointer is non-NULL.)
 */
static __always_inline bool gup_try_get_folio(struct page *page, int refs,
					      int small_mult, bool seen_small,
					      unsigned long *head,
					      struct folio **foliop)
{
	struct folio *folio;
	int count;

	for (;;) {
		/* What page_folio() gives for a page that is not a tail. */
		folio = seen_small ? (struct folio *)page : page_folio(page);
		*foliop = folio;
		/* Plain references (@small_mult 1) need not look. */
		if (seen_small || small_mult == 1)
			*head = 0;
		else
			*head = gup_folio_head_bit(folio);
		count = *head ? refs : refs * small_mult;
		if (unlikely(!gup_ref_try_add(folio, count)))
			return false;
		if (likely(page_folio(page) == folio))
			return true;
		/* Lost a race with a split: give back and look again. */
		if (!put_devmap_managed_page_refs(&folio->page, count))
			folio_put_refs(folio, count);
		if (seen_small)
			return false;
	}
}

/*
 * Finish pinning a folio that gup_try_get_folio() raised for @refs pins.
 * The size it judged the folio by (@head_seen) was read before any
 * reference was held; now that one is, the folio can no longer become
 * small or large, so a guess that went stale meanwhile is corrected here.
 * Then a large folio gets its pincount raised, and the pins are counted
 * into @tally.
 */
static __always_inline void gup_account_pins(struct folio *folio, int refs,
					     unsigned long head_seen,
					     struct gup_pin_tally *tally)
{
	unsigned long head = gup_folio_head_bit(folio);

	if (unlikely(head != head_seen)) {
		if (head)
			folio_ref_sub(folio, refs * (GUP_PIN_COUNTING_BIAS - 1));
		else
			folio_ref_add(folio, refs * (GUP_PIN_COUNTING_BIAS - 1));
	}
	if (head)
		atomic_add(refs, folio_pincount_ptr(folio));
	/*
	 * Order the pin before any later re-check of the page table entry;
	 * page_try_share_anon_rmap() relies on seeing it.
	 */
	smp_mb__after_atomic();
	gup_tally_add(tally, NR_FOLL_PIN_ACQUIRED, folio, refs);
}

/*
 * Long-term pinnability, as is_longterm_pinnable_page() decides it, for
 * both halves.
 *
 * Does the pageblock of @pfn, whose struct page is @page, allow long-term
 * pins?  CMA and isolated pageblocks do not.  Their migratetype is an
 * out-of-line bitmap lookup, but only a zone that has some can hold one:
 * CMA pageblocks are set up at boot, which counts them in
 * zone_cma_pages(), and isolation counts its pageblocks in
 * has_isolate_pageblock() for as long as they stay isolated.  That count
 * is read without zone->lock, which makes it as much a snapshot as the
 * migratetype itself.
 */
static __always_inline bool gup_pageblock_pinnable(struct page *page,
						   unsigned long pfn)
{
#ifdef CONFIG_CMA
	struct zone *zone = page_zone(page);
	int mt;

	if (!zone_cma_pages(zone) && !data_race(has_isolate_pageblock(zone)))
		return true;
	mt = get_pfnblock_flags_mask(page, pfn, MIGRATETYPE_MASK);
	return mt != MIGRATE_CMA && mt != MIGRATE_ISOLATE;
#else
	return true;
#endif
}

/*
 * The pageblock a scan looked at last.  Small folios that sit next to
 * each other in memory share their pageblock, so a scan asks
 * gup_pageblock_pinnable() once per pageblock rather than once per folio.
 */
struct gup_block_seen {
	unsigned long block;	/* pfn >> pageblock_order, ULONG_MAX: none */
	bool pinnable;
};

/* gup_pageblock_pinnable(), through @seen unless that is NULL. */
static __always_inline bool gup_block_pinnable(struct page *page,
					       unsigned long pfn,
					       struct gup_block_seen *seen)
{
	if (!seen)
		return gup_pageblock_pinnable(page, pfn);
	if (pfn >> pageblock_order != seen->block) {
		seen->block = pfn >> pageblock_order;
		seen->pinnable = gup_pageblock_pinnable(page, pfn);
	}
	return seen->pinnable;
}

/*
 * is_longterm_pinnable_page() for @page, at @pfn, which is not the zero
 * page, with the pageblock test through @seen (or without a cache if
 * NULL).  Device coherent memory and ZONE_MOVABLE must stay free to move.
 * Everything tested belongs to the pfn, not to the folio, so @page need
 * not be referenced yet.  Without migration nothing could be moved, and
 * every page qualifies.
 */
static __always_inline bool gup_nonzero_pinnable(struct page *page,
						 unsigned long pfn,
						 struct gup_block_seen *seen)
{
	if (!IS_ENABLED(CONFIG_MIGRATION))
		return true;
	if (page_zonenum(page) == ZONE_MOVABLE ||
	    is_device_coherent_page(page))
		return false;
	return gup_block_pinnable(page, pfn, seen);
}

/*
 * See try_grab_folio() in mm/gup.c for the contract, which returns the
 * folio or NULL where this returns true or false and leaves the folio in
 * *@foliop.  Pins are counted into @tally.  A caller that knows @page is
 * not the shared zero page (a huge leaf never maps it) passes @maybe_zero
 * false and skips that test; one that has just found @page small passes
 * @seen_small (see gup_try_get_folio()).
 */
static __always_inline bool gup_grab_folio(struct page *page, int refs,
					   unsigned int flags, bool maybe_zero,
					   bool seen_small,
					   struct gup_pin_tally *tally,
					   struct folio **foliop)
{
	unsigned long head;

	if (flags & FOLL_GET)
		return gup_try_get_folio(page, refs, 1, seen_small, &head,
					 foliop);
	if (WARN_ON_ONCE(!(flags & FOLL_PIN)))
		return false;
	/* The zero page is everywhere and never freed: no pin accounting. */
	if (maybe_zero && is_zero_page(page)) {
		*foliop = page_folio(page);
		return true;
	}
	/*
	 * Let the caller fall back to the path that migrates such pages.
	 * Marked unlikely so that the test stays out of the way of short-term
	 * pins in the walk's loops.
	 */
	if (unlikely(flags & FOLL_LONGTERM) &&
	    !gup_nonzero_pinnable(page, page_to_pfn(page), NULL))
		return false;

	if (!gup_try_get_folio(page, refs, GUP_PIN_COUNTING_BIAS, seen_small,
			       &head, foliop))
		return false;
	gup_account_pins(*foliop, refs, head, tally);
	return true;
}

/*
 * Drop @refs references of the kind @flags names (FOLL_GET or FOLL_PIN)
 * from @folio: the exact inverse of try_grab_folio(@page, @refs, @flags)
 * on any page of that folio.
 */
void gup_folio_unref(struct folio *folio, int refs, unsigned int flags);

/*
 * Argument checks shared by the entry points of both halves; a failed
 * check is a caller bug and warns once.
 */

/* FOLL_PIN and FOLL_LONGTERM are reserved for the pin_user_pages*() API. */
static inline bool gup_get_flags_valid(unsigned int gup_flags)
{
	return !WARN_ON_ONCE(gup_flags & (FOLL_PIN | FOLL_LONGTERM));
}

/* pin_user_pages*() need an array and must not be asked for FOLL_GET. */
static inline bool gup_pin_args_valid(unsigned int gup_flags,
				      struct page **pages)
{
	if (WARN_ON_ONCE(gup_flags & FOLL_GET))
		return false;
	return !WARN_ON_ONCE(!pages);
}

/*
 * Store @n (at least 2) consecutive page pointers, @page first, at @slot.
 * The loop runs once per page of every large folio either path takes.
 * It is out of line and aligned to a cache line so that it always sits
 * inside one, and so inside one page of code, wherever the rest of the
 * kernel's code lands.  Code that translates per page, such as QEMU's
 * TCG, runs a loop that straddles two pages several times slower; the
 * benchmark caught the fast path's inlined loop doing so at one of its
 * nine link layouts.  Callers store runs of one page themselves.
 */
void gup_fill_run(struct page **slot, struct page *page, unsigned long n);

/* Store the @n pages from @page at @slot: inline for one, else the loop. */
static __always_inline void gup_store_run(struct page **slot,
					  struct page *page, unsigned long n)
{
	if (n == 1)
		slot[0] = page;
	else if (n)
		gup_fill_run(slot, page, n);
}

/*
 * The end of the @size-aligned span holding @addr, or @end if that comes
 * first: the generic *_addr_end(), but right for a folded level too.
 * Where a level is folded away, its *_addr_end() returns the end it is
 * given, trusting a walk one level up to have clipped it; both halves
 * clip against ends that no level above has, and take the level's size
 * instead, which a folded level shares with the one it is folded into.
 */
static __always_inline unsigned long gup_span_end(unsigned long addr,
						  unsigned long end,
						  unsigned long size)
{
	unsigned long boundary = (addr + size) & ~(size - 1);

	return boundary - 1 < end - 1 ? boundary : end;
}

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

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lockless ("fast") get_user_pages / pin_user_pages for current->mm.
 *
 * The fast entry points try to collect the pages of a user range by reading
 * the page tables of current->mm directly, without mmap_lock and without
 * the page table locks.  Whatever the lockless walk cannot take (a missing
 * or non-present entry, a special mapping, a page that needs a fault, an
 * unsharing step or migration first) is handed to the locked slow path in
 * mm/gup.c through gup_slow_unlocked(), unless the caller asked for the
 * "fast only" behaviour, in which case the walk's result is all it gets.
 *
 * Why reading page tables without locks is safe here
 * --------------------------------------------------
 * 1. The page table pages themselves.  While interrupts are off on this
 *    CPU, no page table page we may be looking at can be handed back to the
 *    page allocator.  An architecture that frees tables after a TLB
 *    shootdown by IPI has to wait for this CPU to take the IPI, which it
 *    cannot do until we re-enable interrupts.  An architecture that frees
 *    tables through MMU_GATHER_RCU_TABLE_FREE defers the free by an RCU
 *    grace period, and an interrupts-off region holds that grace period
 *    back.  So a table we found may get unhooked, but it stays readable
 *    memory until local_irq_restore().
 *
 * 2. The pages.  Reading an entry tells us nothing lasting: the page may be
 *    unmapped, freed and reused right after.  We therefore take the
 *    reference speculatively (try_grab_folio() refuses a folio whose count
 *    already dropped to zero, and re-checks that the page still belongs to
 *    the folio it counted) and then read the entry again.  Code that tears
 *    a mapping down (unmap, migration, THP split or collapse, marking an
 *    anonymous page shared) first changes the entry and only then looks at
 *    the reference or pin count.  With full barriers on both sides, either
 *    they see our reference, or we see their changed entry and give the
 *    reference back.  For PTEs the entry one level up is checked as well:
 *    a collapse replaces the PMD while the old PTE table, with its stale
 *    but valid-looking PTEs, is still reachable by us.
 *
 * 3. Pins racing with fork().  fork() write-protects the parent's
 *    anonymous pages inside a write section of mm->write_protect_seq.  A
 *    page pinned while that happens would end up COW-shared with the child
 *    although the pin promises it stays exclusive to the parent.  A pinning
 *    walk samples the counter before starting (an odd value means a fork is
 *    under way, so don't even try) and compares it afterwards; on any
 *    change every pin of the walk is dropped and the whole range goes to
 *    the slow path, which serialises against fork with mmap_lock.
 *
 * Unlike the traditional walker, consecutive PTEs that map consecutive
 * pages of one large folio are treated as one run: a single reference
 * update covers the whole run, after which every PTE of the run is checked
 * again.
 */

#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/hugetlb.h>
#include <linux/memremap.h>
#include <linux/secretmem.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/task_stack.h>
#include <linux/seqlock.h>
#include <linux/overflow.h>
#include <linux/uaccess.h>
#include <linux/export.h>

#include "internal.h"
#include "gup_internal.h"

/* Flags the fast entry points understand, after they added their own. */
#define GUP_FAST_ACCEPTED_FLAGS	(FOLL_WRITE | FOLL_LONGTERM | FOLL_FORCE | \
				 FOLL_PIN | FOLL_GET | FOLL_FAST_ONLY | \
				 FOLL_NOFAULT)

/*
 * State of one lockless walk.  @pages[0 .. @nr) always holds exactly the
 * pages the walk currently owns a reference or pin on, in address order,
 * so backing out is a matter of releasing a tail of that array.
 */
struct gup_fast_walk {
	struct mm_struct *mm;
	unsigned long start;		/* page aligned, inclusive */
	unsigned long end;		/* page aligned, exclusive */
	unsigned int flags;		/* FOLL_* of the request */
	struct page **pages;
	unsigned long nr;		/* pages collected so far */
	struct dev_pagemap *pgmap;	/* held while devmap pages are taken */
	struct gup_pin_tally acquired;	/* pins not yet in the counter */
};

#ifdef CONFIG_HAVE_FAST_GUP

/* Release the references on @w->pages[@keep .. @w->nr), folio by folio. */
static void gup_fast_undo(struct gup_fast_walk *w, unsigned long keep)
{
	while (w->nr > keep) {
		struct folio *folio = page_folio(w->pages[w->nr - 1]);
		int refs = 0;

		do {
			w->nr--;
			refs++;
		} while (w->nr > keep &&
			 page_folio(w->pages[w->nr - 1]) == folio);
		gup_folio_unref(folio, refs, w->flags);
	}
}

/*
 * The helpers from here to walk_pte_table() run once per PTE run or leaf
 * and are forced inline: under emulation especially, a call and return
 * per page would cost as much as the reference update itself.
 */

/* PageCompound() with one branch: head flag or tail bit. */
static __always_inline bool page_seems_compound(struct page *page)
{
	return (READ_ONCE(page->flags) & (1UL << PG_head)) |
	       (READ_ONCE(page->compound_head) & 1);
}

/*
 * How many of the @max pages starting at @page seem to belong to @page's
 * folio.  Nothing holds the folio yet, so the compound metadata read here
 * can be stale; the value only sizes the speculative grab, and grab_run()
 * checks it against the folio once a reference keeps that folio together.
 * One page (a one-page call, the last page of a range) needs no look.
 */
static __always_inline unsigned long folio_span_hint(struct page *page,
						     unsigned long max)
{
	struct page *head;
	unsigned long idx, span;

	if (max == 1 || !page_seems_compound(page))
		return 1;
	head = compound_head(page);
	idx = page_to_pfn(page) - page_to_pfn(head);
	span = compound_nr(head);
	return min(max, idx < span ? span - idx : 1);
}

/*
 * page_is_secretmem() for a page of @folio, which we hold: secretmem
 * folios belong to a file mapping whose a_ops are secretmem_aops.  The
 * commonest answer, an anonymous folio, comes from one test of the
 * mapping's flag bits.  The folio's own ->mapping is read, never a tail
 * page's, so a large folio needs no test of its own: its mapping is not
 * secretmem's.  A mapping that is being torn down stays readable until
 * interrupts are enabled again, like the page tables.
 */
static __always_inline bool gup_page_is_secretmem(struct folio *folio)
{
#ifdef CONFIG_SECRETMEM
	unsigned long mapping = (unsigned long)READ_ONCE(folio->mapping);

	if (mapping & PAGE_MAPPING_FLAGS)
		return false;
	if (!mapping)
		return false;
	return ((struct address_space *)mapping)->a_ops == &secretmem_aops;
#else
	return false;
#endif
}

/*
 * Take one reference (FOLL_GET) or pin (FOLL_PIN) for each of up to *@want
 * pages starting at @page, with one update of @page's folio.  If the folio
 * turns out to end before *@want pages, the surplus is given back and
 * *@want shrinks to what is covered.  Returns whether anything was taken,
 * and the folio in @foliop.  @flags are the walk's (@w->flags, which the
 * PTE loop keeps in a register).
 *
 * The walk may only return pages a locked lookup would return.  A page
 * that FOLL_LONGTERM must not pin (movable zone, CMA, device coherent) is
 * already turned down by try_grab_folio() before anything is taken; what
 * is left to refuse here is secretmem, whose pages never leave their
 * mapping.  Secretmem folios are always small, so a page found through a
 * huge leaf entry (@leaf) needs no test.
 */
static __always_inline bool grab_run(struct gup_fast_walk *w,
				     unsigned int flags, struct page *page,
				     unsigned long *want, bool leaf,
				     struct folio **foliop)
{
	unsigned long n = *want, span;
	struct folio *folio;

	if (!gup_grab_folio(page, n, flags, !leaf, false, &w->acquired,
			    &folio))
		return false;
	if (!leaf && unlikely(gup_page_is_secretmem(folio))) {
		gup_folio_unref(folio, n, flags);
		return false;
	}
	if (n > 1) {
		span = folio_nr_pages(folio) - folio_page_idx(folio, page);
		if (unlikely(n > span)) {
			gup_folio_unref(folio, n - span, flags);
			*want = span;
		}
	}
	*foliop = folio;
	return true;
}

/* Mark @folio referenced, skipping the locked bit operation if it is. */
static __always_inline void note_referenced(struct folio *folio)
{
	if (!folio_test_referenced(folio))
		folio_set_referenced(folio);
}

/* Append @n pages starting at @page (all in @folio) to the result. */
static __always_inline void record_run(struct gup_fast_walk *w,
				       struct folio *folio, struct page *page,
				       unsigned long n)
{
	gup_store_run(w->pages + w->nr, page, n);
	w->nr += n;
	note_referenced(folio);
}

/*
 * ZONE_DEVICE pages are only safe to reference while their dev_pagemap is
 * alive.  Keep a reference on the map covering @pfn for the rest of the
 * walk; get_dev_pagemap() drops the old one when it has to switch maps.
 */
static bool hold_pgmap(struct gup_fast_walk *w, unsigned long pfn)
{
	w->pgmap = get_dev_pagemap(pfn, w->pgmap);
	return w->pgmap;
}

/*
 * Huge leaf entries (PMD, PUD, PGD, hugepd)
 *
 * The caller has read the leaf entry once and checked its permissions.
 * collect_leaf() takes every page of [addr, end) that the leaf maps, one
 * reference update per folio, and the caller then settles the result with
 * settle_leaf(), which drops the lot if the entry changed meanwhile.
 */
static __always_inline bool collect_leaf(struct gup_fast_walk *w,
					 struct page *first, unsigned long nr,
					 bool devmap)
{
	unsigned long keep = w->nr;
	unsigned long done = 0;

	while (done < nr) {
		struct page *page = nth_page(first, done);
		struct folio *folio;
		unsigned long n;

		if (devmap && !hold_pgmap(w, page_to_pfn(page)))
			break;
		n = folio_span_hint(page, nr - done);
		if (!grab_run(w, w->flags, page, &n, true, &folio))
			break;
		record_run(w, folio, page, n);
		done += n;
	}
	if (done == nr)
		return true;
	gup_fast_undo(w, keep);
	return false;
}

/*
 * Would a read-only pin of any folio in @w->pages[@from .. @w->nr) first
 * need the anonymous page unshared?  Leaf mappings track exclusivity on
 * the folio's first page.  Only pins care, and collect_leaf() stored the
 * pages of each folio next to each other, so the scan costs one test per
 * folio, not one per page.
 */
static bool leaf_must_unshare(const struct gup_fast_walk *w,
			      unsigned long from)
{
	unsigned long i = from;

	if (!(w->flags & FOLL_PIN))
		return false;
	while (i < w->nr) {
		struct page *page = w->pages[i];
		struct folio *folio = page_folio(page);

		if (gup_must_unshare(w->flags, &folio->page))
			return true;
		i += folio_nr_pages(folio) - folio_page_idx(folio, page);
	}
	return false;
}

/*
 * Keep what collect_leaf() took only if the leaf entry, read again after
 * the grab, was unchanged (@unchanged) and no unsharing is needed; with
 * @no_unshare (a writable entry, or device memory, which is never
 * anonymous) there is nothing to test.  The unshare test must come after
 * the re-read: it pairs with the barriers in page_try_share_anon_rmap().
 */
static __always_inline bool settle_leaf(struct gup_fast_walk *w,
					unsigned long from, bool unchanged,
					bool no_unshare)
{
	if (unchanged && (no_unshare || !leaf_must_unshare(w, from)))
		return true;
	gup_fast_undo(w, from);
	return false;
}

/*
 * Read a PMD entry without its lock.  With PAE a 32-bit x86 entry is two
 * words, and READ_ONCE() two loads: racing with a clear, they can pair the
 * old low word (present bit and all) with the new, zero high word, and the
 * walk would map a page table, or take pages, at a physical address cut
 * to 32 bits.  x86's PAE writers store an entry whole (cmpxchg8b) or
 * change the low word, which holds the present bit, first; so, as
 * ptep_get_lockless() does for PTEs, read low, high and low again until
 * both reads of the low word agree.  (6.1's other split-entry
 * configuration, sh with X2TLB, gives its PMD writes no such order.)
 */
static __always_inline pmd_t gup_read_pmd(pmd_t *pmdp)
{
#ifdef CONFIG_X86_PAE
	u32 *word = (u32 *)pmdp;
	u32 low, high;

	BUILD_BUG_ON(sizeof(pmd_t) != 2 * sizeof(u32));
	do {
		low = READ_ONCE(word[0]);
		smp_rmb();	/* pairs with the writers' low-first order */
		high = READ_ONCE(word[1]);
		smp_rmb();	/* the high word before the low one again */
	} while (unlikely(low != READ_ONCE(word[0])));
	return __pmd((pmdval_t)high << 32 | low);
#else
	return READ_ONCE(*pmdp);
#endif
}

static unsigned long leaf_pages(unsigned long addr, unsigned long end)
{
	return (end - addr) >> PAGE_SHIFT;
}

static bool take_pmd_leaf(struct gup_fast_walk *w, pmd_t pmd, pmd_t *pmdp,
			  unsigned long addr, unsigned long end)
{
	unsigned long from = w->nr;
	bool devmap = pmd_devmap(pmd);
	struct page *first;
	bool taken;

	VM_WARN_ON_ONCE((addr ^ (end - 1)) & PMD_MASK);
	if (pmd_protnone(pmd) && !gup_can_follow_protnone(w->flags))
		return false;
	if (!pmd_access_permitted(pmd, w->flags & FOLL_WRITE))
		return false;
	if (devmap && (w->flags & FOLL_LONGTERM))
		return false;
	first = nth_page(pmd_page(pmd), (addr & ~PMD_MASK) >> PAGE_SHIFT);
	/*
	 * A one-page span (every one-page call): with a constant count
	 * collect_leaf()'s loop folds away (make bench-count, arm64 gup-fast
	 * thp x1: 290 -> 242 instructions).
	 */
	if (end - addr == PAGE_SIZE)
		taken = collect_leaf(w, first, 1, devmap);
	else
		taken = collect_leaf(w, first, leaf_pages(addr, end), devmap);
	if (!taken)
		return false;
	return settle_leaf(w, from, pmd_val(pmd) == pmd_val(gup_read_pmd(pmdp)),
			   pmd_write(pmd) || devmap);
}

/*
 * PUD and PGD leaves (1 GiB hugetlb or device pages, powerpc) are rare:
 * kept out of line, they no longer spread the walk that every call runs
 * over more code pages (make bench-count: gup_fast_common 5.2 -> 3.4 KiB,
 * one-page calls 2-8 instructions and 1-3 expected page changes fewer).
 */
static noinline bool take_pud_leaf(struct gup_fast_walk *w, pud_t pud,
				   pud_t *pudp, unsigned long addr,
				   unsigned long end)
{
	unsigned long from = w->nr;
	bool devmap = pud_devmap(pud);
	struct page *first;

	VM_WARN_ON_ONCE((addr ^ (end - 1)) & PUD_MASK);
	if (!pud_access_permitted(pud, w->flags & FOLL_WRITE))
		return false;
	if (devmap && (w->flags & FOLL_LONGTERM))
		return false;
	first = nth_page(pud_page(pud), (addr & ~PUD_MASK) >> PAGE_SHIFT);
	if (!collect_leaf(w, first, leaf_pages(addr, end), devmap))
		return false;
	return settle_leaf(w, from, pud_val(pud) == pud_val(READ_ONCE(*pudp)),
			   pud_write(pud) || devmap);
}

/*
 * Only powerpc has PGD-level leaves.  There is no generic pgd_write(), so
 * the entry is treated as read-only: a writable mapping of an anonymous
 * folio implies it is exclusive, so the extra check never refuses wrongly.
 */
static noinline bool take_pgd_leaf(struct gup_fast_walk *w, pgd_t pgd,
				   pgd_t *pgdp, unsigned long addr,
				   unsigned long end)
{
	unsigned long from = w->nr;
	struct page *first;

	VM_WARN_ON_ONCE((addr ^ (end - 1)) & PGDIR_MASK);
	if (!pgd_access_permitted(pgd, w->flags & FOLL_WRITE))
		return false;
	first = nth_page(pgd_page(pgd), (addr & ~PGDIR_MASK) >> PAGE_SHIFT);
	if (!collect_leaf(w, first, leaf_pages(addr, end), false))
		return false;
	return settle_leaf(w, from, pgd_val(pgd) == pgd_val(READ_ONCE(*pgdp)),
			   false);
}

#ifdef CONFIG_ARCH_HAS_HUGEPD
static bool take_hugepte(struct gup_fast_walk *w, pte_t *ptep,
			 unsigned long size, unsigned long addr,
			 unsigned long end)
{
	pte_t pte = huge_ptep_get(ptep);
	unsigned long from = w->nr;
	struct page *first;

	if (!pte_access_permitted(pte, w->flags & FOLL_WRITE))
		return false;
	first = nth_page(pte_page(pte), (addr & (size - 1)) >> PAGE_SHIFT);
	if (!collect_leaf(w, first, leaf_pages(addr, end), false))
		return false;
	return settle_leaf(w, from,
			   pte_val(pte) == pte_val(huge_ptep_get(ptep)),
			   pte_write(pte));
}

/*
 * A hugepd entry points at a small array of huge PTEs, each mapping
 * 1 << hugepd_shift() bytes of the @pdshift-sized area the entry covers.
 */
static bool walk_hugepd(struct gup_fast_walk *w, hugepd_t hpd,
			unsigned int pdshift, unsigned long addr,
			unsigned long end)
{
	unsigned long size = 1UL << hugepd_shift(hpd);
	pte_t *ptep = hugepte_offset(hpd, addr, pdshift);
	unsigned long next;

	for (; addr != end; addr = next, ptep++) {
		next = gup_span_end(addr, end, size);
		if (!take_hugepte(w, ptep, size, addr, next))
			return false;
	}
	return true;
}
#else
static inline bool walk_hugepd(struct gup_fast_walk *w, hugepd_t hpd,
			       unsigned int pdshift, unsigned long addr,
			       unsigned long end)
{
	return false;
}
#endif /* CONFIG_ARCH_HAS_HUGEPD */

/*
 * PTE level
 *
 * A run is a stretch of PTEs of one table that map consecutive pfns of
 * the same kind, bounded by the (apparent) end of the first page's folio.
 */
enum pte_use {
	PTE_UNUSABLE,		/* leave it to the slow path */
	PTE_PLAIN,		/* ordinary page */
	PTE_DEVICE,		/* ZONE_DEVICE page, needs its pgmap */
};

struct pte_run {
	pte_t *ptep;		/* first PTE of the run */
	unsigned long pfn;	/* pfn the first PTE maps, if @nr may grow */
	unsigned long nr;	/* length of the run */
	enum pte_use use;
	unsigned int flags;	/* the walk's FOLL_* flags, kept in a register */
};

#ifdef CONFIG_ARCH_HAS_PTE_SPECIAL
static __always_inline enum pte_use classify_pte(unsigned int flags, pte_t pte)
{
	/* Every architecture's answer includes "present". */
	if (!pte_access_permitted(pte, flags & FOLL_WRITE))
		return PTE_UNUSABLE;
	if (pte_protnone(pte) && !gup_can_follow_protnone(flags))
		return PTE_UNUSABLE;
	if (pte_devmap(pte))
		return (flags & FOLL_LONGTERM) ? PTE_UNUSABLE : PTE_DEVICE;
	if (pte_special(pte))
		return PTE_UNUSABLE;
	return PTE_PLAIN;
}

/* Does @pte still belong to @run as its @i-th entry? */
static __always_inline bool pte_fits_run(const struct pte_run *run,
					 pte_t pte, unsigned long i)
{
	return classify_pte(run->flags, pte) == run->use &&
	       pte_pfn(pte) == run->pfn + i;
}

/*
 * Extend @run, whose first entry is @pte, over the following PTEs, up to
 * @limit entries in total.  Only a run that may grow needs its pfn.
 */
static __always_inline void measure_run(struct pte_run *run, pte_t pte,
					unsigned long limit)
{
	run->nr = 1;
	if (limit == 1)
		return;
	run->pfn = pte_pfn(pte);
	for (; run->nr < limit; run->nr++) {
		pte_t pte = ptep_get_lockless(run->ptep + run->nr);

		if (!pte_fits_run(run, pte, run->nr))
			break;
	}
}

/*
 * gup_must_unshare() for a page the walk found mapped read-only.  Only pins
 * ever unshare, and testing that first makes the answer a constant where
 * the flags are (take_small_ptes()), even if the compiler keeps
 * gup_must_unshare() out of line.
 */
static __always_inline bool pte_must_unshare(unsigned int flags,
					     struct page *page)
{
	return (flags & FOLL_PIN) && gup_must_unshare(flags, page);
}

/*
 * After the grab: does every PTE of @run still map the page we counted,
 * and may each page be pinned without unsharing?  A run of one page (all
 * small folios) must find its PTE exactly as @pte, the value it was
 * classified from.  In a longer run each PTE is judged again from scratch
 * instead, as only the first one's value was kept, so a hardware update
 * of an accessed or dirty bit does not force the slow path there.  The
 * PTE re-read for a page comes before its unshare test, as the
 * anon-exclusive protocol requires.  Whether the table itself is still in
 * place is checked once for the whole table, by walk_pte_table().
 */
static __always_inline bool confirm_run(const struct pte_run *run, pte_t pte,
					struct page *first)
{
	unsigned long i;

	if (run->nr == 1)
		return pte_same(ptep_get_lockless(run->ptep), pte) &&
		       (pte_write(pte) || !pte_must_unshare(run->flags, first));
	for (i = 0; i < run->nr; i++) {
		pte_t now = ptep_get_lockless(run->ptep + i);

		if (!pte_fits_run(run, now, i))
			return false;
		if (!pte_write(now) &&
		    pte_must_unshare(run->flags, nth_page(first, i)))
			return false;
	}
	return true;
}

/* Pinned pages are about to be accessed; some architectures prepare them. */
static __always_inline bool make_run_accessible(unsigned int flags,
						struct page *first,
						unsigned long n)
{
	unsigned long i;

	if (!(flags & FOLL_PIN))
		return true;
	for (i = 0; i < n; i++)
		if (arch_make_page_accessible(nth_page(first, i)))
			return false;
	return true;
}

/*
 * Take the run of PTEs starting at @run->ptep (at most @left of them).
 * Returns how many pages were added to the result; 0 stops the walk.
 */
static __always_inline unsigned long take_pte_run(struct gup_fast_walk *w,
						  struct pte_run *run,
						  unsigned long left)
{
	pte_t pte = ptep_get_lockless(run->ptep);
	struct folio *folio;
	struct page *first;
	unsigned long n;

	run->use = classify_pte(run->flags, pte);
	if (run->use == PTE_UNUSABLE)
		return 0;
	VM_WARN_ON_ONCE(!pfn_valid(pte_pfn(pte)));
	if (run->use == PTE_DEVICE && !hold_pgmap(w, pte_pfn(pte)))
		return 0;
	first = pte_page(pte);
	measure_run(run, pte, folio_span_hint(first, left));

	/* Through a local: passing &run->nr kept the length on the stack. */
	n = run->nr;
	if (!grab_run(w, run->flags, first, &n, false, &folio))
		return 0;
	run->nr = n;
	if (!confirm_run(run, pte, first) ||
	    !make_run_accessible(run->flags, first, run->nr)) {
		gup_folio_unref(folio, run->nr, run->flags);
		return 0;
	}
	record_run(w, folio, first, run->nr);
	return run->nr;
}

/*
 * The plain small pages of a table, the bulk of most walks, one PTE at a
 * time with the output slot and the pin tally in locals: take the @left
 * PTEs from @ptep on for as long as each maps an ordinary page that does
 * not look like part of a large folio, with take_pte_run()'s checks for a
 * run of one.  Stops at the first PTE that needs more (a large folio to
 * take as a run, a device page, a PTE for the slow path, a lost race) and
 * returns how many pages were taken and recorded before it.  A folio
 * grabbed for the PTE it stops at is given back after the loop, so that
 * the loop itself makes no call.
 */
static __always_inline unsigned long take_small_ptes_as(struct gup_fast_walk *w,
							pte_t *ptep,
							unsigned long left,
							unsigned int flags)
{
	struct page **slot = w->pages + w->nr;
	struct gup_pin_tally tally = w->acquired;
	struct folio *undo = NULL;
	unsigned long n;

	for (n = 0; n < left; n++) {
		pte_t pte = ptep_get_lockless(ptep + n);
		struct folio *folio;
		struct page *page;

		if (classify_pte(flags, pte) != PTE_PLAIN)
			break;
		VM_WARN_ON_ONCE(!pfn_valid(pte_pfn(pte)));
		page = pte_page(pte);
		if (page_seems_compound(page) ||
		    !gup_grab_folio(page, 1, flags, true, true, &tally, &folio))
			break;
		if (unlikely(gup_page_is_secretmem(folio)) ||
		    !pte_same(ptep_get_lockless(ptep + n), pte) ||
		    (!pte_write(pte) && pte_must_unshare(flags, page)) ||
		    !make_run_accessible(flags, page, 1)) {
			undo = folio;
			break;
		}
		slot[n] = page;
		note_referenced(folio);
	}
	w->acquired = tally;
	w->nr += n;
	if (undo)
		gup_folio_unref(undo, 1, flags);
	return n;
}

/*
 * take_small_ptes_as() with FOLL_PIN and FOLL_GET constants (a walk has
 * exactly one of them).  Out of line: its setup would otherwise weigh on
 * every one-page call, which never comes here.
 */
static noinline unsigned long take_small_ptes(struct gup_fast_walk *w,
					      pte_t *ptep, unsigned long left,
					      unsigned int flags)
{
	if (flags & FOLL_PIN)
		return take_small_ptes_as(w, ptep, left,
					  (flags & ~FOLL_GET) | FOLL_PIN);
	return take_small_ptes_as(w, ptep, left,
				  (flags & ~FOLL_PIN) | FOLL_GET);
}

/*
 * @pmd is our snapshot of *@pmdp; the table is mapped through the
 * snapshot, so a concurrent change of *@pmdp cannot redirect the walk
 * half-way.
 *
 * A collapse into a THP empties the PMD first and only then looks at the
 * reference counts, while the old table, with PTEs that still look valid,
 * stays readable to us.  So *@pmdp is read again after the grabs; one
 * read after the last grab of the table orders after every earlier grab
 * too, which covers all the runs taken here at the cost of a single load.
 * If it changed, everything this table gave us (possibly nothing) is
 * handed back.
 *
 * @one says that [@addr, @end) is a single page, which the compiler then
 * knows: the small-page loop and the run measuring fold away.
 */
static __always_inline bool walk_pte_table(struct gup_fast_walk *w,
					   pmd_t pmd, pmd_t *pmdp,
					   unsigned long addr,
					   unsigned long end, bool one)
{
	unsigned long left = one ? 1 : (end - addr) >> PAGE_SHIFT;
	unsigned long from = w->nr;
	pte_t *table = pte_offset_map(&pmd, addr);
	struct pte_run run = { .ptep = table, .flags = w->flags };

	VM_WARN_ON_ONCE((addr ^ (end - 1)) & PMD_MASK);
	while (left) {
		unsigned long n;

		if (!one && left > 1) {
			n = take_small_ptes(w, run.ptep, left, run.flags);
			run.ptep += n;
			left -= n;
			if (!left)
				break;
		}
		n = take_pte_run(w, &run, left);
		if (!n)
			break;
		run.ptep += n;
		left -= n;
	}
	pte_unmap(table);

	if (pmd_val(pmd) != pmd_val(gup_read_pmd(pmdp))) {
		gup_fast_undo(w, from);
		return false;
	}
	return left == 0;
}

/*
 * A span of several pages, out of line so that the loops have the
 * registers to themselves: inlined into the walk they kept their state on
 * the stack (make bench-count, gup-fast 4k x512: 113 instead of 96
 * instructions per page), and the call costs about 4 per page table.
 */
static noinline bool walk_pte_span(struct gup_fast_walk *w, pmd_t pmd,
				   pmd_t *pmdp, unsigned long addr,
				   unsigned long end)
{
	return walk_pte_table(w, pmd, pmdp, addr, end, false);
}

/*
 * A one-page span (every one-page call, the commonest request of direct
 * I/O) is taken inline: the call, the saving and restoring of registers
 * and the loop setup cost such a call 34 of its 385 instructions (make
 * bench-count, gup-fast 4k x1: 385 -> 351).
 */
static bool walk_pte_range(struct gup_fast_walk *w, pmd_t pmd, pmd_t *pmdp,
			   unsigned long addr, unsigned long end)
{
	if (end - addr == PAGE_SIZE)
		return walk_pte_table(w, pmd, pmdp, addr, end, true);
	return walk_pte_span(w, pmd, pmdp, addr, end);
}
#else
/*
 * Without pte_special() a PTE of a raw pfn mapping cannot be told from one
 * mapping a normal page, so PTE-mapped ranges always take the slow path.
 * Huge leaves are never special and are still handled above.
 */
static bool walk_pte_range(struct gup_fast_walk *w, pmd_t pmd, pmd_t *pmdp,
			   unsigned long addr, unsigned long end)
{
	return false;
}
#endif /* CONFIG_ARCH_HAS_PTE_SPECIAL */

/*
 * Upper levels
 *
 * The walk descends from the PGD once for each entry of the lowest level
 * it reaches (a PMD whose table it walks, or a huge leaf), rather than
 * looping at every level: the descent costs a few loads per 2 MiB, and
 * while the PTE loop runs nothing of the levels above it is still live,
 * which leaves the registers to that loop.  Each level reads its entry
 * once (READ_ONCE(), or gup_read_pmd()) and works from that snapshot
 * only, finding the next level's entry through gup_slot().  Each
 * function returns the address the walk goes on from (the end of what its
 * entry covers, clipped to the range), or 0 to stop.
 *
 * Every level clips the whole range's end, which no level above has
 * clipped, so it uses gup_span_end() rather than its *_addr_end(): that
 * keeps a page table or a huge leaf from being read past its end where a
 * level is folded away (two-level x86-32, arm64 with three levels, ...),
 * without handing an end down through every level.  The leaf and table
 * functions check it under DEBUG_VM.
 *
 * The leaf tests or their inline checks into one branch and do without
 * pmd_huge() and pud_huge(), which are out-of-line calls.  On every
 * architecture with HAVE_FAST_GUP in 6.1, pmd_leaf() and pud_leaf() of a
 * present entry already answer yes wherever those do (sh defines neither:
 * both are 0 there), hugetlb entries included.  DEBUG_VM checks that on
 * each entry the walk descends through; missing a leaf would make the walk
 * read a huge page as a page table.
 */
static bool pmd_is_gup_leaf(pmd_t pmd)
{
	bool leaf = pmd_leaf(pmd) | pmd_trans_huge(pmd) | pmd_devmap(pmd);

	VM_WARN_ON_ONCE(!leaf && pmd_huge(pmd));
	return leaf;
}

static bool pud_is_gup_leaf(pud_t pud)
{
	bool leaf = pud_leaf(pud) | pud_devmap(pud);

	VM_WARN_ON_ONCE(!leaf && pud_huge(pud));
	return leaf;
}

/*
 * Where the walk finds a level's entry: the @type entry for @addr below
 * the entry at @upperp, whose value the walk read into *@upper.  The
 * *_offset_lockless() helpers index the next table from that copy, so
 * that a change up there cannot send the walk to another table half-way.
 * But a level folded away at build time (@ptrs is a constant 1) has no
 * table: its entry is the one above, and the generic helpers then point
 * into the walk's copy, on the stack.  The re-reads after the grabs ("is
 * the entry still the one we took pages from?") would compare the copy
 * with itself, and a change of the real entry would go unseen (a 4 MiB
 * page on two-level x86-32, a 1 GiB one on arm64 with three levels).  So
 * a folded level points at the entry above, which is memory from the PGD
 * down.  @upper goes by reference: the generic helper of a level folded
 * at boot (x86_64's P4D without 5-level paging; no P4D leaves there)
 * returns its address, which must outlive the walk's use of the result.
 */
#define gup_folded(ptrs)	(__builtin_constant_p(ptrs) && (ptrs) == 1)
#define gup_slot(type, ptrs, upperp, upper, addr) ({			\
	typeof(upperp) __up = (upperp);					\
									\
	gup_folded(ptrs) ? (type##_t *)__up :				\
			   type##_offset_lockless(__up, *(upper), addr); })

static unsigned long walk_pmd(struct gup_fast_walk *w, pud_t pud, pud_t *pudp,
			      unsigned long addr)
{
	pmd_t *pmdp = gup_slot(pmd, PTRS_PER_PMD, pudp, &pud, addr);
	pmd_t pmd = gup_read_pmd(pmdp);
	unsigned long next = gup_span_end(addr, w->end, PMD_SIZE);
	bool ok;

	/* The re-reads after the grabs go through it. */
	VM_WARN_ON_ONCE(object_is_on_stack(pmdp));

	if (!pmd_present(pmd))
		return 0;
	if (pmd_is_gup_leaf(pmd))
		ok = take_pmd_leaf(w, pmd, pmdp, addr, next);
	else if (is_hugepd(__hugepd(pmd_val(pmd))))
		ok = walk_hugepd(w, __hugepd(pmd_val(pmd)), PMD_SHIFT,
				 addr, next);
	else
		ok = walk_pte_range(w, pmd, pmdp, addr, next);
	return ok ? next : 0;
}

static unsigned long walk_pud(struct gup_fast_walk *w, p4d_t p4d, p4d_t *p4dp,
			      unsigned long addr)
{
	pud_t *pudp = gup_slot(pud, PTRS_PER_PUD, p4dp, &p4d, addr);
	pud_t pud = READ_ONCE(*pudp);
	unsigned long next = gup_span_end(addr, w->end, PUD_SIZE);
	bool ok;

	VM_WARN_ON_ONCE(object_is_on_stack(pudp));

	if (!pud_present(pud))
		return 0;
	if (pud_is_gup_leaf(pud))
		ok = take_pud_leaf(w, pud, pudp, addr, next);
	else if (is_hugepd(__hugepd(pud_val(pud))))
		ok = walk_hugepd(w, __hugepd(pud_val(pud)), PUD_SHIFT,
				 addr, next);
	else
		return walk_pmd(w, pud, pudp, addr);
	return ok ? next : 0;
}

static unsigned long walk_p4d(struct gup_fast_walk *w, pgd_t pgd, pgd_t *pgdp,
			      unsigned long addr)
{
	p4d_t *p4dp = gup_slot(p4d, PTRS_PER_P4D, pgdp, &pgd, addr);
	p4d_t p4d = READ_ONCE(*p4dp);

	/* No architecture maps user memory with P4D leaves. */
	if (p4d_none(p4d) || p4d_huge(p4d))
		return 0;
	if (is_hugepd(__hugepd(p4d_val(p4d)))) {
		unsigned long next = gup_span_end(addr, w->end, P4D_SIZE);

		if (!walk_hugepd(w, __hugepd(p4d_val(p4d)), P4D_SHIFT,
				 addr, next))
			return 0;
		return next;
	}
	return walk_pud(w, p4d, p4dp, addr);
}

static unsigned long walk_pgd(struct gup_fast_walk *w, unsigned long addr)
{
	pgd_t *pgdp = pgd_offset(w->mm, addr);
	pgd_t pgd = READ_ONCE(*pgdp);
	unsigned long next = pgd_addr_end(addr, w->end);
	bool ok;

	if (pgd_none(pgd))
		return 0;
	if (pgd_huge(pgd))
		ok = take_pgd_leaf(w, pgd, pgdp, addr, next);
	else if (is_hugepd(__hugepd(pgd_val(pgd))))
		ok = walk_hugepd(w, __hugepd(pgd_val(pgd)), PGDIR_SHIFT,
				 addr, next);
	else
		return walk_p4d(w, pgd, pgdp, addr);
	return ok ? next : 0;
}

/*
 * A range is never empty, and one lowest-level entry covers most calls
 * whole, so the loop tests at its bottom and expects to leave.  No entry
 * ends at address 0, which is therefore free to mean "stop".
 */
static void walk_range(struct gup_fast_walk *w)
{
	unsigned long addr = w->start;

	do {
		addr = walk_pgd(w, addr);
	} while (unlikely(addr && addr != w->end));
}

#ifdef gup_fast_permitted
#define gup_fast_range_ok(start, end)	gup_fast_permitted(start, end)
#else
#define gup_fast_range_ok(start, end)	true
#endif

/*
 * DEBUG_VM cross-check of the anon-exclusive rules: every anonymous page
 * the walk pinned must be exclusive to this mm.  Exclusivity lives on the
 * subpage for a PTE-mapped THP (or on its head while PMD-mapped) and on
 * the first page for small folios and hugetlb.
 */
static void gup_fast_check_pins(const struct gup_fast_walk *w)
{
	unsigned long i;

	if (!IS_ENABLED(CONFIG_DEBUG_VM) || !(w->flags & FOLL_PIN))
		return;
	for (i = 0; i < w->nr; i++) {
		struct page *page = w->pages[i];
		struct folio *folio = page_folio(page);

		if (is_zero_page(page) || !folio_test_anon(folio))
			continue;
		if (folio_test_large(folio) && !folio_test_hugetlb(folio) &&
		    PageAnonExclusive(page))
			continue;
		VM_WARN_ON_ONCE_PAGE(!PageAnonExclusive(&folio->page), page);
	}
}

/*
 * Run the walk over [w->start, w->end) with interrupts off (see the top
 * of the file) and, for pins, inside a write_protect_seq read section.
 * Leaves w->nr at the length of the page prefix that was taken.
 */
static void gup_fast_walk_range(struct gup_fast_walk *w)
{
	bool pin = w->flags & FOLL_PIN;
	unsigned int seq = 0;
	unsigned long irqflags;

	if (!gup_fast_range_ok(w->start, w->end))
		return;
	if (pin) {
		seq = raw_read_seqcount(&w->mm->write_protect_seq);
		if (seq & 1)
			return;
	}

	/* The _irqsave form: the *_fast_only entries may run in IRQ context. */
	local_irq_save(irqflags);
	walk_range(w);
	/* Before interrupts are back: the counter's cheaper update. */
	if (pin)
		gup_tally_flush_irqoff(&w->acquired, NR_FOLL_PIN_ACQUIRED);
	local_irq_restore(irqflags);

	put_dev_pagemap(w->pgmap);
	w->pgmap = NULL;

	if (pin && read_seqcount_retry(&w->mm->write_protect_seq, seq))
		gup_fast_undo(w, 0);
	gup_fast_check_pins(w);
}

#else /* !CONFIG_HAVE_FAST_GUP */

/* No lockless walker on this architecture: everything goes the slow way. */
static void gup_fast_walk_range(struct gup_fast_walk *w)
{
}

#endif /* CONFIG_HAVE_FAST_GUP */

/*
 * Common front end of the four entry points.  @gup_flags already carries
 * FOLL_GET or FOLL_PIN (and FOLL_FAST_ONLY for the _fast_only variants);
 * the entry points have refused FOLL_GET together with FOLL_PIN, and
 * FOLL_LONGTERM without FOLL_PIN, so only unknown flags are left to catch.
 */
static bool gup_fast_flags_ok(unsigned int gup_flags)
{
	return !WARN_ON_ONCE(gup_flags & ~GUP_FAST_ACCEPTED_FLAGS);
}

/* Note once and for all that this mm has seen FOLL_PIN (for fork). */
static void gup_fast_note_pin(struct mm_struct *mm)
{
	if (!test_bit(MMF_HAS_PINNED, &mm->flags))
		set_bit(MMF_HAS_PINNED, &mm->flags);
}

/*
 * Fill in the range of @w from @start and @nr_pages.  Returns 0 when the
 * walk may go ahead, 1 when the request is empty or wraps around (the
 * historical answer for both is "0 pages"), or -EFAULT.  On 32-bit, 2^20
 * pages or more are more bytes than a long holds: a wrap too, where a
 * length cut to its low bits would send the walk round the whole address
 * space.
 */
static int gup_fast_set_range(struct gup_fast_walk *w, unsigned long start,
			      int nr_pages)
{
	unsigned long len;

	if (nr_pages <= 0)
		return 1;
	w->start = untagged_addr(start) & PAGE_MASK;
	if (check_shl_overflow((unsigned long)nr_pages, PAGE_SHIFT, &len) ||
	    check_add_overflow(w->start, len, &w->end))
		return 1;
	if (unlikely(!access_ok((void __user *)w->start, len)))
		return -EFAULT;
	return 0;
}

/* Hand the part the walk did not take to the locked slow path. */
static int gup_fast_finish_slowly(struct gup_fast_walk *w, int nr_pages)
{
	unsigned long done = w->nr;
	long ret;

	ret = gup_slow_unlocked(w->start + (done << PAGE_SHIFT),
				nr_pages - done, w->pages + done, w->flags);
	/* Pages already taken must reach the caller, so they win over -errno. */
	if (ret < 0)
		return done ? (int)done : (int)ret;
	return done + ret;
}

static int gup_fast_common(unsigned long start, int nr_pages,
			   unsigned int gup_flags, struct page **pages)
{
	struct gup_fast_walk w __uninitialized;
	int ret;

	/*
	 * Field by field, and exempt from CONFIG_INIT_STACK_ALL_ZERO: on a
	 * path that runs once per call, clearing the whole struct first costs
	 * a string instruction (slow under emulation).  gup_fast_set_range()
	 * fills in the range before anything reads it.
	 */
	w.mm = current->mm;
	w.flags = gup_flags;
	w.pages = pages;
	w.nr = 0;
	w.pgmap = NULL;
	w.acquired.pgdat = NULL;
	w.acquired.nr = 0;

	if (!gup_fast_flags_ok(gup_flags))
		return -EINVAL;
	if (gup_flags & FOLL_PIN)
		gup_fast_note_pin(w.mm);
	if (!(gup_flags & FOLL_FAST_ONLY))
		might_lock_read(&w.mm->mmap_lock);

	ret = gup_fast_set_range(&w, start, nr_pages);
	if (ret)
		return ret < 0 ? ret : 0;

	gup_fast_walk_range(&w);
	if (likely(w.nr == nr_pages))
		return w.nr;
	if (gup_flags & FOLL_FAST_ONLY)
		return w.nr;
	return gup_fast_finish_slowly(&w, nr_pages);
}

/**
 * get_user_pages_fast_only() - take page references without ever sleeping
 * @start:	user address of the first page
 * @nr_pages:	number of pages wanted
 * @gup_flags:	FOLL_* flags for the lookup (FOLL_WRITE, FOLL_FORCE, ...)
 * @pages:	receives the pages; room for @nr_pages entries
 *
 * Like get_user_pages_fast(), but only the lockless page table walk is
 * tried: no mmap_lock, no faults, no fallback.  It may be called from
 * interrupt context.  Each returned page holds a reference the caller
 * releases with put_page().
 *
 * Mind that a read-only request may return a page that a later write fault
 * replaces by a copy (COW); only pass no FOLL_WRITE if that is acceptable.
 *
 * Return: the number of pages taken, from @start on, which may be fewer
 * than @nr_pages or 0.  Never a negative error code.
 */
int get_user_pages_fast_only(unsigned long start, int nr_pages,
			     unsigned int gup_flags, struct page **pages)
{
	int ret;

	if (!gup_get_flags_valid(gup_flags))
		return 0;
	ret = gup_fast_common(start, nr_pages,
			      gup_flags | FOLL_GET | FOLL_FAST_ONLY, pages);
	return max(ret, 0);
}
EXPORT_SYMBOL_GPL(get_user_pages_fast_only);

/**
 * get_user_pages_fast() - take page references, lockless where possible
 * @start:	user address of the first page
 * @nr_pages:	number of pages wanted
 * @gup_flags:	FOLL_* flags for the lookup; FOLL_PIN and FOLL_LONGTERM
 *		are refused (use pin_user_pages_fast())
 * @pages:	receives the pages; room for @nr_pages entries
 *
 * Walks the page tables of current->mm without taking mmap_lock.  The
 * part of the range the walk cannot take is finished by the regular
 * get_user_pages() machinery under mmap_lock, faulting pages in as
 * needed.  Each returned page holds a reference to drop with put_page().
 *
 * Return: the number of pages taken, from @start on, which may be fewer
 * than @nr_pages; 0 if @nr_pages is 0 or negative; -errno if no page could
 * be taken.
 */
int get_user_pages_fast(unsigned long start, int nr_pages,
			unsigned int gup_flags, struct page **pages)
{
	if (!gup_get_flags_valid(gup_flags))
		return -EINVAL;
	return gup_fast_common(start, nr_pages, gup_flags | FOLL_GET, pages);
}
EXPORT_SYMBOL_GPL(get_user_pages_fast);

/**
 * pin_user_pages_fast() - pin user pages, lockless where possible
 * @start:	user address of the first page
 * @nr_pages:	number of pages wanted
 * @gup_flags:	FOLL_* flags for the lookup, FOLL_LONGTERM allowed;
 *		FOLL_GET is refused
 * @pages:	receives the pages; room for @nr_pages entries, required
 *
 * The FOLL_PIN counterpart of get_user_pages_fast(): same arguments and
 * the same lockless walk with a locked fallback, but the pages are pinned
 * and must be released with unpin_user_page() or unpin_user_pages().  The
 * shared zero page may be returned; it carries no pin, and unpinning it is
 * a no-op.  See Documentation/core-api/pin_user_pages.rst.
 *
 * Return: as for get_user_pages_fast(); -EINVAL for bad arguments.
 */
int pin_user_pages_fast(unsigned long start, int nr_pages,
			unsigned int gup_flags, struct page **pages)
{
	if (!gup_pin_args_valid(gup_flags, pages))
		return -EINVAL;
	return gup_fast_common(start, nr_pages, gup_flags | FOLL_PIN, pages);
}
EXPORT_SYMBOL_GPL(pin_user_pages_fast);

/**
 * pin_user_pages_fast_only() - pin user pages without ever sleeping
 * @start:	user address of the first page
 * @nr_pages:	number of pages wanted
 * @gup_flags:	FOLL_* flags for the lookup; FOLL_GET is refused
 * @pages:	receives the pages; room for @nr_pages entries, required
 *
 * The FOLL_PIN counterpart of get_user_pages_fast_only(): only the
 * lockless walk is tried, nothing sleeps and mmap_lock is never taken.
 * Release the pages with unpin_user_page() or unpin_user_pages().
 *
 * Return: the number of pages pinned, from @start on, possibly 0.  Like
 * get_user_pages_fast_only(), never a negative error code, not even for
 * invalid arguments.
 */
int pin_user_pages_fast_only(unsigned long start, int nr_pages,
			     unsigned int gup_flags, struct page **pages)
{
	int ret;

	if (!gup_pin_args_valid(gup_flags, pages))
		return 0;
	ret = gup_fast_common(start, nr_pages,
			      gup_flags | FOLL_PIN | FOLL_FAST_ONLY, pages);
	return max(ret, 0);
}
EXPORT_SYMBOL_GPL(pin_user_pages_fast_only);

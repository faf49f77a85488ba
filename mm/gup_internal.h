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

#include <linux/mm_types.h>

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

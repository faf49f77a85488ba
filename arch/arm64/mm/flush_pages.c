// SPDX-License-Identifier: GPL-2.0-only
/*
 * flush_dcache_page() over an array of pages, in one call.
 *
 * On arm64 flushing a page for the kernel's sake costs no cache
 * maintenance: it only forgets that the page's instruction cache was
 * brought in sync (PG_dcache_clean), so that the next executable user
 * mapping of it syncs again.  get_user_pages() hands out hundreds of
 * pages per call, mostly runs of one large folio; doing that per page
 * through flush_dcache_page() made two calls for each (the flush and the
 * PageHuge() test inside it).  Here the bit is tested in line, and the
 * hugetlb test is made only for tail pages, once per folio.
 */

#include <linux/cacheflush.h>
#include <linux/mm.h>

/**
 * flush_dcache_page_array() - flush_dcache_page() on each page of an array
 * @pages: the pages, from any folios, in any order
 * @nr: the number of entries of @pages
 *
 * Has the effect of calling flush_dcache_page() on @pages[0] to
 * @pages[@nr - 1]: the flag of a hugetlb folio lives on its head page,
 * every other page has its own.
 *
 * Context: any context; no lock is taken.
 */
void flush_dcache_page_array(struct page **pages, unsigned long nr)
{
	struct folio *last = NULL;
	bool hugetlb = false;
	unsigned long i;

	for (i = 0; i < nr; i++) {
		struct page *page = pages[i];

		/* A small page or a head page carries its own flag. */
		if (PageTail(page)) {
			struct folio *folio = page_folio(page);

			if (unlikely(folio != last)) {
				last = folio;
				hugetlb = folio_test_hugetlb(folio);
			}
			if (hugetlb)
				page = &folio->page;
		}
		if (test_bit(PG_dcache_clean, &page->flags))
			clear_bit(PG_dcache_clean, &page->flags);
	}
}

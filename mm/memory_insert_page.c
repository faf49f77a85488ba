// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mapping driver-owned kernel pages into user VMAs: vm_insert_page(),
 * vm_insert_pages(), vm_map_pages() and vm_map_pages_zero().
 *
 * This file is never compiled by itself.  The gup-harness apply script
 * splices its text into mm/memory.c right after __get_locked_pte(), so it
 * relies on walk_to_pmd() and the includes of memory.c, and it provides
 * insert_page(), which __vm_insert_mixed() further down calls.
 */

/*
 * Only plain kernel allocations may be mapped this way.  Anonymous pages
 * carry an anon_vma in ->mapping, and slab or typed pages (buddy, table,
 * guard...) overlay the mapcount or ->mapping with their own data, so the
 * file rmap accounting done below would corrupt them.
 */
static bool kpage_mappable(struct page *page)
{
	return !PageAnon(page) && !PageSlab(page) && !page_has_type(page);
}

/*
 * Install @page at @addr.  The caller holds the lock of the PTE table that
 * @pte points into.  The new PTE owns one page reference and one file
 * mapcount, and is counted in the mm's file RSS, so zap, fork and exit
 * treat it exactly like a page cache mapping.
 */
static int kpage_set_pte(struct vm_area_struct *vma, pte_t *pte,
			 unsigned long addr, struct page *page, pgprot_t prot)
{
	struct mm_struct *mm = vma->vm_mm;

	if (!pte_none(*pte))
		return -EBUSY;

	flush_dcache_page(page);
	get_page(page);
	page_add_file_rmap(page, vma, false);
	inc_mm_counter_fast(mm, mm_counter_file(page));
	set_pte_at(mm, addr, pte, mk_pte(page, prot));
	return 0;
}

/*
 * Probe whether some task holds @mm's mmap_lock for writing: if a reader
 * can get in, nobody does.  The probe cannot tell which task is the
 * writer, but unlike lockdep it is always compiled in.
 */
static bool mmap_lock_writer_absent(struct mm_struct *mm)
{
	if (!mmap_read_trylock(mm))
		return false;
	mmap_read_unlock(mm);
	return true;
}

/*
 * Map one page, taking the PTE lock for just this page.  Used by
 * vm_insert_page() and by __vm_insert_mixed() on architectures without a
 * special PTE bit.  The caller has already checked @addr against the VMA.
 */
static int insert_page(struct vm_area_struct *vma, unsigned long addr,
		       struct page *page, pgprot_t prot)
{
	spinlock_t *ptl;	/* lock of the PTE table */
	pte_t *pte;
	int err;

	if (!kpage_mappable(page))
		return -EINVAL;

	pte = get_locked_pte(vma->vm_mm, addr, &ptl);
	if (!pte)
		return -ENOMEM;
	err = kpage_set_pte(vma, pte, addr, page, prot);
	pte_unmap_unlock(pte, ptl);
	return err;
}

/*
 * A VMA holding struct-page mappings installed by a driver must be
 * VM_MIXEDMAP, so that vm_normal_page() refcounts them.  If the driver did
 * not set the flag itself, we may set it only from inside an mmap handler
 * (mmap_lock held for writing), and never on a raw PFN mapping.  A caller
 * breaking that rule gets a warning and an error, never a mapping.
 */
static int vma_make_mixedmap(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;

	if (vma->vm_flags & VM_MIXEDMAP)
		return 0;

	mmap_assert_write_locked(mm);
	if (WARN_ON_ONCE(mmap_lock_writer_absent(mm)))
		return -EINVAL;
	if (WARN_ON_ONCE(vma->vm_flags & VM_PFNMAP))
		return -EINVAL;
	vma->vm_flags |= VM_MIXEDMAP;
	return 0;
}

static bool vma_has_addr(struct vm_area_struct *vma, unsigned long addr)
{
	return addr >= vma->vm_start && addr < vma->vm_end;
}

/* Does [@addr, @addr + @npages pages) lie inside @vma? */
static bool vma_covers(struct vm_area_struct *vma, unsigned long addr,
		       unsigned long npages)
{
	if (addr < vma->vm_start || addr > vma->vm_end)
		return false;
	return npages <= (vma->vm_end - addr) >> PAGE_SHIFT;
}

/**
 * vm_insert_page() - Map one kernel page into a user VMA.
 * @vma: The user VMA, normally the one handed to an f_op->mmap() handler.
 * @addr: User address inside @vma where @page should appear.
 * @page: The kernel page.
 *
 * Lets a driver expose memory it allocated itself.  @page must be a single
 * page allocation, or the head or a subpage of a __GFP_COMP allocation;
 * a high-order allocation that is not compound has to be split with
 * split_page() first.  The page need not be reserved.
 *
 * There is no protection argument: the PTE is built from
 * @vma->vm_page_prot, so a driver that wants a writable shared mapping
 * must be mmapped MAP_SHARED with PROT_WRITE.
 *
 * The mapping takes its own reference on @page and is torn down, with
 * that reference, by munmap, exit or zap like any file mapping.
 *
 * Context: Process context.  If @vma is not yet VM_MIXEDMAP, this sets
 * the flag and so must run under mmap_lock held for writing, as in an
 * mmap handler.  Callers elsewhere (a fault handler, say) must mark the
 * VMA VM_MIXEDMAP beforehand and hold the mmap_lock at least for reading.
 *
 * Return: 0 on success; -EFAULT if @addr is outside @vma; -EINVAL if
 * @page is free, anonymous, slab or another page type that cannot be
 * mapped; -EBUSY if something is already mapped at @addr; -ENOMEM if a
 * page table could not be allocated.
 */
int vm_insert_page(struct vm_area_struct *vma, unsigned long addr,
		   struct page *page)
{
	int err;

	if (!vma_has_addr(vma, addr))
		return -EFAULT;
	if (!page_count(page))
		return -EINVAL;

	err = vma_make_mixedmap(vma);
	if (err)
		return err;
	return insert_page(vma, addr, page, vma->vm_page_prot);
}
EXPORT_SYMBOL(vm_insert_page);

#ifdef pte_index
/*
 * State of a vm_insert_pages() call.  The work is split along PTE tables:
 * each table is allocated if needed, locked once, filled with as many of
 * the remaining pages as it covers, and unlocked.
 */
struct kpage_batch {
	struct vm_area_struct *vma;
	unsigned long addr;	/* user address of the next page */
	struct page **next;	/* next page to map */
	unsigned long left;	/* pages not mapped yet */
};

/* Map the next page of @b at @pte, under the PTE table lock. */
static int kpage_batch_one(struct kpage_batch *b, pte_t *pte)
{
	struct page *page = *b->next;
	int err;

	if (!page_count(page) || !kpage_mappable(page))
		return -EINVAL;
	err = kpage_set_pte(b->vma, pte, b->addr, page, b->vma->vm_page_prot);
	if (err)
		return err;

	b->next++;
	b->left--;
	b->addr += PAGE_SIZE;
	return 0;
}

/*
 * Fill the PTE table that @pmd points to, starting at @b->addr, until the
 * table ends, the pages run out or a page fails.
 */
static int kpage_batch_table(struct kpage_batch *b, pmd_t *pmd)
{
	struct mm_struct *mm = b->vma->vm_mm;
	unsigned long room = PTRS_PER_PTE - pte_index(b->addr);
	unsigned long todo = min(room, b->left);
	pte_t *base, *pte;
	spinlock_t *ptl;	/* lock of the PTE table */
	int err = 0;

	base = pte_offset_map_lock(mm, pmd, b->addr, &ptl);
	for (pte = base; todo && !err; todo--, pte++)
		err = kpage_batch_one(b, pte);
	pte_unmap_unlock(base, ptl);
	return err;
}

/* Walk @b table by table until every page is mapped or one fails. */
static int kpage_batch_run(struct kpage_batch *b)
{
	struct mm_struct *mm = b->vma->vm_mm;
	pmd_t *pmd;
	int err;

	while (b->left) {
		pmd = walk_to_pmd(mm, b->addr);
		if (!pmd || pte_alloc(mm, pmd))
			return -ENOMEM;
		err = kpage_batch_table(b, pmd);
		if (err)
			return err;
	}
	return 0;
}

static int insert_page_array(struct vm_area_struct *vma, unsigned long addr,
			     struct page **pages, unsigned long *num)
{
	struct kpage_batch b = {
		.vma = vma,
		.addr = addr,
		.next = pages,
		.left = *num,
	};
	int err;

	err = kpage_batch_run(&b);
	*num = b.left;
	return err;
}
#else
/* Without pte_index() the tables cannot be batched: go page by page. */
static int insert_page_array(struct vm_area_struct *vma, unsigned long addr,
			     struct page **pages, unsigned long *num)
{
	unsigned long done;
	int err = 0;

	for (done = 0; done < *num; done++) {
		err = vm_insert_page(vma, addr + done * PAGE_SIZE, pages[done]);
		if (err)
			break;
	}
	*num -= done;
	return err;
}
#endif

/**
 * vm_insert_pages() - Map an array of kernel pages into a user VMA.
 * @vma: The user VMA.
 * @addr: User address where the first page should appear.
 * @pages: The kernel pages, mapped at consecutive addresses.
 * @num: On entry, the number of pages.  On return, the number of pages
 *	 that were not mapped (0 when all of them were).
 *
 * Behaves like calling vm_insert_page() for each page in turn, with the
 * same requirements on the pages and the same locking rules, but takes
 * each page table lock only once for all the pages that table covers.
 * Prefer it over a vm_insert_page() loop.
 *
 * On failure the pages before the failing one stay mapped; the caller
 * must cope with that (an mmap handler can simply fail, as the VMA is then
 * torn down).
 *
 * Context: Process context, see vm_insert_page().
 * Return: 0 on success, or the error of the first page that could not be
 * mapped, with the same meaning as for vm_insert_page().  -EFAULT, with
 * nothing mapped, if the range does not fit in @vma.
 */
int vm_insert_pages(struct vm_area_struct *vma, unsigned long addr,
		    struct page **pages, unsigned long *num)
{
	int err;

	if (!vma_covers(vma, addr, *num))
		return -EFAULT;

	err = vma_make_mixedmap(vma);
	if (err)
		return err;
	return insert_page_array(vma, addr, pages, num);
}
EXPORT_SYMBOL(vm_insert_pages);

/*
 * Map pages [@first, @first + vma_pages(@vma)) of an object made of the
 * @num pages in @pages over the whole of @vma.
 */
static int map_page_object(struct vm_area_struct *vma, struct page **pages,
			   unsigned long num, unsigned long first)
{
	unsigned long want = vma_pages(vma);

	if (first >= num || want > num - first)
		return -ENXIO;

	return vm_insert_pages(vma, vma->vm_start, pages + first, &want);
}

/**
 * vm_map_pages_zero() - Map a kernel page array over a whole VMA, from 0.
 * @vma: The user VMA, from an mmap handler.
 * @pages: The pages making up the object, in order.
 * @num: Number of entries in @pages.
 *
 * Like vm_map_pages(), but @vma->vm_pgoff is ignored: the first page of
 * @pages always lands at @vma->vm_start.  For drivers whose mmap never
 * gave a meaning to the file offset.
 *
 * Context: Process context, normally an mmap handler.
 * Return: 0 on success; -ENXIO if the VMA is longer than @num pages;
 * otherwise an error as for vm_insert_page().
 */
int vm_map_pages_zero(struct vm_area_struct *vma, struct page **pages,
		      unsigned long num)
{
	return map_page_object(vma, pages, num, 0);
}
EXPORT_SYMBOL(vm_map_pages_zero);

/**
 * vm_map_pages() - Map a kernel page array over a whole VMA, at vm_pgoff.
 * @vma: The user VMA, from an mmap handler.
 * @pages: The pages making up the object, in order.
 * @num: Number of entries in @pages.
 *
 * Treats @pages as an object of @num pages and maps the part the user
 * asked for: page @vma->vm_pgoff of the object lands at @vma->vm_start,
 * and the following ones after it up to @vma->vm_end.
 *
 * If a page fails, the ones mapped before it are left in place.  An mmap
 * handler can just return the error, since the VMA is then destroyed with
 * everything in it; other callers must unmap the range themselves.
 *
 * Context: Process context, normally an mmap handler (see
 * vm_insert_page() for the locking rules).
 * Return: 0 on success; -ENXIO if @vma->vm_pgoff is past the end of the
 * object or the VMA is longer than what is left of it after that offset;
 * otherwise an error as for vm_insert_page().
 */
int vm_map_pages(struct vm_area_struct *vma, struct page **pages,
		 unsigned long num)
{
	return map_page_object(vma, pages, num, vma->vm_pgoff);
}
EXPORT_SYMBOL(vm_map_pages);

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor of the GUP benchmark.
 *
 * Whatever a get_user_pages implementation does, taking references on
 * the pages of a populated user range costs at least this: walk the page
 * tables down to each leaf entry, take the reference once per run of
 * pages that belong to one folio, and store one struct page pointer per
 * user page for the caller.  Releasing them costs at least one reference
 * drop per such run.  This file times exactly that work, so that the
 * benchmark (tools/gup-harness/bench.sh) can show how far each GUP core
 * is from it.
 *
 * /sys/kernel/debug/gup_floor takes one ioctl, GUP_FLOOR_BENCHMARK, whose
 * argument is the struct gup_test of mm/gup_test.h: .addr, .size and
 * .nr_pages_per_call describe the calls as for gup_test, FOLL_WRITE in
 * .gup_flags requires writable entries, and .get_delta_usec and
 * .put_delta_usec return the two times.  The floor never faults: an entry
 * that is not present (or not writable when FOLL_WRITE is asked for)
 * ends the call with -EFAULT, after every reference taken so far has
 * been dropped again.
 *
 * The walk holds mmap_lock for read, taken before the clock starts, as
 * gup_test does for the slow GUP calls, and each page table lock while
 * it reads that table: a mapped page cannot lose its last reference while
 * the lock that unmapping it needs is held, so a plain folio_ref_add() is
 * safe there.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <linux/uaccess.h>

#include "gup_test.h"

/* Not one of gup_test's numbers: the userspace client repeats this one. */
#define GUP_FLOOR_BENCHMARK	_IOWR('g', 64, struct gup_test)

/* Shift the code linked after this file; see GUP_BENCH_PAD in Kconfig. */
#if CONFIG_GUP_BENCH_PAD > 0
asm(".pushsection .text\n"
	".skip " __stringify(CONFIG_GUP_BENCH_PAD) ", 0xcc\n"
	".popsection");
#endif

/**
 * struct floor_walk - the state of one GUP_FLOOR_BENCHMARK call
 * @vma: the VMA the whole range lies in
 * @pages: one slot per page of the range
 * @nr: how many slots of @pages hold a referenced page
 * @write: entries must be writable
 */
struct floor_walk {
	struct vm_area_struct *vma;
	struct page **pages;
	unsigned long nr;
	bool write;
};

/**
 * floor_take_leaf() - reference the pages of one huge leaf entry
 * @w: the walk
 * @head: the first page the leaf entry maps
 * @first: index in the leaf of the first page wanted
 * @n: how many pages are wanted
 *
 * A leaf entry maps one folio, so its pages are one run: one reference
 * update for all of them, then @n slots of @w->pages.
 *
 * Context: the page table lock of the leaf entry is held.
 */
static void floor_take_leaf(struct floor_walk *w, struct page *head,
			    unsigned long first, unsigned long n)
{
	unsigned long i;

	folio_ref_add(page_folio(head), n);
	for (i = 0; i < n; i++)
		w->pages[w->nr++] = nth_page(head, first + i);
}

/**
 * floor_pte_range() - reference the pages a page table maps
 * @w: the walk
 * @pmd: the entry pointing to the page table
 * @addr: first address, inside the table
 * @end: end of the range, at most the end of the table
 *
 * Consecutive entries mapping pages of one folio form a run, which gets
 * one folio_ref_add() before the lock is dropped.
 *
 * Return: 0, or -EFAULT at the first entry that cannot be referenced; the
 * pages before it are referenced and recorded.
 */
static int floor_pte_range(struct floor_walk *w, pmd_t *pmd,
			   unsigned long addr, unsigned long end)
{
	struct folio *run = NULL;
	unsigned long run_len = 0;
	pte_t *start, *ptep;
	spinlock_t *ptl;	/* the page table's lock */
	int ret = 0;

	start = pte_offset_map_lock(w->vma->vm_mm, pmd, addr, &ptl);
	for (ptep = start; addr != end; addr += PAGE_SIZE, ptep++) {
		pte_t pte = ptep_get(ptep);
		struct folio *folio;
		struct page *page;

		if (!pte_present(pte) || (w->write && !pte_write(pte))) {
			ret = -EFAULT;
			break;
		}
		page = vm_normal_page(w->vma, addr, pte);
		if (!page) {
			ret = -EFAULT;
			break;
		}
		folio = page_folio(page);
		if (folio != run) {
			if (run)
				folio_ref_add(run, run_len);
			run = folio;
			run_len = 0;
		}
		run_len++;
		w->pages[w->nr++] = page;
	}
	if (run)
		folio_ref_add(run, run_len);
	pte_unmap_unlock(start, ptl);
	return ret;
}

/**
 * floor_pmd_entry() - reference the pages under one PMD entry
 * @w: the walk
 * @pmd: the PMD entry
 * @addr: first address, under @pmd
 * @end: end of the range, at most the end of what @pmd maps
 *
 * Return: 0, -EFAULT for an empty or non-present entry.
 */
static int floor_pmd_entry(struct floor_walk *w, pmd_t *pmd,
			   unsigned long addr, unsigned long end)
{
	pmd_t pmdval = READ_ONCE(*pmd);
	spinlock_t *ptl;	/* the PMD's lock */

	if (pmd_none(pmdval))
		return -EFAULT;
	if (pmd_trans_huge(pmdval) || pmd_devmap(pmdval)) {
		ptl = pmd_lock(w->vma->vm_mm, pmd);
		pmdval = *pmd;
		if (pmd_trans_huge(pmdval) && pmd_present(pmdval)) {
			if (w->write && !pmd_write(pmdval)) {
				spin_unlock(ptl);
				return -EFAULT;
			}
			floor_take_leaf(w, pmd_page(pmdval),
					(addr & ~PMD_MASK) >> PAGE_SHIFT,
					(end - addr) >> PAGE_SHIFT);
			spin_unlock(ptl);
			return 0;
		}
		spin_unlock(ptl);
		/* Split meanwhile (or a devmap entry): look again. */
		pmdval = READ_ONCE(*pmd);
		if (pmd_none(pmdval) || pmd_leaf(pmdval))
			return -EFAULT;
	}
	if (!pmd_present(pmdval) || pmd_bad(pmdval))
		return -EFAULT;
	return floor_pte_range(w, pmd, addr, end);
}

/**
 * floor_walk_range() - reference the pages of a range of a non-hugetlb VMA
 * @w: the walk
 * @addr: first address
 * @end: end of the range, inside @w->vma
 *
 * Return: 0, -EFAULT at the first address that cannot be referenced
 * without a fault, -EOPNOTSUPP for a PUD-sized leaf (DAX).
 */
static int floor_walk_range(struct floor_walk *w, unsigned long addr,
			    unsigned long end)
{
	struct mm_struct *mm = w->vma->vm_mm;
	unsigned long pud_end, next;
	pgd_t *pgd;
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;
	int ret;

	while (addr != end) {
		pgd = pgd_offset(mm, addr);
		if (pgd_none(*pgd) || pgd_bad(*pgd))
			return -EFAULT;
		p4d = p4d_offset(pgd, addr);
		if (p4d_none(*p4d) || p4d_bad(*p4d))
			return -EFAULT;
		pud = pud_offset(p4d, addr);
		if (pud_none(*pud))
			return -EFAULT;
		if (pud_leaf(*pud))
			return -EOPNOTSUPP;
		if (pud_bad(*pud))
			return -EFAULT;
		/*
		 * Not pud_addr_end(): with the PUD level folded away, it
		 * returns @end unchanged, past the span of this PGD entry.
		 */
		pud_end = min(ALIGN_DOWN(addr, PUD_SIZE) + PUD_SIZE - 1,
			      end - 1) + 1;
		pmd = pmd_offset(pud, addr);
		do {
			next = pmd_addr_end(addr, pud_end);
			ret = floor_pmd_entry(w, pmd, addr, next);
			if (ret)
				return ret;
		} while (pmd++, addr = next, addr != pud_end);
	}
	return 0;
}

/**
 * floor_hugetlb_range() - reference the pages of a range of a hugetlb VMA
 * @w: the walk
 * @addr: first address
 * @end: end of the range, inside @w->vma
 *
 * Each huge page is one folio mapped by one entry: one reference update
 * per huge page touched.
 *
 * Context: the hugetlb VMA lock is held for read.
 * Return: 0, or -EFAULT at the first huge page not mapped as asked.
 */
static int floor_hugetlb_range(struct floor_walk *w, unsigned long addr,
			       unsigned long end)
{
	struct hstate *h = hstate_vma(w->vma);
	unsigned long size = huge_page_size(h);
	unsigned long base, next;
	spinlock_t *ptl;	/* the huge page entry's lock */
	pte_t *ptep;
	pte_t pte;

	for (; addr != end; addr = next) {
		base = addr & huge_page_mask(h);
		next = min(base + size, end);
		ptep = huge_pte_offset(w->vma->vm_mm, base, size);
		if (!ptep)
			return -EFAULT;
		ptl = huge_pte_lock(h, w->vma->vm_mm, ptep);
		pte = huge_ptep_get(ptep);
		if (huge_pte_none(pte) || !pte_present(pte) ||
		    (w->write && !huge_pte_write(pte))) {
			spin_unlock(ptl);
			return -EFAULT;
		}
		floor_take_leaf(w, pte_page(pte), (addr - base) >> PAGE_SHIFT,
				(next - addr) >> PAGE_SHIFT);
		spin_unlock(ptl);
	}
	return 0;
}

/**
 * floor_release() - drop the references floor_*_range() took
 * @pages: the recorded pages
 * @nr: how many there are
 *
 * Consecutive slots holding pages of one folio are one run: one
 * folio_put_refs() each.
 */
static void floor_release(struct page **pages, unsigned long nr)
{
	struct folio *folio;
	unsigned long i, j;

	for (i = 0; i < nr; i = j) {
		folio = page_folio(pages[i]);
		for (j = i + 1; j < nr && page_folio(pages[j]) == folio; j++)
			;
		folio_put_refs(folio, j - i);
	}
}

/**
 * gup_floor_run() - time the floor for one struct gup_test
 * @gt: the request; the times are written back into it
 *
 * The whole range must lie in one VMA, which is looked up before the
 * clock starts: finding it is not part of the floor.
 *
 * Return: 0 with @gt->get_delta_usec, @gt->put_delta_usec set, or a
 * negative errno.  No reference is left behind either way.
 */
static int gup_floor_run(struct gup_test *gt)
{
	struct mm_struct *mm = current->mm;
	struct floor_walk w = { .write = gt->gup_flags & FOLL_WRITE };
	unsigned long start, end, addr, next, step;
	ktime_t t0, t1;
	bool hugetlb;
	int ret = 0;

	if (!mm || !gt->nr_pages_per_call || !gt->size ||
	    gt->addr > ULONG_MAX || gt->size > ULONG_MAX - gt->addr ||
	    !PAGE_ALIGNED(gt->addr) || !PAGE_ALIGNED(gt->size))
		return -EINVAL;
	start = gt->addr;
	end = start + gt->size;
	step = (unsigned long)gt->nr_pages_per_call << PAGE_SHIFT;

	w.pages = kvcalloc(gt->size >> PAGE_SHIFT, sizeof(*w.pages),
			   GFP_KERNEL);
	if (!w.pages)
		return -ENOMEM;
	if (mmap_read_lock_killable(mm)) {
		ret = -EINTR;
		goto free;
	}
	w.vma = vma_lookup(mm, start);
	if (!w.vma || end > w.vma->vm_end ||
	    (w.vma->vm_flags & (VM_IO | VM_PFNMAP))) {
		ret = -EFAULT;
		goto unlock;
	}
	hugetlb = is_vm_hugetlb_page(w.vma);
	if (hugetlb) {
		if (!IS_ALIGNED(start | end, huge_page_size(hstate_vma(w.vma)))) {
			ret = -EINVAL;
			goto unlock;
		}
		hugetlb_vma_lock_read(w.vma);
	}

	t0 = ktime_get();
	for (addr = start; addr != end && !ret; addr = next) {
		next = end - addr > step ? addr + step : end;
		if (hugetlb)
			ret = floor_hugetlb_range(&w, addr, next);
		else
			ret = floor_walk_range(&w, addr, next);
		cond_resched();
	}
	t1 = ktime_get();
	gt->get_delta_usec = ktime_us_delta(t1, t0);
	if (hugetlb)
		hugetlb_vma_unlock_read(w.vma);

	t0 = ktime_get();
	floor_release(w.pages, w.nr);
	t1 = ktime_get();
	gt->put_delta_usec = ktime_us_delta(t1, t0);
	gt->size = w.nr << PAGE_SHIFT;
unlock:
	mmap_read_unlock(mm);
free:
	kvfree(w.pages);
	return ret;
}

static long gup_floor_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct gup_test gt;
	int ret;

	if (cmd != GUP_FLOOR_BENCHMARK)
		return -EINVAL;
	if (copy_from_user(&gt, (void __user *)arg, sizeof(gt)))
		return -EFAULT;
	ret = gup_floor_run(&gt);
	if (ret)
		return ret;
	if (copy_to_user((void __user *)arg, &gt, sizeof(gt)))
		return -EFAULT;
	return 0;
}

static const struct file_operations gup_floor_fops = {
	.open = nonseekable_open,
	.unlocked_ioctl = gup_floor_ioctl,
};

static int __init gup_floor_init(void)
{
	debugfs_create_file_unsafe("gup_floor", 0600, NULL, NULL,
				   &gup_floor_fops);
	return 0;
}
late_initcall(gup_floor_init);

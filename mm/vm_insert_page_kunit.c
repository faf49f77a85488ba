// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for vm_insert_page(), vm_insert_pages(), vm_map_pages() and
 * vm_map_pages_zero().
 *
 * Every case runs with a user mm of its own (include/kunit/user_mm.h) and
 * mmaps a small test "device": an anonymous-inode file whose ->mmap handler
 * gives kernel pages allocated by the test to one of the calls above.  The
 * case then reads and writes those pages through the user mapping, looks
 * them up again with GUP, and checks page reference and map counts and the
 * mm's file RSS before the mapping, while it exists and after munmap.
 *
 * Each case supplies the body of the ->mmap handler.  The handler runs in
 * the test thread with the mmap_lock held for writing, so it only records
 * what the calls returned; the case checks the record once mmap returns.
 */

#include <kunit/resource.h>
#include <kunit/test.h>
#include <kunit/user_mm.h>
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmap_lock.h>
#include <linux/page-flags.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/uaccess.h>

#include "gup_kunit_util.h"

#define VIP_NR_PAGES	4
#define VIP_SEED	0x5eed0000u
#define VIP_MAX_RESULTS	8

struct vip_dev;

/* Body of the device's ->mmap handler for one test case. */
typedef int (*vip_mmap_fn)(struct vip_dev *dev, struct vm_area_struct *vma);

/* Kernel pages that the insert calls must refuse. */
struct vip_bad_pages {
	struct page *slab;	/* backs a kmalloc() object */
	struct page *unref;	/* tail of a non-compound order-1 block */
	struct page *typed;	/* set up as a page table page */
	struct page *anon;	/* anonymous page of the test's own mm */
};

/* The test device: its file, its pages and what its handler observed. */
struct vip_dev {
	struct file *file;
	struct page *pages[VIP_NR_PAGES];
	int base_refs[VIP_NR_PAGES];
	vip_mmap_fn mmap;
	struct vip_bad_pages bad;

	/* Written by the ->mmap handler. */
	int calls;
	unsigned long flags_before;
	unsigned long flags_after;
	int res[VIP_MAX_RESULTS];
	unsigned long left[VIP_MAX_RESULTS];
};

static int vip_fop_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vip_dev *dev = file->private_data;
	int ret;

	dev->calls++;
	dev->flags_before = vma->vm_flags;
	ret = dev->mmap(dev, vma);
	dev->flags_after = vma->vm_flags;
	return ret;
}

static const struct file_operations vip_fops = {
	.owner = THIS_MODULE,
	.mmap = vip_fop_mmap,
};

/* ---- Page contents ---------------------------------------------------- */

static u32 vip_word(u32 seed, unsigned int i)
{
	return seed ^ (i * 0x9e3779b9u);
}

static void vip_fill(void *buf, u32 seed)
{
	u32 *w = buf;
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / sizeof(*w); i++)
		w[i] = vip_word(seed, i);
}

static bool vip_holds(const void *buf, u32 seed)
{
	const u32 *w = buf;
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / sizeof(*w); i++)
		if (w[i] != vip_word(seed, i))
			return false;
	return true;
}

static u32 vip_seed(unsigned int idx)
{
	return VIP_SEED + idx;
}

/* ---- The device ------------------------------------------------------- */

static void vip_bad_pages_put(struct vip_bad_pages *bad)
{
	if (bad->unref)
		__free_pages(bad->unref - 1, 1);
	if (bad->typed) {
		if (PageTable(bad->typed))
			pgtable_pte_page_dtor(bad->typed);
		__free_page(bad->typed);
	}
	if (bad->anon)
		put_page(bad->anon);
}

static void vip_dev_destroy(struct vip_dev *dev)
{
	int i;

	vip_bad_pages_put(&dev->bad);
	if (dev->file)
		fput(dev->file);
	for (i = 0; i < VIP_NR_PAGES; i++)
		if (dev->pages[i])
			__free_page(dev->pages[i]);
	kfree(dev);
}

static void vip_dev_release(struct kunit_resource *res)
{
	vip_dev_destroy(res->data);
}

static int vip_dev_init(struct kunit_resource *res, void *context)
{
	struct vip_dev *dev;
	int i;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	for (i = 0; i < VIP_NR_PAGES; i++) {
		dev->pages[i] = alloc_page(GFP_KERNEL);
		if (!dev->pages[i])
			goto fail;
		vip_fill(page_address(dev->pages[i]), vip_seed(i));
		dev->base_refs[i] = page_ref_count(dev->pages[i]);
	}
	dev->file = anon_inode_getfile("[vip-kunit]", &vip_fops, dev, O_RDWR);
	if (IS_ERR(dev->file)) {
		dev->file = NULL;
		goto fail;
	}
	res->data = dev;
	return 0;
fail:
	vip_dev_destroy(dev);
	return -ENOMEM;
}

/* A device whose ->mmap runs @fn; released when the case ends. */
static struct vip_dev *vip_dev_new(struct kunit *test, vip_mmap_fn fn)
{
	struct vip_dev *dev;

	dev = kunit_alloc_resource(test, vip_dev_init, vip_dev_release,
				   GFP_KERNEL, NULL);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	dev->mmap = fn;
	return dev;
}

static unsigned long vip_mmap_at(struct kunit *test, struct vip_dev *dev,
				 unsigned long addr, unsigned long npages,
				 unsigned long flags, unsigned long pgoff)
{
	return kunit_user_mmap(test, dev->file, addr, npages * PAGE_SIZE,
			       PROT_READ | PROT_WRITE, flags, pgoff);
}

/* Map @npages of @dev shared at any address and insist that it works. */
static unsigned long vip_mmap(struct kunit *test, struct vip_dev *dev,
			      unsigned long npages, unsigned long pgoff)
{
	unsigned long uaddr;

	uaddr = vip_mmap_at(test, dev, 0, npages, MAP_SHARED, pgoff);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(uaddr), "mmap: %ld",
			       (long)uaddr);
	KUNIT_ASSERT_EQ(test, dev->calls, 1);
	return uaddr;
}

static void vip_munmap(struct kunit *test, unsigned long uaddr,
		       unsigned long npages)
{
	KUNIT_ASSERT_EQ(test, vm_munmap(uaddr, npages * PAGE_SIZE), 0);
}

/* ---- Checks ----------------------------------------------------------- */

/* @page is mapped @maps times and holds a reference for each mapping. */
static void vip_expect_maps(struct kunit *test, struct vip_dev *dev,
			    unsigned int idx, int maps)
{
	struct page *page = dev->pages[idx];

	KUNIT_EXPECT_EQ_MSG(test, page_ref_count(page),
			    dev->base_refs[idx] + maps, "page %u", idx);
	KUNIT_EXPECT_EQ_MSG(test, page_mapcount(page), maps, "page %u", idx);
}

static void vip_expect_all_maps(struct kunit *test, struct vip_dev *dev,
				int maps)
{
	unsigned int i;

	for (i = 0; i < VIP_NR_PAGES; i++)
		vip_expect_maps(test, dev, i, maps);
}

static long vip_file_rss(void)
{
	sync_mm_rss(current->mm);
	return get_mm_counter(current->mm, MM_FILEPAGES);
}

/* Reading the user page at @uaddr shows the content seeded with @seed. */
static void vip_expect_user_sees(struct kunit *test, unsigned long uaddr,
				 u32 seed)
{
	void *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, copy_from_user(buf, (void __user *)uaddr,
					     PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE_MSG(test, vip_holds(buf, seed),
			      "user page at %lx, seed %x", uaddr, seed);
}

/* Nothing is mapped at @uaddr and nothing can be faulted in there. */
static void vip_expect_user_hole(struct kunit *test, unsigned long uaddr)
{
	char c;

	KUNIT_EXPECT_NE(test, copy_from_user(&c, (void __user *)uaddr, 1), 0);
}

/* Write a new content through @uaddr; the kernel page @page must see it. */
static void vip_expect_write_through(struct kunit *test, unsigned long uaddr,
				     struct page *page, u32 seed)
{
	void *buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	vip_fill(buf, seed);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)uaddr, buf,
					   PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE(test, vip_holds(page_address(page), seed));
}

/* Pages [@first, @first + @n) of the device appear from @uaddr on. */
static void vip_expect_user_view(struct kunit *test, unsigned long uaddr,
				 unsigned int first, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		vip_expect_user_sees(test, uaddr + i * PAGE_SIZE,
				     vip_seed(first + i));
}

static void vip_expect_mixedmap(struct kunit *test, struct vip_dev *dev)
{
	KUNIT_EXPECT_FALSE(test, dev->flags_before & VM_MIXEDMAP);
	KUNIT_EXPECT_TRUE(test, dev->flags_after & VM_MIXEDMAP);
	KUNIT_EXPECT_FALSE(test, dev->flags_after & VM_PFNMAP);
}

/* ---- Handler bodies --------------------------------------------------- */

/* Insert every page with vm_insert_page(); record the first failure. */
static int vip_mmap_each(struct vip_dev *dev, struct vm_area_struct *vma)
{
	unsigned int i;

	for (i = 0; i < vma_pages(vma) && i < VIP_NR_PAGES; i++) {
		dev->res[0] = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE,
					     dev->pages[i]);
		if (dev->res[0])
			break;
	}
	return 0;
}

/* Insert page 0 only, leaving the rest of the VMA empty. */
static int vip_mmap_first(struct vip_dev *dev, struct vm_area_struct *vma)
{
	dev->res[0] = vm_insert_page(vma, vma->vm_start, dev->pages[0]);
	return 0;
}

/* Insert the VMA's worth of pages with a single vm_insert_pages(). */
static int vip_mmap_batch(struct vip_dev *dev, struct vm_area_struct *vma)
{
	dev->left[0] = min_t(unsigned long, vma_pages(vma), VIP_NR_PAGES);
	dev->res[0] = vm_insert_pages(vma, vma->vm_start, dev->pages,
				      &dev->left[0]);
	return 0;
}

/* Occupy page 2's slot first, so that the batch stops there. */
static int vip_mmap_batch_busy(struct vip_dev *dev, struct vm_area_struct *vma)
{
	dev->res[0] = vm_insert_page(vma, vma->vm_start + 2 * PAGE_SIZE,
				     dev->pages[2]);
	dev->left[1] = VIP_NR_PAGES;
	dev->res[1] = vm_insert_pages(vma, vma->vm_start, dev->pages,
				      &dev->left[1]);
	return 0;
}

static int vip_mmap_map_pages(struct vip_dev *dev, struct vm_area_struct *vma)
{
	return vm_map_pages(vma, dev->pages, VIP_NR_PAGES);
}

static int vip_mmap_map_zero(struct vip_dev *dev, struct vm_area_struct *vma)
{
	return vm_map_pages_zero(vma, dev->pages, VIP_NR_PAGES);
}

/* The shared zero page at every page of the VMA. */
static int vip_mmap_zero_page(struct vip_dev *dev, struct vm_area_struct *vma)
{
	unsigned int i;

	for (i = 0; i < vma_pages(vma) && i < VIP_MAX_RESULTS; i++)
		dev->res[i] = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE,
					     ZERO_PAGE(0));
	return 0;
}

/* Every way the single-page insert must refuse, then a busy slot. */
static int vip_mmap_refusals(struct vip_dev *dev, struct vm_area_struct *vma)
{
	unsigned long start = vma->vm_start;
	struct vip_bad_pages *bad = &dev->bad;

	dev->res[0] = vm_insert_page(vma, start - PAGE_SIZE, dev->pages[0]);
	dev->res[1] = vm_insert_page(vma, vma->vm_end, dev->pages[0]);
	dev->res[2] = vm_insert_page(vma, start, bad->slab);
	dev->res[3] = vm_insert_page(vma, start, bad->unref);
	dev->res[4] = vm_insert_page(vma, start, bad->typed);
	dev->res[5] = vm_insert_page(vma, start, bad->anon);
	dev->res[6] = vm_insert_page(vma, start, dev->pages[0]);
	dev->res[7] = vm_insert_page(vma, start, dev->pages[1]);
	return 0;
}

/*
 * The batch form in a three page VMA: a range running past its end, then
 * a refused page after a good one, then a busy slot after a free one.
 */
static int vip_mmap_batch_refusals(struct vip_dev *dev,
				   struct vm_area_struct *vma)
{
	struct page *mix[2] = { dev->pages[1], dev->bad.slab };

	dev->left[0] = vma_pages(vma);
	dev->res[0] = vm_insert_pages(vma, vma->vm_start + PAGE_SIZE,
				      dev->pages, &dev->left[0]);
	dev->left[1] = 2;
	dev->res[1] = vm_insert_pages(vma, vma->vm_start + PAGE_SIZE, mix,
				      &dev->left[1]);
	dev->left[2] = 2;
	dev->res[2] = vm_insert_pages(vma, vma->vm_start, dev->pages,
				      &dev->left[2]);
	return 0;
}

/* ---- Test cases ------------------------------------------------------- */

static int vip_init(struct kunit *test)
{
	return kunit_user_mm_attach(test);
}

/* vm_insert_page() from ->mmap: visible, writable, counted, undone. */
static void vip_insert_page_map_unmap(struct kunit *test)
{
	struct vip_dev *dev = vip_dev_new(test, vip_mmap_each);
	long rss = vip_file_rss();
	unsigned long uaddr;
	unsigned int i;

	vip_expect_all_maps(test, dev, 0);
	uaddr = vip_mmap(test, dev, VIP_NR_PAGES, 0);
	KUNIT_EXPECT_EQ(test, dev->res[0], 0);
	vip_expect_mixedmap(test, dev);
	vip_expect_all_maps(test, dev, 1);
	KUNIT_EXPECT_EQ(test, vip_file_rss(), rss + VIP_NR_PAGES);

	vip_expect_user_view(test, uaddr, 0, VIP_NR_PAGES);
	for (i = 0; i < VIP_NR_PAGES; i++)
		vip_expect_write_through(test, uaddr + i * PAGE_SIZE,
					 dev->pages[i], ~vip_seed(i));

	vip_munmap(test, uaddr, VIP_NR_PAGES);
	vip_expect_all_maps(test, dev, 0);
	KUNIT_EXPECT_EQ(test, vip_file_rss(), rss);
}

/* A private mapping gets read-only PTEs: a write copies, the page stays. */
static void vip_insert_page_private_cow(struct kunit *test)
{
	struct vip_dev *dev = vip_dev_new(test, vip_mmap_each);
	unsigned long uaddr;
	void *buf;

	uaddr = vip_mmap_at(test, dev, 0, 1, MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(uaddr));
	KUNIT_EXPECT_EQ(test, dev->res[0], 0);
	vip_expect_maps(test, dev, 0, 1);
	vip_expect_user_sees(test, uaddr, vip_seed(0));

	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	vip_fill(buf, ~vip_seed(0));
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)uaddr, buf,
					   PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE(test, vip_holds(page_address(dev->pages[0]),
					  vip_seed(0)));
	vip_expect_user_sees(test, uaddr, ~vip_seed(0));
	vip_expect_maps(test, dev, 0, 0);

	vip_munmap(test, uaddr, 1);
	vip_expect_maps(test, dev, 0, 0);
}

/*
 * Once the VMA is VM_MIXEDMAP, pages may be inserted outside ->mmap with
 * the mmap_lock held only for reading, as a fault handler would do.
 */
static void vip_insert_page_after_mmap(struct kunit *test)
{
	struct vip_dev *dev = vip_dev_new(test, vip_mmap_first);
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	int first = -ENOENT, again = -ENOENT;
	unsigned long uaddr;

	uaddr = vip_mmap(test, dev, 2, 0);
	KUNIT_EXPECT_EQ(test, dev->res[0], 0);
	vip_expect_mixedmap(test, dev);

	mmap_read_lock(mm);
	vma = vma_lookup(mm, uaddr);
	if (vma && (vma->vm_flags & VM_MIXEDMAP)) {
		first = vm_insert_page(vma, uaddr + PAGE_SIZE, dev->pages[1]);
		again = vm_insert_page(vma, uaddr + PAGE_SIZE, dev->pages[2]);
	}
	mmap_read_unlock(mm);

	KUNIT_EXPECT_EQ(test, first, 0);
	KUNIT_EXPECT_EQ(test, again, -EBUSY);
	vip_expect_maps(test, dev, 0, 1);
	vip_expect_maps(test, dev, 1, 1);
	vip_expect_maps(test, dev, 2, 0);
	vip_expect_user_view(test, uaddr, 0, 2);

	vip_munmap(test, uaddr, 2);
	vip_expect_all_maps(test, dev, 0);
}

/* Fill in dev->bad with pages that every insert call has to refuse. */
static void vip_bad_pages_get(struct kunit *test, struct vip_dev *dev)
{
	struct vip_bad_pages *bad = &dev->bad;
	struct page *block;
	unsigned long uaddr;
	void *obj;

	obj = kunit_kmalloc(test, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	bad->slab = virt_to_page(obj);

	block = alloc_pages(GFP_KERNEL, 1);
	KUNIT_ASSERT_NOT_NULL(test, block);
	bad->unref = block + 1;

	bad->typed = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bad->typed);
	if (!pgtable_pte_page_ctor(bad->typed)) {
		__free_page(bad->typed);
		bad->typed = NULL;
		KUNIT_ASSERT_FAILURE(test, "no memory for a page table lock");
	}

	uaddr = kunit_user_mmap_anon(test, PAGE_SIZE, PROT_READ | PROT_WRITE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(uaddr));
	KUNIT_ASSERT_EQ(test, get_user_pages_fast(uaddr, 1, FOLL_WRITE,
						  &bad->anon), 1);
	/*
	 * The fault just added the page to a per-CPU LRU batch, which holds
	 * a reference until it drains: drain now so the counts compared
	 * later are stable.
	 */
	lru_add_drain_all();

	KUNIT_ASSERT_TRUE(test, PageSlab(bad->slab));
	KUNIT_ASSERT_EQ(test, page_count(bad->unref), 0);
	KUNIT_ASSERT_TRUE(test, page_has_type(bad->typed));
	KUNIT_ASSERT_TRUE(test, PageAnon(bad->anon));
}

/* Reference counts of the bad pages, to check that a refusal is clean. */
static void vip_bad_refs(struct vip_bad_pages *bad, int refs[4])
{
	refs[0] = page_count(bad->slab);
	refs[1] = page_count(bad->unref);
	refs[2] = page_count(bad->typed);
	refs[3] = page_count(bad->anon);
}

static void vip_expect_bad_refs(struct kunit *test, struct vip_bad_pages *bad,
				const int before[4])
{
	int now[4], i;

	vip_bad_refs(bad, now);
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ_MSG(test, now[i], before[i], "bad page %d", i);
	KUNIT_EXPECT_EQ(test, page_mapcount(bad->anon), 1);
	KUNIT_EXPECT_FALSE(test, page_mapped(bad->typed));
}

/* vm_insert_page(): -EFAULT, -EINVAL and -EBUSY, each leaving no trace. */
static void vip_insert_page_refusals(struct kunit *test)
{
	struct vip_dev *dev = vip_dev_new(test, vip_mmap_refusals);
	unsigned long uaddr;
	int refs[4];

	vip_bad_pages_get(test, dev);
	vip_bad_refs(&dev->bad, refs);
	uaddr = vip_mmap(test, dev, 2, 0);

	KUNIT_EXPECT_EQ(test, dev->res[0], -EFAULT);
	KUNIT_EXPECT_EQ(test, dev->res[1], -EFAULT);
	KUNIT_EXPECT_EQ(test, dev->res[2], -EINVAL);
	KUNIT_EXPECT_EQ(test, dev->res[3], -EINVAL);
	KUNIT_EXPECT_EQ(test, dev->res[4], -EINVAL);
	KUNIT_EXPECT_EQ(test, dev->res[5], -EINVAL);
	KUNIT_EXPECT_EQ(test, dev->res[6], 0);
	KUNIT_EXPECT_EQ(test, dev->res[7], -EBUSY);
	vip_expect_mixedmap(test, dev);
	vip_expect_bad_refs(test, &dev->bad, refs);
	vip_expect_maps(test, dev, 0, 1);
	vip_expect_maps(test, dev, 1, 0);
	vip_expect_user_sees(test, uaddr, vip_seed(0));
	vip_expect_user_hole(test, uaddr + PAGE_SIZE);

	vip_munmap(test, uaddr, 2);
	vip_expect_all_maps(test, dev, 0);
	vip_expect_bad_refs(test, &dev->bad, refs);
}

/* vm_insert_pages() across a page table boundary, one call for all. */
static void vip_insert_pages_straddle(struct kunit *test)
{
	struct vip_dev *dev = vip_dev_new(test, vip_mmap_batch);
	long rss = vip_file_rss();
	unsigned long resv, want, uaddr;

	resv = kunit_user_mmap_anon(test, 2 * PMD_SIZE, PROT_NONE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(resv));
	want = ALIGN(resv + 1, PMD_SIZE) - 2 * PAGE_SIZE;
	uaddr = vip_mmap_at(test, dev, want, VIP_NR_PAGES,
			    MAP_SHARED | MAP_FIXED, 0);
	KUNIT_ASSERT_EQ(test, uaddr, want);

	KUNIT_EXPECT_EQ(test, dev->res[0], 0);
	KUNIT_EXPECT_EQ(test, dev->left[0], 0);
	vip_expect_mixedmap(test, dev);
	vip_expect_all_maps(test, dev, 1);
	KUNIT_EXPECT_EQ(test, vip_file_rss(), rss + VIP_NR_PAGES);
	vip_expect_user_view(test, uaddr, 0, VIP_NR_PAGES);
	vip_expect_write_through(test, uaddr + 2 * PAGE_SIZE, dev->pages[2],
				 ~vip_seed(2));

	vip_munmap(test, uaddr, VIP_NR_PAGES);
	vip_expect_all_maps(test, dev, 0);
	KUNIT_EXPECT_EQ(test, vip_file_rss(), rss);
}

/* The batch stops at an occupied slot and reports what it left undone. */
static void vip_insert_pages_stop_at_busy(struct kunit *test)
{
	struct vip_dev *dev = vip_dev_new(test, vip_mmap_batch_busy);
	unsigned long uaddr;

	uaddr = vip_mmap(test, dev, VIP_NR_PAGES, 0);
	KUNIT_EXPECT_EQ(test, dev->res[0], 0);
	KUNIT_EXPECT_EQ(test, dev->res[1], -EBUSY);
	KUNIT_EXPECT_EQ(test, dev->left[1], 2);
	vip_expect_maps(test, dev, 0, 1);
	vip_expect_maps(test, dev, 1, 1);
	vip_expect_maps(test, dev, 2, 1);
	vip_expect_maps(test, dev, 3, 0);
	vip_expect_user_view(test, uaddr, 0, 3);
	vip_expect_user_hole(test, uaddr + 3 * PAGE_SIZE);

	vip_munmap(test, uaddr, VIP_NR_PAGES);
	vip_expect_all_maps(test, dev, 0);
}

/* vm_insert_pages(): range check first, then per-page refusals. */
static void vip_insert_pages_refusals(struct kunit *test)
{
	struct vip_dev *dev = vip_dev_new(test, vip_mmap_batch_refusals);
	unsigned long uaddr;
	int refs[4];

	vip_bad_pages_get(test, dev);
	vip_bad_refs(&dev->bad, refs);
	uaddr = vip_mmap(test, dev, 3, 0);

	KUNIT_EXPECT_EQ(test, dev->res[0], -EFAULT);
	KUNIT_EXPECT_EQ(test, dev->left[0], 3);
	KUNIT_EXPECT_EQ(test, dev->res[1], -EINVAL);
	KUNIT_EXPECT_EQ(test, dev->left[1], 1);
	KUNIT_EXPECT_EQ(test, dev->res[2], -EBUSY);
	KUNIT_EXPECT_EQ(test, dev->left[2], 1);
	vip_expect_mixedmap(test, dev);
	vip_expect_bad_refs(test, &dev->bad, refs);
	vip_expect_maps(test, dev, 0, 1);
	vip_expect_maps(test, dev, 1, 1);
	vip_expect_user_view(test, uaddr, 0, 2);
	vip_expect_user_hole(test, uaddr + 2 * PAGE_SIZE);

	vip_munmap(test, uaddr, 3);
	vip_expect_all_maps(test, dev, 0);
	vip_expect_bad_refs(test, &dev->bad, refs);
}

/* vm_map_pages() starts at vm_pgoff: offset 1, three pages. */
static void vip_map_pages_offset(struct kunit *test)
{
	struct vip_dev *dev = vip_dev_new(test, vip_mmap_map_pages);
	unsigned long uaddr;

	uaddr = vip_mmap(test, dev, VIP_NR_PAGES - 1, 1);
	vip_expect_mixedmap(test, dev);
	vip_expect_maps(test, dev, 0, 0);
	vip_expect_maps(test, dev, 1, 1);
	vip_expect_maps(test, dev, 2, 1);
	vip_expect_maps(test, dev, 3, 1);
	vip_expect_user_view(test, uaddr, 1, VIP_NR_PAGES - 1);

	vip_munmap(test, uaddr, VIP_NR_PAGES - 1);
	vip_expect_all_maps(test, dev, 0);
}

/* vm_map_pages_zero() maps from the first page whatever vm_pgoff says. */
static void vip_map_pages_zero_offset(struct kunit *test)
{
	struct vip_dev *dev = vip_dev_new(test, vip_mmap_map_zero);
	unsigned long uaddr;

	uaddr = vip_mmap(test, dev, VIP_NR_PAGES, 2);
	vip_expect_mixedmap(test, dev);
	vip_expect_all_maps(test, dev, 1);
	vip_expect_user_view(test, uaddr, 0, VIP_NR_PAGES);

	vip_munmap(test, uaddr, VIP_NR_PAGES);
	vip_expect_all_maps(test, dev, 0);
}

/* mmap of @npages at @pgoff must fail with @err and leave the pages be. */
static void vip_expect_mmap_fails(struct kunit *test, struct vip_dev *dev,
				  unsigned long npages, unsigned long pgoff,
				  long err)
{
	int calls = dev->calls;
	unsigned long uaddr;

	uaddr = vip_mmap_at(test, dev, 0, npages, MAP_SHARED, pgoff);
	KUNIT_EXPECT_EQ_MSG(test, (long)uaddr, err, "%lu pages at %lu",
			    npages, pgoff);
	if (!IS_ERR_VALUE(uaddr))
		vip_munmap(test, uaddr, npages);
	KUNIT_EXPECT_EQ(test, dev->calls, calls + 1);
	vip_expect_all_maps(test, dev, 0);
}

/* The object is only VIP_NR_PAGES long: no mapping may run past it. */
static void vip_map_pages_bounds(struct kunit *test)
{
	struct vip_dev *dev = vip_dev_new(test, vip_mmap_map_pages);
	struct vip_dev *zero = vip_dev_new(test, vip_mmap_map_zero);
	unsigned long uaddr;

	vip_expect_mmap_fails(test, dev, VIP_NR_PAGES, 1, -ENXIO);
	vip_expect_mmap_fails(test, dev, 1, VIP_NR_PAGES, -ENXIO);
	vip_expect_mmap_fails(test, dev, 1, 1000, -ENXIO);
	vip_expect_mmap_fails(test, zero, VIP_NR_PAGES + 1, 0, -ENXIO);

	/* The very last page of the object is still fine. */
	uaddr = vip_mmap_at(test, dev, 0, 1, MAP_SHARED, VIP_NR_PAGES - 1);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(uaddr));
	vip_expect_maps(test, dev, VIP_NR_PAGES - 1, 1);
	vip_expect_user_sees(test, uaddr, vip_seed(VIP_NR_PAGES - 1));
	vip_munmap(test, uaddr, 1);
	vip_expect_all_maps(test, dev, 0);
}

/* Check @n GUP results against the device pages, then drop them. */
static void vip_expect_gup_identity(struct kunit *test, struct vip_dev *dev,
				    struct page **got, long n, bool pinned)
{
	long i;

	KUNIT_EXPECT_EQ(test, n, VIP_NR_PAGES);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_PTR_EQ(test, got[i], dev->pages[i]);
		KUNIT_EXPECT_EQ(test, page_maybe_dma_pinned(got[i]), pinned);
	}
	if (pinned) {
		unpin_user_pages(got, max(n, 0L));
		return;
	}
	for (i = 0; i < n; i++)
		put_page(got[i]);
}

/* GUP on the mapping finds the very pages that were inserted. */
static void vip_gup_finds_inserted_pages(struct kunit *test)
{
	struct vip_dev *dev = vip_dev_new(test, vip_mmap_batch);
	struct mm_struct *mm = current->mm;
	struct page *got[VIP_NR_PAGES];
	unsigned long uaddr;
	long n;

	uaddr = vip_mmap(test, dev, VIP_NR_PAGES, 0);
	KUNIT_ASSERT_EQ(test, dev->res[0], 0);

	n = pin_user_pages_fast(uaddr, VIP_NR_PAGES, FOLL_WRITE, got);
	vip_expect_gup_identity(test, dev, got, n, true);
	vip_expect_all_maps(test, dev, 1);

	mmap_read_lock(mm);
	n = get_user_pages(uaddr, VIP_NR_PAGES, 0, got, NULL);
	mmap_read_unlock(mm);
	vip_expect_gup_identity(test, dev, got, n, false);

	mmap_read_lock(mm);
	n = pin_user_pages(uaddr, VIP_NR_PAGES, FOLL_WRITE, got, NULL);
	mmap_read_unlock(mm);
	vip_expect_gup_identity(test, dev, got, n, true);
	vip_expect_all_maps(test, dev, 1);

	vip_munmap(test, uaddr, VIP_NR_PAGES);
	vip_expect_all_maps(test, dev, 0);
}

/* @n pins of the zero page, which left its refcount at @ref; unpin them. */
static void vip_expect_zero_pins(struct kunit *test, struct page **got,
				 long n, int ref)
{
	long i;

	KUNIT_EXPECT_EQ(test, n, VIP_NR_PAGES);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE(test, is_zero_page(got[i]));
	KUNIT_EXPECT_EQ(test, page_ref_count(ZERO_PAGE(0)), ref);
	unpin_user_pages(got, max(n, 0L));
	KUNIT_EXPECT_EQ(test, page_ref_count(ZERO_PAGE(0)), ref);
}

/*
 * A driver may map the shared zero page itself (read-only: the mapping is
 * private).  Both walks must then treat it as they treat the zero page of
 * an anonymous read fault: a pin changes neither its refcount nor the pin
 * counters, since unpinning it changes neither; a FOLL_GET reference is
 * an ordinary reference.  Once unmapped, the zero page's refcount is back
 * where it was.
 */
static void vip_zero_page_gup(struct kunit *test)
{
	struct vip_dev *dev = vip_dev_new(test, vip_mmap_zero_page);
	struct page *zero = ZERO_PAGE(0);
	struct page *got[VIP_NR_PAGES];
	struct gupk_pins s0, s1;
	unsigned long uaddr;
	int ref0, ref, i;
	long n;

	ref0 = page_ref_count(zero);
	uaddr = vip_mmap_at(test, dev, 0, VIP_NR_PAGES, MAP_PRIVATE, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(uaddr));
	for (i = 0; i < VIP_NR_PAGES; i++)
		KUNIT_ASSERT_EQ(test, dev->res[i], 0);
	ref = page_ref_count(zero);

	s0 = gupk_pin_stats();
	n = pin_user_pages_fast(uaddr, VIP_NR_PAGES, 0, got);
	vip_expect_zero_pins(test, got, n, ref);
	mmap_read_lock(current->mm);
	n = pin_user_pages(uaddr, VIP_NR_PAGES, 0, got, NULL);
	mmap_read_unlock(current->mm);
	vip_expect_zero_pins(test, got, n, ref);
	s1 = gupk_pin_stats();
	KUNIT_EXPECT_EQ(test, s1.acquired, s0.acquired);
	KUNIT_EXPECT_EQ(test, s1.released, s0.released);

	n = get_user_pages_fast(uaddr, VIP_NR_PAGES, 0, got);
	KUNIT_EXPECT_EQ(test, n, VIP_NR_PAGES);
	KUNIT_EXPECT_EQ(test, page_ref_count(zero), ref + max(n, 0L));
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_TRUE(test, is_zero_page(got[i]));
		put_page(got[i]);
	}

	vip_munmap(test, uaddr, VIP_NR_PAGES);
	KUNIT_EXPECT_EQ(test, page_ref_count(zero), ref0);
}

static struct kunit_case vip_cases[] = {
	KUNIT_CASE(vip_insert_page_map_unmap),
	KUNIT_CASE(vip_insert_page_private_cow),
	KUNIT_CASE(vip_insert_page_after_mmap),
	KUNIT_CASE(vip_insert_page_refusals),
	KUNIT_CASE(vip_insert_pages_straddle),
	KUNIT_CASE(vip_insert_pages_stop_at_busy),
	KUNIT_CASE(vip_insert_pages_refusals),
	KUNIT_CASE(vip_map_pages_offset),
	KUNIT_CASE(vip_map_pages_zero_offset),
	KUNIT_CASE(vip_map_pages_bounds),
	KUNIT_CASE(vip_gup_finds_inserted_pages),
	KUNIT_CASE(vip_zero_page_gup),
	{}
};

static struct kunit_suite vip_suite = {
	.name = "mm_vm_insert_page",
	.init = vip_init,
	.test_cases = vip_cases,
};

kunit_test_suite(vip_suite);

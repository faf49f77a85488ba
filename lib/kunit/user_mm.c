// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit helpers that give a test case a user address space of its own.
 *
 * KUnit runs each test case in a kernel thread, and kernel threads have no
 * user mm: copy_to_user() faults and get_user_pages() has nothing to walk.
 * kunit_user_mm_attach() builds an empty mm, gives it a normal mmap layout
 * and adopts it with kthread_use_mm(), after which the test thread behaves,
 * as far as user memory goes, like a freshly exec'ed process.
 *
 * Lifetime.  The mm carries two user references: one owned by a KUnit
 * resource and one standing for the thread that uses it.  When the test
 * case returns normally, KUnit releases resources in the test thread
 * itself, so the release stops using the mm and drops both references.
 * When an assertion aborts the case, the test thread exits first (and the
 * exit path drops the reference of the mm it was using), and KUnit runs
 * the release later from another thread, which then only drops the
 * resource's own reference.
 *
 * Files.  Kernel threads cannot release files synchronously with fput():
 * the final __fput() is queued to a workqueue.  Once the mm is gone, the
 * release flushes that queue so that memory held by the test's files
 * (shmem, hugetlbfs) is really freed before the next case starts.  When a
 * case was aborted the release runs from KUnit's runner thread instead,
 * where the final fput may be deferred until that thread next returns to
 * user mode.
 */

#include <kunit/resource.h>
#include <kunit/user_mm.h>
#include <linux/anon_inodes.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hugetlb.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/memremap.h>
#include <linux/mman.h>
#include <linux/moduleparam.h>
#include <linux/pfn_t.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>

/* Release of the attach resource: undo kunit_user_mm_attach(). */
static void kunit_user_mm_release(struct kunit_resource *res)
{
	struct mm_struct *mm = res->data;

	if (current->mm == mm) {
		kthread_unuse_mm(mm);
		mmput(mm);
	}
	mmput(mm);
	flush_delayed_fput();
}

/* Init of the attach resource: start using @context as current->mm. */
static int kunit_user_mm_adopt(struct kunit_resource *res, void *context)
{
	struct mm_struct *mm = context;

	mmget(mm);
	kthread_use_mm(mm);
	res->data = mm;
	return 0;
}

/* An empty mm laid out the way exec lays out a native process. */
static struct mm_struct *kunit_user_mm_create(void)
{
	struct mm_struct *mm;

	mm = mm_alloc();
	if (!mm)
		return NULL;
	mm->task_size = TASK_SIZE;
	arch_pick_mmap_layout(mm, &current->signal->rlim[RLIMIT_STACK]);
	return mm;
}

/**
 * kunit_user_mm_attach() - give the running test case its own user mm
 * @test: the test case
 *
 * Creates an empty user address space and makes it current->mm of the
 * test thread until the case ends, so that vm_mmap(), copy_to_user() and
 * the get_user_pages() family operate on it.  Must be called from the
 * test case's own thread, once per case.
 *
 * Return: 0, -EBUSY if the thread already has a user mm, -EINVAL when not
 * called from a kernel thread, or -ENOMEM.
 */
int kunit_user_mm_attach(struct kunit *test)
{
	struct mm_struct *mm;

	if (!(current->flags & PF_KTHREAD))
		return -EINVAL;
	if (current->mm)
		return -EBUSY;

	mm = kunit_user_mm_create();
	if (!mm)
		return -ENOMEM;
	if (!kunit_alloc_resource(test, kunit_user_mm_adopt,
				  kunit_user_mm_release, GFP_KERNEL, mm)) {
		mmput(mm);
		return -ENOMEM;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(kunit_user_mm_attach);

static void kunit_user_file_release(struct kunit_resource *res)
{
	fput(res->data);
	flush_delayed_fput();
}

/*
 * Make @test own @file.  @res is allocated by the caller before the file
 * is created, so that once a file exists handing it over cannot fail; KUnit
 * frees @res together with the resource, as for kunit_alloc_resource().
 */
static struct file *kunit_user_own_file(struct kunit *test,
					struct kunit_resource *res,
					struct file *file)
{
	res->should_kfree = true;
	__kunit_add_resource(test, NULL, kunit_user_file_release, res, file);
	return file;
}

/**
 * kunit_user_adopt_file() - hand a file reference over to the test
 * @test: the test case
 * @file: a file reference the caller owns, or an ERR_PTR()
 *
 * The reference is put when the case ends.  It is consumed even when this
 * fails, and an ERR_PTR() passed in is simply returned, so that the result
 * of a file-creating call can be fed straight in.
 *
 * Return: @file, or an ERR_PTR().
 */
struct file *kunit_user_adopt_file(struct kunit *test, struct file *file)
{
	struct kunit_resource *res;

	if (IS_ERR(file))
		return file;
	res = kzalloc(sizeof(*res), GFP_KERNEL);
	if (!res) {
		fput(file);
		return ERR_PTR(-ENOMEM);
	}
	return kunit_user_own_file(test, res, file);
}
EXPORT_SYMBOL_GPL(kunit_user_adopt_file);

/* Pick MAP_SHARED or MAP_PRIVATE when the caller named neither. */
static unsigned long kunit_user_map_type(unsigned long flags,
					 unsigned long fallback)
{
	if (flags & MAP_TYPE)
		return flags;
	return flags | fallback;
}

/**
 * kunit_user_mmap() - map memory into the test's user mm
 * @test: the test case, after kunit_user_mm_attach()
 * @file: backing file, or NULL for anonymous memory
 * @addr: address hint (or the address for MAP_FIXED), 0 for any
 * @len: length in bytes
 * @prot: PROT_* bits
 * @flags: MAP_* bits (MAP_PRIVATE or MAP_SHARED, MAP_FIXED, MAP_POPULATE...)
 * @pgoff: offset into @file in pages
 *
 * A thin wrapper around vm_mmap(), so MAP_POPULATE and MAP_LOCKED populate
 * the range just as the mmap() system call does.  The mapping stays until
 * the test unmaps it with vm_munmap() or the test's mm is torn down.
 *
 * Return: the user address, or a negative errno (test with IS_ERR_VALUE()).
 */
unsigned long kunit_user_mmap(struct kunit *test, struct file *file,
			      unsigned long addr, unsigned long len,
			      unsigned long prot, unsigned long flags,
			      unsigned long pgoff)
{
	if (!current->mm) {
		kunit_err(test, "%s: no user mm, call kunit_user_mm_attach() first\n",
			  __func__);
		return -ENXIO;
	}
	if (pgoff > (ULONG_MAX >> PAGE_SHIFT))
		return -EOVERFLOW;
	return vm_mmap(file, addr, len, prot, flags, pgoff << PAGE_SHIFT);
}
EXPORT_SYMBOL_GPL(kunit_user_mmap);

/**
 * kunit_user_mmap_anon() - map anonymous memory into the test's user mm
 * @test: the test case, after kunit_user_mm_attach()
 * @len: length in bytes
 * @prot: PROT_* bits
 * @flags: MAP_* bits; MAP_PRIVATE is implied unless MAP_SHARED is given
 *
 * A MAP_SHARED anonymous mapping is backed by shmem, as with mmap(2).
 *
 * Return: the user address, or a negative errno (test with IS_ERR_VALUE()).
 */
unsigned long kunit_user_mmap_anon(struct kunit *test, unsigned long len,
				   unsigned long prot, unsigned long flags)
{
	flags = kunit_user_map_type(flags | MAP_ANONYMOUS, MAP_PRIVATE);
	return kunit_user_mmap(test, NULL, 0, len, prot, flags, 0);
}
EXPORT_SYMBOL_GPL(kunit_user_mmap_anon);

/**
 * kunit_user_shmem_file() - create a shmem file owned by the test
 * @test: the test case
 * @size: file size in bytes
 *
 * The file is opened read-write, so it can be filled with kernel_write()
 * and mapped shared and writable.  It is put when the case ends.
 *
 * Return: the file, or an ERR_PTR().
 */
struct file *kunit_user_shmem_file(struct kunit *test, loff_t size)
{
	return kunit_user_adopt_file(test,
				   shmem_file_setup("kunit-user-shmem", size, 0));
}
EXPORT_SYMBOL_GPL(kunit_user_shmem_file);

/**
 * kunit_user_cache_file() - create a regular page cache file owned by the test
 * @test: the test case
 * @size: file size in bytes
 *
 * The file lives alone on a private ramfs mount, so its pages are plain
 * page cache pages: mapped by the generic filemap fault code, with
 * ->page_mkwrite on the first write through a shared mapping, never swapped
 * out.  It is opened read-write and put when the case ends; the mount goes
 * away with the file's last reference.
 *
 * Return: the file, or an ERR_PTR().
 */
struct file *kunit_user_cache_file(struct kunit *test, loff_t size)
{
	struct file_system_type *type = get_fs_type("ramfs");
	struct vfsmount *mnt;
	struct file *file;
	int err;

	if (!type)
		return ERR_PTR(-ENODEV);
	mnt = kern_mount(type);
	put_filesystem(type);
	if (IS_ERR(mnt))
		return ERR_CAST(mnt);
	file = file_open_root_mnt(mnt, "kunit-user-cache",
				  O_RDWR | O_CREAT | O_EXCL | O_LARGEFILE,
				  0600);
	/* An open file holds the mount; drop the mount's own reference. */
	kern_unmount(mnt);
	if (IS_ERR(file))
		return file;
	err = vfs_truncate(&file->f_path, size);
	if (err) {
		fput(file);
		return ERR_PTR(err);
	}
	return kunit_user_adopt_file(test, file);
}
EXPORT_SYMBOL_GPL(kunit_user_cache_file);

/**
 * kunit_user_mmap_shmem() - map a fresh shmem file into the test's user mm
 * @test: the test case, after kunit_user_mm_attach()
 * @len: length in bytes, also the size of the file
 * @prot: PROT_* bits
 * @flags: MAP_* bits; MAP_SHARED is implied unless MAP_PRIVATE is given
 *
 * Return: the user address, or a negative errno (test with IS_ERR_VALUE()).
 */
unsigned long kunit_user_mmap_shmem(struct kunit *test, unsigned long len,
				    unsigned long prot, unsigned long flags)
{
	struct file *file;

	file = kunit_user_shmem_file(test, len);
	if (IS_ERR(file))
		return PTR_ERR(file);
	flags = kunit_user_map_type(flags, MAP_SHARED);
	return kunit_user_mmap(test, file, 0, len, prot, flags, 0);
}
EXPORT_SYMBOL_GPL(kunit_user_mmap_shmem);

/**
 * kunit_user_hugetlb_size() - size of the default huge page
 *
 * Return: the size in bytes of the pages kunit_user_mmap_hugetlb() maps,
 * or 0 when the kernel cannot provide hugetlb pages.
 */
unsigned long kunit_user_hugetlb_size(void)
{
#ifdef CONFIG_HUGETLBFS
	if (hugepages_supported())
		return huge_page_size(&default_hstate);
#endif
	return 0;
}
EXPORT_SYMBOL_GPL(kunit_user_hugetlb_size);

/**
 * kunit_user_hugetlb_file() - create a hugetlbfs file owned by the test
 * @test: the test case
 * @size: file size in bytes, a multiple of kunit_user_hugetlb_size()
 *
 * The file lives on the internal hugetlbfs mount used for MAP_HUGETLB and
 * uses the default huge page size.  Huge pages for the whole file are
 * reserved as it is created, so shared mappings of it cannot run short;
 * private mappings reserve their own unless mapped with MAP_NORESERVE.
 *
 * Return: the file, or an ERR_PTR(): -ENOMEM when too few huge pages are
 * free, -EOPNOTSUPP without hugetlb support.
 */
struct file *kunit_user_hugetlb_file(struct kunit *test, size_t size)
{
	struct file *file = ERR_PTR(-EOPNOTSUPP);

#ifdef CONFIG_HUGETLBFS
	if (kunit_user_hugetlb_size())
		file = hugetlb_file_setup(HUGETLB_ANON_FILE, size, 0,
					  HUGETLB_ANONHUGE_INODE, 0);
#endif
	return kunit_user_adopt_file(test, file);
}
EXPORT_SYMBOL_GPL(kunit_user_hugetlb_file);

/**
 * kunit_user_hugetlb_free() - free huge pages of one size
 * @page_size: the huge page size in bytes, such as PUD_SIZE
 *
 * Counts the huge pages of @page_size that a new hugetlbfs file could
 * reserve now: free ones not already promised to an existing reservation.
 * A case that needs such a page can thus tell "not configured" from "all
 * in use" before it tries to map one.
 *
 * Return: the count, -ENODEV when there is no pool of that size (the
 * command line did not name it with hugepagesz=), or -EOPNOTSUPP when the
 * kernel cannot provide hugetlb pages.
 */
long kunit_user_hugetlb_free(unsigned long page_size)
{
#ifdef CONFIG_HUGETLBFS
	struct hstate *h;
	long nr;

	if (!hugepages_supported())
		return -EOPNOTSUPP;
	h = size_to_hstate(page_size);
	if (!h)
		return -ENODEV;
	spin_lock_irq(&hugetlb_lock);
	nr = (long)h->free_huge_pages - (long)h->resv_huge_pages;
	spin_unlock_irq(&hugetlb_lock);
	return max(nr, 0L);
#else
	return -EOPNOTSUPP;
#endif
}
EXPORT_SYMBOL_GPL(kunit_user_hugetlb_free);

/**
 * kunit_user_hugetlb_total() - size of the pool of huge pages of one size
 * @page_size: the huge page size in bytes, such as PUD_SIZE
 *
 * Return: the number of huge pages of @page_size the kernel has, free or
 * in use; errors as for kunit_user_hugetlb_free().  0 with a pool the
 * command line asked for means that the kernel could not set the pages
 * aside at boot.
 */
long kunit_user_hugetlb_total(unsigned long page_size)
{
#ifdef CONFIG_HUGETLBFS
	struct hstate *h;

	if (!hugepages_supported())
		return -EOPNOTSUPP;
	h = size_to_hstate(page_size);
	if (!h)
		return -ENODEV;
	return READ_ONCE(h->nr_huge_pages);
#else
	return -EOPNOTSUPP;
#endif
}
EXPORT_SYMBOL_GPL(kunit_user_hugetlb_total);

/**
 * kunit_user_hugetlb_file_sized() - a hugetlbfs file of a given page size
 * @test: the test case
 * @size: file size in bytes, a multiple of @page_size
 * @page_size: the huge page size in bytes, such as PUD_SIZE
 *
 * As kunit_user_hugetlb_file(), but the file lives on the internal mount
 * of the @page_size pool, so that a shared mapping of it is aligned to
 * @page_size and faults in pages of that size.
 *
 * Return: the file, or an ERR_PTR(): -ENOMEM when too few huge pages of
 * @page_size are free, -ENODEV when there is no pool of that size,
 * -EINVAL when @page_size is not a power of two, -EOPNOTSUPP without
 * hugetlb support.
 */
struct file *kunit_user_hugetlb_file_sized(struct kunit *test, size_t size,
					   unsigned long page_size)
{
	struct file *file = ERR_PTR(-EOPNOTSUPP);

#ifdef CONFIG_HUGETLBFS
	if (!is_power_of_2(page_size))
		file = ERR_PTR(-EINVAL);
	else if (kunit_user_hugetlb_free(page_size) == -ENODEV)
		file = ERR_PTR(-ENODEV);
	else if (kunit_user_hugetlb_size())
		file = hugetlb_file_setup(HUGETLB_ANON_FILE, size, 0,
					  HUGETLB_ANONHUGE_INODE,
					  ilog2(page_size));
#endif
	return kunit_user_adopt_file(test, file);
}
EXPORT_SYMBOL_GPL(kunit_user_hugetlb_file_sized);

/**
 * kunit_user_mmap_hugetlb() - map fresh hugetlb memory into the test's mm
 * @test: the test case, after kunit_user_mm_attach()
 * @len: length in bytes, rounded up to kunit_user_hugetlb_size()
 * @prot: PROT_* bits
 * @flags: MAP_* bits; MAP_SHARED is implied unless MAP_PRIVATE is given
 *
 * Return: the user address (aligned to the huge page size), or a negative
 * errno when the kernel has no hugetlbfs or no free huge pages.
 */
unsigned long kunit_user_mmap_hugetlb(struct kunit *test, unsigned long len,
				      unsigned long prot, unsigned long flags)
{
	unsigned long hsize = kunit_user_hugetlb_size();
	struct file *file;

	if (!hsize)
		return -EOPNOTSUPP;
	len = ALIGN(len, hsize);
	file = kunit_user_hugetlb_file(test, len);
	if (IS_ERR(file))
		return PTR_ERR(file);
	flags = kunit_user_map_type(flags, MAP_SHARED);
	return kunit_user_mmap(test, file, 0, len, prot, flags, 0);
}
EXPORT_SYMBOL_GPL(kunit_user_mmap_hugetlb);

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/* Map @len bytes at a PMD-aligned address by trimming a larger mapping. */
static unsigned long kunit_user_mmap_aligned(struct kunit *test,
					     unsigned long len,
					     unsigned long prot,
					     unsigned long flags)
{
	unsigned long raw, start, head;

	raw = kunit_user_mmap_anon(test, len + HPAGE_PMD_SIZE, prot, flags);
	if (IS_ERR_VALUE(raw))
		return raw;
	start = ALIGN(raw, HPAGE_PMD_SIZE);
	head = start - raw;
	if (head)
		vm_munmap(raw, head);
	if (HPAGE_PMD_SIZE - head)
		vm_munmap(start + len, HPAGE_PMD_SIZE - head);
	return start;
}

/**
 * kunit_user_mmap_thp() - map memory that can be backed by PMD-sized THPs
 * @test: the test case, after kunit_user_mm_attach()
 * @len: length in bytes, rounded up to a multiple of HPAGE_PMD_SIZE
 * @prot: PROT_* bits
 * @flags: MAP_* bits; MAP_PRIVATE anonymous memory unless MAP_SHARED
 *
 * The range is aligned to HPAGE_PMD_SIZE and advised MADV_HUGEPAGE before
 * anything is faulted in.  If @flags asks for MAP_POPULATE, the range is
 * populated after the advice (with MADV_POPULATE_WRITE when @prot allows
 * writing), so the first fault can already install a huge page.  Whether
 * a THP is actually used still depends on the THP sysfs settings and on
 * huge page availability; callers should check.
 *
 * Return: the user address, or a negative errno (test with IS_ERR_VALUE()).
 */
unsigned long kunit_user_mmap_thp(struct kunit *test, unsigned long len,
				  unsigned long prot, unsigned long flags)
{
	unsigned long start;
	int populate = 0;
	int err;

	if (flags & MAP_POPULATE)
		populate = (prot & PROT_WRITE) ? MADV_POPULATE_WRITE :
						 MADV_POPULATE_READ;
	len = ALIGN(len, HPAGE_PMD_SIZE);
	start = kunit_user_mmap_aligned(test, len, prot, flags & ~MAP_POPULATE);
	if (IS_ERR_VALUE(start))
		return start;

	err = do_madvise(current->mm, start, len, MADV_HUGEPAGE);
	if (!err && populate)
		err = do_madvise(current->mm, start, len, populate);
	if (err) {
		vm_munmap(start, len);
		return err;
	}
	return start;
}
#else
unsigned long kunit_user_mmap_thp(struct kunit *test, unsigned long len,
				  unsigned long prot, unsigned long flags)
{
	return -EOPNOTSUPP;
}
#endif
EXPORT_SYMBOL_GPL(kunit_user_mmap_thp);

/**
 * kunit_user_ops_file() - create a file with test-supplied operations
 * @test: the test case
 * @fops: file operations; ->mmap decides what a mapping of the file gets
 * @priv: stored in file->private_data
 *
 * The file is an anonymous-inode file opened read-write.  It is put when
 * the case ends; @fops->release, if any, runs once the last reference
 * (including those held by mappings) is gone, which makes it the place to
 * free whatever @priv owns.  When this fails no file was created, so
 * @fops->release is not called and @priv stays the caller's.
 *
 * Return: the file, or an ERR_PTR().
 */
struct file *kunit_user_ops_file(struct kunit *test,
				 const struct file_operations *fops,
				 void *priv)
{
	struct kunit_resource *res;
	struct file *file;

	res = kzalloc(sizeof(*res), GFP_KERNEL);
	if (!res)
		return ERR_PTR(-ENOMEM);
	file = anon_inode_getfile("[kunit-user]", fops, priv, O_RDWR);
	if (IS_ERR(file)) {
		kfree(res);
		return file;
	}
	return kunit_user_own_file(test, res, file);
}
EXPORT_SYMBOL_GPL(kunit_user_ops_file);

/**
 * kunit_user_mmap_ops() - map a file with test-supplied operations
 * @test: the test case, after kunit_user_mm_attach()
 * @fops: file operations; ->mmap sets up the new VMA
 * @priv: stored in file->private_data
 * @len: length in bytes
 * @prot: PROT_* bits
 * @flags: MAP_* bits; MAP_SHARED is implied unless MAP_PRIVATE is given
 *
 * Return: the user address, or a negative errno (test with IS_ERR_VALUE()).
 */
unsigned long kunit_user_mmap_ops(struct kunit *test,
				  const struct file_operations *fops,
				  void *priv, unsigned long len,
				  unsigned long prot, unsigned long flags)
{
	struct file *file;

	file = kunit_user_ops_file(test, fops, priv);
	if (IS_ERR(file))
		return PTR_ERR(file);
	flags = kunit_user_map_type(flags, MAP_SHARED);
	return kunit_user_mmap(test, file, 0, len, prot, flags, 0);
}
EXPORT_SYMBOL_GPL(kunit_user_mmap_ops);

/*
 * Device memory.  "kunit_user_mm.devmem=SIZE@START" on the command line names
 * physical memory that exists but that the kernel does not own as RAM: on
 * x86 a range reserved with memmap=SIZE$START, on arm64 memory above
 * what mem= lets the kernel use.  The first test that asks for it turns the range into
 * ZONE_DEVICE pages (MEMORY_DEVICE_GENERIC, as device-dax does for
 * soft-reserved memory) with a kernel direct mapping; they stay for the
 * rest of the boot, so no test has to wait for another test's mappings to
 * go away.  Tests map the pages into their mm as devmap entries.
 */
#ifdef CONFIG_ZONE_DEVICE
#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "kunit_user_mm."

static char *kunit_devmem_param;
module_param_named(devmem, kunit_devmem_param, charp, 0444);
MODULE_PARM_DESC(devmem,
		 "SIZE@START: physical memory, not the kernel's RAM, for devmap tests");

static struct {
	struct mutex lock;		/* serialises the first use */
	struct dev_pagemap pgmap;	/* its range: what the parameter says */
	int err;			/* result of the first use */
	bool tried;
} kunit_devmem = {
	.lock = __MUTEX_INITIALIZER(kunit_devmem.lock),
};

/* Read SIZE@START into @range; a range there but malformed is an error. */
static int kunit_devmem_parse(struct range *range)
{
	u64 size, start;
	char *rest;

	if (!kunit_devmem_param || !*kunit_devmem_param)
		return -ENODEV;
	size = memparse(kunit_devmem_param, &rest);
	if (!size || *rest != '@')
		return -EINVAL;
	start = memparse(rest + 1, &rest);
	if (*rest || !IS_ALIGNED(start | size, PMD_SIZE))
		return -EINVAL;
	range->start = start;
	range->end = start + size - 1;
	return 0;
}

/* Give the range struct pages in ZONE_DEVICE and a direct mapping. */
static int kunit_devmem_create(void)
{
	struct dev_pagemap *pgmap = &kunit_devmem.pgmap;
	int err;

	err = kunit_devmem_parse(&pgmap->range);
	if (err)
		return err;
	pgmap->type = MEMORY_DEVICE_GENERIC;
	pgmap->nr_range = 1;
	return PTR_ERR_OR_ZERO(memremap_pages(pgmap, NUMA_NO_NODE));
}

/**
 * kunit_user_devmem_pages() - the device pages tests may map
 * @nr: set to the number of pages
 *
 * The pages are ZONE_DEVICE pages of type MEMORY_DEVICE_GENERIC, contiguous
 * from the one returned, each with a reference count of one that belongs
 * to the range.  Their contents are whatever earlier tests left there.
 *
 * Return: the first page, ERR_PTR(-ENODEV) when the command line names no
 * range, or the error that setting the range up gave.
 */
struct page *kunit_user_devmem_pages(unsigned long *nr)
{
	mutex_lock(&kunit_devmem.lock);
	if (!kunit_devmem.tried) {
		kunit_devmem.err = kunit_devmem_create();
		kunit_devmem.tried = true;
	}
	mutex_unlock(&kunit_devmem.lock);
	if (kunit_devmem.err)
		return ERR_PTR(kunit_devmem.err);
	*nr = range_len(&kunit_devmem.pgmap.range) >> PAGE_SHIFT;
	return pfn_to_page(PHYS_PFN(kunit_devmem.pgmap.range.start));
}
EXPORT_SYMBOL_GPL(kunit_user_devmem_pages);

/* Every entry is installed when the range is mapped; nothing to fault. */
static vm_fault_t kunit_devmem_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct kunit_devmem_vm_ops = {
	.fault = kunit_devmem_fault,
};

static int kunit_devmem_mmap(struct file *file, struct vm_area_struct *vma)
{
	vma->vm_flags |= VM_MIXEDMAP | VM_DONTEXPAND;
	vma->vm_ops = &kunit_devmem_vm_ops;
	return 0;
}

static const struct file_operations kunit_devmem_fops = {
	.owner	= THIS_MODULE,
	.mmap	= kunit_devmem_mmap,
};

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/* One devmap PMD leaf mapping @pfn at @addr, built as a huge fault would. */
static vm_fault_t kunit_devmem_pmd(struct vm_area_struct *vma,
				   unsigned long addr, unsigned long pfn)
{
	struct vm_fault vmf = { .vma = vma, .address = addr };
	struct mm_struct *mm = vma->vm_mm;
	p4d_t *p4d;
	pud_t *pud;

	p4d = p4d_alloc(mm, pgd_offset(mm, addr), addr);
	pud = p4d ? pud_alloc(mm, p4d, addr) : NULL;
	vmf.pmd = pud ? pmd_alloc(mm, pud, addr) : NULL;
	if (!vmf.pmd)
		return VM_FAULT_OOM;
	return vmf_insert_pfn_pmd(&vmf, __pfn_to_pfn_t(pfn, PFN_DEV | PFN_MAP),
				  vma->vm_flags & VM_WRITE);
}
#else
static vm_fault_t kunit_devmem_pmd(struct vm_area_struct *vma,
				   unsigned long addr, unsigned long pfn)
{
	return VM_FAULT_SIGBUS;
}
#endif

/* One devmap PTE mapping @pfn at @addr, dirty and writable if @vma is. */
static vm_fault_t kunit_devmem_pte(struct vm_area_struct *vma,
				   unsigned long addr, unsigned long pfn)
{
	pfn_t entry = __pfn_to_pfn_t(pfn, PFN_DEV | PFN_MAP);

	if (vma->vm_flags & VM_WRITE)
		return vmf_insert_mixed_mkwrite(vma, addr, entry);
	return vmf_insert_mixed(vma, addr, entry);
}

/* Fill the VMA at @addr with entries for the pages from @pfn on. */
static int kunit_devmem_install(unsigned long addr, unsigned long len,
				unsigned long pfn, bool huge)
{
	struct mm_struct *mm = current->mm;
	unsigned long step = huge ? PMD_SIZE : PAGE_SIZE;
	struct vm_area_struct *vma;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	unsigned long end = addr + len;

	mmap_write_lock(mm);
	vma = find_vma(mm, addr);
	for (; vma && addr < end; addr += step, pfn += step >> PAGE_SHIFT) {
		ret = huge ? kunit_devmem_pmd(vma, addr, pfn) :
			     kunit_devmem_pte(vma, addr, pfn);
		if (ret != VM_FAULT_NOPAGE)
			break;
	}
	mmap_write_unlock(mm);
	return ret == VM_FAULT_NOPAGE ? 0 : vm_fault_to_errno(ret, 0);
}

/* A free stretch of @len bytes of the test's mm that starts PMD-aligned. */
static unsigned long kunit_devmem_hole(struct kunit *test, unsigned long len)
{
	unsigned long raw;

	raw = kunit_user_mmap_anon(test, len + PMD_SIZE, PROT_NONE, 0);
	if (IS_ERR_VALUE(raw))
		return raw;
	vm_munmap(raw, len + PMD_SIZE);
	return ALIGN(raw, PMD_SIZE);
}

/**
 * kunit_user_mmap_devmem() - map device pages as devmap entries
 * @test: the test case, after kunit_user_mm_attach()
 * @first: index of the first device page (see kunit_user_devmem_pages())
 * @len: length in bytes; a multiple of PMD_SIZE when @huge
 * @prot: PROT_* bits
 * @huge: map with PMD leaves (then @first must be PMD-aligned) or PTEs
 *
 * The mapping is MAP_SHARED and starts at a PMD-aligned address.  Every
 * entry is installed before this returns, marked devmap (and special), the
 * way a device-dax driver maps its memory, writable and dirty when @prot
 * allows writing.  The pages get no reference from the mapping; a fault
 * anywhere in it is a SIGBUS.
 *
 * Return: the user address, or a negative errno (test with IS_ERR_VALUE()):
 * -ENODEV when there is no device memory, -EINVAL when the request does
 * not fit it, -EOPNOTSUPP for PMD leaves where the MMU has none (see
 * has_transparent_hugepage(); powerpc's hash MMU with 4K pages).
 */
unsigned long kunit_user_mmap_devmem(struct kunit *test, unsigned long first,
				     unsigned long len, unsigned long prot,
				     bool huge)
{
	unsigned long nr, addr, align = huge ? PMD_SIZE : PAGE_SIZE;
	struct page *base = kunit_user_devmem_pages(&nr);
	struct file *file;
	int err;

	if (IS_ERR(base))
		return PTR_ERR(base);
	if (huge && !has_transparent_hugepage())
		return -EOPNOTSUPP;
	if (!len || !IS_ALIGNED(len | first << PAGE_SHIFT, align) ||
	    first + (len >> PAGE_SHIFT) > nr)
		return -EINVAL;
	file = kunit_user_ops_file(test, &kunit_devmem_fops, NULL);
	if (IS_ERR(file))
		return PTR_ERR(file);
	addr = kunit_devmem_hole(test, len);
	if (IS_ERR_VALUE(addr))
		return addr;
	addr = kunit_user_mmap(test, file, addr, len, prot,
			       MAP_SHARED | MAP_FIXED_NOREPLACE, first);
	if (IS_ERR_VALUE(addr))
		return addr;
	err = kunit_devmem_install(addr, len, page_to_pfn(base) + first, huge);
	if (err) {
		vm_munmap(addr, len);
		return err;
	}
	return addr;
}
EXPORT_SYMBOL_GPL(kunit_user_mmap_devmem);
#else
struct page *kunit_user_devmem_pages(unsigned long *nr)
{
	return ERR_PTR(-ENODEV);
}
EXPORT_SYMBOL_GPL(kunit_user_devmem_pages);

unsigned long kunit_user_mmap_devmem(struct kunit *test, unsigned long first,
				     unsigned long len, unsigned long prot,
				     bool huge)
{
	return -ENODEV;
}
EXPORT_SYMBOL_GPL(kunit_user_mmap_devmem);
#endif

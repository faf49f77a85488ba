/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit helpers that give a test case a user address space of its own.
 *
 * A test calls kunit_user_mm_attach() once; from then on current->mm is a
 * fresh, empty mm that the test thread uses as its own, and the mapping
 * helpers below place memory in it.  Everything is torn down through KUnit
 * resources when the test case ends, whether it passed or failed.
 *
 * The mapping helpers return a user address, or a negative errno folded
 * into the unsigned long (test the result with IS_ERR_VALUE()).  Files they
 * create belong to the test and are released with it; a mapping holds its
 * own reference on its file, so the file lives as long as the mapping.
 *
 * The functions are documented with their definitions in
 * lib/kunit/user_mm.c.
 */
#ifndef _KUNIT_USER_MM_H
#define _KUNIT_USER_MM_H

#include <kunit/test.h>
#include <linux/fs.h>
#include <linux/types.h>

int kunit_user_mm_attach(struct kunit *test);

unsigned long kunit_user_mmap(struct kunit *test, struct file *file,
			      unsigned long addr, unsigned long len,
			      unsigned long prot, unsigned long flags,
			      unsigned long pgoff);

/* Anonymous memory (MAP_PRIVATE unless @flags says MAP_SHARED). */
unsigned long kunit_user_mmap_anon(struct kunit *test, unsigned long len,
				   unsigned long prot, unsigned long flags);

/* Make the test own (and finally put) a file reference. */
struct file *kunit_user_adopt_file(struct kunit *test, struct file *file);

/* A fresh shmem file of @size bytes, owned by the test. */
struct file *kunit_user_shmem_file(struct kunit *test, loff_t size);

/*
 * A fresh regular file of @size bytes on a private ramfs mount (page cache
 * pages, not shmem), owned by the test.
 */
struct file *kunit_user_cache_file(struct kunit *test, loff_t size);

/*
 * A fresh shmem file of @len bytes, mapped (MAP_SHARED unless @flags says
 * MAP_PRIVATE).
 */
unsigned long kunit_user_mmap_shmem(struct kunit *test, unsigned long len,
				    unsigned long prot, unsigned long flags);

/* The default huge page size, or 0 when hugetlb is unavailable. */
unsigned long kunit_user_hugetlb_size(void);

/* A fresh hugetlbfs file of @size bytes, owned by the test. */
struct file *kunit_user_hugetlb_file(struct kunit *test, size_t size);

/*
 * A fresh hugetlbfs file of @len bytes (rounded up to the default huge
 * page size), mapped with @flags.  Negative -errno when the kernel has no
 * hugetlbfs or no free huge pages.
 */
unsigned long kunit_user_mmap_hugetlb(struct kunit *test, unsigned long len,
				      unsigned long prot, unsigned long flags);

/*
 * Huge pages of @page_size bytes that are free and not reserved, -ENODEV
 * when the kernel has no huge page size @page_size (not given on the
 * command line with hugepagesz=), -EOPNOTSUPP without hugetlb support.
 */
long kunit_user_hugetlb_free(unsigned long page_size);

/* All huge pages of @page_size, free or not; errors as above. */
long kunit_user_hugetlb_total(unsigned long page_size);

/*
 * A fresh hugetlbfs file of @size bytes (a multiple of @page_size) backed
 * by huge pages of @page_size bytes, owned by the test.
 */
struct file *kunit_user_hugetlb_file_sized(struct kunit *test, size_t size,
					   unsigned long page_size);

/*
 * Anonymous memory aligned to HPAGE_PMD_SIZE and advised MADV_HUGEPAGE, so
 * that a write fault can install a PMD-mapped THP.  @len is rounded up to
 * a multiple of HPAGE_PMD_SIZE.
 */
unsigned long kunit_user_mmap_thp(struct kunit *test, unsigned long len,
				  unsigned long prot, unsigned long flags);

/* An anonymous-inode file with the given operations, owned by the test. */
struct file *kunit_user_ops_file(struct kunit *test,
				 const struct file_operations *fops,
				 void *priv);

/* Such a file, mapped (MAP_SHARED unless @flags says MAP_PRIVATE). */
unsigned long kunit_user_mmap_ops(struct kunit *test,
				  const struct file_operations *fops,
				  void *priv, unsigned long len,
				  unsigned long prot, unsigned long flags);

/*
 * ZONE_DEVICE pages for tests, from the range given with
 * kunit_user_mm.devmem=SIZE@START: the first page, and their number in *@nr.
 * ERR_PTR(-ENODEV) when there is none.
 */
struct page *kunit_user_devmem_pages(unsigned long *nr);

/*
 * Device pages [@first, @first + @len / PAGE_SIZE) mapped MAP_SHARED at a
 * PMD-aligned address as devmap entries, all installed up front: PMD
 * leaves when @huge, PTEs otherwise.
 */
unsigned long kunit_user_mmap_devmem(struct kunit *test, unsigned long first,
				     unsigned long len, unsigned long prot,
				     bool huge);

#endif /* _KUNIT_USER_MM_H */
